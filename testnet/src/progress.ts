/**
 * Start-up progress: one line per finished step with the time since the command started, so the
 * "command to first block" budget is visible step by step. On a TTY the running step is shown
 * while it runs and replaced by its result.
 */
export interface Progress {
  /** A step begins (shown on a TTY until `done`). */
  start(step: string): void;
  /** A step finished: one line. */
  done(message: string): void;
  /** Something the developer should know (a reset, a redeploy). */
  note(message: string): void;
  /** Seconds since the command started. */
  elapsedS(): number;
}

export function createProgress(parameters: {
  write: (text: string) => void;
  isTty: boolean;
  startedAtMs: number;
  nowMs?: () => number;
}): Progress {
  const now = parameters.nowMs ?? Date.now;
  let stepStartedAtMs: number | undefined;
  let pending = false;
  const elapsedS = () => (now() - parameters.startedAtMs) / 1000;
  const stamp = () => `[${elapsedS().toFixed(1).padStart(5)} s]`;
  const clear = () => {
    if (pending) parameters.write('\r\x1b[K');
    pending = false;
  };
  return {
    start(step) {
      stepStartedAtMs = now();
      if (!parameters.isTty) return;
      clear();
      parameters.write(`${stamp()} … ${step}`);
      pending = true;
    },
    done(message) {
      clear();
      const took =
        stepStartedAtMs === undefined ? '' : ` (${((now() - stepStartedAtMs) / 1000).toFixed(1)} s)`;
      stepStartedAtMs = undefined;
      parameters.write(`${stamp()} ✓ ${message}${took}\n`);
    },
    note(message) {
      clear();
      parameters.write(`${stamp()} ! ${message}\n`);
    },
    elapsedS,
  };
}
