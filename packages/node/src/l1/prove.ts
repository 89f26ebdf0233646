import {
  type BlockHeader,
  type Hex,
  headerHash,
  historyLeafBytes,
  historyProof,
  type NetworkDomain,
  nodeHashBytes,
  zeroHashBytes,
} from '@synod/protocol';
import { type Address, bytesToHex, keccak256, type PublicClient } from 'viem';
import type { TransactionWithProof } from '../storage/index.ts';
import { inboxCallAbi } from './abis.ts';
import { type HeaderArgs, headerArgs } from './calls.ts';
import { L1_PROOF_ANCHOR_SCAN_MAX_HEIGHTS, L1_PROOF_MAX_HISTORY_HEADERS } from './constants.ts';
import { L1ProofError } from './errors.ts';

/** What proveOnL1 reads from the node's store (Store implements it). */
export interface L1ProofSource {
  readonly domain: NetworkDomain;
  getTransactionWithProof(txId: Hex): Promise<TransactionWithProof | undefined>;
  getHeader(height: number): Promise<BlockHeader | undefined>;
}

export interface ProveOnL1Parameters {
  publicClient: PublicClient;
  /** SettlementInbox address. */
  inbox: Address;
  store: L1ProofSource;
  txId: Hex;
}

/** The Solidity `TransactionLeaf` struct. */
export interface TransactionLeafArgs {
  txId: Hex;
  sender: Address;
  namespace: Hex;
  nonce: bigint;
  payloadHash: Hex;
}

/** A ready-to-run view call proving a finalized transaction against the inbox. */
export type L1TransactionProof = {
  txId: Hex;
  /** Height of the transaction's block. */
  height: number;
  /** The posted header the proof is checked against (= height when that header itself was posted). */
  anchorHeight: number;
} & (
  | {
      call: {
        address: Address;
        abi: typeof inboxCallAbi;
        functionName: 'verifyTransaction';
        args: readonly [HeaderArgs, TransactionLeafArgs, bigint, readonly Hex[]];
      };
    }
  | {
      call: {
        address: Address;
        abi: typeof inboxCallAbi;
        functionName: 'verifyTransactionInHistory';
        args: readonly [HeaderArgs, HeaderArgs, readonly Hex[], TransactionLeafArgs, bigint, readonly Hex[]];
      };
    }
);

/** Header reads in flight at once while building a history proof. */
const HISTORY_READ_CONCURRENCY = 256;

/**
 * Builds the L1 proof of finalized transaction `txId`: against its own header if the inbox
 * holds it (`verifyTransaction`), else against the nearest posted header above it through that
 * header's historyRoot (`verifyTransactionInHistory`), so a transaction of a height that was
 * never posted is provable too. The result's `call` goes straight to viem's readContract, which
 * returns true on L1.
 *
 * Throws L1ProofError: UNKNOWN_TRANSACTION, BODY_PRUNED (the leaf needs sender, nonce and
 * payload), NOT_YET_ON_L1 (no posted header at or above its height yet), HISTORY_TOO_LONG.
 *
 * @example
 * ```ts
 * const proof = await proveOnL1({ publicClient, inbox, store, txId });
 * const ok = await publicClient.readContract(proof.call); // true
 * ```
 */
export async function proveOnL1(parameters: ProveOnL1Parameters): Promise<L1TransactionProof> {
  const { publicClient, inbox, store, txId } = parameters;
  const located = await store.getTransactionWithProof(txId);
  if (located === undefined)
    throw new L1ProofError('UNKNOWN_TRANSACTION', `no finalized transaction ${txId}`);
  const { transaction, height, index, header, proof } = located;
  if (transaction === undefined) {
    throw new L1ProofError('BODY_PRUNED', `the body of block ${height} holding ${txId} was pruned`);
  }
  const read = <T>(functionName: 'latestHeight' | 'headerHashes', args?: readonly [bigint]) =>
    publicClient.readContract({
      address: inbox,
      abi: inboxCallAbi,
      functionName,
      args,
    } as never) as Promise<T>;

  const latest = Number(await read<bigint>('latestHeight'));
  if (latest < height) {
    throw new L1ProofError(
      'NOT_YET_ON_L1',
      `the inbox holds heights up to ${latest}, the transaction is at ${height}`,
    );
  }
  // The nearest posted height at or above the transaction's; latestHeight is always posted.
  let anchorHeight = latest;
  const scanEnd = Math.min(latest, height + L1_PROOF_ANCHOR_SCAN_MAX_HEIGHTS - 1);
  for (let candidate = height; candidate <= scanEnd; candidate++) {
    if (BigInt(await read<Hex>('headerHashes', [BigInt(candidate)])) !== 0n) {
      anchorHeight = candidate;
      break;
    }
  }
  const anchorHeader = anchorHeight === height ? header : await store.getHeader(anchorHeight);
  if (anchorHeader === undefined) {
    throw new Error(`store has no header at ${anchorHeight} below its latest height`);
  }
  const onChain = await read<Hex>('headerHashes', [BigInt(anchorHeight)]);
  if (onChain.toLowerCase() !== headerHash(anchorHeader, store.domain)) {
    // Two certified headers at one height: a safety failure, never a recoverable condition.
    throw new Error(`the inbox holds another header at height ${anchorHeight} than this node finalized`);
  }

  const leaf: TransactionLeafArgs = {
    txId: located.txId,
    sender: transaction.sender,
    namespace: transaction.namespace,
    nonce: transaction.nonce,
    payloadHash: keccak256(transaction.payload),
  };
  if (anchorHeight === height) {
    return {
      txId: located.txId,
      height,
      anchorHeight,
      call: {
        address: inbox,
        abi: inboxCallAbi,
        functionName: 'verifyTransaction',
        args: [headerArgs(header), leaf, BigInt(index), proof],
      },
    };
  }
  const history = await headerHashesBelow(store, anchorHeight);
  return {
    txId: located.txId,
    height,
    anchorHeight,
    call: {
      address: inbox,
      abi: inboxCallAbi,
      functionName: 'verifyTransactionInHistory',
      args: [
        headerArgs(anchorHeader),
        headerArgs(header),
        historyProof(history, height - 1),
        leaf,
        BigInt(index),
        proof,
      ],
    },
  };
}

