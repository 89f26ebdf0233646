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

/** Latest finalized prices kept in memory for synod_getPrice (one per feed). */
export const MAX_TRACKED_FEEDS = 256;
