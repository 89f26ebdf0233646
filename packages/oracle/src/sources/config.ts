import { createFeedConfig, type FeedConfigInput } from '../aggregation/config.ts';
import { validateFeedConfigs } from '../aggregation/validate.ts';
import {
  DEFAULT_MIN_SOURCES,
  DEFAULT_SOURCE_MAX_AGE_MS,
  DEFAULT_SOURCE_MAX_BODY_BYTES,
  DEFAULT_SOURCE_TIMEOUT_MS,
  MAX_SOURCE_BODY_BYTES,
  MAX_SOURCE_TIMEOUT_MS,
  MAX_SOURCES_PER_FEED,
} from '../constants.ts';
import { OracleError } from '../errors.ts';
import { SOURCE_KINDS } from './fetch-quote.ts';
import type { FeedSourceConfig, SourceConfig } from './types.ts';

export type SourceConfigInput = Pick<SourceConfig, 'id' | 'kind' | 'baseUrl' | 'symbol'> &
  Partial<Pick<SourceConfig, 'resultKey' | 'timeoutMs' | 'maxBodyBytes'>>;

export type FeedSourceConfigInput = FeedConfigInput & {
  pair: string;
  sources: readonly SourceConfigInput[];
  sourceMaxAgeMs?: number;
  minSources?: number;
};

/** `ETH/USD`: two tickers of up to 16 characters. Printed in status and logs, so kept plain. */
const PAIR_PATTERN = /^[A-Za-z0-9._-]{1,16}\/[A-Za-z0-9._-]{1,16}$/;
/** Source ids name metrics labels and status keys. */
const SOURCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Venue market names go into a URL path or query: only characters that need no escaping. */
const SYMBOL_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * A feed with its sources, every setting not given taken from constants.ts, checked.
 * @throws OracleError INVALID_CONFIG
 * @example
 * const ethUsd = createFeedSourceConfig({
 *   feedId: '0x…', decimals: 8, pair: 'ETH/USD',
 *   sources: [
 *     { id: 'coinbase', kind: 'coinbase', baseUrl: 'https://api.exchange.coinbase.com', symbol: 'ETH-USD' },
 *     { id: 'kraken', kind: 'kraken', baseUrl: 'https://api.kraken.com', symbol: 'XETHZUSD' },
 *     { id: 'binance', kind: 'binance', baseUrl: 'https://api.binance.com', symbol: 'ETHUSDT' },
 *   ],
 * });
 */
export function createFeedSourceConfig(init: FeedSourceConfigInput): FeedSourceConfig {
  const feed: FeedSourceConfig = {
    ...createFeedConfig(init),
    pair: init.pair,
    sources: (init.sources ?? []).map((source) => {
      const config: SourceConfig = {
        id: source.id,
        kind: source.kind,
        baseUrl: source.baseUrl,
        symbol: source.symbol,
        timeoutMs: source.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
        maxBodyBytes: source.maxBodyBytes ?? DEFAULT_SOURCE_MAX_BODY_BYTES,
      };
      if (source.resultKey !== undefined) config.resultKey = source.resultKey;
      return config;
    }),
    sourceMaxAgeMs: init.sourceMaxAgeMs ?? DEFAULT_SOURCE_MAX_AGE_MS,
    minSources: init.minSources ?? DEFAULT_MIN_SOURCES,
  };
  validateFeedSourceConfigs([feed]);
  return feed;
}

/**
 * Checks feeds with their sources: the consensus part as `validateFeedConfigs`, then the pair,
 * the source list (1..MAX_SOURCES_PER_FEED, unique ids) and each source.
 * @throws OracleError INVALID_CONFIG, DUPLICATE_FEED
 */
export function validateFeedSourceConfigs(feeds: readonly FeedSourceConfig[]): void {
  validateFeedConfigs(feeds);
  for (const feed of feeds) {
    const where = `feed ${feed.feedId}`;
    const fail = (message: string): never => {
      throw new OracleError('INVALID_CONFIG', `${where}: ${message}`);
    };
    if (typeof feed.pair !== 'string' || !PAIR_PATTERN.test(feed.pair)) fail('pair must look like ETH/USD');
    if (
      !Array.isArray(feed.sources) ||
      feed.sources.length < 1 ||
      feed.sources.length > MAX_SOURCES_PER_FEED
    ) {
      fail(`needs 1..${MAX_SOURCES_PER_FEED} sources`);
    }
    if (!isIntegerIn(feed.sourceMaxAgeMs, 1, Number.MAX_SAFE_INTEGER)) {
      fail('sourceMaxAgeMs must be a positive integer');
    }
    if (!isIntegerIn(feed.minSources, 1, feed.sources.length)) {
      fail(`minSources must be an integer in 1..${feed.sources.length} (the number of sources)`);
    }
    const ids = new Set<string>();
    for (const source of feed.sources) {
      const at = `source ${String(source.id)}`;
      if (typeof source.id !== 'string' || !SOURCE_ID_PATTERN.test(source.id)) {
        fail(`${at}: id must be 1..64 letters, digits, '.', '_' or '-'`);
      }
      if (ids.has(source.id)) fail(`${at} is configured twice`);
      ids.add(source.id);
      if (!SOURCE_KINDS.includes(source.kind)) fail(`${at}: kind must be one of ${SOURCE_KINDS.join(', ')}`);
      checkBaseUrl(source.baseUrl, (message) => fail(`${at}: ${message}`));
      if (typeof source.symbol !== 'string' || !SYMBOL_PATTERN.test(source.symbol)) {
        fail(`${at}: symbol must be 1..32 letters, digits, '.', '_' or '-'`);
      }
      if (source.resultKey !== undefined) {
        if (source.kind !== 'kraken') fail(`${at}: resultKey applies to kraken sources only`);
        if (typeof source.resultKey !== 'string' || !SYMBOL_PATTERN.test(source.resultKey)) {
          fail(`${at}: resultKey must be 1..32 letters, digits, '.', '_' or '-'`);
        }
      }
      if (!isIntegerIn(source.timeoutMs, 1, MAX_SOURCE_TIMEOUT_MS)) {
        fail(`${at}: timeoutMs must be an integer in 1..${MAX_SOURCE_TIMEOUT_MS}`);
      }
      if (!isIntegerIn(source.maxBodyBytes, 1, MAX_SOURCE_BODY_BYTES)) {
        fail(`${at}: maxBodyBytes must be an integer in 1..${MAX_SOURCE_BODY_BYTES}`);
      }
    }
  }
}

function checkBaseUrl(baseUrl: unknown, fail: (message: string) => never): void {
  if (typeof baseUrl !== 'string') fail('baseUrl must be a string');
  const url = URL.parse(baseUrl as string) ?? fail(`baseUrl ${JSON.stringify(baseUrl)} is not a URL`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('baseUrl must be http: or https:');
  // The adapter appends the venue path and query; credentials in a URL would end up in logs.
  if (url.search !== '' || url.hash !== '') fail('baseUrl must not carry a query or fragment');
  if (url.username !== '' || url.password !== '') fail('baseUrl must not carry credentials');
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
