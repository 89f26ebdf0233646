import {
  aggregatePrices,
  type FeedConfig,
  type FeedState,
  lowerMedian,
  validateObservations,
} from '@synod/oracle';
import {
  type Address,
  type BlockHeader,
  type FeedPrice,
  HEADER_VERSION,
  type Hex,
  HistoryAccumulator,
  headerHash,
  isEnvelope,
  MAX_BLOCK_ENVELOPES,
  MAX_BLOCK_TXS,
  MAX_EXTENSION_PRICE_OBSERVATIONS,
  MAX_INCLUSION_LIST_ENTRIES,
  merkleRoot,
  type NetworkDomain,
  namespaceEntriesFromLeaves,
  namespaceRoot,
  type Proposal,
  priceLeaf,
  revealedTransaction,
  type SignedTransaction,
  type SignedVoteExtension,
  transactionId,
  transactionLeaf,
} from '@synod/protocol';
import { fairTimestamps, type OrderedTransaction, orderTransactions } from './fairOrder.ts';
import { type EnvelopeOpener, type PendingEnvelope, pendingEnvelope, type Reveal } from './reveals.ts';

/**
 * The block content function (docs/consensus.md "Fair block content"): the block of height
 * h+1 is a deterministic function of ≥ 2f+1 signed extensions of the commit of height h and of
 * the chain state after h. A proposer computes it (getValue(), L18); every validator recomputes
 * it to decide valid(v) (L23/L29) and prevotes nil on any other content.
 */

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

/**
 * What the content function reads from the finalized chain. Advanced only by `applyBlock`,
 * once per finalized height, identically at every honest validator.
 */
export class ChainState {
  /** Last finalized height (0 before the first block). */
  height = 0;
  lastBlockId: Hex = ZERO_HASH;
  lastHeader: BlockHeader | null = null;
  readonly history = new HistoryAccumulator();
  readonly nextNonces = new Map<Address, bigint>();
  /**
   * Transactions of each namespace (lowercase bytes32) finalized so far: the sequenceStart of
   * the namespace's leaf in the next block (docs/protocol.md "Namespaces").
   */
  readonly namespaceSequences = new Map<Hex, number>();
  feedStates: Map<Hex, FeedState> = new Map();
  /**
   * The envelopes of the last two blocks, in block order (docs/protocol.md "Encrypted
   * transactions"): those of chain.height − 1 are revealed by the next block, and the senders of
   * those of chain.height wait for theirs.
   */
  readonly envelopes = new Map<number, PendingEnvelope[]>();

  nextNonce(sender: Address): bigint {
    return this.nextNonces.get(sender) ?? 0n;
  }

  /** Finalized transactions of `namespace` (0 for one never seen). */
  namespaceSequence(namespace: Hex): number {
    return this.namespaceSequences.get(namespace.toLowerCase() as Hex) ?? 0;
  }
}

export interface ContentContext {
  domain: NetworkDomain;
  /** Epoch of the block (chain.height + 1). */
  epoch: number;
  /** Size of the committee deciding the block: its proposer's index is below it. */
  validatorCount: number;
  /**
   * Size n of the committee that signed the extensions the block derives from (the commit of
   * chain.height; the same committee except at an epoch's first height); f = ⌊(n−1)/3⌋.
   */
  signerCount: number;
  feeds: readonly FeedConfig[];
  /** Block time of height 1, which has no previous commit to take a median from. */
  genesisTimestampMs: number;
  chain: ChainState;
  /** Transaction bodies (mempool, or fetched from peers). */
  body(txId: Hex): SignedTransaction | undefined;
  /** Signature and network check of a body; the caller verifies each transaction once and caches. */
  isAuthentic(tx: SignedTransaction, txId: Hex): boolean;
  /** Signature check of an extension against the share keys of the signers' committee. */
  verifyExtension(extension: SignedVoteExtension): boolean;
  /**
   * The encryption key of the committee deciding the block, with the decryption shares received
   * for the envelopes due; undefined when it has none: then no envelope is ordered and the
   * envelopes due reveal nothing (NO_KEY).
   */
  encryption?: ContentEncryption;
}

