import {
  createObserver,
  type FeedConfig,
  type FeedObservation,
  type FeedSourceConfig,
  type FeedState,
  type FetchLike,
  type Observer,
} from '@synod/oracle';
import type { Hex } from '@synod/protocol';
import { Gauge, type Registry } from 'prom-client';
import type { PriceObserver } from '../driver/types.ts';
import type { OracleFeedStatus } from '../rpc/backend.ts';

/**
 * The oracle in the node (docs/oracle.md "Pipeline"): an Observer polls this validator's price
 * sources and its latest observations go into every vote extension (the driver reads them
 * through the `PriceObserver` hook); finalized prices come out of the blocks (the content
 * function), and their state after each block is the driver's `chain.feedStates`. This module
 * joins the two views for `synod_status` and the metrics.
 */

export interface NodeOracleOptions {
  /** The network's feeds (consensus settings, defaults filled), feedId order not required. */
  feeds: readonly FeedConfig[];
  /** The feeds this validator observes, with their sources (a subset of `feeds`). */
  sources: readonly FeedSourceConfig[];
  pollIntervalMs: number;
  register: Registry;
  nowMs?: () => number;
  /** Tests: a fetch of their own. */
  fetch?: FetchLike;
}

export interface NodeOracle {
  /** Undefined when this validator observes no feed. */
  readonly observer: Observer | undefined;
  /** The driver's hook: the observer's latest observations, at signing time. */
  readonly priceObserver: PriceObserver | undefined;
  start(): void;
  stop(): Promise<void>;
  /** Status per configured feed; `states` is the chain's oracle state after the latest block. */
  status(states: ReadonlyMap<Hex, FeedState>): OracleFeedStatus[];
  /** Refreshes the gauges (the node calls it after each block and on its housekeeping tick). */
  updateMetrics(states: ReadonlyMap<Hex, FeedState>): void;
}

export function createOracleMetrics(register: Registry) {
  return {
    sourceHealthy: new Gauge<'feed' | 'source'>({
      name: 'synod_oracle_source_healthy',
      help: "1 if this validator's last request to the price source succeeded",
      labelNames: ['feed', 'source'],
      registers: [register],
    }),
    feedAgeSeconds: new Gauge<'feed'>({
      name: 'synod_oracle_feed_age_seconds',
      help: "Age of the feed's last finalized price (now minus its block time)",
      labelNames: ['feed'],
      registers: [register],
    }),
    feedStale: new Gauge<'feed'>({
      name: 'synod_oracle_feed_stale',
      help: '1 if the feed has no finalized price younger than its maxAgeMs',
      labelNames: ['feed'],
      registers: [register],
    }),
    observationAgeSeconds: new Gauge<'feed'>({
      name: 'synod_oracle_observation_age_seconds',
      help: "Age of this validator's latest observation of the feed (the oldest source price in its median)",
      labelNames: ['feed'],
      registers: [register],
    }),
  };
}

export type OracleMetrics = ReturnType<typeof createOracleMetrics>;

export function createNodeOracle(init: NodeOracleOptions): NodeOracle {
  const nowMs = init.nowMs ?? Date.now;
  const feeds = [...init.feeds].sort((a, b) => (a.feedId < b.feedId ? -1 : 1));
  const sourcesById = new Map(init.sources.map((feed) => [feed.feedId, feed]));
  const metrics = createOracleMetrics(init.register);
  const label = (feedId: Hex) => sourcesById.get(feedId)?.pair ?? feedId;
  const observer =
    init.sources.length === 0
      ? undefined
      : createObserver({
          feeds: init.sources,
          intervalMs: init.pollIntervalMs,
          now: nowMs,
          ...(init.fetch === undefined ? {} : { fetch: init.fetch }),
          onObservation: (observation) => observed(observation),
        });

  function observed(observation: FeedObservation): void {
    const feed = label(observation.feedId);
    for (const source of observation.sources) {
      metrics.sourceHealthy.set({ feed, source: source.sourceId }, source.healthy ? 1 : 0);
    }
    if (observation.priceAtMs !== undefined && observation.observation !== undefined) {
      metrics.observationAgeSeconds.set({ feed }, Math.max(0, nowMs() - observation.priceAtMs) / 1000);
    } else {
      metrics.observationAgeSeconds.remove({ feed });
    }
  }

  const feedStatus = (feed: FeedConfig, state: FeedState | undefined): OracleFeedStatus => {
    const now = nowMs();
    const last = state?.lastFinalized;
    const ageMs = last === undefined ? null : Math.max(0, now - last.timestampMs);
    const local = observer?.status().find((entry) => entry.feedId === feed.feedId);
    const pending = state?.pending;
    return {
      feedId: feed.feedId,
      pair: sourcesById.get(feed.feedId)?.pair ?? null,
      decimals: feed.decimals,
      // The chain's flag (block time), or the wall clock when blocks stopped coming.
      stale: state === undefined || state.stale || ageMs === null || ageMs > feed.maxAgeMs,
      lastPrice:
        last === undefined
          ? null
          : { answer: last.price, height: last.height, timestampMs: last.timestampMs },
      ageMs,
      breaker:
        pending === undefined
          ? null
          : {
              direction: pending.direction,
              consecutiveHeights: pending.consecutiveHeights,
              firstHeight: pending.firstHeight,
              lastMedian: pending.lastMedian,
            },
      observation:
        local === undefined
          ? null
          : {
              price: local.observation?.price ?? null,
              priceAtMs: local.priceAtMs ?? null,
              observedAtMs: local.observedAtMs,
              reason: local.reason ?? null,
              usedSourceIds: [...local.usedSourceIds],
            },
      sources: (local?.sources ?? []).map((source) => ({
        id: source.sourceId,
        kind: source.kind,
        healthy: source.healthy,
        consecutiveFailures: source.consecutiveFailures,
        retryAtMs: source.retryAtMs ?? null,
        lastPrice: source.lastPrice ?? null,
        lastPriceAtMs: source.lastPriceAtMs ?? null,
        ageMs: source.ageMs ?? null,
        lastErrorCode: source.lastErrorCode ?? null,
        lastErrorMessage: source.lastErrorMessage ?? null,
      })),
    };
  };

  return {
    observer,
    priceObserver: observer === undefined ? undefined : { observe: () => observer.latestObservations() },
    start: () => observer?.start(),
    stop: async () => {
      await observer?.stop();
    },
    status: (states) => feeds.map((feed) => feedStatus(feed, states.get(feed.feedId))),
    updateMetrics(states) {
      for (const feed of feeds) {
        const status = feedStatus(feed, states.get(feed.feedId));
        const name = label(feed.feedId);
        metrics.feedStale.set({ feed: name }, status.stale ? 1 : 0);
        if (status.ageMs === null) metrics.feedAgeSeconds.remove({ feed: name });
        else metrics.feedAgeSeconds.set({ feed: name }, status.ageMs / 1000);
      }
    },
  };
}
