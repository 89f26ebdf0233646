import { compareBigint, lowerMedian, quorumSize } from '@synod/oracle';
import {
  type Address,
  type CertifiedBlock,
  type Hex,
  headerHash,
  type NetworkDomain,
  revealedEnvelopeIndices,
  type SignedVoteExtension,
  toLowerHex,
  transactionId,
  VoteExtensionCodec,
} from '@synod/protocol';
import type { RpcFirstSeen } from '@synod/protocol/pure';
import { faultTolerance } from '../consensus/content.ts';
import { fairTimestamps } from '../consensus/fairOrder.ts';
import type { BlockOrdering } from '../rpc/backend.ts';
import { BLOCK_ORDERING_MAX_UNORDERED } from '../rpc/constants.ts';
import { RpcBackendError } from '../rpc/errors.ts';
import type { Store } from '../storage/store.ts';

/**
 * Why a finalized block's content is what it is (synod_getBlockOrdering): the vote extensions
 * it derives from (docs/consensus.md "Fair block content"), read back from the store, with the
 * fair timestamps recomputed by the consensus's own `fairTimestamps`.
 *
 * What the store holds: each block's content extensions are stored with it
 * (CommitBlockOptions.contentExtensions) and pruned with its body. A block decided by this
 * node's consensus keeps its proposal's extensions, exactly the content's input. A block fetched
 * by catch-up keeps those its peer served that passed the sync's checks: all of them from an
 * honest peer on `blocks-with-extensions`, none from a peer on the bare `blocks` protocol (or one
 * that held none), and possibly fewer when a peer left some out (it cannot forge one). The
 * extensions are not re-verified here (they were when the block was decided or synced); instead
 * the read checks that they reproduce the block (its time, each fair transaction's candidacy and
 * order key, its prices) and answers UNAVAILABLE when they do not.
 */

/** The store reads the ordering needs (the node's Store). */
export type BlockOrderingStore = Pick<
  Store,
  'latestHeight' | 'getBlock' | 'getHeader' | 'getContentExtensions' | 'getTransactionLocation'
>;

type Observation = BlockOrdering['prices'][number]['observations'][number];

/**
 * The ordering of block `height`; undefined when it is not finalized. `signerCount(height)` is
 * the size of the committee that signed the extensions block `height` derives from (that of
 * height − 1). RpcBackendError UNAVAILABLE when the block's body (or that of height − 2, which
 * tells its revealed transactions) is pruned, when fewer than 2f+1 of its extensions are
 * stored, or when the stored ones do not reproduce the block.
 */
