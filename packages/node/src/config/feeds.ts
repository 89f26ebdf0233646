import {
  createFeedConfig,
  createFeedSourceConfig,
  type FeedConfig,
  type FeedSourceConfig,
  MAX_FEEDS,
  OracleError,
} from '@synod/oracle';
import type { Hex } from '@synod/protocol';
import { type CheckResult, describeValue } from './fields.ts';

/**
 * `oracle.feeds`: each entry is the network's `FeedConfig` (identical on every validator) and,
 * optionally, where this validator reads the market (`pair` + `sources`, the oracle's
 * `FeedSourceConfig`). The structure is checked here key by key, so an error names the element
 * (`oracle.feeds[0].sources[2].timeoutMs`); the ranges are the oracle's own validators'
 * (`createFeedConfig`, `createFeedSourceConfig`), so the node and the oracle cannot disagree.
 */

/** One source of a feed, as written in the config (defaults filled by the oracle). */
export interface FeedSourceEntry {
  readonly id: string;
  readonly kind: 'coinbase' | 'kraken' | 'binance';
  readonly baseUrl: string;
  readonly symbol: string;
  readonly resultKey?: string;
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
}

/** One entry of `oracle.feeds`, as written (feedId lowercased). */
export interface FeedEntry {
  /** bytes32 feed id, lowercase 0x-hex (e.g. keccak256("ETH/USD")). */
  readonly feedId: string;
  readonly decimals: number;
  readonly deviationBoundBps?: number;
  readonly confirmationHeights?: number;
  readonly maxAgeMs?: number;
  readonly heartbeatMs?: number;
  readonly pushDeviationBps?: number;
  /** `BASE/QUOTE`; required with `sources`. */
  readonly pair?: string;
  /** This validator's price sources; without them it observes nothing for the feed. */
  readonly sources?: readonly FeedSourceEntry[];
  readonly sourceMaxAgeMs?: number;
  readonly minSources?: number;
}

const FEED_INTEGER_KEYS = [
  'deviationBoundBps',
  'confirmationHeights',
  'maxAgeMs',
  'heartbeatMs',
  'pushDeviationBps',
  'sourceMaxAgeMs',
  'minSources',
] as const;
const FEED_KEYS = new Set<string>(['feedId', 'decimals', 'pair', 'sources', ...FEED_INTEGER_KEYS]);
const SOURCE_STRING_KEYS = ['id', 'kind', 'baseUrl', 'symbol', 'resultKey'] as const;
const SOURCE_INTEGER_KEYS = ['timeoutMs', 'maxBodyBytes'] as const;
const SOURCE_KEYS = new Set<string>([...SOURCE_STRING_KEYS, ...SOURCE_INTEGER_KEYS]);

