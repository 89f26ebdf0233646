import { describe, expect, it } from 'vitest';
import { decideL1Push, type FinalizedPrice, shouldPushToL1 } from '../src/index.ts';
import { testFeed } from './helpers.ts';

const feed = testFeed({ pushDeviationBps: 50, heartbeatMs: 3_600_000 });
const T0 = 1_700_000_000_000;
const pushed: FinalizedPrice = { price: 100_000n, height: 10, timestampMs: T0 };
const at = (price: bigint, height = 20, timestampMs = T0 + 10_000): FinalizedPrice => ({
  price,
  height,
  timestampMs,
});

describe('decideL1Push / shouldPushToL1', () => {
  it('pushes the first price and nothing before one exists', () => {
    expect(decideL1Push(feed, undefined, at(1n), T0)).toEqual({ push: true, reason: 'first-push' });
    expect(decideL1Push(feed, undefined, undefined, T0)).toEqual({ push: false, reason: 'no-price' });
    expect(decideL1Push(feed, pushed, undefined, T0)).toEqual({ push: false, reason: 'no-price' });
  });

  it('pushes on a move of at least pushDeviationBps, in either direction', () => {
    expect(decideL1Push(feed, pushed, at(100_500n), T0 + 10_000)).toEqual({
      push: true,
      reason: 'deviation',
    });
    expect(decideL1Push(feed, pushed, at(99_500n), T0 + 10_000)).toEqual({ push: true, reason: 'deviation' });
    expect(decideL1Push(feed, pushed, at(100_499n), T0 + 10_000)).toEqual({
      push: false,
      reason: 'within-thresholds',
    });
  });

  it('pushes on the heartbeat, measured from the pushed price’s block time', () => {
    expect(shouldPushToL1(feed, pushed, at(100_000n), T0 + 3_599_999)).toBe(false);
    expect(decideL1Push(feed, pushed, at(100_000n), T0 + 3_600_000)).toEqual({
      push: true,
      reason: 'heartbeat',
    });
  });

  it('never pushes the same or an older height, however old or far', () => {
    const later = T0 + 10 * 3_600_000;
    expect(decideL1Push(feed, pushed, at(1n, 10, T0), later)).toEqual({ push: false, reason: 'not-newer' });
    expect(decideL1Push(feed, pushed, at(1n, 9, T0 - 1), later)).toEqual({
      push: false,
      reason: 'not-newer',
    });
  });

  it('treats any move from a pushed price of 0 as a deviation, and none as none', () => {
    const zero: FinalizedPrice = { price: 0n, height: 1, timestampMs: T0 };
    expect(shouldPushToL1(feed, zero, at(1n), T0 + 1)).toBe(true);
    expect(shouldPushToL1(feed, zero, at(0n), T0 + 1)).toBe(false);
  });
});
