import type { Hex } from '@synod/protocol';
import {
  INT256_MAX,
  INT256_MIN,
  MAX_BPS,
  MAX_CONFIRMATION_HEIGHTS,
  MAX_FEED_DECIMALS,
  MAX_FEEDS,
} from '../constants.ts';
import { OracleError } from '../errors.ts';
import type { FeedConfig, PriceObservation } from './types.ts';

const FEED_ID_PATTERN = /^0x[0-9a-f]{64}$/;

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/**
 * Checks every feed configuration and returns a lookup by feedId.
 * @throws OracleError INVALID_CONFIG, DUPLICATE_FEED
 */
export function validateFeedConfigs(feeds: readonly FeedConfig[]): Map<Hex, FeedConfig> {
  if (feeds.length > MAX_FEEDS) {
    throw new OracleError('INVALID_CONFIG', `${feeds.length} feeds, at most ${MAX_FEEDS}`);
  }
  const byId = new Map<Hex, FeedConfig>();
  for (const feed of feeds) {
    const where = `feed ${String(feed.feedId)}`;
    // Lowercase and fixed-width, so that string order is numeric order (the price tree's order)
    // and one feed cannot appear under two spellings.
    if (typeof feed.feedId !== 'string' || !FEED_ID_PATTERN.test(feed.feedId)) {
      throw new OracleError('INVALID_CONFIG', `${where}: feedId must be lowercase 0x-hex bytes32`);
    }
    if (!isIntegerIn(feed.decimals, 0, MAX_FEED_DECIMALS)) {
      throw new OracleError(
        'INVALID_CONFIG',
        `${where}: decimals must be an integer in 0..${MAX_FEED_DECIMALS}`,
      );
    }
    if (!isIntegerIn(feed.deviationBoundBps, 1, MAX_BPS)) {
      throw new OracleError(
        'INVALID_CONFIG',
        `${where}: deviationBoundBps must be an integer in 1..${MAX_BPS}`,
      );
    }
    if (!isIntegerIn(feed.confirmationHeights, 1, MAX_CONFIRMATION_HEIGHTS)) {
      throw new OracleError(
        'INVALID_CONFIG',
        `${where}: confirmationHeights must be an integer in 1..${MAX_CONFIRMATION_HEIGHTS}`,
      );
    }
    if (!isIntegerIn(feed.maxAgeMs, 1, Number.MAX_SAFE_INTEGER)) {
      throw new OracleError('INVALID_CONFIG', `${where}: maxAgeMs must be a positive integer`);
    }
    if (!isIntegerIn(feed.heartbeatMs, 1, Number.MAX_SAFE_INTEGER)) {
      throw new OracleError('INVALID_CONFIG', `${where}: heartbeatMs must be a positive integer`);
    }
    if (!isIntegerIn(feed.pushDeviationBps, 1, MAX_BPS)) {
      throw new OracleError(
        'INVALID_CONFIG',
        `${where}: pushDeviationBps must be an integer in 1..${MAX_BPS}`,
      );
    }
    if (byId.has(feed.feedId)) {
      throw new OracleError('DUPLICATE_FEED', `${where} is configured twice`);
    }
    byId.set(feed.feedId, feed);
  }
  return byId;
}

/**
 * Checks one validator's observation list: every feed configured, at most one entry per feed,
 * every price a bigint in int256. A list that fails is rejected whole, never partly used:
 * vote-extension verification calls this and refuses the extension (so an honest proposer
 * never includes it), and `aggregatePrices` calls it again, so a proposal that includes such a
 * list fails to aggregate and honest validators prevote nil.
 *
 * @throws OracleError TOO_MANY_OBSERVATIONS, UNKNOWN_FEED, DUPLICATE_OBSERVATION, INVALID_PRICE
 */
export function validateObservations(
  feedsById: ReadonlyMap<Hex, FeedConfig>,
  observations: readonly PriceObservation[],
): void {
  // Bounds the work before anything else; a longer list than the feeds it may name is then
  // refused below as UNKNOWN_FEED or DUPLICATE_OBSERVATION, the more precise verdicts.
  if (observations.length > MAX_FEEDS) {
    throw new OracleError(
      'TOO_MANY_OBSERVATIONS',
      `${observations.length} observations, at most ${MAX_FEEDS}`,
    );
  }
  const seen = new Set<Hex>();
  for (const { feedId, price } of observations) {
    if (!feedsById.has(feedId)) {
      throw new OracleError('UNKNOWN_FEED', `observation of unconfigured feed ${String(feedId)}`);
    }
    if (seen.has(feedId)) {
      throw new OracleError('DUPLICATE_OBSERVATION', `feed ${feedId} observed twice in one list`);
    }
    seen.add(feedId);
    if (typeof price !== 'bigint' || price < INT256_MIN || price > INT256_MAX) {
      throw new OracleError('INVALID_PRICE', `feed ${feedId}: price must be an int256 bigint`);
    }
  }
}
