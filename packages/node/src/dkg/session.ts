import { randomBytes } from 'node:crypto';
import { multiaddr } from '@multiformats/multiaddr';
import { DKG_RANDOMNESS_MIN_BYTES, type DkgResult, dkgSessionId, toLowerHex } from '@synod/protocol';
import type { Logger } from 'pino';
import { type Genesis, genesisToDkgConfig } from '../config/genesis.ts';
import type { SynodConfig } from '../config/schema.ts';
import { dkgKeysOf, type NodeKeys, publicKeysOf } from '../keys/nodeKeys.ts';
import { subsystemLogger } from '../logging/index.ts';
import { createP2pNode } from '../p2p/host.ts';
import { DkgDriver } from './driver.ts';
import { DkgSessionError } from './errors.ts';
import { dkgGossipTopics, dkgMessageSender } from './topic.ts';

/**
 * One DKG session over the network, as `synod dkg` runs it:
 *
 * 1. find our index in the genesis (by DKG key, checked against our peer id);
 * 2. start a p2p node on `p2p.listenAddresses`, dialing every other participant's genesis
 *    multiaddrs, and subscribe to the session's topic (dkgTopicName);
 * 3. wait until every other participant is subscribed (or has sent us a message), at most
 *    `dkg.peerWaitTimeoutMs`: a deal published before a peer subscribes never reaches it;
 * 4. run the DkgDriver until finished or failed; stay `dkg.lingerMs` so our last messages
 *    propagate; stop.
 */

