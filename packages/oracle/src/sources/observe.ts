import { lowerMedian } from '../aggregation/median.ts';
import { assert } from '../errors.ts';
import { DEFAULT_SOURCE_BACKOFF, type SourceBackoff, SourceHealth } from './health.ts';
import type { Clock, FeedObservation, FeedSourceConfig, FetchLike } from './types.ts';

export interface ObserveFeedOptions {
  now: Clock;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  signal?: AbortSignal;
}

/** One `SourceHealth` per source of the feed, in configuration order (what `observeFeed` takes). */
export function createSourceHealths(
  feed: FeedSourceConfig,
  backoff: SourceBackoff = DEFAULT_SOURCE_BACKOFF,
): SourceHealth[] {
  return feed.sources.map((source) => new SourceHealth(source, backoff));
}

/**
 * One validator's observation of one feed: queries every source that is due (healthy, or its
 * backoff has passed) in parallel, records each outcome in its `SourceHealth`, then takes the
 * lower median (the aggregation rule's `lowerMedian`) of the fresh prices of the healthy
 * sources. No observation when fewer than `feed.minSources` remain. Never throws for a venue's
 * failure; the per-source status says what went wrong.
 *
 * Why the median of sources: one venue's thin book can be pushed far for little money; the
 * median of three moves only if two venues move.
 *
 * @example
 * const healths = createSourceHealths(ethUsd);
 * const { observation, sources } = await observeFeed(ethUsd, healths, { now: Date.now });
 */
export async function observeFeed(
  feed: FeedSourceConfig,
  healths: readonly SourceHealth[],
  options: ObserveFeedOptions,
): Promise<FeedObservation> {
  assert(
    healths.length === feed.sources.length && healths.every((h, i) => h.source === feed.sources[i]),
    `health trackers do not match the sources of feed ${feed.feedId}`,
  );
  const { now } = options;
  await Promise.all(
    healths.map((health) =>
      health.poll({
        decimals: feed.decimals,
        sourceMaxAgeMs: feed.sourceMaxAgeMs,
        now,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    ),
  );
  const observedAtMs = now();
  const fresh = healths.flatMap((health) => health.freshQuote(observedAtMs, feed.sourceMaxAgeMs) ?? []);
  const result: FeedObservation = {
    feedId: feed.feedId,
    pair: feed.pair,
    observedAtMs,
    usedSourceIds: fresh.map((quote) => quote.sourceId),
    sources: healths.map((health) => health.status(observedAtMs)),
  };
  if (fresh.length < feed.minSources) {
    result.reason = 'too-few-sources';
  } else {
    result.observation = { feedId: feed.feedId, price: lowerMedian(fresh.map((quote) => quote.price)) };
    result.priceAtMs = Math.min(...fresh.map((quote) => quote.observedAtMs));
  }
  return result;
}
