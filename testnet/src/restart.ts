/**
 * When the runner restarts a validator that exited: exponential back-off, 1 s doubling to 30 s,
 * back to 1 s once the node stayed up for a minute. A node that cannot start (a bad config, a
 * corrupt store) is retried ever more slowly instead of in a hot loop; a node killed once in a
 * while comes back within a second each time.
 */

export interface RestartPolicy {
  /** Delay before the first restart (and after a reset). */
  initialDelayMs: number;
  /** Ceiling of the doubling delay. */
  maxDelayMs: number;
  /** A node that ran at least this long before it exited starts again from `initialDelayMs`. */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = Object.freeze({
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
});

/** The back-off of one node. */
export class RestartBackoff {
  readonly policy: RestartPolicy;
  #attempt = 0;

  constructor(policy: RestartPolicy = DEFAULT_RESTART_POLICY) {
    if (
      !(policy.initialDelayMs > 0 && policy.maxDelayMs >= policy.initialDelayMs && policy.resetAfterMs >= 0)
    ) {
      throw new RangeError(
        `restart policy needs 0 < initialDelayMs ≤ maxDelayMs and resetAfterMs ≥ 0, got ${JSON.stringify(policy)}`,
      );
    }
    this.policy = policy;
  }

  /** Restarts in a row so far (since the last reset). */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before restarting a node that exited after running `uptimeMs`; counts the attempt. */
  nextDelayMs(uptimeMs: number): number {
    if (uptimeMs >= this.policy.resetAfterMs) this.#attempt = 0;
    const delayMs = Math.min(
      this.policy.maxDelayMs,
      this.policy.initialDelayMs * 2 ** Math.min(this.#attempt, 30),
    );
    this.#attempt++;
    return delayMs;
  }

  /** Forget the failures (an explicit restart). */
  reset(): void {
    this.#attempt = 0;
  }
}
