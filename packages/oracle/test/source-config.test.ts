import { describe, expect, it } from 'vitest';
import {
  createFeedSourceConfig,
  createSourceHealths,
  DEFAULT_MIN_SOURCES,
  DEFAULT_SOURCE_MAX_AGE_MS,
  DEFAULT_SOURCE_MAX_BODY_BYTES,
  DEFAULT_SOURCE_TIMEOUT_MS,
  type FeedSourceConfigInput,
  MAX_SOURCES_PER_FEED,
  OracleError,
  observeFeed,
  type SourceConfigInput,
} from '../src/index.ts';
import { ETH } from './helpers.ts';

const coinbase: SourceConfigInput = {
  id: 'coinbase',
  kind: 'coinbase',
  baseUrl: 'https://api.exchange.coinbase.com',
  symbol: 'ETH-USD',
};

function init(overrides: Partial<FeedSourceConfigInput> = {}): FeedSourceConfigInput {
  return { feedId: ETH, decimals: 8, pair: 'ETH/USD', sources: [coinbase], ...overrides };
}

function invalid(overrides: Partial<FeedSourceConfigInput>): string {
  try {
    createFeedSourceConfig(init(overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(OracleError);
    expect((error as OracleError).code).toBe('INVALID_CONFIG');
    return (error as OracleError).message;
  }
  throw new Error('configuration was accepted');
}

describe('createFeedSourceConfig', () => {
  it('fills the source defaults', () => {
    const feed = createFeedSourceConfig(init());
    expect(feed).toMatchObject({
      sourceMaxAgeMs: DEFAULT_SOURCE_MAX_AGE_MS,
      minSources: DEFAULT_MIN_SOURCES,
    });
    expect(feed.sources[0]).toEqual({
      ...coinbase,
      timeoutMs: DEFAULT_SOURCE_TIMEOUT_MS,
      maxBodyBytes: DEFAULT_SOURCE_MAX_BODY_BYTES,
    });
  });

  it('refuses bad feeds and sources with INVALID_CONFIG, naming the setting', () => {
    expect(invalid({ decimals: 99 })).toMatch(/decimals/);
    expect(invalid({ pair: 'ETHUSD' })).toMatch(/pair/);
    expect(invalid({ sources: [] })).toMatch(/sources/);
    const many = Array.from({ length: MAX_SOURCES_PER_FEED + 1 }, (_, i) => ({ ...coinbase, id: `s${i}` }));
    expect(invalid({ sources: many })).toMatch(/sources/);
    expect(invalid({ sources: [coinbase, coinbase] })).toMatch(/twice/);
    expect(invalid({ sources: [{ ...coinbase, id: '' }] })).toMatch(/id/);
    expect(invalid({ sources: [{ ...coinbase, kind: 'bitstamp' as 'coinbase' }] })).toMatch(/kind/);
    expect(invalid({ sources: [{ ...coinbase, baseUrl: 'not a url' }] })).toMatch(/baseUrl/);
    expect(invalid({ sources: [{ ...coinbase, baseUrl: 'ftp://venue' }] })).toMatch(/http/);
    expect(invalid({ sources: [{ ...coinbase, baseUrl: 'https://venue/?key=1' }] })).toMatch(/query/);
    expect(invalid({ sources: [{ ...coinbase, baseUrl: 'https://user:pw@venue' }] })).toMatch(/credentials/);
    expect(invalid({ sources: [{ ...coinbase, symbol: 'ETH/USD' }] })).toMatch(/symbol/);
    expect(invalid({ sources: [{ ...coinbase, resultKey: 'XETHZUSD' }] })).toMatch(/kraken/);
    expect(invalid({ sources: [{ ...coinbase, timeoutMs: 0 }] })).toMatch(/timeoutMs/);
    expect(invalid({ sources: [{ ...coinbase, maxBodyBytes: 2 ** 30 }] })).toMatch(/maxBodyBytes/);
    expect(invalid({ sourceMaxAgeMs: 0 })).toMatch(/sourceMaxAgeMs/);
    expect(invalid({ minSources: 2 })).toMatch(/minSources/);
  });
});

describe('observeFeed without a network', () => {
  it('turns any fetch failure into an unhealthy source, never an exception', async () => {
    const feed = createFeedSourceConfig(init());
    const fetch = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNRESET') }));
    const result = await observeFeed(feed, createSourceHealths(feed), { now: () => 1_000, fetch });
    expect(result.observation).toBeUndefined();
    expect(result.sources[0]).toMatchObject({ healthy: false, lastErrorCode: 'UNREACHABLE' });
    expect(result.sources[0]!.lastErrorMessage).toContain('ECONNRESET');
  });
});
