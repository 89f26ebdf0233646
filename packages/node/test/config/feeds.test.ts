import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, toFeedConfig, toFeedSourceConfig } from '../../src/config/index.ts';

/** oracle.feeds with price sources, oracle.pollIntervalMs and the L1 keys. */

const feedId = `0x${'ab'.repeat(32)}`;
const source = (overrides: Record<string, unknown> = {}) => ({
  id: 'coinbase',
  kind: 'coinbase',
  baseUrl: 'http://127.0.0.1:8700/coinbase',
  symbol: 'ETH-USD',
  ...overrides,
});

function load(sections: Record<string, unknown>) {
  return loadConfig({
    file: { path: '/srv/v0/config.json', text: JSON.stringify(sections) },
    env: {},
    argv: [],
  });
}

function failure(sections: Record<string, unknown>): ConfigError {
  try {
    load(sections);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('oracle.feeds with sources', () => {
  test('a full FeedSourceConfig loads; defaults come from the oracle', () => {
    const entry = {
      feedId,
      decimals: 8,
      deviationBoundBps: 400,
      pair: 'ETH/USD',
      sources: [
        source(),
        source({ id: 'kraken', kind: 'kraken', symbol: 'XETHZUSD', resultKey: 'XETHZUSD', timeoutMs: 1500 }),
      ],
      minSources: 2,
    };
    const { config } = load({ oracle: { feeds: [entry], pollIntervalMs: 500 } });
    expect(config.oracle.feeds).toEqual([entry]);
    expect(config.oracle.pollIntervalMs).toBe(500);
    const withSources = toFeedSourceConfig(config.oracle.feeds[0]!)!;
    expect(withSources).toMatchObject({
      feedId,
      deviationBoundBps: 400,
      confirmationHeights: 3,
      pair: 'ETH/USD',
      minSources: 2,
      sourceMaxAgeMs: 10_000,
    });
    expect(withSources.sources[0]).toMatchObject({ timeoutMs: 2_000, maxBodyBytes: 16 * 1024 });
    expect(toFeedConfig(config.oracle.feeds[0]!)).not.toHaveProperty('sources');
  });

  test('a feed without sources is the consensus part only', () => {
    const { config } = load({ oracle: { feeds: [{ feedId, decimals: 8 }] } });
    expect(toFeedSourceConfig(config.oracle.feeds[0]!)).toBeUndefined();
    expect(toFeedConfig(config.oracle.feeds[0]!).maxAgeMs).toBe(60_000);
  });

  test.each([
    [
      { pair: 'ETH/USD', sources: [source({ timeoutMs: 999_999 })] },
      'oracle.feeds[0].sources[0].timeoutMs',
      /timeoutMs must be/,
    ],
    [{ pair: 'ETH/USD', sources: [source(), source()] }, 'oracle.feeds[0].sources[1].id', /configured twice/],
    [{ pair: 'ETHUSD', sources: [source()] }, 'oracle.feeds[0].pair', /ETH\/USD/],
    [{ pair: 'ETH/USD', sources: [source({ kind: 'ftx' })] }, 'oracle.feeds[0].sources[0].kind', /one of/],
    [
      { pair: 'ETH/USD', sources: [source({ baseUrl: 'ftp://x' })] },
      'oracle.feeds[0].sources[0].baseUrl',
      /http/,
    ],
    [
      { pair: 'ETH/USD', sources: [source({ resultKey: 'X' })] },
      'oracle.feeds[0].sources[0].resultKey',
      /kraken/,
    ],
    [{ pair: 'ETH/USD', sources: [source({ typo: 1 })] }, 'oracle.feeds[0].sources[0].typo', /unknown key/],
    [{ pair: 'ETH/USD', sources: [] }, 'oracle.feeds[0].sources', /sources/],
    [{ pair: 'ETH/USD' }, 'oracle.feeds[0].sources', /give both or neither/],
    [{ pair: 'ETH/USD', sources: [source()], minSources: 2 }, 'oracle.feeds[0].minSources', /minSources/],
    [{ deviationBoundBps: 0 }, 'oracle.feeds[0].deviationBoundBps', /deviationBoundBps must be/],
  ])('%j is refused at its key', (extra, key, reason) => {
    const error = failure({ oracle: { feeds: [{ feedId, decimals: 8, ...extra }] } });
    expect(error.key).toBe(key);
    expect(error.message).toMatch(reason);
  });
});

describe('l1 keys', () => {
  test('defaults are the submitter’s', () => {
    const { config } = load({});
    expect(config.l1).toEqual({
      rpcUrl: null,
      priceFeedsAddress: null,
      equivocationRegistryAddress: null,
      postingIntervalMs: 12_000,
      postEveryHeaders: 16,
      takeoverTimeoutMs: 36_000,
      feeBumpAfterMs: 36_000,
      maxFeePerGasWei: null,
      settlement: [],
    });
  });

  test('values from the file, env and flags are checked', () => {
    const { config } = loadConfig({
      env: {
        SYNOD_L1_PRICE_FEEDS_ADDRESS: `0x${'12'.repeat(20)}`,
        SYNOD_L1_MAX_FEE_PER_GAS_WEI: '100000000000',
      },
      argv: ['--l1.postEveryHeaders', '4', '--l1.takeoverTimeoutMs=3000'],
    });
    expect(config.l1).toMatchObject({
      priceFeedsAddress: `0x${'12'.repeat(20)}`,
      maxFeePerGasWei: 100_000_000_000,
      postEveryHeaders: 4,
      takeoverTimeoutMs: 3000,
    });
    expect(failure({ l1: { postEveryHeaders: 0 } }).key).toBe('l1.postEveryHeaders');
    expect(failure({ l1: { priceFeedsAddress: '0x12' } }).key).toBe('l1.priceFeedsAddress');
  });
});
