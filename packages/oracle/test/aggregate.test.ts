import type { Hex } from '@synod/protocol';
import { describe, expect, it } from 'vitest';
import {
  aggregatePrices,
  type FeedState,
  INITIAL_FEED_STATE,
  MAX_FEEDS,
  MAX_OBSERVATION_LISTS,
  quorumSize,
  validateFeedConfigs,
  validateObservations,
} from '../src/index.ts';
import { answers, BTC, drive, ETH, lists, testFeed } from './helpers.ts';

const T0 = 1_700_000_000_000;

describe('aggregatePrices: median', () => {
  it('finalizes the median of 2f+1 observations as the first price', () => {
    const [result] = drive(testFeed(), 1, [[300n, 100n, 200n]]);
    expect(result!.prices).toEqual([{ feedId: ETH, answer: 200n }]);
    expect(result!.events).toEqual([{ kind: 'finalized', feedId: ETH, price: 200n, via: 'first-price' }]);
    expect(result!.state.get(ETH)).toEqual({
      lastFinalized: { price: 200n, height: 1, timestampMs: T0 },
      stale: false,
    });
  });

  it('finalizes the lower median of an even count of observations', () => {
    // n = 4, f = 1: all four extensions included.
    expect(answers(drive(testFeed(), 1, [[1_000n, 1_030n, 1_010n, 1_020n]]))).toEqual([1_010n]);
  });

  it('counts only the lists that observe the feed', () => {
    // 4 lists, one without this feed: the median of the 3 present.
    expect(answers(drive(testFeed(), 1, [[1_000n, undefined, 1_020n, 1_010n]]))).toEqual([1_010n]);
  });

  it('returns prices sorted by feedId ascending, whatever the configuration order', () => {
    const eth = testFeed({ feedId: ETH });
    const btc = testFeed({ feedId: BTC });
    const result = aggregatePrices({
      feeds: [btc, eth],
      state: new Map(),
      observationsByValidator: [0, 1, 2].map(() => [
        { feedId: BTC, price: 60_000n },
        { feedId: ETH, price: 3_000n },
      ]),
      f: 1,
      height: 1,
      timestampMs: T0,
    });
    expect(result.prices).toEqual([
      { feedId: ETH, answer: 3_000n },
      { feedId: BTC, answer: 60_000n },
    ]);
    expect([...result.state.keys()]).toEqual([ETH, BTC]);
  });

  it('needs 2f+1 observations: quorumSize', () => {
    expect([0, 1, 2, 10].map(quorumSize)).toEqual([1, 3, 5, 21]);
  });

  it('does not mutate the state it is given', () => {
    const [first] = drive(testFeed(), 1, [[100n, 100n, 100n]]);
    const before = structuredClone(first!.state);
    drive(testFeed(), 1, [[101n, 101n, 101n]], { state: first!.state, startHeight: 2 });
    expect(first!.state).toEqual(before);
  });
});

