import { type Hex, SYSTEM_TIMERS, type Timers } from '@synod/protocol';
import type { PriceObservation } from '../aggregation/types.ts';
import { DEFAULT_OBSERVE_INTERVAL_MS } from '../constants.ts';
import { assert } from '../errors.ts';
import { validateFeedSourceConfigs } from './config.ts';
import { DEFAULT_SOURCE_BACKOFF, type SourceBackoff, type SourceHealth } from './health.ts';
import { createSourceHealths, observeFeed } from './observe.ts';
import type { Clock, FeedObservation, FeedSourceConfig, FetchLike } from './types.ts';

export interface ObserverOptions {
  feeds: readonly FeedSourceConfig[];
  /** Pause between the end of one poll and the start of the next. Default `DEFAULT_OBSERVE_INTERVAL_MS`. */
  intervalMs?: number;
  /** Default `Date.now`. */
  now?: Clock;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Default the global `setTimeout`/`clearTimeout`. */
  timers?: Timers;
  backoff?: SourceBackoff;
  /** Called with each feed's result after every poll (logs, metrics). */
  onObservation?: (observation: FeedObservation) => void;
}

/**
 * The validator's oracle service: polls every feed's sources on an interval and keeps the latest
 * observation per feed for the next vote extension. `start`/`stop` like every node service; polls
 * never overlap (the next is scheduled when one ends), and `stop` aborts requests in flight and
 * waits for the poll to settle.
 *
 * @example
 * const observer = createObserver({ feeds: [ethUsd] });
 * observer.start();
 * // when building a vote extension:
 * const prices = observer.latestObservations();
 * await observer.stop();
 */
export class Observer {
  readonly feeds: readonly FeedSourceConfig[];
  readonly intervalMs: number;
  readonly #now: Clock;
  readonly #fetch: FetchLike | undefined;
  readonly #timers: Timers;
  readonly #onObservation: ((observation: FeedObservation) => void) | undefined;
  readonly #healths: Map<Hex, SourceHealth[]>;
  readonly #latest = new Map<Hex, FeedObservation>();
  #running = false;
  #timer: unknown;
  #inFlight: Promise<FeedObservation[]> | undefined;
  #abort: AbortController | undefined;

  constructor(options: ObserverOptions) {
    validateFeedSourceConfigs(options.feeds);
    this.feeds = [...options.feeds].sort((a, b) => (a.feedId < b.feedId ? -1 : 1));
    this.intervalMs = options.intervalMs ?? DEFAULT_OBSERVE_INTERVAL_MS;
    assert(Number.isSafeInteger(this.intervalMs) && this.intervalMs >= 1, 'intervalMs ≥ 1');
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.#onObservation = options.onObservation;
    const backoff = options.backoff ?? DEFAULT_SOURCE_BACKOFF;
    this.#healths = new Map(this.feeds.map((feed) => [feed.feedId, createSourceHealths(feed, backoff)]));
  }

  get running(): boolean {
    return this.#running;
  }

  /** Polls at once, then `intervalMs` after each poll ends. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  /** Stops polling, aborts requests in flight and waits for the current poll to settle. Idempotent. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    await this.#inFlight?.catch(() => {});
  }

  /**
   * One poll of every feed, in parallel. The loop calls this; tests and the node may too. A poll
   * already in flight is joined rather than doubled.
   */
  pollOnce(): Promise<FeedObservation[]> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const abort = new AbortController();
    this.#abort = abort;
    const poll = Promise.all(
      this.feeds.map((feed) =>
        observeFeed(feed, this.#healths.get(feed.feedId)!, {
          now: this.#now,
          signal: abort.signal,
          ...(this.#fetch === undefined ? {} : { fetch: this.#fetch }),
        }),
      ),
    ).then((observations) => {
      // A poll cut short by stop() saw aborted requests, not the market: keep the previous view.
      if (abort.signal.aborted) return observations;
      for (const observation of observations) {
        this.#latest.set(observation.feedId, observation);
        this.#onObservation?.(observation);
      }
      return observations;
    });
    this.#inFlight = poll.finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /**
   * What goes into this validator's vote extension now: per feed, the latest observation whose
   * prices are at most the feed's `sourceMaxAgeMs` old, sorted by feedId. A feed without one is
   * omitted (the aggregation rule counts it as missing, never as an old price).
   */
  latestObservations(): PriceObservation[] {
    const nowMs = this.#now();
    const observations: PriceObservation[] = [];
    for (const feed of this.feeds) {
      const latest = this.#latest.get(feed.feedId);
      if (latest?.observation === undefined || latest.priceAtMs === undefined) continue;
      if (nowMs - latest.priceAtMs > feed.sourceMaxAgeMs) continue;
      observations.push(latest.observation);
    }
    return observations;
  }

  /** The latest poll result per feed, sorted by feedId (for `synod_status` and metrics). */
  status(): FeedObservation[] {
    return this.feeds.flatMap((feed) => this.#latest.get(feed.feedId) ?? []);
  }

  #tick(): void {
    if (!this.#running) return;
    void this.pollOnce().then(() => {
      if (!this.#running) return;
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        this.#tick();
      }, this.intervalMs);
    });
  }
}

export function createObserver(options: ObserverOptions): Observer {
  return new Observer(options);
}
