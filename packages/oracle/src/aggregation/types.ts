import type { FeedPrice, Hex } from '@synod/protocol';

/**
 * What consensus needs to know about a feed. Every honest validator must hold the same list
 * (it is part of the network's configuration), because the aggregation result depends on it.
 * Source adapters (issue #6) extend this with the pair and its sources.
 */
export interface FeedConfig {
  /** bytes32 feed id, lowercase 0x-hex (e.g. keccak256("ETH/USD")). The price tree sorts by it. */
  feedId: Hex;
  /** Fixed-point decimals of every price of this feed, observed and finalized alike. */
  decimals: number;
  /**
   * Circuit breaker: the largest move, in basis points of the last finalized price, that
   * finalizes at once. A move of exactly this size is still accepted.
   */
  deviationBoundBps: number;
  /**
   * Circuit breaker: K. A larger move finalizes at the K-th quorum height at which the median
   * stays beyond the bound in the same direction (the tripping height counts as the first).
   * K = 1 disables the breaker.
   */
  confirmationHeights: number;
  /**
   * A feed whose last finalized price is more than this older than the block time is stale.
   * Block time, not wall clock: every validator computes the same staleness.
   */
  maxAgeMs: number;
  /** L1 push: push a newer price when the pushed one is at least this old. */
  heartbeatMs: number;
  /** L1 push: push a newer price that moved at least this many basis points from the pushed one. */
  pushDeviationBps: number;
}

/** One validator's observation of one feed, carried in its vote extension. */
export interface PriceObservation {
  feedId: Hex;
  /** Fixed-point price scaled by the feed's decimals; int256 range. */
  price: bigint;
}

/** A price with the height and block time that finalized it. */
export interface FinalizedPrice {
  price: bigint;
  height: number;
  timestampMs: number;
}

export type MoveDirection = 'up' | 'down';

/** A move beyond the deviation bound that the circuit breaker is holding back. */
export interface PendingMove {
  /** Direction of the move against `FeedState.lastFinalized.price`. */
  direction: MoveDirection;
  /** Quorum heights so far, in a row, whose median was beyond the bound in this direction. */
  consecutiveHeights: number;
  /** Height that tripped the breaker. */
  firstHeight: number;
  /** Last height whose median extended the streak. */
  lastHeight: number;
  /** That height's median (informational: never finalized from here). */
  lastMedian: bigint;
}

/**
 * Per-feed aggregation state. A deterministic function of the finalized chain: every honest
 * validator that applies the same blocks holds the same state. Plain data (persistable).
 */
export interface FeedState {
  /** The price that stands. Absent until the feed first finalizes. */
  lastFinalized?: FinalizedPrice;
  /** Present while the circuit breaker holds a move back. */
  pending?: PendingMove;
  /**
   * True when there is no usable price: none was ever finalized, or the last one is older than
   * `maxAgeMs` at the latest aggregated height.
   */
  stale: boolean;
}

/** Why a feed finalized a price at this height. */
export type FinalizedVia =
  /** The feed had no finalized price yet: nothing to measure a move against. */
  | 'first-price'
  /** The median moved at most `deviationBoundBps` from the last finalized price. */
  | 'within-bound'
  /** The move held for `confirmationHeights` quorum heights. */
  | 'breaker-confirmed';

/** What happened to each feed at one height: data for logs and metrics, never for consensus. */
export type AggregationEvent =
  | { kind: 'finalized'; feedId: Hex; price: bigint; via: FinalizedVia }
  | {
      kind: 'breaker-tripped';
      feedId: Hex;
      median: bigint;
      lastFinalizedPrice: bigint;
      direction: MoveDirection;
      /** floor(|median − last| · 10⁴ / |last|); undefined when the last price is 0. */
      moveBps: bigint | undefined;
    }
  | {
      kind: 'breaker-held';
      feedId: Hex;
      median: bigint;
      direction: MoveDirection;
      consecutiveHeights: number;
      confirmationHeights: number;
    }
  | {
      kind: 'breaker-reset';
      feedId: Hex;
      /** `reverted`: back within the bound; `reversed`: now beyond it in the other direction. */
      reason: 'reverted' | 'reversed';
    }
  | { kind: 'no-quorum'; feedId: Hex; observationCount: number; quorum: number }
  | {
      kind: 'stale';
      feedId: Hex;
      /** Block time of the last finalized price; undefined if the feed never finalized. */
      lastFinalizedTimestampMs: number | undefined;
    };

export interface AggregatePricesParameters {
  /** Every configured feed (same list at every validator). */
  feeds: readonly FeedConfig[];
  /** State after the previous height. Missing feeds start as `{ stale: true }`. */
  state: ReadonlyMap<Hex, FeedState>;
  /**
   * One observation list per vote extension included in the block (≥ 2f+1 of them), in any
   * order: the result does not depend on it.
   */
  observationsByValidator: readonly (readonly PriceObservation[])[];
  /** Byzantine validators tolerated: f = ⌊(n−1)/3⌋. */
  f: number;
  /** Height of the block these prices go into. */
  height: number;
  /** That block's timestamp (unix ms), the only clock the rule reads. */
  timestampMs: number;
}

export interface AggregatePricesReturnType {
  /** Prices finalized at this height, sorted by feedId ascending (price tree order). */
  prices: FeedPrice[];
  /** State after this height: exactly the configured feeds, in feedId order. */
  state: Map<Hex, FeedState>;
  /** Per feed in feedId order, what happened. */
  events: AggregationEvent[];
}
