// Batch settlement helpers for the contract tests and the gas benchmark: signed transactions,
// the namespace batch of a block (@synod/protocol's proofs), app deployment, header posting.
import {
  namespaceInclusionProof,
  type SignedTransaction,
  signTransaction,
  transactionId,
} from '@synod/protocol';
import { type Abi, type Address, type Hex, keccak256, toHex } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import {
  batchRecorderAbi,
  batchRecorderBytecode,
  committeeRegistryAbi,
  noopBatchAppAbi,
  noopBatchAppBytecode,
  reentrantBatchAppAbi,
  reentrantBatchAppBytecode,
  settlementInboxAbi,
} from '../../src/artifacts.ts';
import { headerArgs, type NamespaceBatch } from '../../src/calls.ts';
import type { TestChain } from './chain.ts';
import { type BlockTransaction, type BuiltBlock, certify, type Fixture } from './synod.ts';

/** Errors of `abis`, each name once (the app's own first), to decode what bubbles up. */
function mergeErrors(...abis: Abi[]) {
  const seen = new Set<string>();
  return abis.flatMap((abi) =>
    abi.filter((item) => {
      if (item.type !== 'error' || seen.has(item.name)) return false;
      seen.add(item.name);
      return true;
    }),
  );
}

/**
 * BatchRecorder's ABI with the errors of the inbox and registry that bubble up through
 * submitHeaderAndSettleBatch (every app has the same SynodBatchSettlement entry points).
 */
export const recorderAbi = [
  ...batchRecorderAbi.filter((item) => item.type !== 'error'),
  ...mergeErrors(batchRecorderAbi, settlementInboxAbi, committeeRegistryAbi),
] as unknown as typeof batchRecorderAbi;

/** Test users: deterministic secp256k1 keys. */
export const USERS: PrivateKeyAccount[] = Array.from({ length: 4 }, (_, i) =>
  privateKeyToAccount(keccak256(toHex(`synod test user ${i}`))),
);

/** A namespace id from a name, as apps pick theirs. */
export const namespaceOf = (name: string): Hex => keccak256(toHex(name));

/** Signs transactions for the test users with increasing nonces per (user, namespace). */
export class TransactionFactory {
  private readonly nonces = new Map<string, bigint>();
  private readonly fixture: Fixture;
  constructor(fixture: Fixture) {
    this.fixture = fixture;
  }

  async sign(
    user: PrivateKeyAccount,
    namespace: Hex,
    payload: Hex = toHex('order'),
  ): Promise<BlockTransaction<SignedTransaction>> {
    const key = `${user.address}/${namespace}`;
    const nonce = this.nonces.get(key) ?? 0n;
    this.nonces.set(key, nonce + 1n);
    const tx = await signTransaction(
      user,
      {
        networkId: this.fixture.domain.networkId,
        namespace,
        sender: user.address.toLowerCase() as Address,
        nonce,
        payload,
        validUntil: 2_000_000_000n,
      },
      this.fixture.domain,
    );
    return { tx, txId: transactionId(tx, this.fixture.domain) };
  }
}

/** The batch of `namespace` in `block` (built from signed transactions), or undefined if it has none. */
export function batchOf(block: BuiltBlock, namespace: Hex): NamespaceBatch | undefined {
  const inclusion = namespaceInclusionProof(block.namespaces, namespace);
  if (inclusion === undefined) return undefined;
  const transactions = block.signed
    .filter(({ tx }) => tx.namespace === namespace.toLowerCase())
    .map(({ tx }) => tx as SignedTransaction);
  return { inclusion, transactions };
}

/** batchOf, throwing when the block has nothing of `namespace`. */
export function requireBatch(block: BuiltBlock, namespace: Hex): NamespaceBatch {
  const batch = batchOf(block, namespace);
  if (batch === undefined) throw new Error(`block ${block.header.height} has no batch of ${namespace}`);
  return batch;
}

const APPS = {
  recorder: { abi: batchRecorderAbi, bytecode: batchRecorderBytecode },
  noop: { abi: noopBatchAppAbi, bytecode: noopBatchAppBytecode },
  reentrant: { abi: reentrantBatchAppAbi, bytecode: reentrantBatchAppBytecode },
} as const;

/** Deploys a test app (contracts/test) bound to the fixture's inbox and `namespace`. */
export async function deployApp(
  chain: TestChain,
  fixture: Fixture,
  kind: keyof typeof APPS,
  namespace: Hex,
): Promise<Address> {
  const hash = await chain.walletClient.deployContract({
    abi: APPS[kind].abi,
    bytecode: APPS[kind].bytecode,
    args: [fixture.deployment.inbox, namespace],
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || receipt.contractAddress == null)
    throw new Error(`deploy ${kind} failed`);
  return receipt.contractAddress;
}

/** Posts `block`'s header to the inbox with a certificate of the fixture's committee. */
export async function postHeader(chain: TestChain, fixture: Fixture, block: BuiltBlock): Promise<void> {
  const hash = await chain.walletClient.writeContract({
    address: fixture.deployment.inbox,
    abi: settlementInboxAbi,
    functionName: 'submitHeader',
    args: [
      headerArgs(block.header),
      { round: 0, signature: certify(fixture.committee, block.header, fixture.domain) },
    ],
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`header ${block.header.height} was not accepted`);
}
