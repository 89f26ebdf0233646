import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  type BehaviourContext,
  createByzantineBehaviour,
  createClockOffsetBehaviour,
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
  test('wallClockMs is the true clock plus the offset', () => {
    const behaviour = createClockOffsetBehaviour(-1_500, { trueNowMs: () => TRUE_NOW });
    expect(behaviour.wallClockMs?.()).toBe(TRUE_NOW - 1_500);
    expect(behaviour.name).toBe('clock -1500 ms');
  });

  test('runs a byzantine strategy with the wrong clock: its hooks kept', () => {
    const acts: string[] = [];
    const base = createByzantineBehaviour('manipulate-prices', (action) => acts.push(action));
    const behaviour = createClockOffsetBehaviour(1_000, { base, trueNowMs: () => TRUE_NOW });
    expect(behaviour.name).toBe('manipulate-prices, clock +1000 ms');
    expect(behaviour.proposedBlock).toBe(base.proposedBlock);
    expect(behaviour.extendVote).toBe(base.extendVote);
    expect(behaviour.wallClockMs?.()).toBe(TRUE_NOW + 1_000);
    const extended = behaviour.extendVote?.(payload, 10, context(TRUE_NOW));
    expect(extended?.prices[0]?.price).toBe(312_000_000_000n); // +4%
    expect(acts).toEqual(['observations-inflated']);
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
