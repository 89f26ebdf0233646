import type { FeedPrice, Hex } from '@synod/protocol';
import { MAX_OBSERVATION_LISTS } from '../constants.ts';
import { OracleError } from '../errors.ts';
import { directionOf, isBeyondBound, moveBps } from './deviation.ts';
import { lowerMedian } from './median.ts';
import type {
  AggregatePricesParameters,
  AggregatePricesReturnType,
  AggregationEvent,
  FeedConfig,
  FeedState,
  PendingMove,
} from './types.ts';
import { validateFeedConfigs, validateObservations } from './validate.ts';

/** State of a feed that has never been aggregated: no price, hence stale. */
export const INITIAL_FEED_STATE: FeedState = Object.freeze({ stale: true });

/** Observations a feed needs at one height: 2f+1, so that at most f of them are byzantine and
 * the median stays within the honest ones (see `lowerMedian`). */
export function quorumSize(f: number): number {
  return 2 * f + 1;
}

/**
 * The oracle's aggregation rule for one height: per feed, the lower median of the observations
 * in the included vote extensions, passed through the circuit breaker and the staleness rule.
 * Pure and deterministic: no clock but `timestampMs`, no floating point, and the result does not
 * depend on the order of `observationsByValidator` or `feeds`. Does not mutate its input.
 *
 * Per feed (docs/oracle.md has the full rule):
 * - fewer than 2f+1 observations: no price; the breaker streak neither grows nor resets;
 * - no price yet: the median finalizes;
 * - median within `deviationBoundBps` of the last finalized price: it finalizes, any held move
 *   is dropped;
 * - beyond it: the breaker holds it (the last price stands and is not re-emitted) until the
 *   `confirmationHeights`-th quorum height in a row beyond the bound in the same direction,
 *   whose median then finalizes;
 * - a feed that finalized nothing at this height and whose last price is older than `maxAgeMs`
 *   is marked stale.
 * Every price it returns is the median of this height's observations, so it lies within the
 * honest observations of this height whenever at most f of them are byzantine.
 *
 * @throws OracleError INVALID_CONFIG, DUPLICATE_FEED, INSUFFICIENT_OBSERVATIONS,
 *   TOO_MANY_OBSERVATIONS, UNKNOWN_FEED, DUPLICATE_OBSERVATION, INVALID_PRICE, INVALID_ROUND
 *
 * @example
 * const { prices, state } = aggregatePrices({
 *   feeds: [ethUsd], state: previousState, observationsByValidator: extensions.map((e) => e.prices),
 *   f: 1, height: 42, timestampMs: header.timestampMs,
 * });
 */
export function aggregatePrices(parameters: AggregatePricesParameters): AggregatePricesReturnType {
  const { feeds, state, observationsByValidator, f, height, timestampMs } = parameters;
  const feedsById = validateFeedConfigs(feeds);
  if (!Number.isSafeInteger(f) || f < 0) throw new OracleError('INVALID_ROUND', `f = ${f}`);
  if (!Number.isSafeInteger(height) || height < 1)
    throw new OracleError('INVALID_ROUND', `height = ${height}`);
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new OracleError('INVALID_ROUND', `timestampMs = ${timestampMs}`);
  }
  const quorum = quorumSize(f);
  if (observationsByValidator.length < quorum) {
    throw new OracleError(
      'INSUFFICIENT_OBSERVATIONS',
      `${observationsByValidator.length} observation lists, need 2f+1 = ${quorum}`,
    );
  }
  if (observationsByValidator.length > MAX_OBSERVATION_LISTS) {
    throw new OracleError(
      'TOO_MANY_OBSERVATIONS',
      `${observationsByValidator.length} observation lists, at most ${MAX_OBSERVATION_LISTS}`,
    );
  }

  const pricesByFeed = new Map<Hex, bigint[]>();
  for (const feedId of feedsById.keys()) pricesByFeed.set(feedId, []);
  for (const observations of observationsByValidator) {
    validateObservations(feedsById, observations);
    for (const { feedId, price } of observations) pricesByFeed.get(feedId)!.push(price);
  }

  const prices: FeedPrice[] = [];
  const nextState = new Map<Hex, FeedState>();
  const events: AggregationEvent[] = [];
  // Lowercase fixed-width hex: string order is numeric order, the price tree's leaf order.
  const feedIds = [...feedsById.keys()].sort();
  for (const feedId of feedIds) {
    const feed = feedsById.get(feedId)!;
    const previous = state.get(feedId) ?? INITIAL_FEED_STATE;
    checkMonotonic(feedId, previous, height, timestampMs);
    const result = aggregateFeed(
      feed,
      previous,
      pricesByFeed.get(feedId)!,
      quorum,
      height,
      timestampMs,
      events,
    );
    nextState.set(feedId, result.state);
    if (result.price !== undefined) prices.push({ feedId, answer: result.price });
  }
  return { prices, state: nextState, events };
}