export async function readBlockOrdering(
  store: BlockOrderingStore,
  domain: NetworkDomain,
  height: number,
  signerCount: (height: number) => number,
): Promise<BlockOrdering | undefined> {
  if (!Number.isSafeInteger(height) || height < 1)
    throw new RangeError(`height ${height} is not a block height`);
  if (height > store.latestHeight()) return undefined;
  const certified = await store.getBlock(height);
  if (certified === undefined) {
    throw new RpcBackendError('UNAVAILABLE', `the body of block ${height} is pruned, with its extensions`);
  }
  const { header } = certified.block;
  const n = signerCount(height);
  const f = faultTolerance(n);
  const extensions = (await store.getContentExtensions(height))
    .map((stored) => ({ ...VoteExtensionCodec.decode(stored.bytes), raw: toLowerHex(stored.bytes) }))
    .sort((a, b) => a.validatorIndex - b.validatorIndex);
  // Height 1 derives from no commit: its content is empty whatever is stored.
  if (height > 1 && extensions.length < quorumSize(f)) {
    throw new RpcBackendError(
      'UNAVAILABLE',
      `block ${height} is stored with ${extensions.length} of the ≥ 2f+1 = ${quorumSize(f)} extensions its content derives from (a block fetched by catch-up from a peer that served none keeps none)`,
    );
  }
  const envelopeIds = await revealedEnvelopes(store, domain, certified);

  const reports = new Map<Hex, RpcFirstSeen[]>();
  for (const extension of extensions) {
    for (const entry of extension.inclusionList) {
      const txId = entry.txId.toLowerCase() as Hex;
      let list = reports.get(txId);
      if (list === undefined) {
        list = [];
        reports.set(txId, list);
      }
      list.push({ validatorIndex: extension.validatorIndex, firstSeenMs: entry.firstSeenMs });
    }
  }
  const fair = new Map(fairTimestamps(f, extensions).map((entry) => [entry.txId.toLowerCase(), entry]));
  const mismatch = (reason: string): never => {
    throw new RpcBackendError(
      'UNAVAILABLE',
      `the stored extensions of block ${height} do not reproduce it (${reason}): not the set its content derives from`,
    );
  };
  if (height > 1) await checkBlockTime(store, height, header.timestampMs, extensions, mismatch);

  // The block's transactions: its reveals first, then the fair order, which merges each sender's
  // nonce chain by (effective timestamp, txId), so effective timestamps never decrease.
  const txIds = certified.block.transactions.map((tx) => transactionId(tx, domain));
  const lastOfSender = new Map<Address, number>();
  let lastEffective = Number.NEGATIVE_INFINITY;
  const transactions = certified.block.transactions.map(
    (tx, index): BlockOrdering['transactions'][number] => {
      const txId = txIds[index]!;
      const sender = tx.sender.toLowerCase() as Address;
      const base = {
        index,
        txId,
        sender,
        nonce: tx.nonce,
        namespace: tx.namespace.toLowerCase() as Hex,
        firstSeen: reports.get(txId) ?? [],
      };
      const envelopeTxId = envelopeIds[index];
      if (envelopeTxId !== undefined) {
        return {
          ...base,
          source: 'revealed',
          envelopeTxId,
          fairTimestampMs: header.timestampMs,
          effectiveTimestampMs: header.timestampMs,
        };
      }
      const candidate = fair.get(txId);
      if (candidate === undefined) {
        return mismatch(
          `transaction ${index} (${txId}) has ${base.firstSeen.length} reports, fewer than f+1`,
        );
      }
      const effectiveTimestampMs = Math.max(
        candidate.fairTimestampMs,
        lastOfSender.get(sender) ?? candidate.fairTimestampMs,
      );
      if (effectiveTimestampMs < lastEffective) {
        mismatch(`transaction ${index} (${txId}) would order before its predecessor`);
      }
      lastOfSender.set(sender, effectiveTimestampMs);
      lastEffective = effectiveTimestampMs;
      return {
        ...base,
        source: 'fair',
        envelopeTxId: null,
        fairTimestampMs: candidate.fairTimestampMs,
        effectiveTimestampMs,
      };
    },
  );

  // Reported but not in the block. Candidates (≥ f+1 reports) are looked up: those of an earlier
  // block were listed because the extensions were signed before it was final. At most
  // n × MAX_INCLUSION_LIST_ENTRIES / (f+1) ≤ 3 × 512 lookups (n ≤ 3f + 3).
  const inBlock = new Set(txIds);
  const left = [...reports.keys()].filter((txId) => !inBlock.has(txId));
  const finalizedBelow = new Set<Hex>();
  await Promise.all(
    left
      .filter((txId) => fair.has(txId))
      .map(async (txId) => {
        const location = await store.getTransactionLocation(txId);
        if (location !== undefined && location.height < height) finalizedBelow.add(txId);
      }),
  );
  const unordered = left
    .filter((txId) => !finalizedBelow.has(txId))
    .map((txId) => {
      const firstSeen = reports.get(txId)!;
      return {
        txId,
        fairTimestampMs: fair.get(txId)?.fairTimestampMs ?? null,
        firstSeen,
        earliestMs: Math.min(...firstSeen.map((report) => report.firstSeenMs)),
      };
    })
    .sort((a, b) => a.earliestMs - b.earliestMs || (a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0));

  return {
    height,
    blockHash: headerHash(header, domain),
    epoch: header.epoch,
    timestampMs: header.timestampMs,
    proposerIndex: header.proposerIndex,
    signerCount: n,
    faultTolerance: f,
    validators: extensions.map((extension) => ({
      validatorIndex: extension.validatorIndex,
      timestampMs: extension.timestampMs,
      reported: extension.inclusionList.length,
      extension: extension.raw,
    })),
    transactions,
    unordered: unordered
      .slice(0, BLOCK_ORDERING_MAX_UNORDERED)
      .map(({ txId, fairTimestampMs, firstSeen }) => ({ txId, fairTimestampMs, firstSeen })),
    unorderedTotal: unordered.length,
    finalizedEarlier: finalizedBelow.size,
    prices: priceRanges(f, extensions, certified.block.prices, mismatch),
  };
}

