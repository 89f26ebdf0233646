import type { RunRecord } from './run.ts';

/**
 * Liveness (docs/consensus.md §5): after the heal every honest node finalizes the height two
 * above the highest honest height at the heal within the bound; and no honest node's driver
 * stops (a storage refusal or an assertion is a bug: the node would be down until restarted).
 */
export function checkLiveness(run: RunRecord): string[] {
  const violations: string[] = [];
  if (run.livenessReachedMs === null) {
    violations.push(
      `liveness: honest nodes did not all finalize 2 new heights within ${run.scenario.livenessBoundMs} ms of the heal`,
    );
  }
  for (const failure of run.recorder.driverFailures) {
    violations.push(
      `liveness: honest v${failure.validatorIndex}'s driver stopped at ${failure.atMs} ms: ${failure.error}`,
    );
  }
  return violations;
}
