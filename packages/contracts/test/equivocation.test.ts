import {
  g1ToEip2537,
  g2ToEip2537,
  insecureTrustedRedeal,
  partialSign,
  recoverGroupSignature,
  transitionMessage,
  VoteKind,
} from '@synod/protocol';
import {
  type Address,
  bytesToHex,
  concatHex,
  type Hex,
  keccak256,
  parseEventLogs,
  toFunctionSelector,
} from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equivocationRegistryAbi } from '../src/artifacts.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { expectRevert } from './helpers/contracts.ts';
import {
  commitmentsEip,
  commitmentsMessage,
  deployEquivocationRegistry,
  signedPrevote as prevote,
} from './helpers/evidence.ts';
import { deployFixture, type Fixture, thresholdSign } from './helpers/synod.ts';

let chain: TestChain;
let fixture: Fixture;
let evidence: Address;
let commitments: Hex;

const NETWORK_ID = 7;

beforeAll(async () => {
  chain = await startTestChain();
  fixture = await deployFixture(chain, { n: 4, networkId: NETWORK_ID });
  evidence = await deployEquivocationRegistry(chain, fixture);
  commitments = commitmentsEip(fixture.committee);
});

afterAll(async () => {
  await chain?.anvil.stop();
});

const write = (functionName: string, args: readonly unknown[]) =>
  chain.walletClient.writeContract({
    address: evidence,
    abi: equivocationRegistryAbi,
    functionName,
    args,
  } as never);
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: evidence,
    abi: equivocationRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;