/** The envelopes block chain.height + 1 reveals: those of chain.height − 1. */
export function envelopesDue(chain: ChainState): readonly PendingEnvelope[] {
  return chain.envelopes.get(chain.height - 1) ?? [];
}

/** The content function's access to decryption: the opener, bound to the shares at hand. */
export interface ContentEncryption {
  /** EnvelopeOpener.open over the DecryptionShares messages received for the envelopes due. */
  open(envelopes: readonly PendingEnvelope[]): ReturnType<EnvelopeOpener['open']>;
}

export interface BlockContent {
  header: BlockHeader;
  blockId: Hex;
  transactions: OrderedTransaction[];
  prices: FeedPrice[];
  /** Oracle state after this block. */
  feedStates: Map<Hex, FeedState>;
  /** The extensions the content is the function of. */
  extensions: SignedVoteExtension[];
  /** The envelopes of block height − 2 and what each revealed; the revealed transactions lead `transactions`. */
  reveals: Reveal[];
}

export type DeriveResult =
  | { ok: true; content: BlockContent }
  /** Candidates whose bodies are not at hand: fetch them and derive again. */
  | { ok: false; reason: 'missing-bodies'; missing: Hex[] }
  | { ok: false; reason: 'too-few-extensions' }
  /** An envelope due has fewer valid decryption shares than the threshold: wait for more. */
  | { ok: false; reason: 'missing-shares' };

export function faultTolerance(validatorCount: number): number {
  return Math.floor((validatorCount - 1) / 3);
}

/** Bounds and sortedness of an extension's lists, and its observations against the feed configuration. */
export function isWellFormedExtension(feeds: readonly FeedConfig[], extension: SignedVoteExtension): boolean {
  const { inclusionList, prices } = extension;
  if (inclusionList.length > MAX_INCLUSION_LIST_ENTRIES || prices.length > MAX_EXTENSION_PRICE_OBSERVATIONS) {
    return false;
  }
  for (let i = 1; i < inclusionList.length; i++) {
    if (inclusionList[i - 1]!.txId >= inclusionList[i]!.txId) return false;
  }
  for (const entry of inclusionList) {
    if (!Number.isSafeInteger(entry.firstSeenMs) || entry.firstSeenMs < 0) return false;
  }
  for (let i = 1; i < prices.length; i++) {
    if (prices[i - 1]!.feedId >= prices[i]!.feedId) return false;
  }
  try {
    validateObservations(new Map(feeds.map((feed) => [feed.feedId, feed])), prices);
  } catch {
    // An OracleError: unknown feed, duplicate or out-of-range price. Any other error is ours.
    return false;
  }
  return true;
}

/**
 * The extensions a proposal may use: distinct validators, each bound to the commit of the
 * previous height (its height and block id), well-formed, and correctly signed.
 */
function extensionsAreAcceptable(
  context: ContentContext,
  extensions: readonly SignedVoteExtension[],
  checkSignatures: boolean,
): boolean {
  const { chain } = context;
  let previousIndex = -1;
  for (const extension of extensions) {
    if (extension.validatorIndex <= previousIndex || extension.validatorIndex >= context.signerCount)
      return false;
    previousIndex = extension.validatorIndex;
    if (extension.networkId !== context.domain.networkId) return false;
    if (extension.height !== chain.height || extension.blockId !== chain.lastBlockId) return false;
    if (!isWellFormedExtension(context.feeds, extension)) return false;
    if (checkSignatures && !context.verifyExtension(extension)) return false;
  }
  return true;
}

/**
 * The content of block chain.height + 1 from `extensions` (already checked by the caller).
 * At height 1 there is no previous commit: the block is empty.
 */