describe('aggregatePrices: circuit breaker', () => {
  const feed = testFeed({ deviationBoundBps: 500, confirmationHeights: 3 });
  const at = (price: bigint) => [price, price, price];

  it('accepts a move of exactly the bound at once', () => {
    expect(answers(drive(feed, 1, [at(1_000n), at(1_050n), at(998n)]))).toEqual([1_000n, 1_050n, 998n]);
  });

  it('trips on a pump beyond the bound and keeps the last price without re-emitting it', () => {
    const results = drive(feed, 1, [at(1_000n), at(1_051n)]);
    expect(answers(results)).toEqual([1_000n, undefined]);
    expect(results[1]!.prices).toEqual([]);
    expect(results[1]!.events).toEqual([
      {
        kind: 'breaker-tripped',
        feedId: ETH,
        median: 1_051n,
        lastFinalizedPrice: 1_000n,
        direction: 'up',
        moveBps: 510n,
      },
    ]);
    expect(results[1]!.state.get(ETH)).toEqual({
      lastFinalized: { price: 1_000n, height: 1, timestampMs: T0 },
      pending: { direction: 'up', consecutiveHeights: 1, firstHeight: 2, lastHeight: 2, lastMedian: 1_051n },
      stale: false,
    });
  });

  it('accepts the move at the K-th consecutive height beyond the bound, with that height’s median', () => {
    const results = drive(feed, 1, [at(1_000n), at(2_000n), at(1_900n), at(2_100n), at(2_150n)]);
    expect(answers(results)).toEqual([1_000n, undefined, undefined, 2_100n, 2_150n]);
    expect(results[2]!.events).toEqual([
      {
        kind: 'breaker-held',
        feedId: ETH,
        median: 1_900n,
        direction: 'up',
        consecutiveHeights: 2,
        confirmationHeights: 3,
      },
    ]);
    expect(results[3]!.events).toEqual([
      { kind: 'finalized', feedId: ETH, price: 2_100n, via: 'breaker-confirmed' },
    ]);
    // After acceptance the new price is the reference: 2_150 is within 5% of 2_100.
    expect(results[4]!.state.get(ETH)!.pending).toBeUndefined();
  });

  it('resets when the move reverts within the bound, and finalizes that median', () => {
    const results = drive(feed, 1, [at(1_000n), at(2_000n), at(2_000n), at(1_010n), at(2_000n), at(2_000n)]);
    // The pump held two heights, reverted, then had to start over: never accepted within K.
    expect(answers(results)).toEqual([1_000n, undefined, undefined, 1_010n, undefined, undefined]);
    expect(results[3]!.events).toEqual([
      { kind: 'breaker-reset', feedId: ETH, reason: 'reverted' },
      { kind: 'finalized', feedId: ETH, price: 1_010n, via: 'within-bound' },
    ]);
    expect(results[5]!.state.get(ETH)!.pending).toMatchObject({ consecutiveHeights: 2, firstHeight: 5 });
  });

  it('restarts the count when the move reverses beyond the bound in the other direction', () => {
    const results = drive(feed, 1, [at(1_000n), at(2_000n), at(2_000n), at(500n), at(500n), at(500n)]);
    expect(answers(results)).toEqual([1_000n, undefined, undefined, undefined, undefined, 500n]);
    expect(results[3]!.events).toEqual([
      { kind: 'breaker-reset', feedId: ETH, reason: 'reversed' },
      {
        kind: 'breaker-tripped',
        feedId: ETH,
        median: 500n,
        lastFinalizedPrice: 1_000n,
        direction: 'down',
        moveBps: 5_000n,
      },
    ]);
  });

  it('neither counts nor resets a height without quorum', () => {
    const none = [undefined, undefined, undefined];
    const results = drive(feed, 1, [at(1_000n), at(2_000n), none, at(2_000n), none, at(2_000n)]);
    expect(answers(results)).toEqual([1_000n, undefined, undefined, undefined, undefined, 2_000n]);
    expect(results[2]!.state.get(ETH)!.pending).toMatchObject({ consecutiveHeights: 1, lastHeight: 2 });
  });

  it('is disabled with K = 1', () => {
    expect(answers(drive(testFeed({ confirmationHeights: 1 }), 1, [at(1_000n), at(5_000n)]))).toEqual([
      1_000n,
      5_000n,
    ]);
  });

  it('trips on any move away from a last price of 0', () => {
    const results = drive(feed, 0, [[0n], [1n], [1n], [1n]]);
    expect(answers(results)).toEqual([0n, undefined, undefined, 1n]);
    expect(results[1]!.events[0]).toMatchObject({ kind: 'breaker-tripped', moveBps: undefined });
  });

  it('measures moves of negative prices by their magnitude', () => {
    expect(answers(drive(feed, 0, [[-1_000n], [-1_050n], [-1_200n]]))).toEqual([-1_000n, -1_050n, undefined]);
  });

  it('finalizes a price within the honest range when f byzantine validators pump', () => {
    // n = 4, f = 1: one manipulator reports 100×; the honest median moves nothing.
    const results = drive(feed, 1, [
      [1_000n, 1_001n, 999n, 100_000n],
      [1_000n, 1_002n, 1_001n, 100_000n],
    ]);
    expect(answers(results)).toEqual([1_000n, 1_001n]);
    expect(results[1]!.events.some((e) => e.kind === 'breaker-tripped')).toBe(false);
  });
});

