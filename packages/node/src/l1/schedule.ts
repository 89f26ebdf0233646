import type { FeedConfig, FinalizedPrice } from '@synod/oracle';
import { decideL1Push } from '@synod/oracle';
import type { BlockHeader, FeedPrice, Hex } from '@synod/protocol';

/**
 * Which heights are posted, and with which prices (pure; docs/operations.md "L1 settlement").
 *
 * A height is needed when it is a multiple of k (postEveryHeaders), or when one of its prices
 * must be pushed per the oracle's push rule (`decideL1Push`: first push, deviation, heartbeat)
 * against the price L1 holds. The push rule's clock is the block's own time
 * (header.timestampMs), not the node's: every validator then derives the same set of needed
 * heights from the same chain and the same starting L1 state, which the rotation relies on
 * (a validator watches for exactly the heights its predecessor should post). The heartbeat is
 * thus measured in block time, which tracks wall time while blocks are produced; with no
 * blocks there is no newer price to push anyway.
 */

/** A price leaf to prove: the feed's price at leaf `index` of the block's price tree. */
export interface PriceLeafUpdate extends FeedPrice {
  index: number;
}

/**
 * The leaves of `header`/`prices` whose feed must be pushed, given what L1 holds per feed
 * (`lastPushed`, undefined when never pushed), in leaf order. Feeds not in `feeds` are ignored.
 */
export function pricesToPush(
  feeds: readonly FeedConfig[],
  lastPushed: (feedId: Hex) => FinalizedPrice | undefined,
  header: BlockHeader,
  prices: readonly FeedPrice[],
): PriceLeafUpdate[] {
  const byId = new Map(feeds.map((feed) => [feed.feedId.toLowerCase(), feed]));
  const updates: PriceLeafUpdate[] = [];
  for (const [index, price] of prices.entries()) {
    const feed = byId.get(price.feedId.toLowerCase());
    if (feed === undefined) continue;
    const current: FinalizedPrice = {
      price: price.answer,
      height: header.height,
      timestampMs: header.timestampMs,
    };
    if (decideL1Push(feed, lastPushed(feed.feedId.toLowerCase() as Hex), current, header.timestampMs).push) {
      updates.push({ feedId: price.feedId, answer: price.answer, index });
    }
  }
  return updates;
}

export type PostReason = 'interval' | 'prices';

export interface HeightPlan {
  height: number;
  /** Why the height must reach L1; undefined when it need not (a later header covers it). */
  reason: PostReason | undefined;
  /** Feeds whose price at this height must be pushed (lowercase ids). */
  pushFeedIds: Hex[];
}

/**
 * Plans one finalized height against `projected` (feedId → the price L1 will hold once every
 * earlier needed height is posted), and returns the projection after it.
 */
export function planHeight(
  feeds: readonly FeedConfig[],
  projected: ReadonlyMap<Hex, FinalizedPrice>,
  header: BlockHeader,
  prices: readonly FeedPrice[],
  postEveryHeaders: number,
): { plan: HeightPlan; projected: Map<Hex, FinalizedPrice> } {
  const pushes = pricesToPush(feeds, (feedId) => projected.get(feedId), header, prices);
  const next = new Map(projected);
  for (const update of pushes) {
    next.set(update.feedId.toLowerCase() as Hex, {
      price: update.answer,
      height: header.height,
      timestampMs: header.timestampMs,
    });
  }
  const reason: PostReason | undefined =
    pushes.length > 0 ? 'prices' : header.height % postEveryHeaders === 0 ? 'interval' : undefined;
  return {
    plan: {
      height: header.height,
      reason,
      pushFeedIds: pushes.map((update) => update.feedId.toLowerCase() as Hex),
    },
    projected: next,
  };
}