export function deriveBlockContent(
  context: ContentContext,
  extensions: readonly SignedVoteExtension[],
  proposerIndex: number,
): DeriveResult {
  const { chain, domain } = context;
  const height = chain.height + 1;
  const f = faultTolerance(context.signerCount);
  if (height > 1 && extensions.length < 2 * f + 1) return { ok: false, reason: 'too-few-extensions' };

  // Block time: the lower median of the included signers' clocks (at most f of them byzantine,
  // so it lies within the honest ones), strictly after the parent's.
  const parentTimestampMs = chain.lastHeader?.timestampMs ?? -1;
  const medianMs =
    extensions.length > 0
      ? Number(lowerMedian(extensions.map((extension) => BigInt(extension.timestampMs))))
      : context.genesisTimestampMs;
  const timestampMs = Math.max(parentTimestampMs + 1, medianMs);
  const nowSeconds = BigInt(Math.floor(timestampMs / 1000));

  const revealed = revealEnvelopes(context, timestampMs);
  if (revealed === undefined) return { ok: false, reason: 'missing-shares' };
  // Senders whose envelope in the last block awaits its reveal: nothing of theirs may run before it.
  const waiting = new Set(
    (chain.envelopes.get(chain.height) ?? []).map((entry) => entry.tx.sender.toLowerCase()),
  );
  const { ordered: fair, missing } = orderTransactions({
    candidates: fairTimestamps(f, extensions),
    body: (txId) => context.body(txId),
    isValid: (tx, txId) =>
      tx.networkId === domain.networkId &&
      tx.validUntil >= nowSeconds &&
      !waiting.has(tx.sender.toLowerCase()) &&
      (!isEnvelope(tx) || (context.encryption !== undefined && pendingEnvelope(tx, txId) !== undefined)) &&
      context.isAuthentic(tx, txId),
    nextNonce: (sender) => chain.nextNonce(sender),
    maxCount: MAX_BLOCK_TXS - revealed.transactions.length,
    envelopes: { is: isEnvelope, max: MAX_BLOCK_ENVELOPES },
  });
  if (missing.length > 0) return { ok: false, reason: 'missing-bodies', missing };
  const ordered = [...revealed.transactions, ...fair];

  let prices: FeedPrice[] = [];
  let feedStates = chain.feedStates;
  if (extensions.length > 0 && context.feeds.length > 0) {
    const aggregated = aggregatePrices({
      feeds: context.feeds,
      state: chain.feedStates,
      observationsByValidator: extensions.map((extension) => extension.prices),
      f,
      height,
      timestampMs,
    });
    prices = aggregated.prices;
    feedStates = aggregated.state;
  }

  // Each transaction is hashed once: its leaf serves the tx tree and its namespace's batch.
  const txLeaves = ordered.map((entry) => transactionLeaf(entry.tx, entry.txId));
  const namespaces = namespaceEntriesFromLeaves(
    ordered.map((entry, i) => ({ namespace: entry.tx.namespace, leaf: txLeaves[i]! })),
    (namespace) => chain.namespaceSequence(namespace),
  );
  const header: BlockHeader = {
    version: HEADER_VERSION,
    networkId: domain.networkId,
    epoch: context.epoch,
    height,
    parentHash: chain.lastBlockId,
    timestampMs,
    txRoot: merkleRoot(txLeaves),
    txCount: ordered.length,
    namespaceRoot: namespaceRoot(namespaces),
    namespaceCount: namespaces.length,
    priceRoot: merkleRoot(prices.map((price) => priceLeaf(price))),
    priceCount: prices.length,
    historyRoot: chain.history.root(),
    proposerIndex,
  };
  return {
    ok: true,
    content: {
      header,
      blockId: headerHash(header, domain),
      transactions: ordered,
      prices,
      feedStates,
      extensions: [...extensions],
      reveals: revealed.reveals,
    },
  };
}

/**
 * The reveals of the envelopes due (block chain.height − 1's), in their block order: the
 * plaintext transactions that lead the block, and every envelope's verdict. Undefined when the
 * shares at hand do not suffice to decrypt them.
 */
