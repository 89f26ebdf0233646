import type { ExtensionPayload } from '../consensus/types.ts';
import type { BehaviourContext, NodeBehaviour } from './types.ts';

/**
 * A validator whose wall clock is `offsetMs` off (the testnet's `--clock-offset node-I=±MS`), on
 * its own or on top of a byzantine strategy. Like the strategies, test-only: only code that calls
 * startNode(config, { behaviour }) itself can make a node's clock wrong.
 *
 * The offset reaches the node through `wallClockMs` (NodeBehaviour), once startNode routes its wall
 * clock through it. Until then (the node's `BehaviourContext.nowMs()` still reads the true time)
 * the behaviour shifts what the node signs with its clock in consensus, through `extendVote`: the
 * extension's timestamp (the block time is their median) and the first-seen times of its
 * inclusion list (the fair order). Whichever applies is reported once through `onMode`.
 */

/** How the offset is applied: by the node's own clock, or by shifting the extensions it signs. */
export type ClockOffsetMode = 'node-clock' | 'extensions';

/** The payload as a node whose clock reads `offsetMs` more would have built it. */
export function shiftExtensionPayload(payload: ExtensionPayload, offsetMs: number): ExtensionPayload {
  return {
    ...payload,
    timestampMs: Math.max(0, payload.timestampMs + offsetMs),
    inclusionList: payload.inclusionList.map((entry) => ({
      txId: entry.txId,
      firstSeenMs: Math.max(0, entry.firstSeenMs + offsetMs),
    })),
  };
}

/** Whether the node's clock (as the driver reads it) already carries the offset. */
function nodeClockShifted(context: BehaviourContext, offsetMs: number, trueNowMs: () => number): boolean {
  return Math.abs(context.nowMs() - (trueNowMs() + offsetMs)) <= Math.abs(offsetMs) / 2;
}

export function createClockOffsetBehaviour(
  offsetMs: number,
  options: {
    /** A strategy to run with the wrong clock; its hooks see the node's (shifted or not) values. */
    base?: NodeBehaviour;
    /** Told once, at the first extension, how the offset is applied. */
    onMode?: (mode: ClockOffsetMode) => void;
    /** The true wall clock (tests). */
    trueNowMs?: () => number;
  } = {},
): NodeBehaviour {
  if (!Number.isSafeInteger(offsetMs)) throw new RangeError(`clock offset ${offsetMs} ms is not an integer`);
  const { base } = options;
  const trueNowMs = options.trueNowMs ?? Date.now;
  let reported: ClockOffsetMode | undefined;
  const sign = offsetMs >= 0 ? '+' : '';
  return {
    ...base,
    name: `${base === undefined ? '' : `${base.name}, `}clock ${sign}${offsetMs} ms`,
    wallClockMs: () => trueNowMs() + offsetMs,
    extendVote(payload, height, context) {
      const built = base?.extendVote?.(payload, height, context) ?? payload;
      if (offsetMs === 0) return built;
      const mode: ClockOffsetMode = nodeClockShifted(context, offsetMs, trueNowMs)
        ? 'node-clock'
        : 'extensions';
      if (mode !== reported) {
        reported = mode;
        options.onMode?.(mode);
      }
      return mode === 'node-clock' ? built : shiftExtensionPayload(built, offsetMs);
    },
  };
}
