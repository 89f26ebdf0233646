import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  backoffMs,
  createSourceHealths,
  DEFAULT_SOURCE_BACKOFF,
  type FeedSourceConfig,
  type FetchLike,
  lowerMedian,
  observeFeed,
} from '../src/index.ts';
import type { PriceSimulator, SimulatedVenue } from '../src/simulator/index.ts';
import { rangeOf } from './helpers.ts';
import { ethFeed, manualClock, startTestSimulator } from './sources-helpers.ts';

const VENUES: SimulatedVenue[] = ['coinbase', 'kraken', 'binance'];
const clock = manualClock();
let simulator: PriceSimulator;
let feed: FeedSourceConfig;

/** globalThis.fetch, counting requests per venue path prefix. */
function countingFetch(): { fetch: FetchLike; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    fetch: (input, init) => {
      const venue = new URL(input).pathname.split('/')[1] ?? '';
      counts.set(venue, (counts.get(venue) ?? 0) + 1);
      return fetch(input, init);
    },
  };
}

/** The prices the venues serve now, scaled as the adapters scale them (Kraken prints 5 decimals). */
function honestPrices(): bigint[] {
  return VENUES.map((venue) => {
    const served = simulator.control.priceOf('ETH/USD', venue);
    return venue === 'kraken' ? (served / 1_000n) * 1_000n : served;
  });
}

beforeAll(async () => {
  simulator = await startTestSimulator(clock.now);
  feed = ethFeed(simulator, {}, { timeoutMs: 500 });
});
afterAll(() => simulator.stop());
beforeEach(() => {
  simulator.control.reset();
  simulator.control.advance(3);
});

describe('observeFeed', () => {
  it('observes the lower median of the three venues', async () => {
    const result = await observeFeed(feed, createSourceHealths(feed), { now: clock.now });
    expect(result.observation).toEqual({ feedId: feed.feedId, price: lowerMedian(honestPrices()) });
    expect(result.usedSourceIds).toEqual(['coinbase', 'kraken', 'binance']);
    expect(result.priceAtMs).toBe(clock.now());
    expect(result.sources.map((s) => [s.sourceId, s.healthy, s.ageMs])).toEqual([
      ['coinbase', true, 0],
      ['kraken', true, 0],
      ['binance', true, 0],
    ]);
  });

  it('a source pumped at one venue does not move the observation out of the honest range', async () => {
    const honest = honestPrices();
    for (const [i, venue] of VENUES.entries()) {
      for (const factor of [1.5, 0.5, 1_000]) {
        simulator.control.reset();
        simulator.control.pump({ venue, pair: 'ETH/USD' }, factor);
        const result = await observeFeed(feed, createSourceHealths(feed), { now: clock.now });
        const [low, high] = rangeOf(honest.filter((_, j) => j !== i));
        const price = result.observation!.price;
        expect(price >= low && price <= high, `${venue} ×${factor}: ${price} outside [${low}, ${high}]`).toBe(
          true,
        );
      }
    }
  });

  it('all sources down → no observation, and the status says why', async () => {
    simulator.control.down({ pair: 'ETH/USD' });
    const result = await observeFeed(feed, createSourceHealths(feed), { now: clock.now });
    expect(result.observation).toBeUndefined();
    expect(result.reason).toBe('too-few-sources');
    expect(result.usedSourceIds).toEqual([]);
    for (const status of result.sources) {
      expect(status).toMatchObject({
        healthy: false,
        consecutiveFailures: 1,
        lastErrorCode: 'HTTP_STATUS',
        retryAtMs: clock.now() + DEFAULT_SOURCE_BACKOFF.baseMs,
      });
      expect(status.lastErrorMessage).toContain('500');
    }
  });

  it('a failing source is left out, skipped during its backoff, and retried after it', async () => {
    const healths = createSourceHealths(feed);
    const { fetch, counts } = countingFetch();
    simulator.control.garbage({ venue: 'kraken' }, 'not-json');

    const first = await observeFeed(feed, healths, { now: clock.now, fetch });
    expect(first.usedSourceIds).toEqual(['coinbase', 'binance']);
    expect(first.sources[1]).toMatchObject({ healthy: false, lastErrorCode: 'MALFORMED' });
    simulator.control.reset();

    clock.advance(DEFAULT_SOURCE_BACKOFF.baseMs - 1);
    const during = await observeFeed(feed, healths, { now: clock.now, fetch });
    expect(counts.get('kraken')).toBe(1); // not asked again while backing off
    expect(during.usedSourceIds).toEqual(['coinbase', 'binance']);

    clock.advance(1);
    const after = await observeFeed(feed, healths, { now: clock.now, fetch });
    expect(counts.get('kraken')).toBe(2);
    expect(after.usedSourceIds).toEqual(['coinbase', 'kraken', 'binance']);
    expect(after.sources[1]).toMatchObject({
      healthy: true,
      consecutiveFailures: 0,
      lastErrorCode: 'MALFORMED',
    });
    expect(after.sources[1]!.retryAtMs).toBeUndefined();
  });

  it('backs off exponentially per consecutive failure, capped', async () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffMs(DEFAULT_SOURCE_BACKOFF, n))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    const healths = createSourceHealths(feed);
    simulator.control.down({ venue: 'binance' });
    const retryDelays: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await observeFeed(feed, healths, { now: clock.now });
      const binance = result.sources[2]!;
      retryDelays.push(binance.retryAtMs! - clock.now());
      clock.advance(binance.retryAtMs! - clock.now());
    }
    expect(retryDelays).toEqual([2_000, 4_000, 8_000]);
  });

  it('a stale venue is left out while the fresh ones carry the median', async () => {
    const healths = createSourceHealths(feed);
    simulator.control.freeze({ venue: 'coinbase' });
    clock.advance(feed.sourceMaxAgeMs + 1);
    const result = await observeFeed(feed, healths, { now: clock.now });
    expect(result.sources[0]).toMatchObject({ healthy: false, lastErrorCode: 'STALE' });
    expect(result.usedSourceIds).toEqual(['kraken', 'binance']);
    expect(result.observation).toBeDefined();
  });

  it('a healthy source’s last price past sourceMaxAgeMs is not used', async () => {
    const healths = createSourceHealths(feed);
    await observeFeed(feed, healths, { now: clock.now });
    // No poll since: the prices age in place until they are no longer fresh enough to vote with.
    clock.advance(feed.sourceMaxAgeMs + 1);
    expect(healths.map((h) => h.freshQuote(clock.now(), feed.sourceMaxAgeMs))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(healths[0]!.status(clock.now()).ageMs).toBe(feed.sourceMaxAgeMs + 1);
  });

  it('minSources: fewer fresh prices than required → no observation', async () => {
    const strict = ethFeed(simulator, { minSources: 2 }, { timeoutMs: 500 });
    simulator.control.down({ venue: 'kraken' });
    simulator.control.garbage({ venue: 'binance' }, 'zero');
    const result = await observeFeed(strict, createSourceHealths(strict), { now: clock.now });
    expect(result.observation).toBeUndefined();
    expect(result.usedSourceIds).toEqual(['coinbase']);
    expect(result.sources.map((s) => s.lastErrorCode)).toEqual([undefined, 'HTTP_STATUS', 'ABSURD']);
  });
});
