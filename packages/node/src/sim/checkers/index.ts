import { checkAgreement } from './agreement.ts';
import { checkCensorship } from './censorship.ts';
import { checkEncryption } from './encryption.ts';
import { checkFairness } from './fairness.ts';
import { checkLiveness } from './liveness.ts';
import { checkNamespaces } from './namespaces.ts';
import { checkPriceBound } from './priceBound.ts';
import { type FinalizedChain, finalizedChain, type RunRecord } from './run.ts';
import { checkTransitions } from './transitions.ts';
import { checkValidity } from './validity.ts';

/**
 * The specification the simulator checks after every run (docs/consensus.md "Properties"): one
 * checker per property, each a pure function of the run's typed records and the finalized chain,
 * returning human-readable violations. A run is good when every list is empty.
 */

export const PROPERTIES = [
  'agreement',
  'validity',
  'namespaces',
  'censorship',
  'fairness',
  'priceBound',
  'liveness',
  'transitions',
  'encryption',
] as const;
export type Property = (typeof PROPERTIES)[number];

export type Checker = (run: RunRecord, chain: FinalizedChain) => string[];

export const CHECKERS: { readonly [P in Property]: Checker } = {
  agreement: checkAgreement,
  validity: checkValidity,
  namespaces: checkNamespaces,
  censorship: checkCensorship,
  fairness: checkFairness,
  priceBound: checkPriceBound,
  liveness: checkLiveness,
  transitions: checkTransitions,
  encryption: checkEncryption,
};

export interface CheckResult {
  heightsFinalized: number;
  violations: { [P in Property]: string[] };
}

export function checkRun(run: RunRecord): CheckResult {
  const chain = finalizedChain(run);
  const violations = {} as CheckResult['violations'];
  for (const property of PROPERTIES) violations[property] = CHECKERS[property](run, chain);
  return { heightsFinalized: chain.topHeight, violations };
}

/** Every violation of a result, property by property. */
export function allViolations(result: CheckResult): string[] {
  return PROPERTIES.flatMap((property) => result.violations[property]);
}

export { checkNamespaceCommitments, type NamespaceCheckBlock } from './namespaces.ts';
export { type FinalizedChain, finalizedChain, type RunRecord } from './run.ts';
