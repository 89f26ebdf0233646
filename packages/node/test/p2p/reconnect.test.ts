import type { Timers } from '@synod/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { type ReconnectDialer, Reconnector, reconnectDelayMs } from '../../src/p2p/reconnect.ts';
import type { Note } from './fixtures/notes.ts';
import { startTestNode, type TestNode, waitFor } from './helpers.ts';

/** Manual clock: timers fire only when the test advances time. */
class ManualTimers implements Timers {
  nowMs = 0;
  private nextId = 0;
  private readonly pending = new Map<number, { atMs: number; callback: () => void }>();
  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.nowMs + delayMs, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Delays of the pending timers, from now. */
  delays(): number[] {
    return [...this.pending.values()].map((t) => t.atMs - this.nowMs);
  }
  async advance(ms: number): Promise<void> {
    this.nowMs += ms;
    for (const [id, timer] of [...this.pending]) {
      if (timer.atMs > this.nowMs) continue;
      this.pending.delete(id);
      timer.callback();
    }
    // Let the dial promises settle.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

/** A dialer whose dials fail until `up` is set. */
class FlakyDialer implements ReconnectDialer {
  up = false;
  connected = new Set<string>();
  dials: string[] = [];
  async dial(peerId: string): Promise<void> {
    this.dials.push(peerId);
    if (!this.up) throw new Error('connection refused');
    this.connected.add(peerId);
  }
  isConnected(peerId: string): boolean {
    return this.connected.has(peerId);
  }
  mayDial(): boolean {
    return true;
  }
}

describe('reconnectDelayMs', () => {
  test('doubles the ceiling per failure up to the max, with the delay in [ceiling/2, ceiling]', () => {
    const low = (attempt: number) => reconnectDelayMs(attempt, 100, 1_000, () => 0);
    const high = (attempt: number) => reconnectDelayMs(attempt, 100, 1_000, () => 0.999_999);
    expect([0, 1, 2, 3, 4, 10, 1_000].map(low)).toEqual([50, 100, 200, 400, 500, 500, 500]);
    expect([0, 1, 2, 3, 4, 10, 1_000].map(high)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  test('refuses a random source outside [0, 1)', () => {
    expect(() => reconnectDelayMs(0, 100, 1_000, () => 1)).toThrow(/random/);
  });
});

describe('Reconnector', () => {
  test('redials a persistent peer with growing, jittered delays until it answers, then resets', async () => {
    const timers = new ManualTimers();
    const dialer = new FlakyDialer();
    const reconnector = new Reconnector(
      { minDelayMs: 100, maxDelayMs: 1_000, dialTimeoutMs: 50 },
      { dialer, timers, random: () => 0.5 },
    );
    reconnector.addPersistentPeer('peer-a', ['/ip4/127.0.0.1/tcp/1/p2p/peer-a']);
    reconnector.start();
    expect(timers.delays()).toEqual([0]); // bootstrap peers are dialed at once

    const observed: number[] = [];
    for (let i = 0; i < 5; i++) {
      await timers.advance(timers.delays()[0]!);
      observed.push(timers.delays()[0]!);
    }
    // Failure n waits 0.75 × min(1000, 100 × 2^n) with random = 0.5.
    expect(observed).toEqual([150, 300, 600, 750, 750]);
    expect(dialer.dials).toHaveLength(5);

    dialer.up = true;
    await timers.advance(750);
    expect(dialer.connected.has('peer-a')).toBe(true);
    expect(timers.delays()).toEqual([]);

    // A later disconnect starts again from the minimum delay.
    dialer.connected.delete('peer-a');
    reconnector.onDisconnected('peer-a');
    expect(timers.delays()).toEqual([75]);
    reconnector.stop();
    expect(timers.delays()).toEqual([]);
  });

  test('gives up on a learned (non-bootstrap) peer after the attempt limit', async () => {
    const timers = new ManualTimers();
    const dialer = new FlakyDialer();
    const reconnector = new Reconnector(
      { minDelayMs: 10, maxDelayMs: 10, maxAttemptsKnownPeer: 3 },
      { dialer, timers, random: () => 0 },
    );
    reconnector.start();
    reconnector.rememberPeer('peer-b');
    reconnector.onDisconnected('peer-b');
    for (let i = 0; i < 10; i++) await timers.advance(10);
    expect(dialer.dials).toEqual(['peer-b', 'peer-b', 'peer-b']);
    expect(reconnector.pendingPeers()).toEqual([]);
  });
});

describe('reconnection over TCP', { timeout: 20_000 }, () => {
  let nodes: TestNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.node.stop()));
    nodes = [];
  });

  test('a node reconnects to its bootstrap peer after that peer restarts, and gossip flows again', async () => {
    const b = await startTestNode();
    const port = b.address().split('/')[4];
    const a = await startTestNode({ bootstrapPeers: [b.address()] });
    nodes.push(a, b);
    const atA: Note[] = [];
    a.node.subscribe('notes', (note) => {
      atA.push(note);
    });
    await waitFor(
      () => a.node.connectedPeers().some((p) => p.equals(b.node.peerId)),
      'A to dial its bootstrap peer',
    );

    await b.node.stop();
    await waitFor(() => a.node.connectedPeers().length === 0, 'A to notice B left');

    // Same identity, same port: what an operator's restart looks like.
    const restarted = await startTestNode({
      privateKey: b.privateKey,
      listenAddresses: [`/ip4/127.0.0.1/tcp/${port}`],
    });
    nodes.push(restarted);
    restarted.node.subscribe('notes', () => {});
    await waitFor(
      () => a.node.connectedPeers().some((p) => p.equals(restarted.node.peerId)),
      'A to reconnect with backoff',
    );
    await waitFor(
      () => restarted.node.topicPeers('notes').some((p) => p.equals(a.node.peerId)),
      'subscriptions after reconnect',
    );
    await restarted.node.publish('notes', { height: 1, text: 'back' });
    await waitFor(() => atA.length === 1, 'gossip after reconnect');
    expect(atA).toEqual([{ height: 1, text: 'back' }]);
    const attempts = await a.registry.getSingleMetric('synod_p2p_reconnect_attempts_total')?.get();
    expect(attempts?.values).toContainEqual(expect.objectContaining({ labels: { outcome: 'success' } }));
  });
});
