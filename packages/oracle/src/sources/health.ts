import { DEFAULT_SOURCE_BACKOFF_BASE_MS, DEFAULT_SOURCE_BACKOFF_MAX_MS } from '../constants.ts';
import { assert } from '../errors.ts';
import { SourceError, type SourceErrorCode } from './errors.ts';
import { fetchSourceQuote } from './fetch-quote.ts';
import type { Clock, FetchLike, SourceConfig, SourceQuote, SourceStatus } from './types.ts';

export interface SourceBackoff {
  /** Backoff after the first failure in a row; it doubles with each further one. */
  baseMs: number;
  /** Cap of the doubling. */
  maxMs: number;
}

export const DEFAULT_SOURCE_BACKOFF: SourceBackoff = Object.freeze({
  baseMs: DEFAULT_SOURCE_BACKOFF_BASE_MS,
  maxMs: DEFAULT_SOURCE_BACKOFF_MAX_MS,
});

/** 2^30 × any sane base is far past every cap; bounds the shift. */
const MAX_BACKOFF_DOUBLINGS = 30;

/** Backoff after `consecutiveFailures` (≥ 1) failures in a row: base · 2^(n−1), capped. */
export function backoffMs(backoff: SourceBackoff, consecutiveFailures: number): number {
  assert(consecutiveFailures >= 1, 'backoff before any failure');
  const doublings = Math.min(consecutiveFailures - 1, MAX_BACKOFF_DOUBLINGS);
  return Math.min(backoff.baseMs * 2 ** doublings, backoff.maxMs);
}

export interface PollSourceParameters {
  decimals: number;
  sourceMaxAgeMs: number;
  now: Clock;
  fetch?: FetchLike;
  signal?: AbortSignal;
}

/**
 * Health of one source: whether its last attempt succeeded, its last price and error, and the
 * backoff that keeps a failing source out of the median and unqueried until `retryAtMs`. No
 * clock of its own: every method takes the time, so tests drive it.
 */
export class SourceHealth {
  readonly source: SourceConfig;
  readonly backoff: SourceBackoff;
  #healthy = false;
  #consecutiveFailures = 0;
  #retryAtMs: number | undefined;
  #lastQuote: SourceQuote | undefined;
  #lastError: { code: SourceErrorCode; detail: string; atMs: number } | undefined;

  constructor(source: SourceConfig, backoff: SourceBackoff = DEFAULT_SOURCE_BACKOFF) {
    assert(backoff.baseMs >= 1 && backoff.maxMs >= backoff.baseMs, 'backoff: 1 ≤ baseMs ≤ maxMs');
    this.source = source;
    this.backoff = backoff;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Whether the source may be queried now: healthy, never tried, or its backoff has passed. */
  isDue(nowMs: number): boolean {
    return this.#retryAtMs === undefined || nowMs >= this.#retryAtMs;
  }

  recordSuccess(quote: SourceQuote): void {
    assert(quote.sourceId === this.source.id, `quote of ${quote.sourceId} recorded on ${this.source.id}`);
    this.#healthy = true;
    this.#consecutiveFailures = 0;
    this.#retryAtMs = undefined;
    this.#lastQuote = quote;
  }

  recordFailure(error: SourceError, nowMs: number): void {
    this.#healthy = false;
    this.#consecutiveFailures += 1;
    this.#retryAtMs = nowMs + backoffMs(this.backoff, this.#consecutiveFailures);
    this.#lastError = { code: error.code, detail: error.detail, atMs: nowMs };
  }

  /** The last price, if the source is healthy and the price is at most `maxAgeMs` old. */
  freshQuote(nowMs: number, maxAgeMs: number): SourceQuote | undefined {
    const quote = this.#lastQuote;
    if (!this.#healthy || quote === undefined || nowMs - quote.observedAtMs > maxAgeMs) return undefined;
    return quote;
  }

  /**
   * Queries the source once if it is due, and records the outcome. Never throws a SourceError:
   * a failing venue only makes its source unhealthy. A request cancelled through `signal` records
   * nothing.
   */
  async poll(parameters: PollSourceParameters): Promise<void> {
    const { now } = parameters;
    if (!this.isDue(now())) return;
    try {
      this.recordSuccess(await fetchSourceQuote({ ...parameters, source: this.source }));
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      // Cancelled by us (observer stop), not failed by the venue: no verdict, no backoff.
      if (parameters.signal?.aborted) return;
      this.recordFailure(error, now());
    }
  }

  status(nowMs: number): SourceStatus {
    const status: SourceStatus = {
      sourceId: this.source.id,
      kind: this.source.kind,
      healthy: this.#healthy,
      consecutiveFailures: this.#consecutiveFailures,
    };
    if (this.#retryAtMs !== undefined) status.retryAtMs = this.#retryAtMs;
    if (this.#lastQuote !== undefined) {
      status.lastPrice = this.#lastQuote.price;
      status.lastPriceAtMs = this.#lastQuote.observedAtMs;
      status.ageMs = nowMs - this.#lastQuote.observedAtMs;
    }
    if (this.#lastError !== undefined) {
      status.lastErrorCode = this.#lastError.code;
      status.lastErrorMessage = this.#lastError.detail;
      status.lastErrorAtMs = this.#lastError.atMs;
    }
    return status;
  }
}
