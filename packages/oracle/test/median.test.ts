import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INT256_MAX, INT256_MIN, lowerMedian } from '../src/index.ts';
import { rangeOf } from './helpers.ts';

const int256 = fc.bigInt({ min: INT256_MIN, max: INT256_MAX });

describe('lowerMedian', () => {
  it('takes the middle value of an odd count', () => {
    expect(lowerMedian([5n, 1n, 3n])).toBe(3n);
    expect(lowerMedian([7n])).toBe(7n);
    expect(lowerMedian([9n, 2n, 2n, 8n, 2n])).toBe(2n);
  });

  it('takes the lower of the two middle values of an even count', () => {
    expect(lowerMedian([4n, 1n, 3n, 2n])).toBe(2n);
    expect(lowerMedian([10n, 20n])).toBe(10n);
    expect(lowerMedian([-3n, -1n])).toBe(-3n);
  });

  it('is exact at the int256 extremes', () => {
    expect(lowerMedian([INT256_MAX, INT256_MIN, INT256_MAX])).toBe(INT256_MAX);
    expect(lowerMedian([INT256_MIN, INT256_MAX])).toBe(INT256_MIN);
    expect(lowerMedian([INT256_MAX - 1n, INT256_MAX, INT256_MAX - 2n])).toBe(INT256_MAX - 1n);
  });

  it('does not reorder its input', () => {
    const values = [3n, 1n, 2n];
    lowerMedian(values);
    expect(values).toEqual([3n, 1n, 2n]);
  });

  it('is an assertion (a bug) on an empty list', () => {
    expect(() => lowerMedian([])).toThrow(/assertion failed/);
  });

  it('does not depend on the order of its input', () => {
    fc.assert(
      fc.property(
        fc.array(int256, { minLength: 1, maxLength: 40 }),
        fc.infiniteStream(fc.nat()),
        (values, seeds) => {
          const shuffled = [...values];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = seeds.next().value % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          expect(lowerMedian(shuffled)).toBe(lowerMedian(values));
        },
      ),
    );
  });

  it('is a median: ⌈m/2⌉ values are ≤ it and ⌊m/2⌋+1 are ≥ it', () => {
    fc.assert(
      fc.property(fc.array(int256, { minLength: 1, maxLength: 40 }), (values) => {
        const median = lowerMedian(values);
        const atMost = values.filter((v) => v <= median).length;
        const atLeast = values.filter((v) => v >= median).length;
        expect(atMost).toBeGreaterThanOrEqual(Math.ceil(values.length / 2));
        expect(atLeast).toBeGreaterThanOrEqual(Math.floor(values.length / 2) + 1);
      }),
    );
  });

  // The price bound the simulator checks: with m ≥ 2f+1 values of which at most f are arbitrary,
  // the median lies within [min, max] of the honest ones (the argument is at lowerMedian).
  it('stays within the honest values when at most f of ≥ 2f+1 are byzantine, wherever they sit', () => {
    const scenario = fc
      .record({
        f: fc.integer({ min: 0, max: 10 }),
        byzantineShare: fc.integer({ min: 0, max: 10 }),
        extraHonest: fc.integer({ min: 0, max: 12 }),
      })
      .chain(({ f, byzantineShare, extraHonest }) => {
        const byzantineCount = Math.min(f, byzantineShare);
        // m = honest + byzantine ≥ 2f+1.
        const honestCount = 2 * f + 1 - byzantineCount + extraHonest;
        return fc.record({
          honest: fc.array(int256, { minLength: honestCount, maxLength: honestCount }),
          byzantine: fc.array(fc.oneof(int256, fc.constantFrom(INT256_MIN, INT256_MAX, 0n, -1n, 1n)), {
            minLength: byzantineCount,
            maxLength: byzantineCount,
          }),
          positions: fc.array(fc.nat(), { minLength: byzantineCount, maxLength: byzantineCount }),
        });
      });
    fc.assert(
      fc.property(scenario, ({ honest, byzantine, positions }) => {
        const values = [...honest];
        for (const [i, value] of byzantine.entries()) {
          values.splice(positions[i]! % (values.length + 1), 0, value);
        }
        const median = lowerMedian(values);
        const [honestMin, honestMax] = rangeOf(honest);
        expect(median >= honestMin && median <= honestMax).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('can leave the honest range with f+1 byzantine values (the bound is tight)', () => {
    // f = 1, 3 values, 2 of them byzantine: nothing stops them.
    const honest = 100n;
    expect(lowerMedian([honest, 10_000n, 10_000n])).toBe(10_000n);
  });
});