function revealEnvelopes(
  context: ContentContext,
  timestampMs: number,
): { transactions: OrderedTransaction[]; reveals: Reveal[] } | undefined {
  const due = envelopesDue(context.chain);
  if (due.length === 0) return { transactions: [], reveals: [] };
  if (context.encryption === undefined) {
    return {
      transactions: [],
      reveals: due.map((envelope) => ({ envelope, verdict: { revealed: false, reason: 'NO_KEY' } })),
    };
  }
  const results = context.encryption.open(due);
  if (results === undefined) return undefined;
  const transactions: OrderedTransaction[] = [];
  const reveals: Reveal[] = due.map((envelope, i) => {
    const result = results[i]!;
    if (!result.ok) return { envelope, verdict: { revealed: false, reason: result.reason } };
    const opened = revealedTransaction(envelope.tx, envelope.envelope.namespace, result.message);
    if (!opened.ok) return { envelope, verdict: { revealed: false, reason: opened.reason } };
    const txId = transactionId(opened.transaction, context.domain);
    if (!context.isAuthentic(opened.transaction, txId)) {
      return { envelope, verdict: { revealed: false, reason: 'INVALID_SIGNATURE' } };
    }
    // Its place was fixed when its envelope was ordered; it runs first in this block, at its time.
    transactions.push({
      txId,
      tx: opened.transaction,
      fairTimestampMs: timestampMs,
      effectiveTimestampMs: timestampMs,
    });
    return { envelope, verdict: { revealed: true, txId, tx: opened.transaction } };
  });
  return { transactions, reveals };
}

export type ContentVerdict =
  | { valid: true; content: BlockContent }
  | {
      valid: false;
      reason:
        | 'wrong-height'
        | 'wrong-parent'
        | 'bad-extensions'
        | 'not-fair-content'
        | 'missing-bodies'
        | 'too-few-extensions'
        | 'missing-shares';
    };

/**
 * valid(v) of the paper: the proposal's header is exactly the content function's output over
 * the extensions it carries. `skipFairContentCheck` exists only for the simulator's canary.
 */
export function checkProposalContent(
  context: ContentContext,
  proposal: Proposal,
  options: { skipFairContentCheck?: boolean; skipExtensionSignatures?: boolean } = {},
): ContentVerdict {
  const { chain } = context;
  const { header } = proposal;
  if (header.height !== chain.height + 1 || proposal.height !== header.height) {
    return { valid: false, reason: 'wrong-height' };
  }
  if (header.parentHash !== chain.lastBlockId) return { valid: false, reason: 'wrong-parent' };
  if (header.proposerIndex >= context.validatorCount) return { valid: false, reason: 'not-fair-content' };
  if (!extensionsAreAcceptable(context, proposal.extensions, !options.skipExtensionSignatures)) {
    return { valid: false, reason: 'bad-extensions' };
  }
  const derived = deriveBlockContent(context, proposal.extensions, header.proposerIndex);
  if (!derived.ok) return { valid: false, reason: derived.reason };
  if (options.skipFairContentCheck)
    return { valid: true, content: claimedContent(context, proposal, derived.content) };
  const { content } = derived;
  const sameBody =
    content.transactions.length === proposal.transactionIds.length &&
    content.transactions.every((entry, i) => entry.txId === proposal.transactionIds[i]) &&
    content.prices.length === proposal.prices.length &&
    content.prices.every(
      (price, i) =>
        price.feedId === proposal.prices[i]!.feedId && price.answer === proposal.prices[i]!.answer,
    );
  if (!sameBody || !sameHeader(content.header, header)) return { valid: false, reason: 'not-fair-content' };
  return { valid: true, content };
}

/** Canary only: the block is whatever the proposal claims (bodies it names that exist). */
function claimedContent(context: ContentContext, proposal: Proposal, derived: BlockContent): BlockContent {
  const transactions: OrderedTransaction[] = [];
  for (const txId of proposal.transactionIds) {
    const tx = context.body(txId);
    if (tx !== undefined) transactions.push({ txId, tx, fairTimestampMs: 0, effectiveTimestampMs: 0 });
  }
  return {
    ...derived,
    header: proposal.header,
    blockId: headerHash(proposal.header, context.domain),
    transactions,
    prices: proposal.prices,
  };
}

function sameHeader(a: BlockHeader, b: BlockHeader): boolean {
  return (
    a.version === b.version &&
    a.networkId === b.networkId &&
    a.epoch === b.epoch &&
    a.height === b.height &&
    a.parentHash === b.parentHash &&
    a.timestampMs === b.timestampMs &&
    a.txRoot === b.txRoot &&
    a.txCount === b.txCount &&
    a.namespaceRoot === b.namespaceRoot &&
    a.namespaceCount === b.namespaceCount &&
    a.priceRoot === b.priceRoot &&
    a.priceCount === b.priceCount &&
    a.historyRoot === b.historyRoot &&
    a.proposerIndex === b.proposerIndex
  );
}

