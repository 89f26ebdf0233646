import { createHash } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import {
  type GossipSub,
  type GossipsubMessage,
  gossipsub,
  type Message,
  TopicValidatorResult,
} from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { AbortOptions, Libp2p, PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { assert, type Timers } from '@synod/protocol';
import { createLibp2p } from 'libp2p';
import type { Logger } from 'pino';
import {
  DIAL_TIMEOUT_MS,
  GOSSIP_HEARTBEAT_INTERVAL_MS,
  GOSSIP_MESH_DEGREE,
  GOSSIP_MESH_DEGREE_HIGH,
  GOSSIP_MESH_DEGREE_LOW,
  GOSSIP_MESSAGE_ID_BYTES,
  GOSSIP_RESEND_MAX_BYTES,
  GOSSIP_RESEND_MAX_MESSAGES,
  GOSSIP_RPC_FRAME_OVERHEAD_BYTES,
  GOSSIP_SEEN_TTL_MS,
  MAX_BANNED_PEERS,
  MAX_PEERS,
  PEER_BAN_DURATION_MS,
  SCORE_DISCONNECT_THRESHOLD,
} from './constants.ts';
import { P2pConfigError, RequestHandlerError } from './errors.ts';
import type { P2pMetrics } from './metrics.ts';
import { Reconnector } from './reconnect.ts';
import { ReqResp } from './reqresp/reqResp.ts';
import { type GossipResend, resendProtocol } from './resend.ts';
import { peerScoreParams, peerScoreThresholds } from './scoring.ts';
import type {
  GossipHandler,
  GossipHandlers,
  GossipTopicEntry,
  GossipTopicName,
  GossipTopicRegistry,
} from './topics.ts';
import { validateGossipMessage } from './validation.ts';

/** Configuration of a p2p node (the `p2p` section of the node config). */
export interface P2pNodeOptions<M> {
  /** The node's Ed25519 identity, from its keystore. Its peer id is what other nodes dial. */
  readonly privateKey: PrivateKey;
  /** The gossip topic registry (codecs, caps, validators). */
  readonly topics: GossipTopicRegistry<M>;
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/9000`. */
  readonly listenAddresses: readonly string[];
  /** Multiaddrs to advertise instead of the listen addresses (behind NAT). */
  readonly announceAddresses?: readonly string[];
  /** Peers dialed at start and redialed forever: multiaddrs ending in `/p2p/<peerId>`. */
  readonly bootstrapPeers?: readonly string[];
  /** Connection cap (default MAX_PEERS). */
  readonly maxPeers?: number;
  readonly dialTimeoutMs?: number;
  readonly reconnectMinDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** gossipsub heartbeat (default GOSSIP_HEARTBEAT_INTERVAL_MS); tests shorten it. */
  readonly heartbeatIntervalMs?: number;
}

/** Injected context: time, randomness, metrics and logs (all optional). */
export interface P2pNodeDeps {
  readonly timers?: Timers;
  /** Uniform in [0, 1); jitter of reconnect delays. */
  readonly random?: () => number;
  /** Wall clock in ms, for ban expiry and rate limits. */
  readonly now?: () => number;
  readonly metrics?: P2pMetrics | undefined;
  readonly logger?: Logger | undefined;
}

/** A started-or-stopped Synod p2p node over one message map `M`. */
export interface P2pNode<M> {
  readonly peerId: PeerId;
  /** Request/response client and handler registry. */
  readonly reqResp: ReqResp;
  start(): Promise<void>;
  /** Stops libp2p, all timers and reconnects. Idempotent. */
  stop(): Promise<void>;
  isStarted(): boolean;
  /** Addresses this node listens on, with `/p2p/<peerId>` (what other nodes put in bootstrapPeers). */
  getMultiaddrs(): Multiaddr[];
  /** Encodes and publishes `value`; returns how many peers it was sent to (0 is not an error). */
  publish<K extends GossipTopicName<M>>(topic: K, value: M[K]): Promise<{ recipients: number }>;
  /**
   * Sends `values` of `topic` again, directly to every connected peer (p2p/resend.ts), where they
   * go through the topic's validation and handlers as gossip does. For retransmission: publishing
   * the same bytes again within the seen-cache TTL reaches nobody. Returns how many peers took
   * them; a peer that fails is logged and skipped.
   */
  resend<K extends GossipTopicName<M>>(topic: K, values: readonly M[K][]): Promise<{ recipients: number }>;
  /**
   * Delivers accepted messages of `topic` to `handler` (and subscribes to the topic on first
   * use). Returns a function that removes the handler (and unsubscribes after the last one).
   */
  subscribe<K extends GossipTopicName<M>>(topic: K, handler: GossipHandler<M[K]>): () => void;
  /** Subscribes one handler per topic: the mapped type makes a missing handler a compile error. */
  subscribeAll(handlers: GossipHandlers<M>): () => void;
  /** gossipsub v1.1 score of a peer as this node sees it (0 for an unknown peer). */
  peerScore(peer: PeerId | string): number;
  connectedPeers(): PeerId[];
  /** Peers known to be subscribed to a topic (mesh or not). */
  topicPeers(topic: GossipTopicName<M>): PeerId[];
  /** Dials a multiaddr (with `/p2p/<peerId>`) and remembers the peer for reconnection. */
  dial(address: string, options?: AbortOptions): Promise<PeerId>;
  /** The libp2p instance, for diagnostics and byzantine test actors. Throws when stopped. */
  readonly libp2p: Libp2p<P2pServices>;
}

/** libp2p services of a Synod node. */
export interface P2pServices extends Record<string, unknown> {
  identify: Identify;
  ping: Ping;
  pubsub: GossipSub;
}

/** gossipsub's class has `getScore`; its exported interface does not. */
interface ScoredGossipSub extends GossipSub {
  getScore(peerId: string): number;
}

/**
 * Creates a p2p node: libp2p 3 with TCP, noise, yamux, identify, ping and gossipsub (v1.1 peer
 * scoring, per-topic validation), request/response, and reconnection to bootstrap peers.
 *
 * @example
 * ```ts
 * const node = createP2pNode({ privateKey, topics, listenAddresses: ['/ip4/0.0.0.0/tcp/9000'],
 *   bootstrapPeers: ['/ip4/10.0.0.2/tcp/9000/p2p/12D3Koo…'] }, { metrics, logger });
 * node.subscribeAll({ transactions: onBatch, proposals: onProposal, votes: onVote });
 * await node.start();
 * await node.publish('votes', vote);
 * ```
 */
export function createP2pNode<M>(options: P2pNodeOptions<M>, deps: P2pNodeDeps = {}): P2pNode<M> {
  return new SynodP2pNode(options, deps);
}

class SynodP2pNode<M> implements P2pNode<M> {
  readonly peerId: PeerId;
  readonly reqResp: ReqResp;
  private readonly options: P2pNodeOptions<M>;
  private readonly metrics: P2pMetrics | undefined;
  private readonly logger: Logger | undefined;
  private readonly now: () => number;
  private readonly reconnector: Reconnector;
  private readonly entriesByTopic = new Map<string, GossipTopicEntry<unknown>>();
  private readonly entriesByName = new Map<string, GossipTopicEntry<unknown>>();
  private readonly handlers = new Map<string, Set<GossipHandler<unknown>>>();
  /** Decoded values of accepted messages, keyed by the message's data buffer (same object at delivery). */
  private readonly decoded = new WeakMap<Uint8Array, unknown>();
  /** peerId → ban expiry (ms). Insertion-ordered, bounded by MAX_BANNED_PEERS. */
  private readonly bans = new Map<string, number>();
  private node: Libp2p<P2pServices> | undefined;
  private lifecycle: Promise<void> = Promise.resolve();

  constructor(options: P2pNodeOptions<M>, deps: P2pNodeDeps) {
    assert(
      options.privateKey.type === 'Ed25519',
      `p2p identity must be Ed25519, got ${options.privateKey.type}`,
    );
    assert(options.listenAddresses.length > 0, 'p2p: at least one listen address');
    this.options = options;
    this.peerId = peerIdFromPrivateKey(options.privateKey);
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.now = deps.now ?? Date.now;
    for (const name of options.topics.names) {
      const entry = options.topics.entries[name] as GossipTopicEntry<unknown>;
      this.entriesByTopic.set(entry.topic, entry);
      this.entriesByName.set(entry.name, entry);
    }
    this.reqResp = new ReqResp(
      {},
      {
        network: {
          handle: (protocol, handler, options) => this.libp2p.handle(protocol, handler, options),
          unhandle: (protocol) => this.libp2p.unhandle(protocol),
          dialProtocol: (peer, protocol, options) => this.libp2p.dialProtocol(peer, protocol, options),
        },
        metrics: this.metrics,
        logger: this.logger,
        now: this.now,
      },
    );
    // Registered before start (the registry keeps it across stop/start).
    void this.reqResp.handle(resendProtocol, (request, { from }) => this.acceptResend(request, from));
    this.reconnector = new Reconnector(
      {
        minDelayMs: options.reconnectMinDelayMs,
        maxDelayMs: options.reconnectMaxDelayMs,
        dialTimeoutMs: options.dialTimeoutMs,
      },
      {
        dialer: {
          dial: async (peerId, multiaddrs, options) => {
            const target =
              multiaddrs.length > 0 ? multiaddrs.map((a) => multiaddr(a)) : peerIdFromString(peerId);
            await this.libp2p.dial(target, options);
          },
          isConnected: (peerId) => this.node?.getConnections(peerIdFromString(peerId)).length !== 0,
          mayDial: (peerId) => !this.isBanned(peerId),
        },
        timers: deps.timers,
        random: deps.random,
        metrics: this.metrics,
        logger: this.logger,
      },
    );
    const bootstrapAddresses = new Map<string, string[]>();
    for (const address of options.bootstrapPeers ?? []) {
      const peerId = peerIdOfAddress(address);
      if (peerId === this.peerId.toString()) continue; // a shared bootstrap list names every node
      bootstrapAddresses.set(peerId, [...(bootstrapAddresses.get(peerId) ?? []), address]);
    }
    for (const [peerId, addresses] of bootstrapAddresses)
      this.reconnector.addPersistentPeer(peerId, addresses);
  }

  get libp2p(): Libp2p<P2pServices> {
    assert(this.node !== undefined, 'p2p node is not started');
    return this.node;
  }

  isStarted(): boolean {
    return this.node !== undefined;
  }

  start(): Promise<void> {
    this.lifecycle = this.lifecycle.then(() => this.doStart());
    return this.lifecycle;
  }

  stop(): Promise<void> {
    this.lifecycle = this.lifecycle.then(() => this.doStop());
    return this.lifecycle;
  }

  private async doStart(): Promise<void> {
    if (this.node !== undefined) return;
    const topicWeights = new Map([...this.entriesByTopic.values()].map((e) => [e.topic, e.scoreWeight]));
    const maxTopicBytes = Math.max(...[...this.entriesByTopic.values()].map((e) => e.maxBytes));
    const node = await createLibp2p<P2pServices>({
      start: false,
      privateKey: this.options.privateKey,
      addresses: {
        listen: [...this.options.listenAddresses],
        announce:
          this.options.announceAddresses === undefined ? undefined : [...this.options.announceAddresses],
      },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: {
        maxConnections: this.options.maxPeers ?? MAX_PEERS,
        dialTimeout: this.options.dialTimeoutMs ?? DIAL_TIMEOUT_MS,
        // Reconnection is ours (backoff + jitter, bans); libp2p's keep-alive redial stays off.
        reconnectRetries: 0,
      },
      connectionGater: {
        denyDialPeer: (peerId) => this.isBanned(peerId.toString()),
        denyInboundEncryptedConnection: (peerId) => this.isBanned(peerId.toString()),
      },
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          // Messages are signed by their authors at the application layer (users, validators):
          // libp2p signatures would add ~100 bytes and a verification per message for nothing,
          // and sequence-number ids would keep two copies of the same transaction apart.
          globalSignaturePolicy: 'StrictNoSign',
          msgIdFn: contentMessageId,
          allowedTopics: [...this.entriesByTopic.keys()],
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          emitSelf: false,
          floodPublish: true,
          fallbackToFloodsub: false,
          doPX: false,
          D: GOSSIP_MESH_DEGREE,
          Dlo: GOSSIP_MESH_DEGREE_LOW,
          Dhi: GOSSIP_MESH_DEGREE_HIGH,
          heartbeatInterval: this.options.heartbeatIntervalMs ?? GOSSIP_HEARTBEAT_INTERVAL_MS,
          seenTTL: GOSSIP_SEEN_TTL_MS,
          scoreParams: peerScoreParams(topicWeights),
          scoreThresholds: peerScoreThresholds(),
          maxInboundDataLength: maxTopicBytes + GOSSIP_RPC_FRAME_OVERHEAD_BYTES,
        }),
      },
    });
    const pubsub = node.services.pubsub as ScoredGossipSub;
    assert(typeof pubsub.getScore === 'function', '@libp2p/gossipsub no longer exposes getScore');

    for (const entry of this.entriesByTopic.values()) {
      pubsub.topicValidators.set(entry.topic, async (from, message) => {
        const outcome = await validateGossipMessage(entry, message.data, from, {
          metrics: this.metrics,
          logger: this.logger,
        });
        if (outcome.result === TopicValidatorResult.Accept) this.decoded.set(message.data, outcome.value);
        return outcome.result;
      });
    }
    pubsub.addEventListener('gossipsub:message', (event) => this.deliver(event.detail));
    pubsub.addEventListener('gossipsub:heartbeat', () => this.disconnectLowScorePeers());
    node.addEventListener('peer:connect', (event) => {
      const peerId = event.detail.toString();
      this.reconnector.rememberPeer(peerId);
      this.reconnector.onConnected(peerId);
      this.metrics?.peersConnected.set(node.getPeers().length);
    });
    node.addEventListener('peer:disconnect', (event) => {
      this.reconnector.onDisconnected(event.detail.toString());
      this.metrics?.peersConnected.set(node.getPeers().length);
    });

    this.node = node;
    await node.start();
    for (const topic of this.handlers.keys()) pubsub.subscribe(topic);
    await this.reqResp.start();
    this.reconnector.start();
    this.logger?.info(
      { peerId: this.peerId.toString(), addresses: node.getMultiaddrs().map(String) },
      'p2p node started',
    );
  }

  private async doStop(): Promise<void> {
    const node = this.node;
    if (node === undefined) return;
    this.reconnector.stop();
    await this.reqResp.stop();
    await node.stop();
    this.node = undefined;
    this.metrics?.peersConnected.set(0);
    this.logger?.info({ peerId: this.peerId.toString() }, 'p2p node stopped');
  }

  getMultiaddrs(): Multiaddr[] {
    return this.libp2p.getMultiaddrs();
  }

  async publish<K extends GossipTopicName<M>>(topic: K, value: M[K]): Promise<{ recipients: number }> {
    const entry = this.options.topics.entries[topic];
    const data = entry.codec.encode(value);
    // Honest publishers respect the topic cap (e.g. the batcher splits transaction batches):
    // sending an oversized message would get this node penalized by every peer.
    assert(
      data.length <= entry.maxBytes,
      `${topic}: ${data.length} bytes exceeds topic cap ${entry.maxBytes}`,
    );
    const result = await this.libp2p.services.pubsub.publish(entry.topic, data);
    if (result.recipients.length > 0) this.metrics?.gossipPublishedTotal.inc({ topic });
    else this.metrics?.gossipUnsentTotal.inc({ topic });
    return { recipients: result.recipients.length };
  }

  async resend<K extends GossipTopicName<M>>(
    topic: K,
    values: readonly M[K][],
  ): Promise<{ recipients: number }> {
    if (values.length === 0 || this.node === undefined) return { recipients: 0 };
    const entry = this.options.topics.entries[topic];
    const encoded = values.map((value) => {
      const data = entry.codec.encode(value);
      assert(
        data.length <= entry.maxBytes,
        `${topic}: ${data.length} bytes exceeds topic cap ${entry.maxBytes}`,
      );
      return data;
    });
    const requests = packResend(entry.name, encoded);
    const results = await Promise.all(
      this.connectedPeers().map(async (peer) => {
        try {
          for (const request of requests) await this.reqResp.request(peer, resendProtocol, request);
          this.metrics?.gossipResentTotal.inc({ topic, outcome: 'ok' }, values.length);
          return 1;
        } catch (error) {
          this.metrics?.gossipResentTotal.inc({ topic, outcome: 'failed' }, values.length);
          this.logger?.debug({ topic, peer: peer.toString(), err: error }, 'resend to a peer failed');
          return 0;
        }
      }),
    );
    return { recipients: results.reduce<number>((sum, ok) => sum + ok, 0) };
  }

  /** Serves `/synod/1/req/resend`: each message through the topic's validation, then its handlers. */
  private async acceptResend(request: GossipResend, from: PeerId): Promise<GossipResend[]> {
    const entry = this.entriesByName.get(request.topic);
    if (entry === undefined || !this.handlers.has(entry.topic)) {
      throw new RequestHandlerError('INVALID_REQUEST', `not subscribed to topic ${request.topic}`);
    }
    let rejected = 0;
    for (const data of request.messages) {
      const outcome = await validateGossipMessage(entry, data, from, {
        metrics: this.metrics,
        logger: this.logger,
      });
      if (outcome.result === TopicValidatorResult.Accept) this.dispatch(entry, outcome.value, from);
      else if (outcome.result === TopicValidatorResult.Reject) rejected += 1;
    }
    if (rejected > 0) {
      throw new RequestHandlerError('INVALID_REQUEST', `${rejected} of ${request.messages.length} rejected`);
    }
    return [];
  }

  subscribe<K extends GossipTopicName<M>>(topic: K, handler: GossipHandler<M[K]>): () => void {
    const topicString = this.options.topics.entries[topic].topic;
    let set = this.handlers.get(topicString);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(topicString, set);
      this.node?.services.pubsub.subscribe(topicString);
    }
    const erased = handler as GossipHandler<unknown>;
    set.add(erased);
    return () => {
      const current = this.handlers.get(topicString);
      if (current === undefined || !current.delete(erased) || current.size > 0) return;
      this.handlers.delete(topicString);
      this.node?.services.pubsub.unsubscribe(topicString);
    };
  }

  subscribeAll(handlers: GossipHandlers<M>): () => void {
    const unsubscribes = this.options.topics.names.map((name) => this.subscribe(name, handlers[name]));
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }

  peerScore(peer: PeerId | string): number {
    return (this.libp2p.services.pubsub as ScoredGossipSub).getScore(peer.toString());
  }

  connectedPeers(): PeerId[] {
    return this.libp2p.getPeers();
  }

  topicPeers(topic: GossipTopicName<M>): PeerId[] {
    return this.libp2p.services.pubsub.getSubscribers(this.options.topics.entries[topic].topic);
  }

  async dial(address: string, options: AbortOptions = {}): Promise<PeerId> {
    const peerId = peerIdOfAddress(address);
    const signal = options.signal ?? AbortSignal.timeout(this.options.dialTimeoutMs ?? DIAL_TIMEOUT_MS);
    const connection = await this.libp2p.dial(multiaddr(address), { signal });
    this.reconnector.rememberPeer(peerId);
    return connection.remotePeer;
  }

  private deliver(detail: GossipsubMessage): void {
    const { msg, propagationSource } = detail;
    const entry = this.entriesByTopic.get(msg.topic);
    const handlers = this.handlers.get(msg.topic);
    if (entry === undefined || handlers === undefined) return;
    // The validator decoded this exact buffer; decode again only if that cache was bypassed.
    const value = this.decoded.has(msg.data) ? this.decoded.get(msg.data) : entry.codec.decode(msg.data);
    this.decoded.delete(msg.data);
    this.dispatch(entry, value, propagationSource);
  }

  /** Hands an accepted message to the topic's handlers (gossip and direct re-sends alike). */
  private dispatch(entry: GossipTopicEntry<unknown>, value: unknown, source: PeerId): void {
    const handlers = this.handlers.get(entry.topic);
    if (handlers === undefined) return;
    for (const handler of handlers) {
      Promise.resolve()
        .then(() => handler(value, source))
        .catch((error: unknown) => {
          this.metrics?.gossipHandlerErrorsTotal.inc({ topic: entry.name });
          this.logger?.error({ topic: entry.name, err: error }, 'gossip handler failed');
        });
    }
  }

  /** Closes connections to peers whose score fell below SCORE_DISCONNECT_THRESHOLD and bans them. */
  private disconnectLowScorePeers(): void {
    const node = this.node;
    if (node === undefined) return;
    const pubsub = node.services.pubsub as ScoredGossipSub;
    for (const peer of node.getPeers()) {
      const score = pubsub.getScore(peer.toString());
      if (score >= SCORE_DISCONNECT_THRESHOLD) continue;
      this.ban(peer.toString());
      this.logger?.warn({ peer: peer.toString(), score }, 'disconnecting peer with low gossip score');
      node.hangUp(peer).catch(() => {});
    }
  }

  private ban(peerId: string): void {
    this.bans.delete(peerId);
    if (this.bans.size >= MAX_BANNED_PEERS) {
      const oldest = this.bans.keys().next();
      if (oldest.done !== true) this.bans.delete(oldest.value);
    }
    this.bans.set(peerId, this.now() + PEER_BAN_DURATION_MS);
    this.reconnector.forgetPeer(peerId);
    this.metrics?.peersBannedTotal.inc();
  }

  private isBanned(peerId: string): boolean {
    const until = this.bans.get(peerId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.bans.delete(peerId);
    return false;
  }
}

/** Message id = sha256(topic ‖ 0x00 ‖ data)[..20]: identical content is one message, whoever sends it. */
function contentMessageId(message: Message): Uint8Array {
  const digest = createHash('sha256').update(message.topic).update(ZERO_BYTE).update(message.data).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, GOSSIP_MESSAGE_ID_BYTES);
}
const ZERO_BYTE = new Uint8Array([0]);

/** The peer id of a `/p2p/<peerId>` multiaddr; a bootstrap address without one is a config error. */
function peerIdOfAddress(address: string): string {
  let parsed: Multiaddr;
  try {
    parsed = multiaddr(address);
  } catch (error) {
    throw new P2pConfigError('INVALID_PEER_ADDRESS', `${address} is not a multiaddr`, { cause: error });
  }
  const component = parsed.getComponents().findLast((c) => c.name === 'p2p');
  if (component?.value === undefined) {
    throw new P2pConfigError(
      'INVALID_PEER_ADDRESS',
      `${address} must end in /p2p/<peerId> (the identity noise verifies)`,
    );
  }
  try {
    return peerIdFromString(component.value).toString();
  } catch (error) {
    throw new P2pConfigError('INVALID_PEER_ADDRESS', `${address}: bad peer id`, { cause: error });
  }
}

/** Splits encoded messages into resend requests within the count and byte caps, in order. */
export function packResend(topic: string, messages: readonly Uint8Array[]): GossipResend[] {
  const requests: GossipResend[] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  // Envelope, topic and list framing: well under 1 KiB.
  const overhead = 1024;
  for (const message of messages) {
    const size = message.length + 4;
    if (
      current.length > 0 &&
      (current.length === GOSSIP_RESEND_MAX_MESSAGES || overhead + bytes + size > GOSSIP_RESEND_MAX_BYTES)
    ) {
      requests.push({ topic, messages: current });
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) requests.push({ topic, messages: current });
  return requests;
}
