import type { RunResult } from './runner.ts';

/** Totals over many runs, as `pnpm sim --json` prints them. */
export interface SweepSummary {
  runs: number;
  heightsFinalized: number;
  safetyViolations: number;
  fairnessViolations: number;
  censorshipViolations: number;
  priceBoundViolations: number;
  livenessFailures: number;
  add(result: RunResult): void;
}

export function summarize(results: readonly RunResult[]): SweepSummary {
  const summary: SweepSummary = {
    runs: 0,
    heightsFinalized: 0,
    safetyViolations: 0,
    fairnessViolations: 0,
    censorshipViolations: 0,
    priceBoundViolations: 0,
    livenessFailures: 0,
    add(result) {
      this.runs += 1;
      this.heightsFinalized += result.heightsFinalized;
      this.safetyViolations += result.safetyViolations.length;
      this.fairnessViolations += result.fairnessViolations.length;
      this.censorshipViolations += result.censorshipViolations.length;
      this.priceBoundViolations += result.priceBoundViolations.length;
      this.livenessFailures += result.livenessFailures.length;
    },
  };
  for (const result of results) summary.add(result);
  return summary;
}
