/**
 * The two timer functions a long-running component uses (consensus driver, catch-up sync, DKG
 * driver, L1 submitter, p2p reconnection, the oracle's observer), injected so that tests and the
 * simulator drive time. One type for all of them: the simulator's scheduler and a test's manual
 * timers fit every component.
 */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global setTimeout and clearTimeout: the default wherever Timers are injectable. */
export const SYSTEM_TIMERS: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