describe('aggregatePrices: staleness', () => {
  const feed = testFeed({ maxAgeMs: 3_000 });
  const none = [undefined, undefined, undefined];
  const at = (price: bigint) => [price, price, price];

  it('marks a feed stale once its last price is older than maxAgeMs, and emits no price meanwhile', () => {
    // Blocks every second: the price of height 1 is 3 s old at height 4 (fresh), 4 s at height 5.
    const results = drive(feed, 1, [at(1_000n), none, none, none, none, none]);
    expect(answers(results)).toEqual([1_000n, undefined, undefined, undefined, undefined, undefined]);
    expect(results.map((r) => r.state.get(ETH)!.stale)).toEqual([false, false, false, false, true, true]);
    expect(results[4]!.events).toEqual([
      { kind: 'no-quorum', feedId: ETH, observationCount: 0, quorum: 3 },
      { kind: 'stale', feedId: ETH, lastFinalizedTimestampMs: T0 },
    ]);
    // The stale event marks the transition only.
    expect(results[5]!.events.map((e) => e.kind)).toEqual(['no-quorum']);
    // The old price stays as the reference, with its original height and time.
    expect(results[5]!.state.get(ETH)!.lastFinalized).toEqual({ price: 1_000n, height: 1, timestampMs: T0 });
  });

  it('never re-finalizes the old price: only a new quorum median makes the feed fresh again', () => {
    const results = drive(feed, 1, [at(1_000n), none, none, none, none, at(1_000n)]);
    expect(results[5]!.prices).toEqual([{ feedId: ETH, answer: 1_000n }]);
    expect(results[5]!.state.get(ETH)).toEqual({
      lastFinalized: { price: 1_000n, height: 6, timestampMs: T0 + 5_000 },
      stale: false,
    });
  });

  it('with fewer than 2f+1 observations, emits nothing even if some validators observe', () => {
    const results = drive(feed, 1, [at(1_000n), [1_000n, 1_000n, undefined, undefined]]);
    expect(results[1]!.prices).toEqual([]);
    expect(results[1]!.events).toEqual([{ kind: 'no-quorum', feedId: ETH, observationCount: 2, quorum: 3 }]);
  });

  it('goes stale while the breaker holds a move for longer than maxAgeMs', () => {
    const slow = testFeed({ maxAgeMs: 1_500, confirmationHeights: 4 });
    const results = drive(slow, 1, [at(1_000n), at(2_000n), at(2_000n), at(2_000n), at(2_000n)]);
    expect(results.map((r) => r.state.get(ETH)!.stale)).toEqual([false, false, true, true, false]);
    expect(answers(results)).toEqual([1_000n, undefined, undefined, undefined, 2_000n]);
    expect(results[2]!.events.map((e) => e.kind)).toEqual(['breaker-held', 'stale']);
  });

  it('starts stale: a feed that never finalized has no usable price', () => {
    const results = drive(feed, 1, [none]);
    expect(results[0]!.state.get(ETH)).toEqual(INITIAL_FEED_STATE);
    expect(results[0]!.events).toEqual([{ kind: 'no-quorum', feedId: ETH, observationCount: 0, quorum: 3 }]);
  });
});