function checkMonotonic(feedId: Hex, previous: FeedState, height: number, timestampMs: number): void {
  const last = previous.lastFinalized;
  if (last !== undefined && (height <= last.height || timestampMs < last.timestampMs)) {
    throw new OracleError(
      'INVALID_ROUND',
      `feed ${feedId}: height ${height} at ${timestampMs} ms does not follow its last price (height ${last.height} at ${last.timestampMs} ms)`,
    );
  }
  if (previous.pending !== undefined && height <= previous.pending.lastHeight) {
    throw new OracleError(
      'INVALID_ROUND',
      `feed ${feedId}: height ${height} does not follow its held move (height ${previous.pending.lastHeight})`,
    );
  }
}

interface FeedResult {
  state: FeedState;
  price?: bigint;
}

function aggregateFeed(
  feed: FeedConfig,
  previous: FeedState,
  observed: readonly bigint[],
  quorum: number,
  height: number,
  timestampMs: number,
  events: AggregationEvent[],
): FeedResult {
  const { feedId } = feed;
  const finalize = (price: bigint, via: 'first-price' | 'within-bound' | 'breaker-confirmed'): FeedResult => {
    events.push({ kind: 'finalized', feedId, price, via });
    return { state: { lastFinalized: { price, height, timestampMs }, stale: false }, price };
  };

  if (observed.length < quorum) {
    events.push({ kind: 'no-quorum', feedId, observationCount: observed.length, quorum });
    // The streak is kept: a byzantine proposer can cause a no-quorum height (by including f
    // byzantine extensions that omit the feed), and must not be able to reset a genuine move.
    return { state: nextUnfinalizedState(feed, previous, previous.pending, timestampMs, events) };
  }

  const median = lowerMedian(observed);
  const last = previous.lastFinalized;
  if (last === undefined) return finalize(median, 'first-price');

  if (!isBeyondBound(last.price, median, feed.deviationBoundBps)) {
    if (previous.pending !== undefined) events.push({ kind: 'breaker-reset', feedId, reason: 'reverted' });
    return finalize(median, 'within-bound');
  }

  const direction = directionOf(last.price, median);
  let streak = previous.pending;
  if (streak !== undefined && streak.direction !== direction) {
    events.push({ kind: 'breaker-reset', feedId, reason: 'reversed' });
    streak = undefined;
  }
  const consecutiveHeights = (streak?.consecutiveHeights ?? 0) + 1;
  if (consecutiveHeights >= feed.confirmationHeights) return finalize(median, 'breaker-confirmed');

  if (consecutiveHeights === 1) {
    events.push({
      kind: 'breaker-tripped',
      feedId,
      median,
      lastFinalizedPrice: last.price,
      direction,
      moveBps: moveBps(last.price, median),
    });
  } else {
    events.push({
      kind: 'breaker-held',
      feedId,
      median,
      direction,
      consecutiveHeights,
      confirmationHeights: feed.confirmationHeights,
    });
  }
  const pending = {
    direction,
    consecutiveHeights,
    firstHeight: streak?.firstHeight ?? height,
    lastHeight: height,
    lastMedian: median,
  };
  return { state: nextUnfinalizedState(feed, previous, pending, timestampMs, events) };
}

/**
 * State of a feed that finalized nothing at this height: the last price stands, `stale` is
 * recomputed at `timestampMs`, and a `stale` event marks the moment the feed turns stale.
 */
function nextUnfinalizedState(
  feed: FeedConfig,
  previous: FeedState,
  pending: PendingMove | undefined,
  timestampMs: number,
  events: AggregationEvent[],
): FeedState {
  const last = previous.lastFinalized;
  // Older than maxAgeMs, strictly: a price exactly maxAgeMs old is still fresh.
  const stale = last === undefined || timestampMs - last.timestampMs > feed.maxAgeMs;
  if (stale && !previous.stale) {
    events.push({ kind: 'stale', feedId: feed.feedId, lastFinalizedTimestampMs: last?.timestampMs });
  }
  const next: FeedState = { stale };
  if (last !== undefined) next.lastFinalized = last;
  if (pending !== undefined) next.pending = pending;
  return next;
}
