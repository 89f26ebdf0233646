import { describe, expect, test } from 'vitest';
import {
  GIVE_UP_AFTER_MS,
  LoadGenerator,
  type PreparedTransaction,
  RESUBMIT_AFTER_MS,
  RETRY_MIN_DELAY_MS,
} from '../src/load.ts';
import type { BatchResult, NodeRpc } from '../src/rpc.ts';

/**
 * The load generator as a careful client: a send that fails goes to the next node at once, a
 * transaction not finalized RESUBMIT_AFTER_MS after its last send goes to the next node again,
 * and nothing is sent once it is finalized. Stub nodes record what they receive; time is ours.
 */

interface StubNode extends NodeRpc {
  received: string[];
  up: boolean;
}

function stubNode(name: string): StubNode {
  const node: StubNode = {
    url: `http://${name}`,
    received: [],
    up: true,
    status: async () => {
      throw new Error('not used');
    },
    blockByHeight: async () => null,
    blocksByHeight: async () => [],
    async sendRawTransactions(encoded: readonly string[]): Promise<BatchResult<string>[]> {
      if (!node.up) throw new Error(`${name} is down`);
      node.received.push(...encoded);
      // The encoded stand-in is the txId itself: a node answers the txId it admitted.
      return encoded.map((tx) => ({ ok: true, result: tx }));
    },
  };
  return node;
}

const tx = (i: number): PreparedTransaction => ({ txId: `0x0${i}`, encoded: `0x0${i}` });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LoadGenerator resubmission', () => {
  test('a failed send goes to the next node at once; an unfinalized one again after the delay; a finalized one never', async () => {
    const nodes = [stubNode('a'), stubNode('b'), stubNode('c')];
    nodes[0]!.up = false;
    let now = 0;
    const finalized = new Set<string>();
    const load = new LoadGenerator({
      transactions: [tx(1)],
      ratePerSecond: 1,
      targets: nodes,
      nowMs: () => now,
      isFinalized: (txId) => finalized.has(txId),
    });
    load.start();
    now = 1_000;
    load.tick(); // to node a, which is down
    await settle();
    expect(load.submissions.get('0x01')).toMatchObject({ acknowledged: false, attempts: 1, lastTarget: 0 });

    expect(load.resubmit()).toBe(0); // failed: after the first back-off
    now += RETRY_MIN_DELAY_MS;
    expect(load.resubmit()).toBe(1); // to node b
    await settle();
    expect(nodes[1]!.received).toEqual(['0x01']);
    expect(load.submissions.get('0x01')).toMatchObject({ acknowledged: true, attempts: 2, lastTarget: 1 });

    now += RESUBMIT_AFTER_MS - 1;
    expect(load.resubmit()).toBe(0); // acknowledged and not yet overdue
    now += 1;
    expect(load.resubmit()).toBe(1); // overdue: node b may have crashed with it; to node c
    await settle();
    expect(nodes[2]!.received).toEqual(['0x01']);
    expect(load.submissions.get('0x01')).toMatchObject({ sentAtMs: 1_000, attempts: 3, lastTarget: 2 });

    finalized.add('0x01');
    now += RESUBMIT_AFTER_MS;
    expect(load.resubmit()).toBe(0);
    expect(load.resubmitted).toBe(2);
    expect(load.rejected).toBe(1); // the first send only: resubmissions are not new rejections
    await load.close();
  });

  test('while every node refuses (a whole-committee restart) it backs off, doubling, and gives up only after GIVE_UP_AFTER_MS', async () => {
    const nodes = [stubNode('a'), stubNode('b')];
    for (const node of nodes) node.up = false;
    let now = 0;
    const load = new LoadGenerator({
      transactions: [tx(2)],
      ratePerSecond: 1,
      targets: nodes,
      nowMs: () => now,
      isFinalized: () => false,
    });
    load.start();
    now = 1_000;
    load.tick();
    await settle();
    const sendTimes: number[] = [now];
    while (now < 1_000 + GIVE_UP_AFTER_MS + 10_000) {
      now += 50;
      if (load.resubmit() > 0) sendTimes.push(now);
      await settle();
    }
    const gaps = sendTimes.slice(1).map((t, i) => t - sendTimes[i]!);
    expect(gaps.slice(0, 6)).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000]);
    expect(Math.max(...gaps)).toBe(RESUBMIT_AFTER_MS);
    expect(sendTimes.at(-1)!).toBeLessThan(1_000 + GIVE_UP_AFTER_MS);
    expect(sendTimes.length).toBeGreaterThan(20);
    expect(load.submissions.get('0x02')?.acknowledged).toBe(false);
    await load.close();
  });

  test('without isFinalized it never resubmits (the benchmark measures one send per transaction)', async () => {
    const nodes = [stubNode('a'), stubNode('b')];
    nodes[0]!.up = false;
    let now = 0;
    const load = new LoadGenerator({
      transactions: [tx(3)],
      ratePerSecond: 1,
      targets: nodes,
      nowMs: () => now,
    });
    load.start();
    now = 1_000;
    load.tick();
    await settle();
    expect(load.resubmit()).toBe(0);
    expect(nodes[1]!.received).toEqual([]);
    await load.close();
  });
});
