import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { Registry } from 'prom-client';
import { afterEach } from 'vitest';
import { createP2pNode, type P2pNode, type P2pNodeOptions } from '../../src/p2p/host.ts';
import { createP2pMetrics, type P2pMetrics } from '../../src/p2p/metrics.ts';
import { type NoteMessages, noteTopics } from './fixtures/notes.ts';

/** Polls `condition` every 25 ms until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface TestNode {
  node: P2pNode<NoteMessages>;
  registry: Registry;
  metrics: P2pMetrics;
  privateKey: PrivateKey;
  address: () => string;
}

/** A p2p node on 127.0.0.1 with the note topics, a fast heartbeat and fast reconnects. */
export async function startTestNode(
  overrides: Partial<P2pNodeOptions<NoteMessages>> & { privateKey?: PrivateKey } = {},
): Promise<TestNode> {
  const privateKey = overrides.privateKey ?? (await generateKeyPair('Ed25519'));
  const registry = new Registry();
  const metrics = createP2pMetrics(registry);
  const node = createP2pNode<NoteMessages>(
    {
      privateKey,
      topics: noteTopics(),
      listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
      heartbeatIntervalMs: 100,
      reconnectMinDelayMs: 100,
      reconnectMaxDelayMs: 1_000,
      ...overrides,
    },
    { metrics },
  );
  await node.start();
  return {
    node,
    registry,
    metrics,
    privateKey,
    address: () => node.getMultiaddrs()[0]!.toString(),
  };
}

/** Value of `synod_gossip_messages_total` for one label set (0 when never incremented). */
export async function gossipCount(
  registry: Registry,
  labels: { topic: string; result: string; code: string },
): Promise<number> {
  const metric = await registry.getSingleMetric('synod_gossip_messages_total')?.get();
  const value = metric?.values.find(
    (v) =>
      v.labels.topic === labels.topic && v.labels.result === labels.result && v.labels.code === labels.code,
  );
  return value?.value ?? 0;
}

/** Mesh peers of a gossipsub topic (the class method, absent from the exported interface). */
export function meshPeers(node: P2pNode<NoteMessages>, topic: keyof NoteMessages): string[] {
  const pubsub = node.libp2p.services.pubsub as unknown as { getMeshPeers(topic: string): string[] };
  return pubsub.getMeshPeers(`/synod/1/${topic}/bin`);
}

/** Dials b from a and waits until each sees the other subscribed to notes (subscriptions exchanged). */
export async function linked(a: TestNode, b: TestNode): Promise<void> {
  await a.node.dial(b.address());
  await waitFor(
    () =>
      a.node.topicPeers('notes').some((p) => p.equals(b.node.peerId)) &&
      b.node.topicPeers('notes').some((p) => p.equals(a.node.peerId)),
    'subscriptions to be exchanged',
  );
}

/** `startNodes(count)` for a test file: nodes started by it are stopped after each test. */
export function startNodesStoppedAfterEach(): (count: number) => Promise<TestNode[]> {
  let nodes: TestNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.node.stop()));
    nodes = [];
  });
  return async (count) => {
    const started = await Promise.all(Array.from({ length: count }, () => startTestNode()));
    nodes.push(...started);
    return started;
  };
}
