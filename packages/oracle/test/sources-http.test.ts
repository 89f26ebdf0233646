import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createFeedSourceConfig,
  type FeedSourceConfig,
  fetchSourceQuote,
  SourceError,
  type SourceErrorCode,
} from '../src/index.ts';
import { type GarbageKind, type PriceSimulator, SIMULATOR_DECIMALS } from '../src/simulator/index.ts';
import { BTC } from './helpers.ts';
import { ethFeed, manualClock, startTestSimulator } from './sources-helpers.ts';

// Real adapters over real HTTP against the simulator on 127.0.0.1.
const clock = manualClock();
let simulator: PriceSimulator;
let feed: FeedSourceConfig;

beforeAll(async () => {
  simulator = await startTestSimulator(clock.now);
  feed = ethFeed(simulator, { sourceMaxAgeMs: 10_000 }, { timeoutMs: 500 });
});
afterAll(() => simulator.stop());
beforeEach(() => simulator.control.reset());

function sourceOf(id: string, of: FeedSourceConfig = feed) {
  return of.sources.find((source) => source.id === id)!;
}

function quote(id: string, of: FeedSourceConfig = feed, now = clock.now) {
  return fetchSourceQuote({
    source: sourceOf(id, of),
    decimals: of.decimals,
    sourceMaxAgeMs: of.sourceMaxAgeMs,
    now,
  });
}

async function failureOf(id: string, of: FeedSourceConfig = feed, now = clock.now): Promise<SourceError> {
  try {
    await quote(id, of, now);
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error(`source ${id} did not fail`);
}

describe('each adapter parses its venue format from the simulator', () => {
  it('coinbase: the price, stamped with the venue time', async () => {
    simulator.control.advance(5);
    const result = await quote('coinbase');
    expect(result).toEqual({
      sourceId: 'coinbase',
      price: simulator.control.priceOf('ETH/USD', 'coinbase'),
      observedAtMs: clock.now(),
      timestampFrom: 'venue',
    });
  });

  it('kraken: c[0] at its 5 printed decimals, stamped on arrival', async () => {
    const result = await quote('kraken');
    const served = simulator.control.priceOf('ETH/USD', 'kraken');
    expect(result.price).toBe((served / 1_000n) * 1_000n); // Kraken prints 5 of the 8 decimals
    expect(result.timestampFrom).toBe('arrival');
    expect(result.observedAtMs).toBe(clock.now());
  });

  it('kraken: a pair filed under another result key (XBTUSD → XXBTZUSD)', async () => {
    const btc = createFeedSourceConfig({
      feedId: BTC,
      decimals: 2,
      pair: 'BTC/USD',
      sources: [
        {
          id: 'kraken',
          kind: 'kraken',
          baseUrl: simulator.urls.kraken,
          symbol: 'XBTUSD',
          resultKey: 'XXBTZUSD',
        },
        { id: 'binance', kind: 'binance', baseUrl: simulator.urls.binance, symbol: 'BTCUSDT' },
      ],
    });
    const kraken = await quote('kraken', btc);
    const served = simulator.control.priceOf('BTC/USD', 'kraken');
    // 8 → 2 decimals: to nearest, ties up.
    expect(kraken.price).toBe((served + 500_000n) / 1_000_000n);
    expect((await quote('binance', btc)).price).toBe(
      (simulator.control.priceOf('BTC/USD', 'binance') + 500_000n) / 1_000_000n,
    );
  });

  it('binance: the price of the symbol asked for, stamped on arrival', async () => {
    const result = await quote('binance');
    expect(result.price).toBe(simulator.control.priceOf('ETH/USD', 'binance'));
    expect(result.timestampFrom).toBe('arrival');
    expect(SIMULATOR_DECIMALS).toBe(feed.decimals);
  });
});

describe('every error code from a real bad answer', () => {
  const garbage: [GarbageKind, SourceErrorCode][] = [
    ['not-json', 'MALFORMED'],
    ['missing-field', 'MALFORMED'],
    ['wrong-symbol', 'MALFORMED'],
    ['exponent', 'MALFORMED'],
    ['negative', 'ABSURD'],
    ['zero', 'ABSURD'],
    ['absurd', 'ABSURD'],
    ['oversize', 'TOO_LARGE'],
  ];
  for (const [kind, code] of garbage) {
    it(`garbage ${kind} → ${code} at every venue`, async () => {
      simulator.control.garbage({ pair: 'ETH/USD' }, kind);
      for (const id of ['coinbase', 'kraken', 'binance']) {
        const error = await failureOf(id);
        expect(error.code, `${id}: ${error.message}`).toBe(code);
        expect(error.sourceId).toBe(id);
      }
    });
  }

  it('a body over the cap by its content-length → TOO_LARGE before reading it', async () => {
    const tiny = ethFeed(simulator, {}, { maxBodyBytes: 64 });
    expect((await failureOf('coinbase', tiny)).code).toBe('TOO_LARGE');
  });

  it('slow beyond the timeout → TIMEOUT', async () => {
    simulator.control.slow({ venue: 'binance' }, 2_000);
    const started = performance.now();
    const error = await failureOf('binance');
    expect(error.code).toBe('TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('slow within the timeout still answers', async () => {
    simulator.control.slow({ venue: 'binance' }, 100);
    expect((await quote('binance')).price).toBeGreaterThan(0n);
  });

  it('down (HTTP 500) → HTTP_STATUS', async () => {
    simulator.control.down({ venue: 'kraken', pair: 'ETH/USD' });
    expect((await failureOf('kraken')).code).toBe('HTTP_STATUS');
    expect((await quote('coinbase')).price).toBeGreaterThan(0n);
  });

  it('frozen Coinbase → STALE once its time is older than sourceMaxAgeMs', async () => {
    simulator.control.freeze({ venue: 'coinbase', pair: 'ETH/USD' });
    clock.advance(10_000);
    expect((await quote('coinbase')).observedAtMs).toBe(clock.now() - 10_000); // exactly the max age: fresh
    clock.advance(1);
    const error = await failureOf('coinbase');
    expect(error.code).toBe('STALE');
    expect(error.detail).toContain('10001 ms old');
  });

  it('a venue time from the future → MALFORMED', async () => {
    const behind = () => clock.now() - 60_000;
    expect((await failureOf('coinbase', feed, behind)).code).toBe('MALFORMED');
  });

  it('an unknown market → the venue’s own error: HTTP 404 / 400, or a Kraken error', async () => {
    const unknown = ethFeed(simulator, {}, { symbol: 'DOGE-EUR' });
    expect((await failureOf('coinbase', unknown)).code).toBe('HTTP_STATUS');
    expect((await failureOf('kraken', unknown)).detail).toContain('EQuery:Unknown asset pair');
    expect((await failureOf('binance', unknown)).code).toBe('HTTP_STATUS');
  });

  it('nothing listening → UNREACHABLE', async () => {
    const gone = await startTestSimulator(clock.now);
    const orphan = ethFeed(gone);
    await gone.stop();
    expect((await failureOf('binance', orphan)).code).toBe('UNREACHABLE');
  });
});