export interface RunDkgSessionParameters {
  readonly genesis: Genesis;
  readonly keys: NodeKeys;
  readonly config: SynodConfig;
  /** Fresh secret randomness for the polynomial (≥ 32 bytes); default the platform CSPRNG. */
  readonly randomness?: Uint8Array;
  /** The node's logger; the session logs as subsystems `dkg` and `p2p`. */
  readonly logger?: Logger | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface DkgSessionResult {
  readonly result: DkgResult;
  readonly index: number;
  readonly sessionId: Uint8Array;
}

/** How often the peer barrier looks at the topic's subscribers. */
const PEER_POLL_INTERVAL_MS = 200;

/** Our participant index, or a DkgSessionError if the genesis does not list our keys. */
export function findParticipantIndex(genesis: Genesis, keys: NodeKeys): number {
  const own = publicKeysOf(keys);
  const participant = genesis.participants.find(
    (entry) => toLowerHex(entry.dkgSigningPublicKey) === own.dkgSigningPublicKey,
  );
  if (participant === undefined) {
    throw new DkgSessionError(
      'NOT_A_PARTICIPANT',
      `this node's DKG signing key ${own.dkgSigningPublicKey} is not in the genesis file: wrong data dir or genesis?`,
    );
  }
  if (
    participant.peerId !== own.peerId ||
    toLowerHex(participant.dkgEncryptionPublicKey) !== own.dkgEncryptionPublicKey
  ) {
    throw new DkgSessionError(
      'IDENTITY_MISMATCH',
      `genesis participant ${participant.index} has our DKG signing key but peer id ${participant.peerId} / encryption key ${toLowerHex(participant.dkgEncryptionPublicKey)}; ours are ${own.peerId} / ${own.dkgEncryptionPublicKey}`,
    );
  }
  return participant.index;
}

/** `/p2p/<peerId>` appended unless the address already ends with it. */
function withPeerId(address: string, peerId: string): string {
  const hasPeerId = multiaddr(address)
    .getComponents()
    .some((component) => component.name === 'p2p');
  return hasPeerId ? address : `${address}/p2p/${peerId}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): DkgSessionError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new DkgSessionError('ABORTED', `DKG aborted: ${reason}`);
}

export async function runDkgSession(parameters: RunDkgSessionParameters): Promise<DkgSessionResult> {
  const { genesis, keys, config, signal } = parameters;
  const logger = parameters.logger === undefined ? undefined : subsystemLogger(parameters.logger, 'dkg');
  const index = findParticipantIndex(genesis, keys);
  const dkgConfig = genesisToDkgConfig(genesis);
  const sessionId = dkgSessionId(dkgConfig);
  const { registry, name, topic } = dkgGossipTopics(dkgConfig, sessionId);
  const randomness = parameters.randomness ?? new Uint8Array(randomBytes(DKG_RANDOMNESS_MIN_BYTES));
  const dkgKeys = dkgKeysOf(keys);
  const others = genesis.participants.filter((participant) => participant.index !== index);

  const node = createP2pNode(
    {
      privateKey: keys.p2pPrivateKey,
      topics: registry,
      listenAddresses: config.p2p.listenAddresses,
      announceAddresses: config.p2p.announceAddresses.length > 0 ? config.p2p.announceAddresses : undefined,
      bootstrapPeers: [
        ...config.p2p.bootstrapPeers,
        ...others.flatMap((participant) =>
          participant.multiaddrs.map((address) => withPeerId(address, participant.peerId)),
        ),
      ],
      maxPeers: config.p2p.maxPeers,
      dialTimeoutMs: config.p2p.dialTimeoutMs,
      reconnectMinDelayMs: config.p2p.reconnectMinDelayMs,
      reconnectMaxDelayMs: config.p2p.reconnectMaxDelayMs,
    },
    { logger: parameters.logger === undefined ? undefined : subsystemLogger(parameters.logger, 'p2p') },
  );
  const driver = new DkgDriver(
    {
      config: dkgConfig,
      secrets: {
        index,
        signingSecretKey: dkgKeys.signingSecretKey,
        encryptionSecretKey: dkgKeys.encryptionSecretKey,
        randomness,
      },
      timeouts: {
        dealMs: config.dkg.dealTimeoutMs,
        responseMs: config.dkg.responseTimeoutMs,
        justificationMs: config.dkg.justificationTimeoutMs,
      },
    },
    { broadcast: (message) => node.publish(name, message), logger },
  );
  const heardFrom = new Set<number>();
  node.subscribe(name, (message) => {
    heardFrom.add(dkgMessageSender(message));
    driver.receive(message);
  });
  const onAbort = () => driver.stop(signal?.reason instanceof Error ? signal.reason.message : 'aborted');
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    if (signal?.aborted === true) throw abortError(signal);
    await node.start();
    logger?.info(
      { index, sessionId: toLowerHex(sessionId), topic, addresses: node.getMultiaddrs().map(String) },
      'DKG: waiting for the other participants',
    );
    await waitForParticipants();
    driver.start();
    const end = await driver.result;
    // A DKG (no reshare) gives every participant a share.
    if (end.kind !== 'share') throw new Error('assertion failed: a DKG participant handed over');
    const { result } = end;
    logger?.info(
      { groupPublicKey: toLowerHex(result.groupPublicKey), qualified: result.qualified },
      'DKG finished; lingering so peers receive our last messages',
    );
    await sleep(config.dkg.lingerMs, signal).catch(() => {});
    return { result, index, sessionId };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    driver.stop('session closed');
    await node.stop();
  }

  async function waitForParticipants(): Promise<void> {
    const deadline = Date.now() + config.dkg.peerWaitTimeoutMs;
    let lastReport = 0;
    for (;;) {
      const subscribed = new Set(node.topicPeers(name).map(String));
      const missing = others.filter(
        (participant) => !subscribed.has(participant.peerId) && !heardFrom.has(participant.index),
      );
      if (missing.length === 0) return;
      const now = Date.now();
      if (now >= deadline) {
        const present = genesis.participants.length - missing.length;
        const list = missing.map((participant) => `${participant.index} (${participant.peerId})`).join(', ');
        if (present >= genesis.threshold) {
          logger?.warn({ missing: list }, 'DKG: starting without every participant');
          return;
        }
        throw new DkgSessionError(
          'PEERS_UNREACHABLE',
          `only ${present} of ${genesis.participants.length} participants joined within ${config.dkg.peerWaitTimeoutMs} ms (threshold ${genesis.threshold}); missing: ${list}`,
        );
      }
      if (now - lastReport >= 10_000) {
        lastReport = now;
        logger?.info(
          { missing: missing.map((participant) => participant.index) },
          'DKG: waiting for participants to join',
        );
      }
      await sleep(PEER_POLL_INTERVAL_MS, signal);
    }
  }
}
