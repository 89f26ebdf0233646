import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  type BehaviourContext,
  type ClockOffsetMode,
  createByzantineBehaviour,
  createClockOffsetBehaviour,
  shiftExtensionPayload,
} from '../../packages/node/src/behaviour/index.ts';
import type { ExtensionPayload } from '../../packages/node/src/consensus/types.ts';
import { BYZANTINE_NODE_SCRIPT } from '../src/layout.ts';

/** `--clock-offset node-I=±MS`: the behaviour the testnet's entry hands to startNode. */

const TRUE_NOW = 1_800_000_000_000;
const payload: ExtensionPayload = {
  timestampMs: TRUE_NOW,
  inclusionList: [
    { txId: '0x01', firstSeenMs: TRUE_NOW - 300 },
    { txId: '0x02', firstSeenMs: TRUE_NOW - 100 },
  ],
  prices: [{ feedId: '0xfeed', price: 300_000_000_000n }],
};

function context(nowMs: number): BehaviourContext {
  return {
    validatorIndex: 2,
    validatorCount: 4,
    crypto: {} as BehaviourContext['crypto'],
    nowMs: () => nowMs,
    body: () => undefined,
  };
}

describe('clock offset behaviour', () => {
  test('shifts the timestamps a node signs with its clock, nothing else', () => {
    expect(shiftExtensionPayload(payload, 2_000)).toEqual({
      timestampMs: TRUE_NOW + 2_000,
      inclusionList: [
        { txId: '0x01', firstSeenMs: TRUE_NOW + 1_700 },
        { txId: '0x02', firstSeenMs: TRUE_NOW + 1_900 },
      ],
      prices: payload.prices,
    });
  });

  test('wallClockMs is the true clock plus the offset', () => {
    const behaviour = createClockOffsetBehaviour(-1_500, { trueNowMs: () => TRUE_NOW });
    expect(behaviour.wallClockMs?.()).toBe(TRUE_NOW - 1_500);
    expect(behaviour.name).toBe('clock -1500 ms');
  });

  test("until the node's clock carries the offset, its extensions get it; once it does, they are left alone", () => {
    const modes: ClockOffsetMode[] = [];
    const behaviour = createClockOffsetBehaviour(2_000, {
      trueNowMs: () => TRUE_NOW,
      onMode: (mode) => modes.push(mode),
    });
    // Today: startNode reads Date.now, so the driver's clock is the true one.
    expect(behaviour.extendVote?.(payload, 10, context(TRUE_NOW))).toEqual(
      shiftExtensionPayload(payload, 2_000),
    );
    expect(behaviour.extendVote?.(payload, 11, context(TRUE_NOW + 3))).toEqual(
      shiftExtensionPayload(payload, 2_000),
    );
    // Once startNode routes its clock through wallClockMs: the payload is built shifted already.
    const built = shiftExtensionPayload(payload, 2_000);
    expect(behaviour.extendVote?.(built, 12, context(TRUE_NOW + 2_000))).toBe(built);
    expect(modes).toEqual(['extensions', 'node-clock']);
  });

  test('runs a byzantine strategy with the wrong clock: its hooks kept, its extension shifted after it', () => {
    const acts: string[] = [];
    const base = createByzantineBehaviour('manipulate-prices', (action) => acts.push(action));
    const behaviour = createClockOffsetBehaviour(1_000, { base, trueNowMs: () => TRUE_NOW });
    expect(behaviour.name).toBe('manipulate-prices, clock +1000 ms');
    expect(behaviour.proposedBlock).toBe(base.proposedBlock);
    const extended = behaviour.extendVote?.(payload, 10, context(TRUE_NOW));
    expect(extended?.timestampMs).toBe(TRUE_NOW + 1_000);
    expect(extended?.prices[0]?.price).toBe(312_000_000_000n); // +4%
    expect(acts).toEqual(['observations-inflated']);
  });

  test('an offset of 0 changes nothing', () => {
    const behaviour = createClockOffsetBehaviour(0, { trueNowMs: () => TRUE_NOW });
    expect(behaviour.extendVote?.(payload, 1, context(TRUE_NOW))).toBe(payload);
  });

  test('the entry takes a strategy, an offset or both, and refuses neither or a bad offset (exit 2)', () => {
    for (const args of [
      ['--data-dir', '/nonexistent'],
      ['--clock-offset-ms', 'soon', '--data-dir', '/nonexistent'],
    ]) {
      const run = spawnSync(process.execPath, [BYZANTINE_NODE_SCRIPT, ...args], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/\[--clock-offset-ms <±MS>\]/);
    }
  });
});
