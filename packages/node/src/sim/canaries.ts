import type { CanaryFaults } from '../consensus/faults.ts';
import { runSeed } from './runner.ts';

/**
 * Canaries (issue #3 §5): the simulator against deliberately broken variants of the core, to
 * show that the checkers can fail. Each canary runs seeds from 0 until some checker reports a
 * violation; it must do so within `maxSeeds`. The variants are selected by CANARY_FAULTS, a
 * Symbol-keyed field that no node configuration can produce (see consensus/faults.ts).
 */
export const CANARIES: readonly { name: string; faults: CanaryFaults }[] = [
  { name: 'lock rule skipped', faults: { skipLockRule: true } },
  { name: 'certificate accepted with t-1 partials', faults: { quorumMinusOne: true } },
  {
    name: 'proposal content not checked against the fair-content function',
    faults: { skipContentCheck: true },
  },
  { name: 'extension accepted without a valid signature', faults: { skipExtensionSignature: true } },
  { name: 'restart without replaying persisted votes', faults: { forgetPersistedVotes: true } },
  {
    name: 'listed transaction bodies not persisted (lost with the mempool on restart)',
    faults: { forgetListedBodies: true },
  },
];

export interface CanaryResult {
  name: string;
  detected: boolean;
  /** The first seed whose run reported a violation (null if none within the limit). */
  seed: number | null;
}

export async function runCanaries(options: {
  maxSeeds: number;
  onResult?: ((result: CanaryResult) => void) | undefined;
}): Promise<CanaryResult[]> {
  const results: CanaryResult[] = [];
  for (const canary of CANARIES) {
    let detectedSeed: number | null = null;
    for (let seed = 0; seed < options.maxSeeds && detectedSeed === null; seed++) {
      const result = await runSeed(seed, { faults: canary.faults });
      const violations =
        result.safetyViolations.length +
        result.fairnessViolations.length +
        result.censorshipViolations.length +
        result.priceBoundViolations.length +
        result.livenessFailures.length;
      if (violations > 0) detectedSeed = seed;
    }
    const result = { name: canary.name, detected: detectedSeed !== null, seed: detectedSeed };
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}
