export type { SourceAdapter, VenueTicker } from './adapter.ts';
export { binanceAdapter } from './binance.ts';
export { coinbaseAdapter } from './coinbase.ts';
export {
  createFeedSourceConfig,
  type FeedSourceConfigInput,
  type SourceConfigInput,
  validateFeedSourceConfigs,
} from './config.ts';
export { formatFixedPoint, parseDecimalPrice } from './decimal.ts';
export { SOURCE_ERROR_CODES, SourceError, type SourceErrorCode } from './errors.ts';
export {
  type FetchSourceQuoteParameters,
  fetchSourceQuote,
  SOURCE_ADAPTERS,
  SOURCE_KINDS,
} from './fetch-quote.ts';
export {
  backoffMs,
  DEFAULT_SOURCE_BACKOFF,
  type PollSourceParameters,
  type SourceBackoff,
  SourceHealth,
} from './health.ts';
export { krakenAdapter } from './kraken.ts';
export { createSourceHealths, type ObserveFeedOptions, observeFeed } from './observe.ts';
export { createObserver, Observer, type ObserverOptions } from './observer.ts';
export type * from './types.ts';
