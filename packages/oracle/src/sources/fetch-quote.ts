import { MAX_SOURCE_CLOCK_SKEW_MS } from '../constants.ts';
import type { SourceAdapter } from './adapter.ts';
import { binanceAdapter } from './binance.ts';
import { coinbaseAdapter } from './coinbase.ts';
import { parseDecimalPrice } from './decimal.ts';
import { SourceError } from './errors.ts';
import { fetchJson } from './http.ts';
import { krakenAdapter } from './kraken.ts';
import type { Clock, FetchLike, SourceConfig, SourceKind, SourceQuote } from './types.ts';

/** Every supported format. A mapped type: a `SourceKind` without an adapter does not compile. */
export const SOURCE_ADAPTERS: { readonly [K in SourceKind]: SourceAdapter & { kind: K } } = {
  coinbase: { ...coinbaseAdapter, kind: 'coinbase' },
  kraken: { ...krakenAdapter, kind: 'kraken' },
  binance: { ...binanceAdapter, kind: 'binance' },
};

export const SOURCE_KINDS = Object.keys(SOURCE_ADAPTERS) as SourceKind[];

export interface FetchSourceQuoteParameters {
  source: SourceConfig;
  /** The feed's fixed-point decimals: the price is scaled to them. */
  decimals: number;
  /** Venue timestamps older than this are STALE (see `FeedSourceConfig.sourceMaxAgeMs`). */
  sourceMaxAgeMs: number;
  now: Clock;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  signal?: AbortSignal;
}

/**
 * One request to one source: its venue's ticker, parsed strictly, scaled to the feed's decimals
 * and checked for staleness.
 *
 * @throws SourceError TIMEOUT, UNREACHABLE, HTTP_STATUS, TOO_LARGE, MALFORMED, ABSURD, STALE —
 *   always with `sourceId` set. Nothing else (anything else is a bug).
 *
 * @example
 * const quote = await fetchSourceQuote({
 *   source: { id: 'cb', kind: 'coinbase', baseUrl: 'https://api.exchange.coinbase.com', symbol: 'ETH-USD',
 *             timeoutMs: 2_000, maxBodyBytes: 16_384 },
 *   decimals: 8, sourceMaxAgeMs: 10_000, now: Date.now,
 * });
 */
export async function fetchSourceQuote(parameters: FetchSourceQuoteParameters): Promise<SourceQuote> {
  const { source, decimals, sourceMaxAgeMs, now } = parameters;
  const adapter = SOURCE_ADAPTERS[source.kind];
  try {
    const { body, receivedAtMs } = await fetchJson({
      url: adapter.requestUrl(source),
      timeoutMs: source.timeoutMs,
      maxBodyBytes: source.maxBodyBytes,
      fetch: parameters.fetch ?? globalThis.fetch,
      now,
      ...(parameters.signal === undefined ? {} : { signal: parameters.signal }),
    });
    const ticker = adapter.parse(body, source);
    const price = parseDecimalPrice(ticker.price, decimals);
    if (ticker.venueTimeMs === undefined) {
      return { sourceId: source.id, price, observedAtMs: receivedAtMs, timestampFrom: 'arrival' };
    }
    const ageMs = receivedAtMs - ticker.venueTimeMs;
    if (ageMs < -MAX_SOURCE_CLOCK_SKEW_MS) {
      throw new SourceError('MALFORMED', `venue time is ${-ageMs} ms in the future`);
    }
    if (ageMs > sourceMaxAgeMs) {
      throw new SourceError('STALE', `venue price is ${ageMs} ms old, at most ${sourceMaxAgeMs}`);
    }
    return {
      sourceId: source.id,
      price,
      // A venue clock slightly ahead of ours must not make a price look younger than it is.
      observedAtMs: Math.min(ticker.venueTimeMs, receivedAtMs),
      timestampFrom: 'venue',
    };
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    throw error.sourceId === undefined ? error.withSource(source.id) : error;
  }
}