describe('aggregatePrices: determinism', () => {
  it('gives identical results for every order of the validators and the feeds', () => {
    const eth = testFeed({ feedId: ETH });
    const btc = testFeed({ feedId: BTC });
    const byValidator = [
      [
        { feedId: ETH, price: 3_000n },
        { feedId: BTC, price: 60_000n },
      ],
      [{ feedId: BTC, price: 61_000n }],
      [
        { feedId: BTC, price: 59_000n },
        { feedId: ETH, price: 3_010n },
      ],
      [
        { feedId: ETH, price: 2_990n },
        { feedId: BTC, price: 60_500n },
      ],
    ];
    const run = (lists: typeof byValidator, feeds = [eth, btc]) =>
      aggregatePrices({
        feeds,
        state: new Map(),
        observationsByValidator: lists,
        f: 1,
        height: 1,
        timestampMs: T0,
      });
    const reference = run(byValidator);
    for (const order of permutations([0, 1, 2, 3])) {
      expect(run(order.map((i) => byValidator[i]!))).toEqual(reference);
      expect(
        run(
          order.map((i) => [...byValidator[i]!].reverse()),
          [btc, eth],
        ),
      ).toEqual(reference);
    }
    expect(reference.prices).toEqual([
      { feedId: ETH, answer: 3_000n },
      { feedId: BTC, answer: 60_000n },
    ]);
  });
});

describe('aggregatePrices: bigint extremes', () => {
  it('aggregates and compares int256 extremes exactly', () => {
    const max = 2n ** 255n - 1n;
    const min = -(2n ** 255n);
    const feed = testFeed({ deviationBoundBps: 1 });
    expect(
      answers(
        drive(feed, 1, [
          [max, max, max],
          [max - 1n, max, max - 2n],
        ]),
      ),
    ).toEqual([max, max - 1n]);
    expect(
      answers(
        drive(feed, 1, [
          [min, min, min],
          [min + 1n, min + 1n, min],
        ]),
      ),
    ).toEqual([min, min + 1n]);
    // The whole int256 range is one move of "infinitely" many bps from 0 and 2^256·10^4 / 1 from -1.
    const tripped = drive(feed, 0, [[-1n], [max]]);
    expect(tripped[1]!.events[0]).toMatchObject({ kind: 'breaker-tripped', moveBps: (max + 1n) * 10_000n });
  });
});

