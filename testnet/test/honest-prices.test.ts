import { describe, expect, test } from 'vitest';
import { checkHonestPrices, honestRange, type ObservationSample } from '../src/prices.ts';

const FEED = '0xfeed';

/** Node `node` observed `prices[i]` at i seconds, sampled right away; the test reads until 10 s. */
function series(node: number, prices: number[]): ObservationSample[] {
  return [
    ...prices.map((price, i) => ({
      node,
      feedId: FEED,
      observedAtMs: i * 1_000,
      price: BigInt(price),
      sampledAtMs: i * 1_000 + 10,
    })),
    {
      node,
      feedId: FEED,
      observedAtMs: (prices.length - 1) * 1_000,
      price: BigInt(prices.at(-1)!),
      sampledAtMs: 10_000,
    },
  ];
}

describe('honest price range', () => {
  const samples = [...series(0, [1000, 1001, 1002, 1003]), ...series(1, [999, 1000, 1004, 1005])];

  test('the observations current at any time of the window, across the honest nodes', () => {
    // [1500, 2500]: node 0 had 1001 then 1002, node 1 had 1000 then 1004.
    expect(honestRange(samples, [0, 1], FEED, 1_500, 2_500)).toEqual({ min: 1000n, max: 1004n });
    // After the last observation, the last one stays current while samples cover the window.
    expect(honestRange(samples, [0, 1], FEED, 5_000, 6_000)).toEqual({ min: 1003n, max: 1005n });
  });

  test('a window the samples do not cover is not judged', () => {
    expect(honestRange(samples, [0, 1], FEED, -500, 500)).toBeUndefined(); // before the first observation
    expect(honestRange(samples, [0, 1], FEED, 9_000, 11_000)).toBeUndefined(); // after the last sample
    expect(honestRange(samples, [0, 2], FEED, 1_500, 2_500)).toBeUndefined(); // node 2 never sampled
  });

  test('a median inside the honest range passes; a manipulated (+4%) or averaged one does not', () => {
    const options = { beforeMs: 500, afterMs: 500, toleranceBps: 10n };
    const at = (answer: bigint) => [{ height: 7, blockTimeMs: 2_000, feedId: FEED, answer }];
    expect(checkHonestPrices(at(1002n), samples, [0, 1], options)).toEqual({ checked: 1, violations: [] });
    expect(checkHonestPrices(at(1041n), samples, [0, 1], options).violations).toHaveLength(1);
    expect(checkHonestPrices(at(1_020n), samples, [0, 1], options).violations[0]).toMatch(
      /height 7 .* 1020 outside the honest \[1000, 1004\]/,
    );
  });
});

describe('honest range with a node missing', () => {
  test('minCovered: a node without samples in the window is skipped, down to the minimum', () => {
    const samples = [...series(0, [100, 101, 102]), ...series(1, [99, 100, 101])];
    // Node 2 never answered (it was down): the range comes from 0 and 1 when 2 of 3 suffice.
    expect(honestRange(samples, [0, 1, 2], FEED, 500, 1_500)).toBeUndefined();
    expect(honestRange(samples, [0, 1, 2], FEED, 500, 1_500, 2)).toEqual({ min: 99n, max: 101n });
    expect(honestRange(samples, [0, 1, 2], FEED, 500, 1_500, 3)).toBeUndefined();
  });
});

describe('honest range with a sampling gap', () => {
  test('maxSampleGapMs: a node whose samples skip part of the window does not cover it', () => {
    // Node 0 observed 100, 101 (at 1 s), 150 (at 2 s, unseen: sampling stalled 0.5 s → 3.5 s), 102.
    const node0: ObservationSample[] = [
      { node: 0, feedId: FEED, observedAtMs: 0, price: 100n, sampledAtMs: 100 },
      { node: 0, feedId: FEED, observedAtMs: 0, price: 100n, sampledAtMs: 500 },
      { node: 0, feedId: FEED, observedAtMs: 3_000, price: 102n, sampledAtMs: 3_500 },
      { node: 0, feedId: FEED, observedAtMs: 3_000, price: 102n, sampledAtMs: 3_900 },
    ];
    const node1 = series(1, [100, 100, 150, 102]);
    const samples = [...node0, ...node1];
    // Without a gap limit node 0 "covers" [1.5 s, 2.5 s] with its stale 100, and a true 150 looks outside.
    expect(honestRange(node0, [0], FEED, 1_500, 2_500)).toEqual({ min: 100n, max: 100n });
    expect(honestRange(node0, [0], FEED, 1_500, 2_500, 1, 900)).toBeUndefined();
    // Node 1 sampled every second: it covers the window with 1 s as the limit, node 0 does not.
    expect(honestRange(samples, [0, 1], FEED, 1_500, 2_500, 1, 1_000)).toEqual({ min: 100n, max: 150n });
    expect(
      checkHonestPrices([{ height: 9, blockTimeMs: 2_000, feedId: FEED, answer: 150n }], node0, [0], {
        beforeMs: 500,
        afterMs: 500,
        toleranceBps: 0n,
        maxSampleGapMs: 900,
      }),
    ).toEqual({ checked: 0, violations: [] });
  });
});
