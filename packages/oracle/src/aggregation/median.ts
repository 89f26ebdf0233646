import { assert } from '../errors.ts';

/** Total order on bigints for `Array.prototype.sort` (equal values are indistinguishable). */
export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The lower median: the value at 0-based index ⌊(m−1)/2⌋ of the m values sorted ascending.
 *
 * Why the lower median for an even count, rather than the mean of the two middle values: it is
 * always a value some validator reported (no new number is invented), it needs no rounding rule
 * (bigint division truncates toward zero, which would round negative and positive prices in
 * opposite directions), and it keeps the price bound below for every m ≥ 2f+1, even or odd.
 *
 * Price bound. Let m ≥ 2f+1 values be given, at most f of them arbitrary (byzantine) and the
 * rest honest, and k = ⌊(m−1)/2⌋ ≥ f. The median is below every honest value only if all of the
 * k+1 smallest values are byzantine, which needs k+1 ≥ f+1 byzantine values. It is above every
 * honest value only if all of the m−k ≥ k+1 ≥ f+1 largest values are byzantine. Both are
 * impossible with at most f byzantine values, so min(honest) ≤ median ≤ max(honest).
 */
export function lowerMedian(values: readonly bigint[]): bigint {
  assert(values.length > 0, 'median of an empty list');
  const sorted = [...values].sort(compareBigint);
  return sorted[(sorted.length - 1) >> 1]!;
}
