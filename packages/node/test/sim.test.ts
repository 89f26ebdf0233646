import { describe, expect, it } from 'vitest';
import { runCanaries } from '../src/sim/canaries.ts';
import { runSeed } from '../src/sim/runner.ts';
import { summarize } from '../src/sim/sweep.ts';

/**
 * Simulation tests: a quick sweep of seeds must show no violation, one seed must replay to the
 * same event digest, and every canary (a deliberately broken core) must be caught.
 */

const SWEEP_SEEDS = 240;

describe('simulator', () => {
  it(`a sweep of ${SWEEP_SEEDS} seeds (faults, byzantine actors, real BLS in 1 run of 20) has no violation`, async () => {
    const summary = summarize([]);
    const failures: string[] = [];
    for (let seed = 0; seed < SWEEP_SEEDS; seed++) {
      const result = await runSeed(seed);
      summary.add(result);
      const violations = [
        ...result.safetyViolations,
        ...result.fairnessViolations,
        ...result.censorshipViolations,
        ...result.priceBoundViolations,
        ...result.livenessFailures,
      ];
      if (violations.length > 0)
        failures.push(`seed ${seed} (replay: pnpm sim --seeds 1 --from ${seed}): ${violations[0]}`);
    }
    expect(failures).toEqual([]);
    expect(summary.runs).toBe(SWEEP_SEEDS);
    expect(summary.heightsFinalized).toBeGreaterThan(SWEEP_SEEDS * 3);
  }, 180_000);

  it('two runs of one seed give the same event digest', async () => {
    const first = await runSeed(7);
    const second = await runSeed(7);
    expect(second.eventDigest).toBe(first.eventDigest);
    expect((await runSeed(8)).eventDigest).not.toBe(first.eventDigest);
  });

  it('every canary is detected within 2,000 seeds', async () => {
    const results = await runCanaries({ maxSeeds: 2000 });
    expect(results.length).toBeGreaterThanOrEqual(5);
    for (const result of results) expect(result, result.name).toMatchObject({ detected: true });
  }, 180_000);
});
