/**
 * Defaults of the SDK. Every option falls back to one of these; each says why it has its value.
 * Units are last in names.
 */

/**
 * Retries of a retryable failure (network error, rate limit, node unavailable) before the error
 * reaches the caller. Three retries with exponential backoff span ~1 s at the default delay:
 * long enough to ride out a rate-limit window (the node refills every second), short enough that
 * a trading app learns quickly that a node is down.
 */
export const DEFAULT_RETRY_COUNT = 3;

/** First backoff delay; doubled on each retry (150, 300, 600 ms) unless the node says how long. */
export const DEFAULT_RETRY_DELAY_MS = 150;

/**
 * Longest wait the SDK accepts from a Retry-After / data.retryAfterMs before giving up on a
 * retry: a node asking for more is effectively down for a trading app, better to fail fast.
 */
export const MAX_RETRY_DELAY_MS = 5_000;

/**
 * Deadline of one request attempt. Above the node's own request timeout (10 s,
 * DEFAULT_REQUEST_TIMEOUT_MS of the RPC server), so a slow node answers with its typed
 * NodeTimeoutError before the client gives up on the socket.
 */
export const DEFAULT_TIMEOUT_MS = 12_000;

/**
 * WebSocket reconnection: attempts and the delay between them. Subscriptions are re-established
 * after a reconnect; watchBlocks fills the gap by height, so a few seconds offline loses nothing.
 */
export const DEFAULT_RECONNECT_ATTEMPTS = 5;
export const DEFAULT_RECONNECT_DELAY_MS = 500;

/**
 * Lifetime of a transaction whose validUntil is not given. Orders are time-sensitive: an order
 * that could not be finalized within a minute should not execute later at a stale price, and a
 * healthy network finalizes in well under a second. Apps with other needs pass validUntil.
 */
export const DEFAULT_VALID_FOR_SECONDS = 60;

/**
 * Polling interval of waitForFinality, watchBlocks and watchPrices over HTTP. Blocks are
 * sub-second, so 250 ms adds at most a quarter second of latency at ≤ 4 calls per second per
 * watcher, far below the node's per-client rate limit (100/s).
 */
export const DEFAULT_POLLING_INTERVAL_MS = 250;

/** Default deadline of waitForFinality when no timeoutMs is given. */
export const DEFAULT_FINALITY_TIMEOUT_MS = 30_000;

/**
 * Most blocks watchBlocks fetches by height to fill a gap (after a reconnect or between two
 * polls). A longer gap is reported through onError instead of downloading without bound; the
 * watcher resumes from the newest block.
 */
export const MAX_BACKFILL_BLOCKS = 256;

/**
 * Committees cached per client (by epoch). Epochs rotate rarely, so a handful covers every
 * header a client verifies; the bound keeps a long-lived client's memory flat.
 */
export const MAX_CACHED_COMMITTEES = 16;

/**
 * Certificates a client remembers as verified (by header hash, round, signature and group key):
 * orders finalized in one block share its certificate, and a BLS pairing check in pure JS costs
 * ~25 ms. The oldest is forgotten first; a few seconds of blocks at any rate a client follows.
 */
export const MAX_VERIFIED_CERTIFICATES = 1_024;
