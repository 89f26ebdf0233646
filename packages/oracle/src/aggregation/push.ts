import { isAtLeastBps } from './deviation.ts';
import type { FeedConfig, FinalizedPrice } from './types.ts';

/** Why the L1 submitter should, or should not, push a feed's price now. */
export type L1PushDecision =
  | {
      push: true;
      /** `first-push`: L1 has no price of this feed yet. */
      reason: 'first-push' | 'deviation' | 'heartbeat';
    }
  | {
      push: false;
      /** `no-price`: nothing finalized yet; `not-newer`: L1 already has this height or a later one. */
      reason: 'no-price' | 'not-newer' | 'within-thresholds';
    };

/**
 * The L1 push rule, in order:
 * 1. no finalized price → no push;
 * 2. nothing pushed yet → push;
 * 3. the current price is not from a later height than the pushed one → no push (never push the
 *    same or an older price, so a retry cannot roll L1 back);
 * 4. it moved at least `pushDeviationBps` from the pushed price → push;
 * 5. the pushed price is at least `heartbeatMs` old at `nowMs` → push;
 * 6. otherwise no push.
 * Ages are measured from the block time of the pushed price (what L1 shows as `updatedAt`), so
 * the heartbeat bounds the age consumers see. A stale feed has nothing newer to push, and the
 * L1 adapter then fails closed on age: a held or stale price is never refreshed on L1.
 * Pure: `nowMs` is the submitter's clock, passed in.
 */
export function decideL1Push(
  feed: FeedConfig,
  lastPushed: FinalizedPrice | undefined,
  current: FinalizedPrice | undefined,
  nowMs: number,
): L1PushDecision {
  if (current === undefined) return { push: false, reason: 'no-price' };
  if (lastPushed === undefined) return { push: true, reason: 'first-push' };
  if (current.height <= lastPushed.height) return { push: false, reason: 'not-newer' };
  if (isAtLeastBps(lastPushed.price, current.price, feed.pushDeviationBps)) {
    return { push: true, reason: 'deviation' };
  }
  if (nowMs - lastPushed.timestampMs >= feed.heartbeatMs) return { push: true, reason: 'heartbeat' };
  return { push: false, reason: 'within-thresholds' };
}

/**
 * Whether the L1 submitter should push `current` now: `decideL1Push(...).push`. Use
 * `decideL1Push` when the reason matters (logs, metrics).
 *
 * @example
 * if (shouldPushToL1(feed, pushed.get(feed.feedId), state.get(feed.feedId)?.lastFinalized, Date.now())) {
 *   await submitter.pushPrice(feed.feedId);
 * }
 */
export function shouldPushToL1(
  feed: FeedConfig,
  lastPushed: FinalizedPrice | undefined,
  current: FinalizedPrice | undefined,
  nowMs: number,
): boolean {
  return decideL1Push(feed, lastPushed, current, nowMs).push;
}
