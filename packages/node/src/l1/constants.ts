/**
 * Defaults and bounds of the L1 submitter (docs/operations.md "L1 settlement"). Options of
 * createL1Submitter override the defaults; the bounds are fixed.
 */

/**
 * Heights waiting to be posted, at most. Any posted header proves every earlier one through its
 * historyRoot, and feeds only move forward on L1, so when the cap is hit the oldest entries are
 * dropped: the newest needed height is always kept and nothing becomes unprovable. 1,024 entries
 * at one entry per posting interval is hours of L1 outage, in a few hundred KiB.
 */
export const L1_MAX_BACKLOG_HEIGHTS = 1024;

/**
 * Heights a (re)starting submitter reads from the store above the inbox's latestHeight. Older
 * heights never need posting (a later header covers them), so a node far ahead of L1 starts
 * from the most recent ones instead of reading its whole chain.
 */
export const L1_RESUME_SCAN_MAX_HEIGHTS = 4096;

/**
 * Stored inbox heights proveOnL1 probes (one headerHashes call each) looking for the nearest
 * posted header at or above a transaction's height; past this it anchors on latestHeight, which
 * is always stored. With posting every k heights the nearest one is within k.
 */
export const L1_PROOF_ANCHOR_SCAN_MAX_HEIGHTS = 64;

/**
 * Header hashes read to build one history proof. The proof needs every header hash below the
 * anchor; this bounds the work (a store that keeps the accumulator's inner nodes would not need it).
 */
export const L1_PROOF_MAX_HISTORY_HEADERS = 1_000_000;

/** Default loop period: how often the submitter reads the inbox and acts (one Ethereum slot). */
export const L1_DEFAULT_TICK_INTERVAL_MS = 12_000;

/** Default heights between posted headers when no price forces one sooner. */
export const L1_DEFAULT_POST_EVERY_HEADERS = 16;

/**
 * Default wait per step of rotation distance before a validator posts a header its predecessor
 * should have landed: two slots for inclusion plus one for our own read of the inbox.
 */
export const L1_DEFAULT_TAKEOVER_TIMEOUT_MS = 36_000;

/** Default time a transaction may stay unmined before it is replaced with higher fees. */
export const L1_DEFAULT_FEE_BUMP_AFTER_MS = 36_000;

/**
 * Fee bump of a replacement: +12.5 % on maxFeePerGas and maxPriorityFeePerGas (geth's txpool
 * requires +10 % on both; 12.5 % matches one EIP-1559 base fee step, so a bumped transaction
 * keeps up with a base fee rising at the maximum rate).
 */
export const L1_FEE_BUMP_NUMERATOR = 1125n;
export const L1_FEE_BUMP_DENOMINATOR = 1000n;

/** Gas limit = estimate × 6/5: the estimate is exact for these contracts, the margin covers a cold/warm slot change between estimate and inclusion. */
export const L1_GAS_LIMIT_NUMERATOR = 6n;
export const L1_GAS_LIMIT_DENOMINATOR = 5n;

/**
 * Gas limit when the node cannot estimate (it estimates against a pending block holding another
 * validator's submission of the same height): measured 236,170 for submitHeader and 354,520
 * with 16 prices (docs/contracts.md "Gas"), i.e. about 7,400 per price; these leave > 50 % margin.
 */
export const L1_FALLBACK_GAS_BASE = 400_000n;
export const L1_FALLBACK_GAS_PER_PRICE = 20_000n;

/** Gas of the 0-value self-transfer that replaces a submission made stale while it waited. */
export const L1_CANCEL_GAS = 21_000n;

/** First delay after a failed round with L1 (RPC down, send refused), doubled per failure. */
export const L1_DEFAULT_RETRY_MIN_DELAY_MS = 1_000;
/** Ceiling of the retry delay: L1 back after an outage is noticed within this. */
export const L1_DEFAULT_RETRY_MAX_DELAY_MS = 60_000;

/**
 * How long the account's nonce may be seen used before a receipt of ours shows up, before the
 * sender concludes that another transaction used it (sender.ts): a node may answer the new
 * nonce a moment before it serves the receipt.
 */
export const L1_RECEIPT_LAG_MS = 5_000;

/** Transaction hashes remembered per nonce (original + replacements), checked for a receipt. */
export const L1_MAX_HASHES_PER_NONCE = 32;

/**
 * Batches of one settled namespace held in memory, at most. Unlike header heights no batch can
 * be dropped (each must be settled, in order), so at the cap the relayer stops reading further
 * heights from the store and resumes where it stopped once batches are settled: the bound is on
 * memory, the store keeps the rest. 1,024 batches is hours of a busy namespace.
 */
export const L1_MAX_BACKLOG_BATCHES = 1024;

/**
 * Gas limit of a batch settlement when the node cannot estimate (a competing settlement of the
 * same batch is pending): submitHeader (≈ 236,000) + the settlement's fixed part and a history
 * proof, then per transaction ecrecover, calldata and a modest app hook. Targets of issue #13:
 * fixed ≤ 60,000, marginal ≤ 16,000 per transaction with a no-op hook.
 */
export const L1_FALLBACK_BATCH_GAS_BASE = 500_000n;
export const L1_FALLBACK_BATCH_GAS_PER_TRANSACTION = 60_000n;
/** Added per batch beyond the first to a multi-batch call's fallback gas limit (its header and proofs: ≈ 28,000 measured). */
export const L1_FALLBACK_BATCH_GAS_PER_BATCH = 80_000n;

/**
 * Batches of one namespace settled in one call at most (settleBatches), = the contract's
 * MAX_BATCHES_PER_CALL. Several heights per call is what lets a namespace with transactions in
 * most blocks keep up: the account has one transaction in flight, so at most one call per L1
 * block (docs/decisions.md "Batch settlement: many heights per call").
 */
export const L1_MAX_BATCHES_PER_CALL = 64;

/**
 * Gas budget of one multi-batch call: a group grows while its estimate (the transactions times
 * the gas per transaction last seen) stays within it, and a call whose estimate exceeds it is not
 * sent but rebuilt smaller. About a tenth of an Ethereum block: large enough that a group
 * carries a slot's worth of batches, small enough to be included promptly.
 */
export const L1_BATCH_CALL_MAX_GAS = 5_000_000n;

/**
 * Calldata budget of one multi-batch call, in ABI bytes. geth's pool refuses transactions above
 * 128 KiB; the rest is margin for the signature and envelope.
 */
export const L1_BATCH_CALL_MAX_CALLDATA_BYTES = 96 * 1024;

/**
 * Gas per settled transaction assumed before a receipt tells the real figure (the app's hook
 * is unknown): settlement with a no-op hook costs about 14,000 per transaction in groups of 8
 * (docs/contracts.md "Gas"); this leaves room for a hook of about 45,000.
 */
export const L1_BATCH_INITIAL_GAS_PER_TRANSACTION = 60_000;

/** Most namespaces one node settles (`l1.settlement`): each is a job sharing the account's one transaction in flight. */
export const L1_MAX_SETTLEMENT_NAMESPACES = 64;
