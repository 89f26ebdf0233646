import type { NodeBehaviour } from './types.ts';

/**
 * A validator whose wall clock is `offsetMs` off (the testnet's `--clock-offset node-I=±MS`), on
 * its own or on top of a byzantine strategy. Like the strategies, test-only: only code that calls
 * startNode(config, { behaviour }) itself can make a node's clock wrong. startNode reads every
 * wall-clock time through `wallClockMs` (extension timestamps, first-seen times, transaction
 * expiry, oracle observation ages, the L1 posting schedule); timers and measured durations stay
 * on the monotonic clock, as they would on a machine whose clock is wrong.
 */
export function createClockOffsetBehaviour(
  offsetMs: number,
  options: {
    /** A strategy to run with the wrong clock; its hooks are kept. */
    base?: NodeBehaviour;
    /** The true wall clock (tests). */
    trueNowMs?: () => number;
  } = {},
): NodeBehaviour {
  if (!Number.isSafeInteger(offsetMs)) throw new RangeError(`clock offset ${offsetMs} ms is not an integer`);
  const { base } = options;
  const trueNowMs = options.trueNowMs ?? Date.now;
  const sign = offsetMs >= 0 ? '+' : '';
  return {
    ...base,
    name: `${base === undefined ? '' : `${base.name}, `}clock ${sign}${offsetMs} ms`,
    wallClockMs: () => trueNowMs() + offsetMs,
  };
}
