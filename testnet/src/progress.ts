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
  /**
   * Where the time went: the finished steps that took at least `minS`, slowest first, as
   * "running the DKG 3.9 s, starting 4 nodes 2.4 s", and the rest together.
   */
  breakdown(minS?: number): string;
}

export function createProgress(parameters: {
  write: (text: string) => void;
  isTty: boolean;
  startedAtMs: number;
  nowMs?: () => number;
}): Progress {
  const now = parameters.nowMs ?? Date.now;
  let stepStartedAtMs: number | undefined;
  let stepName: string | undefined;
  const finished: { step: string; seconds: number }[] = [];
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
      stepName = step;
      if (!parameters.isTty) return;
      clear();
      parameters.write(`${stamp()} … ${step}`);
      pending = true;
    },
    done(message) {
      clear();
      const seconds = stepStartedAtMs === undefined ? undefined : (now() - stepStartedAtMs) / 1000;
      const took = seconds === undefined ? '' : ` (${seconds.toFixed(1)} s)`;
      if (seconds !== undefined && stepName !== undefined) finished.push({ step: stepName, seconds });
      stepStartedAtMs = undefined;
      stepName = undefined;
      parameters.write(`${stamp()} ✓ ${message}${took}\n`);
    },
    note(message) {
      clear();
      parameters.write(`${stamp()} ! ${message}\n`);
    },
    elapsedS,
    breakdown(minS = 0.5) {
      const slow = finished.filter((entry) => entry.seconds >= minS).sort((a, b) => b.seconds - a.seconds);
      const rest = elapsedS() - slow.reduce((sum, entry) => sum + entry.seconds, 0);
      return [
        ...slow.map((entry) => `${entry.step} ${entry.seconds.toFixed(1)} s`),
        `the rest ${Math.max(0, rest).toFixed(1)} s`,
      ].join(', ');
    },
  };
}