type Failure = { ok: false; reason: string; subKey: string };
const failAt = (subKey: string, reason: string, got: unknown): Failure => ({
  ok: false,
  reason: `${reason}, got ${describeValue(got)}`,
  subKey,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the config value of `oracle.feeds`; the value kept is the entries as written. */
export function checkFeeds(value: unknown): CheckResult<readonly FeedEntry[]> {
  if (!Array.isArray(value)) return failAt('', 'must be a list of feed objects', value);
  if (value.length > MAX_FEEDS) return failAt('', `must have at most ${MAX_FEEDS} feeds`, value.length);
  const feeds: FeedEntry[] = [];
  const seen = new Set<string>();
  for (const [i, item] of value.entries()) {
    const at = `[${i}]`;
    if (!isObject(item)) return failAt(at, 'must be an object {feedId, decimals, …}', item);
    for (const key of Object.keys(item)) {
      if (!FEED_KEYS.has(key)) return failAt(`${at}.${key}`, 'unknown key', item[key]);
    }
    const { feedId, decimals, pair, sources } = item;
    if (typeof feedId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(feedId)) {
      return failAt(`${at}.feedId`, 'must be a 0x-prefixed 32-byte hex id', feedId);
    }
    if (seen.has(feedId.toLowerCase())) return failAt(`${at}.feedId`, 'duplicate feed id', feedId);
    seen.add(feedId.toLowerCase());
    if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
      return failAt(`${at}.decimals`, 'must be an integer 0..36', decimals);
    }
    const feed: Record<string, unknown> = { feedId: feedId.toLowerCase(), decimals };
    for (const key of FEED_INTEGER_KEYS) {
      const option = item[key];
      if (option === undefined) continue;
      if (typeof option !== 'number' || !Number.isSafeInteger(option) || option < 0) {
        return failAt(`${at}.${key}`, 'must be a non-negative integer', option);
      }
      feed[key] = option;
    }
    if ((pair === undefined) !== (sources === undefined)) {
      const missing = pair === undefined ? 'pair' : 'sources';
      return failAt(
        `${at}.${missing}`,
        'is required with pair and sources (give both or neither)',
        undefined,
      );
    }
    if ((item.sourceMaxAgeMs !== undefined || item.minSources !== undefined) && sources === undefined) {
      return failAt(`${at}.sources`, 'is required with sourceMaxAgeMs / minSources', undefined);
    }
    if (pair !== undefined) {
      if (typeof pair !== 'string') return failAt(`${at}.pair`, 'must be a string like "ETH/USD"', pair);
      feed.pair = pair;
      if (!Array.isArray(sources))
        return failAt(`${at}.sources`, 'must be a list of source objects', sources);
      const entries: Record<string, unknown>[] = [];
      for (const [j, source] of sources.entries()) {
        const sourceAt = `${at}.sources[${j}]`;
        if (!isObject(source)) {
          return failAt(sourceAt, 'must be an object {id, kind, baseUrl, symbol, …}', source);
        }
        for (const key of Object.keys(source)) {
          if (!SOURCE_KEYS.has(key)) return failAt(`${sourceAt}.${key}`, 'unknown key', source[key]);
        }
        const entry: Record<string, unknown> = {};
        for (const key of SOURCE_STRING_KEYS) {
          const text = source[key];
          if (text === undefined && key === 'resultKey') continue;
          if (typeof text !== 'string') return failAt(`${sourceAt}.${key}`, 'must be a string', text);
          entry[key] = text;
        }
        for (const key of SOURCE_INTEGER_KEYS) {
          const option = source[key];
          if (option === undefined) continue;
          if (typeof option !== 'number' || !Number.isSafeInteger(option)) {
            return failAt(`${sourceAt}.${key}`, 'must be an integer', option);
          }
          entry[key] = option;
        }
        entries.push(entry);
      }
      feed.sources = entries;
    }
    // The oracle's own range checks, mapped back to the key at fault.
    try {
      toFeedSourceConfig(feed as unknown as FeedEntry);
    } catch (error) {
      if (!(error instanceof OracleError)) throw error;
      return { ok: false, reason: oracleReason(error), subKey: oracleSubKey(error, at, feed) };
    }
    feeds.push(feed as unknown as FeedEntry);
  }
  return { ok: true, value: feeds };
}

/** `INVALID_CONFIG: feed 0x…: source kraken: timeoutMs must be …` → `timeoutMs must be …`. */
function oracleReason(error: OracleError): string {
  return error.message.replace(/^[A-Z_]+: feed [^:]+: /, '');
}

function oracleSubKey(error: OracleError, at: string, feed: Record<string, unknown>): string {
  // Messages: `INVALID_CONFIG: feed <id>: <key> …` or `…: feed <id>: source <sourceId>[:| is configured twice] <key> …`.
  const detail = error.message.replace(/^[A-Z_]+: feed [^:]+: /, '');
  const source = /^source (\S+?)(?::| is configured twice)/.exec(detail);
  if (source === null) {
    const key = /^(\w+)/.exec(detail)?.[1];
    if (key !== undefined && FEED_KEYS.has(key)) return `${at}.${key}`;
    return /sources/.test(detail) ? `${at}.sources` : at;
  }
  const sources = (feed.sources ?? []) as { id?: unknown }[];
  const index = Math.max(
    0,
    sources.findLastIndex((entry) => String(entry.id) === source[1]),
  );
  const sourceAt = `${at}.sources[${index}]`;
  if (detail.includes('is configured twice')) return `${sourceAt}.id`;
  const key = /^source \S+?: (\w+)/.exec(detail)?.[1];
  return key !== undefined && SOURCE_KEYS.has(key) ? `${sourceAt}.${key}` : sourceAt;
}

/** The consensus part of an entry, defaults filled. */
export function toFeedConfig(entry: FeedEntry): FeedConfig {
  const { pair: _pair, sources: _sources, sourceMaxAgeMs: _age, minSources: _min, ...consensus } = entry;
  return createFeedConfig({ ...consensus, feedId: entry.feedId as Hex });
}

/** The entry with its sources, defaults filled; undefined when the entry names no sources. */
export function toFeedSourceConfig(entry: FeedEntry): FeedSourceConfig | undefined {
  if (entry.sources === undefined || entry.pair === undefined) {
    toFeedConfig(entry);
    return undefined;
  }
  return createFeedSourceConfig({
    ...entry,
    feedId: entry.feedId as Hex,
    pair: entry.pair,
    sources: entry.sources.map((source) => ({ ...source })),
  });
}
