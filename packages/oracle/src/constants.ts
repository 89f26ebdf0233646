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
