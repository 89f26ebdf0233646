import type { Hex } from '@synod/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aggregatePrices,
  type FeedState,
  INT256_MAX,
  INT256_MIN,
  lowerMedian,
  type PriceObservation,
} from '../src/index.ts';
import { ETH, rangeOf, testFeed } from './helpers.ts';

/**
 * The property the consensus simulator checks, here over the aggregation rule alone: across
 * random runs of heights, with up to f byzantine validators reporting anything (or omitting the
 * feed), random inclusion of ≥ 2f+1 extensions, genuine jumps and pumps, every price finalized
 * at a height lies within [min, max] of that height's honest observations, and the result does
 * not depend on the order of the extensions.
 */

interface Round {
  /** Honest observations of the feed at this height (an honest validator may lack a price). */
  honest: (bigint | undefined)[];
  byzantine: (bigint | undefined)[];
  /** Which lists the proposer included, as a rotation seed over the shuffled lists. */
  shuffleSeed: number;
  /** How many lists beyond 2f+1 it included. */
  extraLists: number;
}

const anyPrice = fc.oneof(
  fc.bigInt({ min: INT256_MIN, max: INT256_MAX }),
  fc.constantFrom(INT256_MIN, INT256_MAX, 0n, -1n, 1n),
  fc.bigInt({ min: 0n, max: 10_000n }),
);

function scenario() {
  return fc
    .record({ f: fc.integer({ min: 0, max: 4 }), heights: fc.integer({ min: 1, max: 25 }) })
    .chain(({ f, heights }) => {
      const n = 3 * f + 1;
      const honestCount = n - f;
      // Honest prices: a walk around 1_000_000 with occasional jumps beyond the bound, so the
      // breaker trips, holds and confirms; sometimes a validator's sources are down.
      const honestRound = fc.record({
        level: fc.oneof(
          fc.bigInt({ min: 990_000n, max: 1_010_000n }),
          fc.bigInt({ min: 1n, max: 5_000_000n }),
        ),
        spreads: fc.array(fc.bigInt({ min: -2_000n, max: 2_000n }), {
          minLength: honestCount,
          maxLength: honestCount,
        }),
        missing: fc.array(fc.boolean(), { minLength: honestCount, maxLength: honestCount }),
      });
      const round = fc.record({
        honestRound,
        byzantine: fc.array(fc.option(anyPrice, { nil: undefined }), { minLength: f, maxLength: f }),
        shuffleSeed: fc.nat(),
        extraLists: fc.integer({ min: 0, max: f }),
      });
      return fc.record({
        f: fc.constant(f),
        feed: fc.record({
          deviationBoundBps: fc.integer({ min: 1, max: 2_000 }),
          confirmationHeights: fc.integer({ min: 1, max: 4 }),
          maxAgeMs: fc.integer({ min: 1_000, max: 5_000 }),
        }),
        rounds: fc.array(round, { minLength: heights, maxLength: heights }).map((rounds) =>
          rounds.map(
            ({ honestRound, byzantine, shuffleSeed, extraLists }): Round => ({
              honest: honestRound.spreads.map((spread, i) =>
                honestRound.missing[i] && i % 3 === 0 ? undefined : honestRound.level + spread,
              ),
              byzantine,
              shuffleSeed,
              extraLists,
            }),
          ),
        ),
      });
    });
}

function toLists(prices: readonly (bigint | undefined)[]): PriceObservation[][] {
  return prices.map((price) => (price === undefined ? [] : [{ feedId: ETH, price }]));
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

describe('price bound (the simulator’s property, over aggregatePrices)', () => {
  it('finalizes only medians within the honest observations of their height, in any extension order', () => {
    fc.assert(
      fc.property(scenario(), ({ f, feed: settings, rounds }) => {
        const feed = testFeed(settings);
        let state: ReadonlyMap<Hex, FeedState> = new Map();
        rounds.forEach((round, i) => {
          const height = i + 1;
          const timestampMs = 1_700_000_000_000 + i * 1_000;
          // The proposer includes 2f+1 + extra of the n lists, every byzantine one among them
          // (the worst case for the bound), the rest honest.
          const included = 2 * f + 1 + round.extraLists;
          const honestIncluded = rotate(round.honest, round.shuffleSeed).slice(
            0,
            included - round.byzantine.length,
          );
          const byValidator = toLists([...honestIncluded, ...round.byzantine]);
          const parameters = { feeds: [feed], state, f, height, timestampMs };
          const result = aggregatePrices({ ...parameters, observationsByValidator: byValidator });

          const reordered = aggregatePrices({
            ...parameters,
            observationsByValidator: rotate([...byValidator].reverse(), round.shuffleSeed),
          });
          expect(reordered).toEqual(result);

          const honestPresent = honestIncluded.filter((p): p is bigint => p !== undefined);
          const observed = [...honestPresent, ...round.byzantine.filter((p): p is bigint => p !== undefined)];
          for (const { answer } of result.prices) {
            expect(observed.length).toBeGreaterThanOrEqual(2 * f + 1);
            expect(answer).toBe(lowerMedian(observed));
            const [honestMin, honestMax] = rangeOf(honestPresent);
            expect(answer >= honestMin && answer <= honestMax).toBe(true);
          }
          const next = result.state.get(ETH)!;
          if (result.prices.length > 0) {
            expect(next.lastFinalized).toEqual({ price: result.prices[0]!.answer, height, timestampMs });
            expect(next.stale).toBe(false);
          } else {
            // Nothing finalized: the last price stands unchanged, and is stale iff too old.
            expect(next.lastFinalized).toEqual(state.get(ETH)?.lastFinalized);
            const last = next.lastFinalized;
            expect(next.stale).toBe(last === undefined || timestampMs - last.timestampMs > feed.maxAgeMs);
          }
          state = result.state;
        });
      }),
      { numRuns: 500 },
    );
  });
});
