import { randomBytes } from 'node:crypto';
import { multiaddr } from '@multiformats/multiaddr';
import {
  DKG_RANDOMNESS_MIN_BYTES,
  type DkgConfig,
  type DkgMessage,
  type DkgResult,
  dkgSessionId,
  encryptionThreshold,
  toLowerHex,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { type Genesis, genesisToDkgConfig } from '../config/genesis.ts';
import type { SynodConfig } from '../config/schema.ts';
import { dkgKeysOf, type NodeKeys, publicKeysOf } from '../keys/nodeKeys.ts';
import { subsystemLogger } from '../logging/index.ts';
import { createP2pNode } from '../p2p/host.ts';
import { defineGossipTopics } from '../p2p/topics.ts';
import { DkgDriver } from './driver.ts';
import { DkgSessionError } from './errors.ts';
import { dkgMessageCodec, dkgMessageSender, dkgTopicName, validateDkgMessage } from './topic.ts';

/**
 * The DKG sessions of a genesis over the network, as `synod dkg` runs them:
 *
 * 1. find our index in the genesis (by DKG key, checked against our peer id);
 * 2. start a p2p node on `p2p.listenAddresses`, dialing every other participant's genesis
 *    multiaddrs, and subscribe to each session's topic (dkgTopicName of its session id: the
 *    signing and the encryption-key session never share one);
 * 3. wait until every other participant is subscribed (or has sent us a message), at most
 *    `dkg.peerWaitTimeoutMs`: a deal published before a peer subscribes never reaches it;
 * 4. run the signing session's DkgDriver until finished or failed, then (with `encryptionKey`)
 *    the encryption-key session's on the same host; stay `dkg.lingerMs` so our last messages
 *    propagate; stop.
 *
 * Both topics are subscribed from the start, so a participant that finishes the signing session
 * first and deals the encryption key reaches the others while they still finish theirs: their
 * encryption driver holds the deal until it starts (DkgDriver buffers before start()).
 */

export interface RunDkgSessionParameters {
  readonly genesis: Genesis;
  readonly keys: NodeKeys;
  readonly config: SynodConfig;
  /**
   * Secret randomness for the polynomials (≥ 32 bytes); default fresh from the platform CSPRNG
   * for each session. Tests may pass one for both: the polynomial's HKDF is salted with the
   * session id, so the two sessions' polynomials are still unrelated.
   */
  readonly randomness?: Uint8Array;
  /** Also make the committee encryption key (purpose 'encryption', threshold f + 1) after the signing key. */
  readonly encryptionKey?: boolean;
  /** The node's logger; the session logs as subsystems `dkg` and `p2p`. */
  readonly logger?: Logger | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface DkgSessionResult {
  readonly result: DkgResult;
  readonly index: number;
  readonly sessionId: Uint8Array;
  /** The encryption-key session's share and id; set iff `encryptionKey` was asked for. */
  readonly encryption?: { readonly result: DkgResult; readonly sessionId: Uint8Array };
}

/**
 * The encryption-key session of a signing session's parameters: the same committee, nonce (and
 * reshare dealers), threshold f + 1, and the purpose tag, which alone makes it another session.
 * A reshare's `previousCommitments` are still the signing key's: the caller replaces them.
 */
export function encryptionDkgConfig(signing: DkgConfig): DkgConfig {
  return {
    ...signing,
    purpose: 'encryption',
    threshold: encryptionThreshold(signing.participants.length),
  };
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
  const signingConfig = genesisToDkgConfig(genesis);
  const configs =
    parameters.encryptionKey === true ? [signingConfig, encryptionDkgConfig(signingConfig)] : [signingConfig];
  const sessions = configs.map((dkgConfig) => {
    const sessionId = dkgSessionId(dkgConfig);
    return { dkgConfig, sessionId, name: dkgTopicName(sessionId) };
  });
  const signing = sessions[0]!;
  const dkgKeys = dkgKeysOf(keys);
  const others = genesis.participants.filter((participant) => participant.index !== index);
  const registry = defineGossipTopics<Record<string, DkgMessage>>(
    Object.fromEntries(
      sessions.map(({ dkgConfig, sessionId, name }) => [
        name,
        {
          codec: dkgMessageCodec,
          validate: (message: DkgMessage) => validateDkgMessage(message, dkgConfig, sessionId),
        },
      ]),
    ),
  );

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
  const drivers = sessions.map(
    ({ dkgConfig, name }) =>
      new DkgDriver(
        {
          config: dkgConfig,
          secrets: {
            index,
            signingSecretKey: dkgKeys.signingSecretKey,
            encryptionSecretKey: dkgKeys.encryptionSecretKey,
            randomness: parameters.randomness ?? new Uint8Array(randomBytes(DKG_RANDOMNESS_MIN_BYTES)),
          },
          timeouts: {
            dealMs: config.dkg.dealTimeoutMs,
            responseMs: config.dkg.responseTimeoutMs,
            justificationMs: config.dkg.justificationTimeoutMs,
          },
        },
        { broadcast: (message) => node.publish(name, message), logger },
      ),
  );
  const heardFrom = new Set<number>();
  for (const [k, { name }] of sessions.entries()) {
    node.subscribe(name, (message) => {
      heardFrom.add(dkgMessageSender(message));
      drivers[k]!.receive(message);
    });
  }
  const onAbort = () => {
    for (const driver of drivers)
      driver.stop(signal?.reason instanceof Error ? signal.reason.message : 'aborted');
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    if (signal?.aborted === true) throw abortError(signal);
    await node.start();
    logger?.info(
      {
        index,
        sessionId: toLowerHex(signing.sessionId),
        topic: registry.entries[signing.name]!.topic,
        addresses: node.getMultiaddrs().map(String),
      },
      'DKG: waiting for the other participants',
    );
    await waitForParticipants();
    const result = await runDriver(drivers[0]!);
    logger?.info(
      { groupPublicKey: toLowerHex(result.groupPublicKey), qualified: result.qualified },
      'DKG of the signing key finished',
    );
    let encryption: DkgSessionResult['encryption'];
    if (drivers.length > 1) {
      logger?.info(
        { sessionId: toLowerHex(sessions[1]!.sessionId), threshold: sessions[1]!.dkgConfig.threshold },
        'DKG of the encryption key: starting',
      );
      const encryptionResult = await runDriver(drivers[1]!).catch((error: unknown) => {
        // The operator must know which key failed; the code stays (FAILED, ABORTED).
        if (!(error instanceof DkgSessionError)) throw error;
        throw new DkgSessionError(error.code, `encryption key: ${error.message}`, { cause: error });
      });
      logger?.info(
        {
          encryptionPublicKey: toLowerHex(encryptionResult.groupPublicKey),
          qualified: encryptionResult.qualified,
        },
        'DKG of the encryption key finished',
      );
      encryption = { result: encryptionResult, sessionId: sessions[1]!.sessionId };
    }
    logger?.info('DKG finished; lingering so peers receive our last messages');
    await sleep(config.dkg.lingerMs, signal).catch(() => {});
    return {
      result,
      index,
      sessionId: signing.sessionId,
      ...(encryption === undefined ? {} : { encryption }),
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const driver of drivers) driver.stop('session closed');
    await node.stop();
  }

  async function runDriver(driver: DkgDriver): Promise<DkgResult> {
    driver.start();
    const end = await driver.result;
    // A DKG (no reshare) gives every participant a share.
    if (end.kind !== 'share') throw new Error('assertion failed: a DKG participant handed over');
    return end.result;
  }

  async function waitForParticipants(): Promise<void> {
    const deadline = Date.now() + config.dkg.peerWaitTimeoutMs;
    let lastReport = 0;
    for (;;) {
      const subscribed = new Set(node.topicPeers(signing.name).map(String));
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
