import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committeeSize, encryptionThreshold } from '../src/committee.ts';

describe('committeeSize', () => {
  it('is 2f+1 exactly when n = 3f+1', () => {
    expect(committeeSize(4)).toEqual({ n: 4, f: 1, quorum: 3 });
    expect(committeeSize(7)).toEqual({ n: 7, f: 2, quorum: 5 });
    expect(committeeSize(1)).toEqual({ n: 1, f: 0, quorum: 1 });
  });

  it('needs more than 2f+1 when n is not 3f+1 (two quorums of 3 in 5 could share one byzantine node)', () => {
    expect(committeeSize(5)).toEqual({ n: 5, f: 1, quorum: 4 });
    expect(committeeSize(6)).toEqual({ n: 6, f: 1, quorum: 5 });
  });

  it('makes any two quorums share an honest validator, and leaves a quorum of honest ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
        const { f, quorum } = committeeSize(n);
        expect(3 * f + 1).toBeLessThanOrEqual(n);
        expect(2 * quorum - n).toBeGreaterThanOrEqual(f + 1); // overlap of two quorums > f
        expect(n - f).toBeGreaterThanOrEqual(quorum); // the honest validators alone reach a quorum
        expect(quorum * 3).toBeGreaterThan(2 * n); // more than two thirds
      }),
    );
  });
});

describe('encryptionThreshold', () => {
  it('is f + 1', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10, 100].map(encryptionThreshold)).toEqual([1, 1, 1, 2, 2, 2, 3, 4, 34]);
  });

  it('is out of reach of the f byzantine validators and within reach of the n − f honest ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
        const { f, quorum } = committeeSize(n);
        const t = encryptionThreshold(n);
        expect(t).toBe(f + 1);
        expect(t).toBeLessThanOrEqual(quorum);
        expect(t).toBeLessThanOrEqual(n - f);
      }),
    );
  });

  it('refuses sizes committeeSize refuses', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => encryptionThreshold(n), String(n)).toThrow();
  });
});
