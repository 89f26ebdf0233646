/** Bounds and defaults of the consensus driver. */

/**
 * One attempt to fetch missing transaction bodies from peers. Content checks wait for it while
 * the propose timeout runs (1 s by default), so it must be well below that: a body that is not
 * back in time makes the proposal invalid for us (prevote nil), as docs/consensus.md says.
 */
export const DRIVER_FETCH_TIMEOUT_MS = 800;

/**
 * How long a proposer or a content check waits for the DecryptionShares of the envelopes due
 * (docs/protocol.md "Encrypted transactions"): they are sent when the previous block commits, so
 * they arrive a network hop after it. Below the 1 s propose timeout, like a body fetch; a proposal
 * that cannot be checked in time gets a nil prevote, and a later round retries with the shares.
 */
export const DRIVER_SHARES_WAIT_MS = 800;

/**
 * DecryptionShares of blocks up to this many heights above our tip are kept (from nodes ahead of
 * us, signature checked): a node that lags a block would otherwise drop them and wait for
 * retransmissions before it could check the block that reveals them.
 */
export const DRIVER_SHARES_AHEAD_HEIGHTS = 2;

/**
 * Within one fetch, how long a peer has to answer before the next one is asked too (the earlier
 * request stays open): a peer that never answers costs this much of DRIVER_FETCH_TIMEOUT_MS, so
 * four peers fit in it. A loopback answer takes milliseconds, one across continents ~150 ms.
 */
export const DRIVER_FETCH_HEDGE_MS = 200;

/**
 * Attempts to fetch the bodies of a block that is already decided (by certificate) before the
 * driver gives up and stops: 2f+1 validators hold them, so failing this often means we are cut
 * off, and a restart resyncs the block with its bodies.
 */
export const DRIVER_MAX_COMMIT_FETCH_ATTEMPTS = 20;

/** Bodies kept outside the mempool (fetched for proposals, or from synced blocks), oldest evicted. */
export const DRIVER_MAX_FETCHED_BODIES = 16_384;

/** Cached signature checks of such bodies (a recovery costs ~50 µs; a proposal is checked by everyone). */
export const DRIVER_MAX_VERIFIED_TRANSACTIONS = 65_536;

/** How long catch-up waits for the core to commit one certified block it was handed. */
export const SYNCED_BLOCK_COMMIT_TIMEOUT_MS = 10_000;

/**
 * Default of consensus.stallWarningMs: no finalized block for this long is reported as a stall.
 * Well above the worst healthy height (a few escalated rounds of ≤ 10 s timeouts), so a warning
 * means something is wrong (no quorum reachable, or messages not arriving).
 */
export const DRIVER_STALL_WARNING_MS = 30_000;

/** Rounds of the current height shown in diagnostics (the newest ones). */
export const DRIVER_DIAGNOSTIC_ROUNDS = 4;

/**
 * While a height is held idle, how often the driver compares its latest price observations with
 * the last finalized prices (a move beyond a feed's push deviation wakes the height).
 */
export const DRIVER_IDLE_PRICE_POLL_MS = 200;