async function mined(hash: Promise<Hex>) {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

const messageOf = (epoch: bigint, hash: Hex) => commitmentsMessage(chain, evidence, NETWORK_ID, epoch, hash);
/** Validator `index`'s prevote at (height, round) for `blockByte`×32, signed by `signer`'s share. */
const signedPrevote = (index: number, height: number, round: number, blockByte: string, signer = index) =>
  prevote(fixture.committee, NETWORK_ID, { height, round, blockByte }, signer);

describe('EquivocationRegistry', () => {
  it('refuses commitments not certified by the epoch key, or whose first point is not the group key', async () => {
    const hash = keccak256(commitments);
    const forged = thresholdSign(
      {
        ...fixture.committee,
        shares: fixture.committee.shares.map((share) => ({
          ...share,
          secretKey: fixture.committee.shares[0]!.secretKey,
        })),
      },
      messageOf(0n, hash),
    );
    await expectRevert(
      write('registerCommitments', [0n, commitments, forged]),
      'InvalidCommitmentsCertificate',
    );
    const swapped = concatHex([
      `0x${commitments.slice(2 + 256, 2 + 512)}`,
      `0x${commitments.slice(2, 2 + 256)}`,
      `0x${commitments.slice(2 + 512)}`,
    ]);
    await expectRevert(
      write('registerCommitments', [
        0n,
        swapped,
        thresholdSign(fixture.committee, messageOf(0n, keccak256(swapped))),
      ]),
      'FirstCommitmentNotGroupKey',
    );
    await expectRevert(
      write('registerCommitments', [0n, `0x${commitments.slice(2, 2 + 512)}`, forged]),
      'WrongCommitmentCount',
    );
  });

  it('trusts genesis commitments given at deployment only if they are t points starting with the group key', async () => {
    const trusted = await deployEquivocationRegistry(chain, fixture, commitments);
    expect(
      await chain.publicClient.readContract({
        address: trusted,
        abi: equivocationRegistryAbi,
        functionName: 'commitmentsHash',
        args: [0n],
      }),
    ).toBe(keccak256(commitments));
    const swapped = concatHex([
      `0x${commitments.slice(2 + 256, 2 + 512)}`,
      `0x${commitments.slice(2, 2 + 256)}`,
      `0x${commitments.slice(2 + 512)}`,
    ]);
    // A reverted deployment's error is not decoded against the ABI: match the error selector.
    const deployReverts = async (genesis: Hex, error: string) => {
      const caught = await deployEquivocationRegistry(chain, fixture, genesis).catch(
        (reason: unknown) => reason,
      );
      expect(String((caught as Error).message)).toContain(toFunctionSelector(error));
    };
    await deployReverts(swapped, 'FirstCommitmentNotGroupKey()');
    await deployReverts(`0x${commitments.slice(2, 2 + 512)}`, 'WrongCommitmentCount(uint256,uint32)');
  });

  it('registers the commitments with a threshold signature, once', async () => {
    const hash = keccak256(commitments);
    const signature = thresholdSign(fixture.committee, messageOf(0n, hash));
    expect(await read('commitmentsMessage', [0n, hash])).toBe(messageOf(0n, hash));
    await mined(write('registerCommitments', [0n, commitments, signature]));
    expect(await read('commitmentsHash', [0n])).toBe(hash);
    await expectRevert(
      write('registerCommitments', [0n, commitments, signature]),
      'CommitmentsAlreadyRegistered',
    );
  });

  it('derives every share key the protocol derives', async () => {
    for (const share of fixture.committee.shares) {
      const key = await read<Hex>('sharePublicKey', [commitments, share.index - 1]);
      expect(key).toBe(bytesToHex(g1ToEip2537(share.publicKey)));
    }
  });

  it('records two conflicting signed votes of one validator once, permissionlessly', async () => {
    const [first, second] = [signedPrevote(2, 40, 1, 'a1'), signedPrevote(2, 40, 1, 'b2')];
    const receipt = await mined(
      write('recordEquivocation', [0n, 2, 40n, 1, VoteKind.Prevote, commitments, first, second]),
    );
    const [event] = parseEventLogs({
      abi: equivocationRegistryAbi,
      logs: receipt.logs,
      eventName: 'EquivocationRecorded',
    });
    expect(event?.args).toMatchObject({
      epoch: 0n,
      validatorIndex: 2,
      height: 40n,
      round: 1,
      kind: 1,
      firstBlockId: first.blockId,
      secondBlockId: second.blockId,
    });
    expect(await read('recorded', [await read('offenceId', [0n, 40n, 1, VoteKind.Prevote, 2])])).toBe(true);
    await expectRevert(
      write('recordEquivocation', [0n, 2, 40n, 1, VoteKind.Prevote, commitments, second, first]),
      'AlreadyRecorded',
    );
  });

  it('refuses what proves nothing: one block twice, a vote of another validator, wrong commitments, a bad kind or index', async () => {
    const first = signedPrevote(1, 41, 0, 'a1');
    const cases: [string, readonly unknown[], string][] = [
      [
        'the same block',
        [0n, 1, 41n, 0, VoteKind.Prevote, commitments, first, signedPrevote(1, 41, 0, 'a1')],
        'VotesDoNotConflict',
      ],
      [
        'another signer',
        [0n, 1, 41n, 0, VoteKind.Prevote, commitments, first, signedPrevote(1, 41, 0, 'b2', 3)],
        'InvalidVoteSignature',
      ],
      [
        'another height in the message',
        [0n, 1, 42n, 0, VoteKind.Prevote, commitments, first, signedPrevote(1, 42, 0, 'b2')],
        'InvalidVoteSignature',
      ],
      [
        'precommit kind for prevotes',
        [0n, 1, 41n, 0, VoteKind.Precommit, commitments, first, signedPrevote(1, 41, 0, 'b2')],
        'InvalidVoteSignature',
      ],
      [
        'wrong commitments',
        [
          0n,
          1,
          41n,
          0,
          VoteKind.Prevote,
          `0x${commitments.slice(2, 2 + 512)}`,
          first,
          signedPrevote(1, 41, 0, 'b2'),
        ],
        'WrongCommitments',
      ],
      [
        'an unregistered epoch',
        [5n, 1, 41n, 0, VoteKind.Prevote, commitments, first, signedPrevote(1, 41, 0, 'b2')],
        'CommitmentsUnknown',
      ],
      [
        'a validator outside the committee',
        [0n, 4, 41n, 0, VoteKind.Prevote, commitments, first, signedPrevote(1, 41, 0, 'b2')],
        'UnknownValidator',
      ],
      ['kind 3', [0n, 1, 41n, 0, 3, commitments, first, signedPrevote(1, 41, 0, 'b2')], 'InvalidVoteKind'],
    ];
    for (const [name, args, reason] of cases) {
      try {
        await expectRevert(write('recordEquivocation', args), reason);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
  });
});

describe('EquivocationRegistry across a reshare (issue #18)', () => {
  it('registers a later epoch from its transition record, then proves an offence under the new share keys', async () => {
    const genesis = {
      groupPublicKey: fixture.committee.groupPublicKey,
      commitments: fixture.committee.commitments,
      shares: fixture.committee.shares,
    };
    // The reshare 4 → 5 (threshold the quorum of 5, 4), as its members end it.
    const next = insecureTrustedRedeal(
      genesis,
      5,
      4,
      new TextEncoder().encode('epoch 1 of the registry test'.padEnd(32, '.')),
    );
    const record = { epoch: 1, validatorCount: 5, commitments: next.commitments };
    const message = transitionMessage(NETWORK_ID, record);
    const sign = (shares: typeof next.shares) =>
      bytesToHex(
        g2ToEip2537(
          recoverGroupSignature(
            shares.map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) })),
            shares.length,
          ),
        ),
      );
    const commitments1 = concatHex(next.commitments.map((point) => bytesToHex(g1ToEip2537(point))));
    // Too few shares: not a group signature. A wrong size: the message is another one.
    await expectRevert(
      write('registerTransition', [1n, 5, commitments1, sign(next.shares.slice(0, 3))]),
      'InvalidCommitmentsCertificate',
    );
    await expectRevert(
      write('registerTransition', [1n, 6, commitments1, sign(next.shares.slice(0, 4))]),
      'WrongCommitmentCount',
    );
    // The record as the chain finalized it (approved by the new members; the same key).
    await mined(write('registerTransition', [1n, 5, commitments1, sign(next.shares.slice(1, 5))]));
    expect(await read('transitionCommitteeSize', [1n])).toBe(5);
    await expectRevert(
      write('registerTransition', [1n, 5, commitments1, sign(next.shares.slice(0, 4))]),
      'CommitmentsAlreadyRegistered',
    );
    // Validator 4, a member only since epoch 1, equivocates: provable under its epoch-1 share key.
    const epoch1 = { ...fixture.committee, n: 5, t: 4, shares: next.shares, commitments: next.commitments };
    const first = prevote(epoch1, NETWORK_ID, { height: 70, round: 0, blockByte: 'a1' }, 4);
    const second = prevote(epoch1, NETWORK_ID, { height: 70, round: 0, blockByte: 'b2' }, 4);
    await mined(write('recordEquivocation', [1n, 4, 70n, 0, VoteKind.Prevote, commitments1, first, second]));
    // Its genesis-era index 4 does not exist in epoch 0.
    await expectRevert(
      write('recordEquivocation', [0n, 4, 70n, 0, VoteKind.Prevote, commitments, first, second]),
      'UnknownValidator',
    );
  });
});
