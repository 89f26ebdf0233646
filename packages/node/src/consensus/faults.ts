/**
 * Deliberately broken variants of the core, for the simulator's canaries (issue #3 §5): proof
 * that the checkers can fail. They are keyed by a Symbol: a node's configuration comes from a
 * file, environment and flags, none of which can produce a Symbol-keyed property, and this
 * module is not re-exported from `consensus/index.ts`. Only `sim/canaries.ts` imports it.
 */
export const CANARY_FAULTS: unique symbol = Symbol('synod.canaryFaults');

export interface CanaryFaults {
  /** L23/L29: ignore lockedRound/lockedValue when prevoting. */
  skipLockRule?: boolean;
  /** Quorums (and so certificates) of 2f instead of 2f+1: a certificate from t−1 partials. */
  quorumMinusOne?: boolean;
  /** Accept any proposal content instead of comparing it with the fair-content function. */
  skipContentCheck?: boolean;
  /** Accept vote extensions without checking their signature. */
  skipExtensionSignature?: boolean;
  /** On restart, forget the persisted safety record instead of replaying it. */
  forgetPersistedVotes?: boolean;
  /**
   * Driver-level (the simulator's node honours it): do not persist the bodies of the
   * transactions this node lists in its extensions, so a restart loses them with the mempool.
   */
  forgetListedBodies?: boolean;
}

export type CanaryName = keyof CanaryFaults;
