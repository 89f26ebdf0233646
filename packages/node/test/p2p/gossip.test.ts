import type { PeerId } from '@libp2p/interface';
import { describe, expect, test } from 'vitest';
import { SCORE_INVALID_MESSAGE_WEIGHT, SCORE_TOPIC_CAP } from '../../src/p2p/constants.ts';
import {
  IGNORE_PREFIX,
  NOTES_TOPIC_MAX_BYTES,
  type Note,
  noteCodec,
  REJECT_PREFIX,
} from './fixtures/notes.ts';
import {
  gossipCount,
  linked,
  meshPeers,
  startNodesStoppedAfterEach,
  type TestNode,
  waitFor,
} from './helpers.ts';

const NOTES_TOPIC = '/synod/1/notes/bin';

const startNodes = startNodesStoppedAfterEach();

function collect(test: TestNode, topic: 'notes' | 'echoes' = 'notes'): { notes: Note[]; from: PeerId[] } {
  const received = { notes: [] as Note[], from: [] as PeerId[] };
  test.node.subscribe(topic, (note, from) => {
    received.notes.push(note);
    received.from.push(from);
  });
  return received;
}

/** Publishes bytes the sender's codec would never produce (a byzantine sender). */
async function publishRaw(sender: TestNode, data: Uint8Array): Promise<void> {
  await sender.node.libp2p.services.pubsub.publish(NOTES_TOPIC, data);
}