/**
 * The header hashes already read from each store, heights 1 .. length: finalized headers never
 * change and are never pruned, so each is read and hashed once per process. Without it every
 * history proof re-read the whole chain: 120–215 ms of the node's event loop at 6,000 heights,
 * which the testnet's keeper asked for twice a second, enough to make that node miss its proposer
 * turns (docs/performance.md "History proofs"). At most L1_PROOF_MAX_HISTORY_HEADERS entries
 * (≈ 130 MB of hex strings at the cap).
 */
const knownHeaderHashes = new WeakMap<object, Hex[]>();

/**
 * headerHash of heights 1 .. anchorHeight − 1: the leaves of anchorHeader.historyRoot (what
 * historyProof takes). Reads only the headers above those this store already gave (see
 * knownHeaderHashes). Throws L1ProofError HISTORY_TOO_LONG past L1_PROOF_MAX_HISTORY_HEADERS.
 */
export async function headerHashesBelow(
  store: Pick<L1ProofSource, 'domain' | 'getHeader'>,
  anchorHeight: number,
): Promise<Hex[]> {
  const count = anchorHeight - 1;
  if (count > L1_PROOF_MAX_HISTORY_HEADERS) {
    throw new L1ProofError('HISTORY_TOO_LONG', `anchor ${anchorHeight} has ${count} headers of history`);
  }
  let known = knownHeaderHashes.get(store);
  if (known === undefined) {
    known = [];
    knownHeaderHashes.set(store, known);
  }
  if (known.length >= count) return known.slice(0, count);
  const first = known.length + 1;
  const hashes = await readHeaderHashes(store, first, count);
  // Another call may have extended the list meanwhile: append only the heights it still lacks.
  for (let height = known.length + 1; height <= count; height++) known.push(hashes[height - first]!);
  return known.slice(0, count);
}

/** headerHash of heights first .. last, read HISTORY_READ_CONCURRENCY at a time. */
async function readHeaderHashes(
  store: Pick<L1ProofSource, 'domain' | 'getHeader'>,
  first: number,
  last: number,
): Promise<Hex[]> {
  const hashes: Hex[] = [];
  for (let from = first; from <= last; from += HISTORY_READ_CONCURRENCY) {
    const heights = Array.from(
      { length: Math.min(HISTORY_READ_CONCURRENCY, last - from + 1) },
      (_, i) => from + i,
    );
    const headers = await Promise.all(heights.map((h) => store.getHeader(h)));
    for (const [i, header] of headers.entries()) {
      if (header === undefined)
        throw new Error(`store has no header at ${heights[i]} below its latest height`);
      hashes.push(headerHash(header, store.domain));
    }
  }
  return hashes;
}

/**
 * historyProof for several heights at once: the proof of each of `heights` (1 ≤ height ≤
 * headerHashes.length) against the history root over `headerHashes` (heights 1 .. n, as
 * headerHashesBelow returns them for an anchor at n + 1). One pass over the tree for all of
 * them, where historyProof hashes the whole tree once per proof: a relayer settling a group of
 * batches against one anchor reads the hashes once and proves every batch from them.
 */
export function historyProofs(headerHashes: readonly Hex[], heights: readonly number[]): Hex[][] {
  const count = headerHashes.length;
  for (const height of heights) {
    if (!Number.isSafeInteger(height) || height < 1 || height > count) {
      throw new RangeError(`height ${height} is not in a history of ${count} headers`);
    }
  }
  // Level by level, in place: the parent of nodes 2i and 2i+1 overwrites node i.
  const nodes = headerHashes.map(historyLeafBytes);
  const proofs: Hex[][] = heights.map(() => []);
  const positions = heights.map((height) => height - 1);
  let width = count;
  for (let level = 0; width > 1; level++) {
    const padding = zeroHashBytes(level);
    for (const [i, position] of positions.entries()) {
      const sibling = position ^ 1;
      proofs[i]!.push(bytesToHex(sibling < width ? nodes[sibling]! : padding));
      positions[i] = position >> 1;
    }
    const parents = Math.ceil(width / 2);
    for (let i = 0; i < parents; i++) {
      nodes[i] = nodeHashBytes(nodes[2 * i]!, 2 * i + 1 < width ? nodes[2 * i + 1]! : padding);
    }
    width = parents;
  }
  return proofs;
}
