import type { FinalizedChain, RunRecord } from './run.ts';

/**
 * Price bound (docs/consensus.md §3): each price finalized at h+1 lies within the honest
 * observations of the extensions of the commit of h (what it was computed from).
 */
export function checkPriceBound(_run: RunRecord, chain: FinalizedChain): string[] {
  const violations: string[] = [];
  for (const height of chain.heights) {
    const commit = chain.byHeight.get(height)!;
    if (commit.prices.length === 0) continue;
    const honestObservations = chain.honestExtensionsAt(height - 1);
    for (const price of commit.prices) {
      const observed = honestObservations.flatMap((extension) =>
        extension.prices.filter((observation) => observation.feedId === price.feedId).map((o) => o.price),
      );
      if (observed.length === 0) continue;
      // Bigints: Math.min/max do not apply.
      // biome-ignore lint/complexity/useMathMinMax: bigint operands
      const low = observed.reduce((x, y) => (y < x ? y : x));
      // biome-ignore lint/complexity/useMathMinMax: bigint operands
      const high = observed.reduce((x, y) => (y > x ? y : x));
      if (price.answer < low || price.answer > high) {
        violations.push(
          `price: feed ${price.feedId} at height ${height} = ${price.answer}, honest range [${low}, ${high}]`,
        );
      }
    }
  }
  return violations;
}