describe('gossip', { timeout: 20_000 }, () => {
  test('a message published on one node reaches a node two hops away, decoded and typed', async () => {
    const [a, b, c] = await startNodes(3);
    collect(a!);
    const atB = collect(b!);
    const atC = collect(c!);
    await linked(a!, b!);
    await linked(c!, b!);
    // B forwards only to its mesh: wait until the heartbeat grafted C.
    await waitFor(() => meshPeers(b!.node, 'notes').includes(c!.node.peerId.toString()), 'B to graft C');

    const published = await a!.node.publish('notes', { height: 7, text: 'hello' });
    expect(published.recipients).toBe(1);
    await waitFor(() => atC.notes.length === 1, 'C to receive the note');
    expect(atC.notes[0]).toEqual({ height: 7, text: 'hello' });
    expect(atC.from[0]!.equals(b!.node.peerId)).toBe(true); // propagation source, not author
    expect(atB.notes).toEqual([{ height: 7, text: 'hello' }]);
    expect(await gossipCount(c!.registry, { topic: 'notes', result: 'accept', code: 'NONE' })).toBe(1);
  });

  test('malformed, oversized and validator-rejected messages are dropped and drive the sender score down', async () => {
    const [a, b, c] = await startNodes(3);
    collect(a!);
    const atB = collect(b!);
    const atC = collect(c!);
    await linked(a!, b!);
    await linked(c!, b!);
    await waitFor(() => meshPeers(b!.node, 'notes').includes(c!.node.peerId.toString()), 'B to graft C');
    expect(b!.node.peerScore(a!.node.peerId)).toBeGreaterThanOrEqual(0);

    // 1. Malformed: a wire envelope with an unknown version.
    await publishRaw(a!, new Uint8Array([9, 13, 0, 0]));
    await waitFor(() => b!.node.peerScore(a!.node.peerId) < 0, "B's score of A to turn negative");
    // One invalid message: P4 = weight × 1² = −100; positive terms are capped at SCORE_TOPIC_CAP.
    const afterOne = b!.node.peerScore(a!.node.peerId);
    expect(afterOne).toBeLessThanOrEqual(SCORE_INVALID_MESSAGE_WEIGHT + SCORE_TOPIC_CAP);
    expect(afterOne).toBeGreaterThan(SCORE_INVALID_MESSAGE_WEIGHT * 1.01);

    // 2. Oversized: a valid encoding, larger than the topic cap (but under the codec cap).
    const big = noteCodec.encode({ height: 1, text: 'x'.repeat(NOTES_TOPIC_MAX_BYTES) });
    expect(big.length).toBeGreaterThan(NOTES_TOPIC_MAX_BYTES);
    await publishRaw(a!, big);
    // 3. Rejected by the topic validator (e.g. a bad signature).
    await a!.node.publish('notes', { height: 1, text: `${REJECT_PREFIX}forged` });

    await waitFor(
      () => b!.node.peerScore(a!.node.peerId) < SCORE_INVALID_MESSAGE_WEIGHT * 8,
      'three invalid messages to be counted',
    );
    // Three invalid messages: P4 = −100 × 3² = −900, minus a little decay.
    const afterThree = b!.node.peerScore(a!.node.peerId);
    expect(afterThree).toBeLessThan(SCORE_INVALID_MESSAGE_WEIGHT * 8);
    expect(afterThree).toBeGreaterThan(SCORE_INVALID_MESSAGE_WEIGHT * 9.1);

    expect(
      await gossipCount(b!.registry, { topic: 'notes', result: 'reject', code: 'UNKNOWN_VERSION' }),
    ).toBe(1);
    expect(await gossipCount(b!.registry, { topic: 'notes', result: 'reject', code: 'OVERSIZED' })).toBe(1);
    expect(await gossipCount(b!.registry, { topic: 'notes', result: 'reject', code: 'BAD_SIGNATURE' })).toBe(
      1,
    );
    // Not delivered to B's handler, and not forwarded to C.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(atB.notes).toEqual([]);
    expect(atC.notes).toEqual([]);
    expect(await gossipCount(c!.registry, { topic: 'notes', result: 'reject', code: 'BAD_SIGNATURE' })).toBe(
      0,
    );

    // A valid message from A still flows: A is penalized, not yet graylisted.
    await a!.node.publish('notes', { height: 2, text: 'still fine' });
    await waitFor(() => atC.notes.length === 1, 'the valid note to reach C');
  });

  test('IGNOREd messages are dropped without penalizing the sender', async () => {
    const [a, b] = await startNodes(2);
    const atB = collect(b!);
    collect(a!);
    await linked(a!, b!);

    for (let i = 0; i < 3; i++) await a!.node.publish('notes', { height: i, text: `${IGNORE_PREFIX}${i}` });
    await waitForCount(b!, { topic: 'notes', result: 'ignore', code: 'DUPLICATE' }, 3);
    // Let the score cache (one heartbeat) expire so the score reflects the three messages.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b!.node.peerScore(a!.node.peerId)).toBeGreaterThanOrEqual(0);
    expect(atB.notes).toEqual([]);

    // Control: in the same setup a single REJECT does show in the score.
    await a!.node.publish('notes', { height: 9, text: `${REJECT_PREFIX}x` });
    await waitFor(() => b!.node.peerScore(a!.node.peerId) < 0, 'the REJECT to penalize A');
  });

  test('a peer whose score falls below the disconnect threshold is disconnected and refused', async () => {
    const [a, b] = await startNodes(2);
    collect(a!);
    collect(b!);
    await linked(a!, b!);
    // Five invalid messages: −100 × 5² = −2500 < SCORE_DISCONNECT_THRESHOLD (−2000).
    for (let i = 0; i < 5; i++) await a!.node.publish('notes', { height: i, text: `${REJECT_PREFIX}${i}` });
    await waitFor(() => b!.node.connectedPeers().length === 0, 'B to hang up on A');
    expect(await b!.registry.getSingleMetric('synod_p2p_peers_banned_total')?.get()).toMatchObject({
      values: [{ value: 1 }],
    });
    // A banned peer cannot come straight back: B's connection gater drops it after the handshake
    // (A's dial may resolve first, A sees the connection close right after).
    await a!.node.dial(b!.address()).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b!.node.connectedPeers()).toEqual([]);
    expect(a!.node.connectedPeers()).toEqual([]);
  });
});

async function waitForCount(
  test: TestNode,
  labels: { topic: string; result: string; code: string },
  expected: number,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await gossipCount(test.registry, labels)) !== expected) {
    if (Date.now() > deadline) throw new Error(`metric ${JSON.stringify(labels)} never reached ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
