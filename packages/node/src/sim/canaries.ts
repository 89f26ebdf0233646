import type { CanaryFaults } from '../consensus/faults.ts';
import { PROPERTIES, type Property } from './checkers/index.ts';
import { runSeed } from './runner.ts';
import type { ScenarioOptions } from './scenario.ts';

/**
 * Canaries (issue #3 §5, issue #15): the simulator against deliberately broken variants of the
 * core, the driver and catch-up, to show that the checkers can fail. Each canary runs seeds from
 * 0 until some checker reports a violation; it must do so within `maxSeeds`. The variants are
 * selected by CANARY_FAULTS, a Symbol-keyed field that no node configuration can produce (see
 * consensus/faults.ts), and apply to the honest nodes.
 *
 * A canary whose bug shows only against one kind of byzantine actor sweeps scenarios with that
 * actor (`scenario`): a skipped lock rule needs conflicting votes of one key (twins) to become two
 * certifiable blocks, and a catch-up without the certificate check needs a peer serving forged
 * blocks (the invalid signer). Drawn at random among all actors they are caught too, only later.
 */
export interface Canary {
  name: string;
  faults: CanaryFaults;
  scenario?: ScenarioOptions;
}

export const CANARIES: readonly Canary[] = [
  { name: 'lock rule skipped', faults: { skipLockRule: true }, scenario: { byzantine: ['twins'] } },
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
  // The driver and catch-up (issue #15): what the simulator catches now that it runs them.
  { name: 'driver broadcasts a vote before persisting it', faults: { broadcastBeforePersist: true } },
  { name: 'driver applies a commit twice', faults: { applyCommitTwice: true } },
  {
    name: 'catch-up stores a block without checking its certificate',
    faults: { skipCatchUpCertificateCheck: true },
    scenario: { byzantine: ['invalidSigner'] },
  },
  // Committee transitions (issue #18): the switch where the record says, and after a restart too.
  {
    name: 'a transition activates one height early',
    faults: { earlyTransition: true },
    scenario: { transitions: 'grow' },
  },
  {
    name: 'a restarted node forgets the transitions in its stored blocks',
    faults: { forgetTransitionsOnRestart: true },
    scenario: { transitions: 'growShrink' },
  },
  // Encrypted transactions (issue #19): no decryption share before the envelope's block is final.
  {
    name: 'decryption shares released when precommitting the block after theirs, before it is final (the first design)',
    faults: { releaseSharesEarly: true },
    scenario: { encryption: true },
  },
];

export interface CanaryResult {
  name: string;
  detected: boolean;
  /** The first seed whose run reported a violation (null if none within the limit). */
  seed: number | null;
  /** The properties violated in that run. */
  detectedBy: Property[];
}

export async function runCanaries(options: {
  maxSeeds: number;
  onResult?: ((result: CanaryResult) => void) | undefined;
}): Promise<CanaryResult[]> {
  const results: CanaryResult[] = [];
  for (const canary of CANARIES) {
    let result: CanaryResult = { name: canary.name, detected: false, seed: null, detectedBy: [] };
    for (let seed = 0; seed < options.maxSeeds && !result.detected; seed++) {
      const run = await runSeed(seed, { ...canary.scenario, faults: canary.faults });
      const detectedBy = PROPERTIES.filter((property) => run.violations[property].length > 0);
      if (detectedBy.length > 0) result = { name: canary.name, detected: true, seed, detectedBy };
    }
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}