/**
 * The envelope txIds of the transactions block `certified` reveals, by position: its leading
 * transactions that open block height − 2's envelopes, in their order (an envelope that opened to
 * nothing is skipped). None below height 3.
 */
async function revealedEnvelopes(
  store: BlockOrderingStore,
  domain: NetworkDomain,
  certified: CertifiedBlock,
): Promise<Hex[]> {
  const { height } = certified.block.header;
  if (height < 3) return [];
  const source = await store.getBlock(height - 2);
  if (source === undefined) {
    throw new RpcBackendError(
      'UNAVAILABLE',
      `the body of block ${height - 2} is pruned: which transactions block ${height} reveals from its envelopes cannot be told`,
    );
  }
  const envelopes = source.block.transactions;
  return revealedEnvelopeIndices(envelopes, certified.block.transactions).map((index) =>
    transactionId(envelopes[index]!, domain),
  );
}

/** The block time the content function gives: max(parent + 1, lower median of the signers' clocks). */
async function checkBlockTime(
  store: BlockOrderingStore,
  height: number,
  timestampMs: number,
  extensions: readonly SignedVoteExtension[],
  mismatch: (reason: string) => never,
): Promise<void> {
  const parent = await store.getHeader(height - 1);
  if (parent === undefined) throw new Error(`assertion failed: no stored header at ${height - 1}`);
  const medianMs = Number(lowerMedian(extensions.map((extension) => BigInt(extension.timestampMs))));
  const expected = Math.max(parent.timestampMs + 1, medianMs);
  if (expected !== timestampMs)
    mismatch(`their clocks give block time ${expected}, the header ${timestampMs}`);
}

/**
 * Each feed's observations against the range the aggregation rule (@synod/oracle aggregatePrices,
 * docs/oracle.md) bounds: with m ≥ 2f+1 observations, low and high are the (f+1)-th smallest and
 * largest. At most f of them byzantine, so min(honest) ≤ low ≤ lower median ≤ high ≤ max(honest).
 * A finalized price must be that lower median.
 */
function priceRanges(
  f: number,
  extensions: readonly SignedVoteExtension[],
  finalized: readonly { feedId: Hex; answer: bigint }[],
  mismatch: (reason: string) => never,
): BlockOrdering['prices'] {
  const byFeed = new Map<Hex, Observation[]>();
  const observationsOf = (feedId: Hex): Observation[] => {
    const key = feedId.toLowerCase() as Hex;
    let list = byFeed.get(key);
    if (list === undefined) {
      list = [];
      byFeed.set(key, list);
    }
    return list;
  };
  for (const extension of extensions) {
    for (const { feedId, price } of extension.prices) {
      observationsOf(feedId).push({ validatorIndex: extension.validatorIndex, price });
    }
  }
  const answers = new Map<Hex, bigint>();
  for (const { feedId, answer } of finalized) {
    observationsOf(feedId);
    answers.set(feedId.toLowerCase() as Hex, answer);
  }
  return [...byFeed.keys()].sort().map((feedId) => {
    const observations = byFeed.get(feedId)!;
    const sorted = observations.map((observation) => observation.price).sort(compareBigint);
    const quorum = sorted.length >= quorumSize(f);
    const median = quorum ? lowerMedian(sorted) : null;
    const answer = answers.get(feedId) ?? null;
    if (answer !== null && answer !== median) {
      mismatch(`feed ${feedId} finalized ${answer}, the lower median of the observations is ${median}`);
    }
    return {
      feedId,
      answer,
      median,
      low: quorum ? sorted[f]! : null,
      high: quorum ? sorted[sorted.length - 1 - f]! : null,
      observations,
    };
  });
}