describe('aggregatePrices: input validation', () => {
  const feed = testFeed();
  const base = { feeds: [feed], state: new Map<Hex, FeedState>(), f: 1, height: 1, timestampMs: T0 };

  it('rejects fewer than 2f+1 observation lists: INSUFFICIENT_OBSERVATIONS', () => {
    expect(() => aggregatePrices({ ...base, observationsByValidator: lists(ETH, [1n, 1n]) })).toThrowError(
      expect.objectContaining({ name: 'OracleError', code: 'INSUFFICIENT_OBSERVATIONS' }),
    );
  });

  it('rejects a list that observes a feed twice, whole: DUPLICATE_OBSERVATION', () => {
    const twice = [
      { feedId: ETH, price: 1n },
      { feedId: ETH, price: 2n },
    ];
    expect(() =>
      aggregatePrices({ ...base, observationsByValidator: [...lists(ETH, [1n, 1n, 1n]), twice] }),
    ).toThrowError(expect.objectContaining({ code: 'DUPLICATE_OBSERVATION' }));
  });

  it('rejects an observation of an unconfigured feed: UNKNOWN_FEED', () => {
    expect(() =>
      aggregatePrices({
        ...base,
        observationsByValidator: [...lists(ETH, [1n, 1n]), [{ feedId: BTC, price: 1n }]],
      }),
    ).toThrowError(expect.objectContaining({ code: 'UNKNOWN_FEED' }));
  });

  it('rejects prices outside int256 or not bigint: INVALID_PRICE', () => {
    for (const price of [2n ** 255n, -(2n ** 255n) - 1n, 5 as unknown as bigint]) {
      expect(() =>
        aggregatePrices({ ...base, observationsByValidator: lists(ETH, [1n, 1n, price]) }),
      ).toThrowError(expect.objectContaining({ code: 'INVALID_PRICE' }));
    }
  });

  it('rejects a feed configured twice: DUPLICATE_FEED', () => {
    expect(() =>
      aggregatePrices({
        ...base,
        feeds: [feed, { ...feed }],
        observationsByValidator: lists(ETH, [1n, 1n, 1n]),
      }),
    ).toThrowError(expect.objectContaining({ code: 'DUPLICATE_FEED' }));
  });

  it('rejects out-of-range configurations: INVALID_CONFIG', () => {
    const bad = [
      { feedId: '0xAB' as Hex },
      { feedId: `0x${'AB'.repeat(32)}` as Hex },
      { feedId: `0x${'ab'.repeat(31)}` as Hex },
      { decimals: -1 },
      { decimals: 37 },
      { decimals: 1.5 },
      { deviationBoundBps: 0 },
      { confirmationHeights: 0 },
      { maxAgeMs: 0 },
      { heartbeatMs: Number.NaN },
      { pushDeviationBps: 0 },
    ];
    for (const override of bad) {
      expect(() =>
        aggregatePrices({
          ...base,
          feeds: [{ ...feed, ...override }],
          observationsByValidator: lists(ETH, [1n, 1n, 1n]),
        }),
      ).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    }
  });

  it('rejects an invalid f, height or timestamp, and heights that do not follow the state: INVALID_ROUND', () => {
    const observationsByValidator = lists(ETH, [1n, 1n, 1n]);
    for (const round of [{ f: -1 }, { f: 0.5 }, { height: 0 }, { timestampMs: -1 }]) {
      expect(() => aggregatePrices({ ...base, ...round, observationsByValidator })).toThrowError(
        expect.objectContaining({ code: 'INVALID_ROUND' }),
      );
    }
    const { state } = aggregatePrices({ ...base, observationsByValidator, height: 5 });
    for (const round of [{ height: 5 }, { height: 4 }, { height: 6, timestampMs: T0 - 1 }]) {
      expect(() => aggregatePrices({ ...base, ...round, state, observationsByValidator })).toThrowError(
        expect.objectContaining({ code: 'INVALID_ROUND' }),
      );
    }
  });
});

function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i]!, ...tail];
  }
}

describe('validateObservations (vote extension verification)', () => {
  const feedsById = validateFeedConfigs([testFeed({ feedId: ETH }), testFeed({ feedId: BTC })]);

  it('accepts a list with each configured feed at most once, in any order', () => {
    expect(() =>
      validateObservations(feedsById, [
        { feedId: BTC, price: 1n },
        { feedId: ETH, price: 2n },
      ]),
    ).not.toThrow();
    expect(() => validateObservations(feedsById, [])).not.toThrow();
  });

  it('refuses a list longer than MAX_FEEDS before looking at its entries: TOO_MANY_OBSERVATIONS', () => {
    const long = Array.from({ length: MAX_FEEDS + 1 }, () => ({ feedId: ETH, price: 1n }));
    expect(() => validateObservations(feedsById, long)).toThrowError(
      expect.objectContaining({ code: 'TOO_MANY_OBSERVATIONS' }),
    );
  });

  it('refuses more than MAX_OBSERVATION_LISTS lists: TOO_MANY_OBSERVATIONS', () => {
    expect(() =>
      aggregatePrices({
        feeds: [testFeed()],
        state: new Map(),
        observationsByValidator: lists(
          ETH,
          Array.from({ length: MAX_OBSERVATION_LISTS + 1 }, () => 1n),
        ),
        f: 1,
        height: 1,
        timestampMs: T0,
      }),
    ).toThrowError(expect.objectContaining({ code: 'TOO_MANY_OBSERVATIONS' }));
  });
});
