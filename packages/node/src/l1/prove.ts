import {
  type BlockHeader,
  type Hex,
  headerHash,
  historyLeafBytes,
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
  const [inHistory] = await historyProofsBelow(store, anchorHeight, [height]);
  return {
    txId: located.txId,
    height,
    anchorHeight,
    call: {
      address: inbox,
      abi: inboxCallAbi,
      functionName: 'verifyTransactionInHistory',
      args: [headerArgs(anchorHeader), headerArgs(header), inHistory!, leaf, BigInt(index), proof],
    },
  };
}

/**
 * The history of a chain as far as a store has given it: the header hashes of heights 1 .. size
 * and every *complete* node of the history tree over them. Finalized headers never change and
 * are never pruned, and a complete node (one whose leaves are all below size) is the same in the
 * history of every later anchor, so both are computed once per store and process. A proof
 * against the anchor with n leaves then takes the cached nodes, plus at most one node per level
 * on the tree's right edge, computed from cached ones: O(log² n) hashes instead of re-reading,
 * re-hashing and re-merkleizing the whole chain (215–296 ms of the event loop at 6,272 heights,
 * enough to make a node serving a keeper miss its proposer turns: docs/performance.md "History
 * proofs"). Memory: about 100 bytes per height for the hashes and 64 for the nodes.
 */
class KnownHistory {
  readonly hashes: Hex[] = [];
  /** The read that is extending it, which every caller needing more waits for (one read, not one per caller). */
  extending: Promise<void> | undefined;
  /** levels[k][i]: the node over leaves i·2^k .. (i+1)·2^k − 1, for complete ranges only. */
  readonly #levels: Uint8Array[][] = [[]];

  append(hash: Hex): void {
    this.hashes.push(hash);
    const leaves = this.#levels[0]!;
    leaves.push(historyLeafBytes(hash));
    // Each completed pair completes its parent.
    for (let k = 0, i = leaves.length - 1; i % 2 === 1; k++, i = (i - 1) / 2) {
      const level = this.#levels[k]!;
      let parents = this.#levels[k + 1];
      if (parents === undefined) {
        parents = [];
        this.#levels.push(parents);
      }
      parents.push(nodeHashBytes(level[i - 1]!, level[i]!));
    }
  }

  /** Node (k, i) of the history tree over the first n leaves (i < ⌈n / 2^k⌉), as historyProofs pads it. */
  #node(k: number, i: number, n: number): Uint8Array {
    if ((i + 1) * 2 ** k <= n) return this.#levels[k]![i]!;
    const childWidth = Math.ceil(n / 2 ** (k - 1));
    const left = this.#node(k - 1, 2 * i, n);
    const right = 2 * i + 1 < childWidth ? this.#node(k - 1, 2 * i + 1, n) : zeroHashBytes(k - 1);
    return nodeHashBytes(left, right);
  }

  /** The proof of leaf `index` against the history root over the first n leaves (n ≤ size): historyProof's. */
  proof(index: number, n: number): Hex[] {
    const proof: Hex[] = [];
    let position = index;
    for (let level = 0, width = n; width > 1; level++, width = Math.ceil(width / 2)) {
      const sibling = position ^ 1;
      proof.push(bytesToHex(sibling < width ? this.#node(level, sibling, n) : zeroHashBytes(level)));
      position >>= 1;
    }
    return proof;
  }
}

const knownHistories = new WeakMap<object, KnownHistory>();

/** This store's history, extended to heights 1 .. count (reading only the headers it lacks). */
async function knownHistory(
  store: Pick<L1ProofSource, 'domain' | 'getHeader'>,
  anchorHeight: number,
): Promise<{ history: KnownHistory; count: number }> {
  const count = anchorHeight - 1;
  if (count > L1_PROOF_MAX_HISTORY_HEADERS) {
    throw new L1ProofError('HISTORY_TOO_LONG', `anchor ${anchorHeight} has ${count} headers of history`);
  }
  let history = knownHistories.get(store);
  if (history === undefined) {
    history = new KnownHistory();
    knownHistories.set(store, history);
  }
  while (history.hashes.length < count) {
    if (history.extending === undefined) {
      const known = history;
      const first = known.hashes.length + 1;
      known.extending = readHeaderHashes(store, first, count)
        .then((hashes) => {
          for (const hash of hashes) known.append(hash);
        })
        .finally(() => {
          known.extending = undefined;
        });
    }
    await history.extending;
  }
  return { history, count };
}

/**
 * The history proof of each of `heights` (1 ≤ height < anchorHeight) against the historyRoot of
 * the header at `anchorHeight` (historyProof over the header hashes of heights 1 .. anchorHeight − 1),
 * from the store's KnownHistory in O(log² n) hashes each. Throws L1ProofError
 * HISTORY_TOO_LONG past L1_PROOF_MAX_HISTORY_HEADERS, RangeError for a height outside the history.
 */
export async function historyProofsBelow(
  store: Pick<L1ProofSource, 'domain' | 'getHeader'>,
  anchorHeight: number,
  heights: readonly number[],
): Promise<Hex[][]> {
  const { history, count } = await knownHistory(store, anchorHeight);
  return heights.map((height) => {
    if (!Number.isSafeInteger(height) || height < 1 || height > count) {
      throw new RangeError(`height ${height} is not in a history of ${count} headers`);
    }
    return history.proof(height - 1, count);
  });
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
