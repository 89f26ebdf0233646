import type { Hex } from '@synod/protocol';
import {
  type AggregatePricesReturnType,
  aggregatePrices,
  compareBigint,
  createFeedConfig,
  type FeedConfig,
  type FeedConfigInput,
  type FeedState,
  type PriceObservation,
} from '../src/index.ts';

/** bytes32 feed id n, lowercase. */
export function feedIdOf(n: number): Hex {
  return `0x${n.toString(16).padStart(64, '0')}`;
}

export const ETH: Hex = feedIdOf(1);
export const BTC: Hex = feedIdOf(2);

/** 8 decimals, 5% bound, K = 3, 60 s max age: the defaults, spelled out for readable tests. */
export function testFeed(overrides: Partial<FeedConfigInput> = {}): FeedConfig {
  return createFeedConfig({
    feedId: ETH,
    decimals: 8,
    deviationBoundBps: 500,
    confirmationHeights: 3,
    maxAgeMs: 60_000,
    heartbeatMs: 3_600_000,
    pushDeviationBps: 50,
    ...overrides,
  });
}

/** One list per validator, each observing `feedId` at the given price (undefined: omits it). */
export function lists(feedId: Hex, prices: readonly (bigint | undefined)[]): PriceObservation[][] {
  return prices.map((price) => (price === undefined ? [] : [{ feedId, price }]));
}

export const BLOCK_MS = 1_000;

/**
 * Drives one feed through consecutive heights from `startHeight`, one block every BLOCK_MS,
 * each height's observations from `rounds`. Returns each height's result.
 */
export function drive(
  feed: FeedConfig,
  f: number,
  rounds: readonly (readonly (bigint | undefined)[])[],
  options: { state?: Map<Hex, FeedState>; startHeight?: number; startMs?: number; blockMs?: number } = {},
): AggregatePricesReturnType[] {
  let state: ReadonlyMap<Hex, FeedState> = options.state ?? new Map();
  const startHeight = options.startHeight ?? 1;
  const startMs = options.startMs ?? 1_700_000_000_000;
  const blockMs = options.blockMs ?? BLOCK_MS;
  return rounds.map((prices, i) => {
    const result = aggregatePrices({
      feeds: [feed],
      state,
      observationsByValidator: lists(feed.feedId, prices),
      f,
      height: startHeight + i,
      timestampMs: startMs + i * blockMs,
    });
    state = result.state;
    return result;
  });
}

/** The answers finalized at each height (undefined: none). */
export function answers(results: readonly AggregatePricesReturnType[]): (bigint | undefined)[] {
  return results.map((r) => r.prices[0]?.answer);
}

/** [min, max] of a non-empty list of bigints (Math.min/max take numbers only). */
export function rangeOf(values: readonly bigint[]): [bigint, bigint] {
  const sorted = [...values].sort(compareBigint);
  return [sorted[0]!, sorted.at(-1)!];
}
