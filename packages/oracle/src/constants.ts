/**
 * Bounds and defaults of the oracle. Every list has a bound; every default says why.
 * See docs/oracle.md ("Defaults").
 */

/** Feeds per deployment. Bounds each vote extension's observation list and the price tree. */
export const MAX_FEEDS = 256;

/**
 * Observation lists (vote extensions) per aggregation: one per committee member. 1,024 is far
 * above any committee a threshold-BLS DKG can run (its cost grows with n²).
 */
export const MAX_OBSERVATION_LISTS = 1024;

/** Decimals of a feed. 10^36 still leaves ~10^40 of headroom for the integer part in int256. */
export const MAX_FEED_DECIMALS = 36;

/** Upper bound for any basis-point setting: a 100× move. Larger values disable the rule by accident. */
export const MAX_BPS = 1_000_000;

/** Upper bound for K. A breaker that needs more heights than this is a misconfiguration. */
export const MAX_CONFIRMATION_HEIGHTS = 10_000;

/** Price answers are ABI int256 (price tree leaf, AggregatorV3Interface). */
export const INT256_MIN = -(2n ** 255n);
export const INT256_MAX = 2n ** 255n - 1n;

/** Basis points in one whole (100%). */
export const BPS_PER_UNIT = 10_000n;

/**
 * Circuit breaker bound: 5%. A liquid pair almost never moves 5% between two heights (about a
 * second apart), while a pumped thin market easily does; a false trip only delays a genuine
 * move by K heights.
 */
export const DEFAULT_DEVIATION_BOUND_BPS = 500;

/**
 * K = 3: a genuine move is visible at every honest validator's sources at once and persists;
 * a pump must now be sustained across three heights and still win the median of ≥ 2f+1
 * validators, each itself a median of several sources.
 */
export const DEFAULT_CONFIRMATION_HEIGHTS = 3;

/** A feed with no newly finalized price for 60 s is stale: about 60 missed heights. */
export const DEFAULT_MAX_AGE_MS = 60_000;

/** L1 push heartbeat: one hour, as Chainlink's ETH/USD on mainnet. L1 gas is the cost. */
export const DEFAULT_HEARTBEAT_MS = 3_600_000;

/** L1 push deviation threshold: 0.5%, as Chainlink's ETH/USD on mainnet. */
export const DEFAULT_PUSH_DEVIATION_BPS = 50;

// ─── Sources (issue #6): what one validator does to observe a feed. Local policy, not consensus:
// validators may tune these without a network upgrade. See docs/oracle.md ("Sources").

/** Sources per feed. Bounds the requests of one poll and the status list of one feed. */
export const MAX_SOURCES_PER_FEED = 16;

/**
 * Per-request timeout: 2 s. A poll runs about once a block (1 s); a venue that needs longer than
 * two blocks to answer a ticker request is degraded, and the other sources carry the median.
 */
export const DEFAULT_SOURCE_TIMEOUT_MS = 2_000;

/** Longest timeout a source may configure: past this a price is too old to vote with anyway. */
export const MAX_SOURCE_TIMEOUT_MS = 60_000;

/**
 * Response body cap: 16 KiB. One pair's ticker is under 1 KiB on every supported venue (Kraken's,
 * the largest, is about 400 bytes); a larger body is an error page or an attack, never a price.
 */
export const DEFAULT_SOURCE_MAX_BODY_BYTES = 16 * 1024;

/** Largest body cap a source may configure: 1 MiB, far above any single-pair ticker. */
export const MAX_SOURCE_BODY_BYTES = 1024 * 1024;

/**
 * A source price older than 10 s is stale: ten blocks. The vote extension carries this height's
 * view of the market; an older price would let a frozen venue hold the median back.
 */
export const DEFAULT_SOURCE_MAX_AGE_MS = 10_000;

/**
 * A venue timestamp more than 5 s ahead of our clock is refused: NTP keeps honest clocks far
 * closer, and a future timestamp would otherwise stay "fresh" for longer than the max age.
 */
export const MAX_SOURCE_CLOCK_SKEW_MS = 5_000;

/**
 * First backoff after a failure: 2 s (two polls), doubling per consecutive failure up to
 * DEFAULT_SOURCE_BACKOFF_MAX_MS. Short enough that a blip costs two blocks, long enough not to
 * hammer a venue that is rate-limiting us.
 */
export const DEFAULT_SOURCE_BACKOFF_BASE_MS = 2_000;

/** Backoff cap: 1 min. A venue that is down for hours is still retried every minute. */
export const DEFAULT_SOURCE_BACKOFF_MAX_MS = 60_000;

/**
 * Price sanity bound: at most 15 integer digits (below 10^15 units of the quote currency). No
 * traded asset comes close; a larger number is a unit or parsing error on the venue's side.
 */
export const MAX_SOURCE_PRICE_INTEGER_DIGITS = 15;

/** Longest decimal string a price may be. Bounds the parsing work of a hostile response. */
export const MAX_SOURCE_PRICE_CHARS = 64;

/** Observer poll interval: 1 s, one block, so each vote extension carries a fresh median. */
export const DEFAULT_OBSERVE_INTERVAL_MS = 1_000;

/** A feed is observed when at least this many healthy sources answer fresh prices. */
export const DEFAULT_MIN_SOURCES = 1;
