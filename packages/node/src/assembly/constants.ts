import { MAX_TX_BATCH_COUNT } from '@synod/protocol';

/** Bounds and timings of the node assembly. */

/**
 * How long transactions admitted over RPC wait to be gossiped together. 5 ms adds nothing a
 * user notices to finality (hundreds of ms) and turns a burst of single sends into one message.
 */
export const TX_BATCH_WINDOW_MS = 5;

/** A batch is published as soon as it holds this many (the codec's cap). */
export const TX_BATCH_MAX_COUNT = MAX_TX_BATCH_COUNT;

/** Pending transactions the batcher holds before flushing regardless of the window. */
export const TX_BATCH_MAX_PENDING = MAX_TX_BATCH_COUNT;

/** Signature verifications memoised for the consensus crypto (gossip validation and the core check the same vote). */
export const VERIFICATION_CACHE_ENTRIES = 16_384;

/** How often expired transactions are pruned from the mempool and peer-score gauges refreshed. */
export const HOUSEKEEPING_INTERVAL_MS = 1_000;

/** Peers whose gossip score the metrics report (connected at some point; oldest forgotten first). */
export const MAX_SCORED_PEERS = 256;

/** Block time of height 1: there is no previous commit to take it from, and it must be equal everywhere. */
export const GENESIS_TIMESTAMP_MS = 0;

/** Feeds whose latest finalized height is kept in memory for synod_getPrice (one entry per feed). */
export const MAX_TRACKED_FEEDS = 256;

/**
 * Blocks synod_getPrice reads back through when the chain's oracle state does not name a feed's
 * last price (a feed this node does not configure). A configured feed never needs it.
 */
export const PRICE_LOOKBACK_MAX_HEIGHTS = 4_096;

/** First retry of the L1 chain-id check when L1 does not answer at start; doubled up to the max. */
export const L1_CHAIN_CHECK_MIN_DELAY_MS = 1_000;
export const L1_CHAIN_CHECK_MAX_DELAY_MS = 60_000;

/** One L1 JSON-RPC request (viem's http transport); the submitter retries with its own backoff. */
export const L1_RPC_TIMEOUT_MS = 10_000;

/**
 * Re-gossip of pending transactions (node/gossip.ts PendingRegossip). A transaction still pending
 * REGOSSIP_MIN_AGE_MS after this node admitted it (a healthy network finalizes in well under a
 * second) is sent again to every peer directly, then again after doubling intervals up to
 * REGOSSIP_MAX_INTERVAL_MS: a batch that was lost (this node paused or cut off while gossiping
 * it, or published before its peers were connected) would otherwise leave a nonce gap that
 * strands every later transaction of the sender at the other nodes.
 */
export const REGOSSIP_MIN_AGE_MS = 3_000;
export const REGOSSIP_MAX_INTERVAL_MS = 60_000;
/** Transactions re-sent per housekeeping tick at most (the oldest first). */
export const REGOSSIP_MAX_PER_TICK = 2_048;
