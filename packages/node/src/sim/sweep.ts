import { PROPERTIES, type Property } from './checkers/index.ts';
import type { RunResult } from './runner.ts';

/** Totals over many runs, as `pnpm sim --json` prints them: violations per property. */
export interface SweepSummary {
  runs: number;
  heightsFinalized: number;
  violations: { [P in Property]: number };
  /** Sum over the properties. */
  totalViolations: number;
  /** Encryption runs, and the envelopes they revealed (a sweep that revealed none checked nothing of encryption). */
  encryptionRuns: number;
  envelopesRevealed: number;
  add(result: RunResult): void;
}

export function summarize(results: readonly RunResult[]): SweepSummary {
  const summary: SweepSummary = {
    runs: 0,
    heightsFinalized: 0,
    violations: Object.fromEntries(PROPERTIES.map((property) => [property, 0])) as SweepSummary['violations'],
    totalViolations: 0,
    encryptionRuns: 0,
    envelopesRevealed: 0,
    add(result) {
      this.runs += 1;
      if (result.encryption !== undefined) {
        this.encryptionRuns += 1;
        this.envelopesRevealed += result.encryption.revealed;
      }
      this.heightsFinalized += result.heightsFinalized;
      for (const property of PROPERTIES) {
        this.violations[property] += result.violations[property].length;
        this.totalViolations += result.violations[property].length;
      }
    },
  };
  for (const result of results) summary.add(result);
  return summary;
}
