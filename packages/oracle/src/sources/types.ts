import type { Hex } from '@synod/protocol';
import type { FeedConfig, PriceObservation } from '../aggregation/types.ts';
import type { SourceErrorCode } from './errors.ts';

/** The exchange ticker formats an adapter exists for (see `SOURCE_ADAPTERS`). */
export type SourceKind = 'coinbase' | 'kraken' | 'binance';

/** One price source of a feed: a venue's public ticker endpoint for one market. */
export interface SourceConfig {
  /** Unique within the feed; names the source in status, logs and metrics. */
  id: string;
  kind: SourceKind;
  /**
   * Scheme, host and optional path prefix the venue's API path is appended to, e.g.
   * `https://api.exchange.coinbase.com`, or `http://127.0.0.1:8700/coinbase` for the simulator.
   */
  baseUrl: string;
  /**
   * The venue's market name: Coinbase `product_id` (`ETH-USD`), Kraken `pair` (`XETHZUSD` or
   * `ETHUSD`), Binance `symbol` (`ETHUSDT`).
   */
  symbol: string;
  /**
   * Kraken only: the key its answer files the pair under, when it differs from `symbol` (Kraken
   * answers `pair=XBTUSD` under `XXBTZUSD`). Default: `symbol`.
   */
  resultKey?: string;
  /** Per-request timeout. Default `DEFAULT_SOURCE_TIMEOUT_MS`. */
  timeoutMs: number;
  /** Body cap. Default `DEFAULT_SOURCE_MAX_BODY_BYTES`. */
  maxBodyBytes: number;
}

/**
 * A feed as one validator observes it: the consensus part (`FeedConfig`, identical at every
 * validator) plus where this validator reads the market (local: each operator may choose venues).
 */
export interface FeedSourceConfig extends FeedConfig {
  /** Human name of the market, e.g. `ETH/USD`. For status and logs only. */
  pair: string;
  sources: SourceConfig[];
  /**
   * A source price older than this is not used: by the venue's timestamp when the format has one
   * (Coinbase), else by the time the answer arrived. Default `DEFAULT_SOURCE_MAX_AGE_MS`.
   */
  sourceMaxAgeMs: number;
  /** Fewest fresh healthy source prices an observation needs. Default `DEFAULT_MIN_SOURCES`. */
  minSources: number;
}

/** A clock in unix milliseconds. Injected everywhere, so tests drive time. */
export type Clock = () => number;

/** `globalThis.fetch` or a stand-in with its signature (tests, proxies). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** One source's parsed price. */
export interface SourceQuote {
  sourceId: string;
  /** Scaled to the feed's decimals. */
  price: bigint;
  /**
   * When the price was true: the venue's timestamp (`venue`), or for formats without one the
   * local time the answer arrived (`arrival`).
   */
  observedAtMs: number;
  timestampFrom: 'venue' | 'arrival';
}

/** What `synod_status` and the metrics show for one source. */
export interface SourceStatus {
  sourceId: string;
  kind: SourceKind;
  /** The last attempt succeeded (false before the first attempt). */
  healthy: boolean;
  /** Failures in a row since the last success. */
  consecutiveFailures: number;
  /** While unhealthy: when the source is tried again. */
  retryAtMs?: number;
  lastPrice?: bigint;
  /** `observedAtMs` of the last price. */
  lastPriceAtMs?: number;
  /** Age of the last price at the status time. */
  ageMs?: number;
  lastErrorCode?: SourceErrorCode;
  lastErrorMessage?: string;
  lastErrorAtMs?: number;
}

/** Why a feed has no observation this round. */
export type NoObservationReason =
  /** Fewer healthy sources with fresh prices than `minSources` (all down, stale, in backoff...). */
  'too-few-sources';

/** One validator's view of one feed after a poll. */
export interface FeedObservation {
  feedId: Hex;
  pair: string;
  /** When the poll finished. */
  observedAtMs: number;
  /** The lower median of the fresh healthy source prices; absent when there are too few. */
  observation?: PriceObservation;
  /** The oldest `observedAtMs` among the prices in the median: how old the observation is. */
  priceAtMs?: number;
  /** Set when `observation` is absent. */
  reason?: NoObservationReason;
  /** Source ids whose prices went into the median. */
  usedSourceIds: string[];
  /** Every configured source, in configuration order. */
  sources: SourceStatus[];
}
