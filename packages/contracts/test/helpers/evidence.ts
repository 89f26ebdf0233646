import {
  g1ToEip2537,
  g2ToEip2537,
  insecureTrustedRedeal,
  partialSign,
  commitmentsMessage as protocolCommitmentsMessage,
  recoverGroupSignature,
  transitionMessage,
  VoteKind,
  voteMessageBytes,
} from '@synod/protocol';
import { type Address, bytesToHex, concatHex, type Hex, keccak256, toBytes } from 'viem';
import { equivocationRegistryAbi, equivocationRegistryBytecode } from '../../src/artifacts.ts';
import type { TestChain } from './chain.ts';
import { type Committee, deployFixture, type Fixture, thresholdSign } from './synod.ts';

/**
 * EquivocationRegistry over a fixture's CommitteeRegistry; with `genesisCommitments`, trusting
 * them for epoch 0 (as deploySynod does), else with none registered.
 */
export async function deployEquivocationRegistry(
  chain: TestChain,
  fixture: Fixture,
  genesisCommitments: Hex = '0x',
): Promise<Address> {
  const hash = await chain.walletClient.deployContract({
    abi: equivocationRegistryAbi,
    bytecode: equivocationRegistryBytecode,
    args: [fixture.deployment.registry, BigInt(fixture.domain.networkId), 0n, genesisCommitments],
  });
  return (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
}

/** The committee's commitments as registerCommitments takes them: t × 128-byte EIP-2537 points. */
export function commitmentsEip(committee: Committee): Hex {
  return concatHex(committee.commitments.map((point) => bytesToHex(g1ToEip2537(point))));
}

/** What the committee signs to register its commitments, as nodes compute it (@synod/protocol). */
export function commitmentsMessage(
  chain: TestChain,
  registry: Address,
  networkId: number,
  epoch: bigint,
  hash: Hex,
): Hex {
  return protocolCommitmentsMessage({
    chainId: chain.chain.id,
    registry,
    networkId,
    epoch: Number(epoch),
    commitmentsHash: hash,
  });
}

/**
 * A prevote for block `blockByte`×32 at (height, round) signed with the share of `signer`
 * (default: the validator itself), as recordEquivocation takes it.
 */
export function signedPrevote(
  committee: Committee,
  networkId: number,
  vote: { height: number; round: number; blockByte: string },
  signer: number,
): { blockId: Hex; signature: Hex } {
  const blockId = `0x${vote.blockByte.repeat(32)}` as Hex;
  const message = voteMessageBytes({
    kind: VoteKind.Prevote,
    networkId,
    height: vote.height,
    round: vote.round,
    blockId,
  });
  const share = committee.shares[signer]!;
  return { blockId, signature: bytesToHex(g2ToEip2537(partialSign(share.secretKey, message))) };
}

/** Gas of registering a committee's commitments and of recording one equivocation, n = 4 and 16. */
export async function measureEquivocationGas(chain: TestChain): Promise<{
  registerCommitments: Record<string, number>;
  recordEquivocation: Record<string, number>;
  registerTransition: Record<string, number>;
}> {
  const registerCommitments: Record<string, number> = {};
  const recordEquivocation: Record<string, number> = {};
  const registerTransition: Record<string, number> = {};
  for (const n of [4, 16]) {
    const fixture = await deployFixture(chain, { n, seed: 100 + n });
    const registry = await deployEquivocationRegistry(chain, fixture);
    const commitments = commitmentsEip(fixture.committee);
    const message = commitmentsMessage(chain, registry, fixture.domain.networkId, 0n, keccak256(commitments));
    const gasOf = async (hash: Promise<Hex>) => {
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
      return Number(receipt.gasUsed);
    };
    registerCommitments[`n${n}`] = await gasOf(
      chain.walletClient.writeContract({
        address: registry,
        abi: equivocationRegistryAbi,
        functionName: 'registerCommitments',
        args: [0n, commitments, thresholdSign(fixture.committee, message)],
      }),
    );
    const vote = (blockByte: string) =>
      signedPrevote(fixture.committee, fixture.domain.networkId, { height: 9, round: 0, blockByte }, 1);
    recordEquivocation[`n${n}`] = await gasOf(
      chain.walletClient.writeContract({
        address: registry,
        abi: equivocationRegistryAbi,
        functionName: 'recordEquivocation',
        args: [0n, 1, 9n, 0, VoteKind.Prevote, commitments, vote('a1'), vote('b2')],
      }),
    );
    // Epoch 1 by reshare (a refresh of the same n): registered from its transition record.
    const next = insecureTrustedRedeal(
      {
        groupPublicKey: fixture.committee.groupPublicKey,
        commitments: fixture.committee.commitments,
        shares: fixture.committee.shares,
      },
      n,
      fixture.committee.t,
      keccak256(toBytes(`gas bench reshare ${n}`), 'bytes'),
    );
    const recordMessage = transitionMessage(fixture.domain.networkId, {
      epoch: 1,
      validatorCount: n,
      commitments: next.commitments,
    });
    const approvals = next.shares
      .slice(0, fixture.committee.t)
      .map((share) => ({ index: share.index, signature: partialSign(share.secretKey, recordMessage) }));
    registerTransition[`n${n}`] = await gasOf(
      chain.walletClient.writeContract({
        address: registry,
        abi: equivocationRegistryAbi,
        functionName: 'registerTransition',
        args: [
          1n,
          n,
          concatHex(next.commitments.map((point) => bytesToHex(g1ToEip2537(point)))),
          bytesToHex(g2ToEip2537(recoverGroupSignature(approvals, fixture.committee.t))),
        ],
      }),
    );
  }
  return { registerCommitments, recordEquivocation, registerTransition };
}
