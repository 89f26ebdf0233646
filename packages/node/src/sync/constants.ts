/** Bounds and timings of catch-up sync. */

/** How often the sync loop compares our height with what peers have shown. */
export const SYNC_INTERVAL_MS = 250;

/**
 * How long a node one block behind waits for normal consensus before fetching that block: a
 * peer's vote for the next height routinely arrives a few ms before our own commit.
 */
export const SYNC_GRACE_MS = 1_000;

/** A peer's height is trusted as a hint for this long (peers rebroadcast every round). */
export const SYNC_PEER_HINT_TTL_MS = 30_000;

/** Peers whose heights we track: the committee plus sync clients, never unbounded. */
export const SYNC_MAX_TRACKED_PEERS = 256;

/** One block range request (MAX_BLOCK_REQUEST_COUNT blocks); the protocol's own cap is 60 s. */
export const SYNC_REQUEST_TIMEOUT_MS = 20_000;

/**
 * How long the best peer has to answer a block range request before the next one is asked too
 * (driver/hedged.ts): a peer that is cut off silently, or paused, costs this much of a catch-up,
 * not SYNC_REQUEST_TIMEOUT_MS. A range of blocks comes back from a live peer well within it.
 */
export const SYNC_HEDGE_MS = 1_000;
