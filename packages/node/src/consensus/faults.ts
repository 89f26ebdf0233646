/**
 * Deliberately broken variants of the core, the driver and catch-up, for the simulator's
 * canaries (issue #3 §5, issue #15): proof that the checkers can fail. They are keyed by a
 * Symbol: a node's configuration comes from a file, environment and flags, none of which can
 * produce a Symbol-keyed property, and this module is not re-exported from `consensus/index.ts`.
 * Only the simulator (sim/canaries.ts, and sim/validator.ts handing them to honest drivers) sets them.
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
   * Driver: do not persist the bodies of the transactions this node lists in its extensions, so
   * a restart loses them with the mempool.
   */
  forgetListedBodies?: boolean;
  /** Driver: carry out a step's broadcast before the persist that covers it (write-ahead broken). */
  broadcastBeforePersist?: boolean;
  /** Driver: carry out every commit output twice (a block delivered by consensus and again by catch-up). */
  applyCommitTwice?: boolean;
  /**
   * Catch-up: a served block is checked for chaining but not for its certificate, by the sync and
   * by the core's decision by certificate (L49 by proof) alike, and so is stored as served.
   */
  skipCatchUpCertificateCheck?: boolean;
  /** Driver: a transition activates one height early (record height + delay − 1). */
  earlyTransition?: boolean;
  /** Driver: on restart, the stored blocks' transition records are not applied again. */
  forgetTransitionsOnRestart?: boolean;
  /**
   * Driver: a precommit's extension also carries decryption shares of the envelopes of the block
   * it precommits (height H, not yet final), after those of block H − 1: shares before finality.
   */
  releaseSharesEarly?: boolean;
}

export type CanaryName = keyof CanaryFaults;