/**
 * Advances the chain state by one finalized block: nonces, oracle state, history, and each
 * namespace's sequence by its transactions in the block (so also for a block applied by
 * certificate, whose content comes from its bodies).
 */
export function applyBlock(chain: ChainState, content: BlockContent): void {
  const { header } = content;
  if (header.height !== chain.height + 1 || header.parentHash !== chain.lastBlockId) {
    throw new Error(
      `consensus assertion failed: block ${header.height} does not extend height ${chain.height}`,
    );
  }
  for (const { tx } of content.transactions) {
    chain.nextNonces.set(tx.sender.toLowerCase() as Address, tx.nonce + 1n);
    const namespace = tx.namespace.toLowerCase() as Hex;
    chain.namespaceSequences.set(namespace, (chain.namespaceSequences.get(namespace) ?? 0) + 1);
  }
  const envelopes: PendingEnvelope[] = [];
  for (const { tx, txId } of content.transactions) {
    const entry = isEnvelope(tx) ? pendingEnvelope(tx, txId) : undefined;
    if (entry !== undefined) envelopes.push(entry);
  }
  if (envelopes.length > 0) chain.envelopes.set(header.height, envelopes);
  chain.envelopes.delete(header.height - 2);
  chain.feedStates = content.feedStates;
  chain.history.append(content.blockId);
  chain.height = header.height;
  chain.lastBlockId = content.blockId;
  chain.lastHeader = header;
}

/**
 * The content of a block that carries a commit certificate: 2f+1 validators (f+1 honest)
 * accepted it, so a node applies it without re-deciding valid(v). Normally it is the content
 * function's output; only under a canary can it be something else, and then it is what the
 * proposal claims.
 */
export function committedBlockContent(context: ContentContext, proposal: Proposal): BlockContent {
  const verdict = checkProposalContent(context, proposal);
  if (verdict.valid) return verdict.content;
  const transactions: OrderedTransaction[] = [];
  for (const txId of proposal.transactionIds) {
    const tx = context.body(txId);
    if (tx !== undefined) transactions.push({ txId, tx, fairTimestampMs: 0, effectiveTimestampMs: 0 });
  }
  return {
    header: proposal.header,
    blockId: headerHash(proposal.header, context.domain),
    transactions,
    prices: proposal.prices,
    feedStates: certifiedFeedStates(context, proposal) ?? context.chain.feedStates,
    extensions: proposal.extensions,
    reveals: [],
  };
}

/**
 * The oracle state after a certified block whose full content cannot be recomputed here (a
 * synced block: the bodies of candidates it left out are not at hand), from the extensions its
 * content derives from, which must reproduce the block's time and prices exactly. Null when
 * they do not (or are not there: a block served without them).
 */
function certifiedFeedStates(context: ContentContext, proposal: Proposal): Map<Hex, FeedState> | null {
  const { chain } = context;
  const { header, extensions } = proposal;
  const f = faultTolerance(context.signerCount);
  if (header.height !== chain.height + 1 || header.height === 1) return null;
  if (extensions.length < 2 * f + 1 || !extensionsAreAcceptable(context, extensions, true)) return null;
  const medianMs = Number(lowerMedian(extensions.map((extension) => BigInt(extension.timestampMs))));
  const timestampMs = Math.max((chain.lastHeader?.timestampMs ?? -1) + 1, medianMs);
  if (timestampMs !== header.timestampMs) return null;
  if (context.feeds.length === 0) return proposal.prices.length === 0 ? chain.feedStates : null;
  const aggregated = aggregatePrices({
    feeds: context.feeds,
    state: chain.feedStates,
    observationsByValidator: extensions.map((extension) => extension.prices),
    f,
    height: header.height,
    timestampMs,
  });
  const samePrices =
    aggregated.prices.length === proposal.prices.length &&
    aggregated.prices.every(
      (price, i) =>
        price.feedId === proposal.prices[i]!.feedId && price.answer === proposal.prices[i]!.answer,
    );
  return samePrices ? aggregated.state : null;
}
