import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { multiaddr } from '@multiformats/multiaddr';
import {
  COMMITTEE_NAMESPACE,
  DKG_RANDOMNESS_MIN_BYTES,
  type DkgConfig,
  type DkgMessage,
  type DkgResult,
  dkgSessionId,
  encryptShareKeystore,
  type Hex,
  type NetworkDomain,
  parseHex,
  partialSign,
  recoverGroupSignature,
  sharePublicKeyFromCommitments,
  signTransaction,
  type TransitionApproval,
  toLowerHex,
  transactionCodec,
  transactionId,
  transitionApprovalCodec,
  transitionMessage,
  transitionRecordCodec,
  verifyPartial,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { readEncryptionShareKeystore, readShareKeystore } from '../assembly/identity.ts';
import { type Genesis, type GenesisJson, parseGenesis, quorumThreshold } from '../config/genesis.ts';
import type { SynodConfig } from '../config/schema.ts';
import { buildCommittee, type CommitteeJson, formatCommittee, parseCommittee } from '../dkg/committee.ts';
import { DkgDriver, type DkgEnd } from '../dkg/driver.ts';
import { DkgSessionError } from '../dkg/errors.ts';
import { encryptionDkgConfig } from '../dkg/session.ts';
import { dkgGossipTopics, dkgMessageCodec, dkgTopicName, validateDkgMessage } from '../dkg/topic.ts';
import { writeFileAtomic, writeSecretFile } from '../keys/files.ts';
import type { DataDirLayout } from '../keys/layout.ts';
import { dkgKeysOf, type NodeKeys } from '../keys/nodeKeys.ts';
import { createP2pNode } from '../p2p/host.ts';
import { defineGossipTopics } from '../p2p/topics.ts';

/**
 * A reshare (docs/operations.md "Adding and removing a validator", docs/protocol.md "Resharing"
 * and "Committee transitions"), as `synod reshare` runs it next to a running node: the previous
 * committee deals sub-shares of its shares to the next one over a session of its own (its own
 * libp2p host on the plan's session addresses, so the node keeps its port and keeps finalizing);
 * each new member writes its share of the next epoch (keys/bls-share-<e>.keystore.json) and
 * everyone the committee file (committees/<e>.json); the new members then approve the outcome
 * (partial signatures with their new shares, combined into the record's group signature) and
 * submit the transition record to their own node, which switches at the record's height + 10.
 *
 * When the previous committee has an encryption key (committee.json `encryption`), a second
 * session on the same host, once the signing key's succeeded, reshares it too (purpose
 * 'encryption', threshold f + 1 of the next committee): its shares go to
 * keys/encryption-share-<e>.keystore.json and its outcome to the committee file's `encryption`.
 * Nothing is written unless both succeed. The transition record stays over the signing key's
 * outcome only: the chain needs the new share keys to verify votes; the encryption key itself
 * does not change.
 */

export const RESHARE_PLAN_VERSION = 1;

/** What every validator of the old and the new committee runs `synod reshare` with, identically. */
export interface ResharePlanJson {
  version: typeof RESHARE_PLAN_VERSION;
  /** The genesis of the current epoch: the dealers' DKG keys, in committee index order. */
  previous: GenesisJson;
  /** The genesis of the next epoch: epoch + 1, its members (their node addresses), threshold, a fresh nonce. */
  next: GenesisJson;
  /** Where each validator's `synod reshare` listens, by peer id (not its node's p2p address). */
  sessionAddresses: Record<string, string[]>;
}

export interface ResharePlan {
  previous: Genesis;
  next: Genesis;
  sessionAddresses: ReadonlyMap<string, readonly string[]>;
}

export class ResharePlanError extends Error {
  override readonly name = 'ResharePlanError';
}

/** Parses and checks a plan: consecutive epochs of one network, the next threshold its quorum, an address for everyone. */
export function parseResharePlan(text: string): ResharePlan {
  let json: ResharePlanJson;
  try {
    json = JSON.parse(text) as ResharePlanJson;
  } catch (error) {
    throw new ResharePlanError(`reshare plan is not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || json.version !== RESHARE_PLAN_VERSION)
    throw new ResharePlanError(`reshare plan: version must be ${RESHARE_PLAN_VERSION}`);
  const previous = parseGenesis(JSON.stringify(json.previous));
  const next = parseGenesis(JSON.stringify(json.next));
  if (next.networkId !== previous.networkId || next.chainId !== previous.chainId)
    throw new ResharePlanError('reshare plan: previous and next are of different networks');
  if (next.epoch !== previous.epoch + 1)
    throw new ResharePlanError(`reshare plan: next.epoch must be ${previous.epoch + 1}, got ${next.epoch}`);
  if (next.threshold !== quorumThreshold(next.participants.length))
    throw new ResharePlanError(
      `reshare plan: next.threshold must be the quorum of ${next.participants.length}, ${quorumThreshold(next.participants.length)}`,
    );
  const sessionAddresses = new Map<string, string[]>();
  for (const participant of [...previous.participants, ...next.participants]) {
    const addresses = json.sessionAddresses?.[participant.peerId];
    if (!Array.isArray(addresses) || addresses.length === 0)
      throw new ResharePlanError(`reshare plan: no sessionAddresses for ${participant.peerId}`);
    for (const address of addresses) multiaddr(address); // throws on a malformed address
    sessionAddresses.set(participant.peerId, addresses);
  }
  return { previous, next, sessionAddresses };
}

export interface ReshareSessionParameters {
  plan: ResharePlan;
  keys: NodeKeys;
  peerId: string;
  layout: DataDirLayout;
  config: SynodConfig;
  password: string;
  /** scrypt cost of the new share's keystore. */
  scryptN: number;
  /** Where to submit the record: this validator's node RPC (http://host:port). */
  rpcUrl: string;
  domain: NetworkDomain;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

export interface ReshareSessionResult {
  epoch: number;
  /** Our index in the next committee; undefined for a validator that leaves. */
  validatorIndex: number | undefined;
  committee: CommitteeJson;
  /** The record transaction we submitted (undefined for a leaver, or when approvals ran out). */
  recordTxId: Hex | undefined;
}

const PEER_POLL_INTERVAL_MS = 200;
/** How long the record's submission to our node is retried (it may be restarting). */
const RECORD_SUBMIT_RETRY_MS = 30_000;

/** Runs one reshare session; writes our files of the next epoch; submits the record. */
export async function runReshareSession(parameters: ReshareSessionParameters): Promise<ReshareSessionResult> {
  const { plan, keys, peerId, layout, config, logger, signal } = parameters;
  const { previous, next } = plan;
  const dealer = previous.participants.find((participant) => participant.peerId === peerId);
  const member = next.participants.find((participant) => participant.peerId === peerId);
  if (dealer === undefined && member === undefined)
    throw new DkgSessionError('NOT_A_PARTICIPANT', `peer ${peerId} is in neither committee of the plan`);

  const previousCommittee = parseCommittee(await readFile(layout.committeeOf(previous.epoch), 'utf8'));
  if (previousCommittee.epoch !== previous.epoch)
    throw new ResharePlanError(
      `${layout.committeeOf(previous.epoch)} is not the committee of epoch ${previous.epoch}`,
    );
  if (dealer !== undefined && previousCommittee.members[dealer.index]?.peerId !== peerId)
    throw new ResharePlanError(
      `the plan's previous genesis puts us at index ${dealer.index}, ${layout.committeeOf(previous.epoch)} does not`,
    );
  const previousShare =
    dealer === undefined
      ? undefined
      : {
          index: dealer.index,
          secretKey: await readShareKeystore(
            layout.blsShareKeystoreOf(previous.epoch),
            previousCommittee.members[dealer.index]!,
            async () => parameters.password,
          ),
        };
  const previousEncryption = previousCommittee.encryption;
  // Read before the session, like the BLS share: a missing or wrong keystore must not waste it.
  const previousEncryptionShare =
    dealer === undefined || previousEncryption === undefined
      ? undefined
      : {
          index: dealer.index,
          secretKey: await readEncryptionShareKeystore(
            layout.encryptionShareKeystoreOf(previous.epoch),
            previousCommittee.members[dealer.index]!,
            async () => parameters.password,
          ),
        };
  const dkgConfig: DkgConfig = {
    networkId: next.networkId,
    epoch: next.epoch,
    nonce: next.dkgNonce,
    threshold: next.threshold,
    participants: next.participants.map((participant) => ({
      signingPublicKey: participant.dkgSigningPublicKey,
      encryptionPublicKey: participant.dkgEncryptionPublicKey,
    })),
    reshare: {
      dealers: previous.participants.map((participant) => ({
        signingPublicKey: participant.dkgSigningPublicKey,
        encryptionPublicKey: participant.dkgEncryptionPublicKey,
      })),
      previousCommitments: previousCommittee.commitments.map((commitment) => parseHex(commitment, 48)!),
    },
  };
  const sessionId = dkgSessionId(dkgConfig);
  const dkgTopic = dkgGossipTopics(dkgConfig, sessionId).name;
  const approvalsTopic = `${dkgTopic}-approvals`;
  const encryption =
    previousEncryption === undefined
      ? undefined
      : encryptionSession(
          dkgConfig,
          previousEncryption.commitments.map((commitment) => parseHex(commitment, 48)!),
        );
  type Messages = Record<string, DkgMessage | TransitionApproval>;
  const registry = defineGossipTopics<Messages>({
    [dkgTopic]: {
      codec: dkgMessageCodec as never,
      validate: (message) => validateDkgMessage(message as DkgMessage, dkgConfig, sessionId),
    },
    [approvalsTopic]: { codec: transitionApprovalCodec as never, validate: () => {} },
    ...(encryption === undefined
      ? {}
      : {
          [encryption.topic]: {
            codec: dkgMessageCodec as never,
            validate: (message: DkgMessage | TransitionApproval) =>
              validateDkgMessage(message as DkgMessage, encryption.config, encryption.sessionId),
          },
        }),
  });
  const others = [...plan.sessionAddresses].filter(([peer]) => peer !== peerId);
  const host = createP2pNode<Messages>(
    {
      privateKey: keys.p2pPrivateKey,
      topics: registry,
      listenAddresses: plan.sessionAddresses.get(peerId) as string[],
      bootstrapPeers: others.flatMap(([peer, addresses]) =>
        addresses.map((address) => `${address}/p2p/${peer}`),
      ),
      maxPeers: config.p2p.maxPeers,
      dialTimeoutMs: config.p2p.dialTimeoutMs,
      reconnectMinDelayMs: config.p2p.reconnectMinDelayMs,
      reconnectMaxDelayMs: config.p2p.reconnectMaxDelayMs,
    },
    {},
  );
  const dkgKeys = dkgKeysOf(keys);
  const driverOf = (
    sessionConfig: DkgConfig,
    share: { index: number; secretKey: Uint8Array } | undefined,
    topic: string,
  ): DkgDriver =>
    new DkgDriver(
      {
        config: sessionConfig,
        secrets: {
          index: member?.index,
          ...(share === undefined ? {} : { previousShare: share }),
          signingSecretKey: dkgKeys.signingSecretKey,
          encryptionSecretKey: dkgKeys.encryptionSecretKey,
          randomness: new Uint8Array(randomBytes(DKG_RANDOMNESS_MIN_BYTES)),
        },
        timeouts: {
          dealMs: config.dkg.dealTimeoutMs,
          responseMs: config.dkg.responseTimeoutMs,
          justificationMs: config.dkg.justificationTimeoutMs,
        },
      },
      { broadcast: (message) => host.publish(topic, message), logger },
    );
  const driver = driverOf(dkgConfig, previousShare, dkgTopic);
  host.subscribe(dkgTopic, (message) => driver.receive(message as DkgMessage));
  // Subscribed from the start, like the signing topic: a validator that finishes the signing
  // session first deals this one while the others still finish theirs (the driver holds it).
  const encryptionDriver =
    encryption === undefined
      ? undefined
      : driverOf(encryption.config, previousEncryptionShare, encryption.topic);
  if (encryption !== undefined && encryptionDriver !== undefined)
    host.subscribe(encryption.topic, (message) => encryptionDriver.receive(message as DkgMessage));
  const approvals = new Map<number, Uint8Array>();
  let onApproval = (): void => {};
  host.subscribe(approvalsTopic, (message) => {
    const approval = message as TransitionApproval;
    if (approval.epoch !== next.epoch || approvals.has(approval.shareIndex)) return;
    approvals.set(approval.shareIndex, approval.signature);
    onApproval();
  });
  const onAbort = () => {
    driver.stop('aborted');
    encryptionDriver?.stop('aborted');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await host.start();
    logger?.info(
      { epoch: next.epoch, dealer: dealer?.index, member: member?.index, sessionId: toLowerHex(sessionId) },
      'reshare: waiting for the other validators',
    );
    await waitForPeers();
    driver.start();
    const end: DkgEnd = await driver.result;
    const outcome = end.kind === 'share' ? end.result : end.outcome;
    let encryptionEnd: DkgEnd | undefined;
    if (encryption !== undefined && encryptionDriver !== undefined) {
      logger?.info(
        {
          epoch: next.epoch,
          sessionId: toLowerHex(encryption.sessionId),
          threshold: encryption.config.threshold,
        },
        'reshare of the signing key finished; resharing the encryption key',
      );
      encryptionDriver.start();
      encryptionEnd = await encryptionDriver.result.catch((error: unknown) => {
        // Nothing is written yet: the reshare fails as a whole, and the current committee goes on.
        if (!(error instanceof DkgSessionError)) throw error;
        throw new DkgSessionError(error.code, `encryption key: ${error.message}`, { cause: error });
      });
      // Both sessions have the same recipients: a member of one is a member of the other.
      if (encryptionEnd.kind !== end.kind)
        throw new Error('assertion failed: the encryption reshare ended unlike the signing one');
    }
    const committee = buildCommittee(
      next,
      outcome,
      sessionId,
      encryption === undefined || encryptionEnd === undefined
        ? undefined
        : {
            outcome: encryptionEnd.kind === 'share' ? encryptionEnd.result : encryptionEnd.outcome,
            sessionId: encryption.sessionId,
          },
    );
    if (end.kind === 'share') {
      await writeKeystore(layout.blsShareKeystoreOf(next.epoch), end.result, '');
    }
    if (encryptionEnd?.kind === 'share') {
      await writeKeystore(
        layout.encryptionShareKeystoreOf(next.epoch),
        encryptionEnd.result,
        ' (encryption key)',
      );
    }
    await mkdir(layout.committeesDir, { recursive: true });
    await writeFileAtomic(layout.committeeOf(next.epoch), formatCommittee(committee), {
      mode: 0o644,
      overwrite: true,
    });
    logger?.info({ epoch: next.epoch, qualified: outcome.qualified }, 'reshare finished; files written');

    let recordTxId: Hex | undefined;
    if (end.kind === 'share') {
      const { result } = end;
      const unsigned = {
        epoch: next.epoch,
        validatorCount: next.participants.length,
        commitments: result.commitments,
      };
      const message = transitionMessage(next.networkId, unsigned);
      const own = partialSign(result.shareSecretKey, message);
      approvals.set(result.shareIndex, own);
      await host.publish(approvalsTopic, {
        epoch: next.epoch,
        shareIndex: result.shareIndex,
        signature: own,
      });
      const signature = await collectApprovals(message, result.commitments);
      if (signature !== undefined) {
        recordTxId = await submitRecord(transitionRecordCodec.encode({ ...unsigned, signature }));
        logger?.info({ epoch: next.epoch, txId: recordTxId }, 'transition record submitted');
      }
    }
    await sleep(config.dkg.lingerMs);
    return { epoch: next.epoch, validatorIndex: member?.index, committee, recordTxId };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    driver.stop('session closed');
    encryptionDriver?.stop('session closed');
    await host.stop();
  }

  /** `suffix` ends the keystore's description: which key the share is of. */
  async function writeKeystore(path: string, result: DkgResult, suffix: string): Promise<void> {
    const keystore = await encryptShareKeystore(result.shareSecretKey, parameters.password, {
      pubkey: result.sharePublicKey,
      path: '',
      description: `synod network ${next.networkId} epoch ${next.epoch} share ${result.shareIndex} of ${next.participants.length}${suffix}`,
      kdf: { function: 'scrypt', n: parameters.scryptN, r: 8, p: 1 },
    });
    await writeSecretFile(path, keystore, { overwrite: true });
  }

  /** Every other validator of both committees subscribed (or heard from), within dkg.peerWaitTimeoutMs. */
  async function waitForPeers(): Promise<void> {
    const deadline = Date.now() + config.dkg.peerWaitTimeoutMs;
    for (;;) {
      const subscribed = new Set(host.topicPeers(dkgTopic).map(String));
      const missing = others.map(([peer]) => peer).filter((peer) => !subscribed.has(peer));
      if (missing.length === 0) return;
      if (Date.now() >= deadline) {
        throw new DkgSessionError(
          'PEERS_UNREACHABLE',
          `reshare: ${missing.length} validators did not join within ${config.dkg.peerWaitTimeoutMs} ms: ${missing.join(', ')}`,
        );
      }
      if (signal?.aborted === true) throw new DkgSessionError('ABORTED', 'reshare aborted');
      await sleep(PEER_POLL_INTERVAL_MS);
    }
  }

  /** The group signature from t' valid approvals, or undefined after the justification timeout. */
  async function collectApprovals(
    message: Uint8Array,
    commitments: Uint8Array[],
  ): Promise<Uint8Array | undefined> {
    const deadline = Date.now() + config.dkg.justificationTimeoutMs;
    for (;;) {
      const valid = [...approvals]
        .filter(([shareIndex, partial]) => {
          if (shareIndex < 1 || shareIndex > next.participants.length) return false;
          return verifyPartial(sharePublicKeyFromCommitments(commitments, shareIndex), message, partial);
        })
        .map(([index, signature]) => ({ index, signature }));
      if (valid.length >= next.threshold) return recoverGroupSignature(valid, next.threshold);
      if (Date.now() >= deadline) {
        logger?.warn(
          { approvals: valid.length, threshold: next.threshold },
          'reshare: too few approvals to sign the transition record; another member may still submit it',
        );
        return undefined;
      }
      await new Promise<void>((resolve) => {
        onApproval = resolve;
        setTimeout(resolve, PEER_POLL_INTERVAL_MS);
      });
    }
  }

  /**
   * Submits the record as a transaction of a fresh sender (any sender will do) to our node, which
   * may be restarting: retried for RECORD_SUBMIT_RETRY_MS, then a DkgSessionError.
   */
  async function submitRecord(record: Uint8Array): Promise<Hex> {
    const deadline = Date.now() + RECORD_SUBMIT_RETRY_MS;
    for (;;) {
      try {
        return await submitRecordOnce(record);
      } catch (error) {
        if (Date.now() >= deadline || signal?.aborted === true) {
          throw new DkgSessionError(
            'RECORD_NOT_SUBMITTED',
            `the reshare succeeded and ${layout.committeeOf(next.epoch)} is written, but the node at ${parameters.rpcUrl} did not take the transition record (${(error as Error).message}); the other new members submit it too`,
            { cause: error },
          );
        }
        logger?.warn(
          { err: error, rpc: parameters.rpcUrl },
          'reshare: submitting the record failed; retrying',
        );
        await sleep(1_000);
      }
    }
  }

  async function submitRecordOnce(record: Uint8Array): Promise<Hex> {
    const account = privateKeyToAccount(generatePrivateKey());
    const tx = await signTransaction(
      account,
      {
        networkId: next.networkId,
        namespace: COMMITTEE_NAMESPACE,
        sender: account.address,
        nonce: 0n,
        payload: toLowerHex(record),
        validUntil: BigInt(Math.floor(Date.now() / 1000) + 600),
      },
      parameters.domain,
    );
    const response = await fetch(parameters.rpcUrl, {
      signal: AbortSignal.timeout(5_000),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'synod_sendTransaction',
        params: [toLowerHex(transactionCodec.encode(tx))],
      }),
    });
    const body = (await response.json()) as { result?: Hex; error?: { message: string } };
    if (body.error !== undefined)
      throw new Error(`the node refused the transition record: ${body.error.message}`);
    return body.result ?? transactionId(tx, parameters.domain);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The encryption key's reshare beside the signing key's `signing`: the same committees and nonce,
 * threshold f + 1 of the next committee, the previous encryption key's commitments, and its own
 * session id and topic.
 */
function encryptionSession(
  signing: DkgConfig,
  previousCommitments: Uint8Array[],
): { config: DkgConfig; sessionId: Uint8Array; topic: string } {
  const config: DkgConfig = {
    ...encryptionDkgConfig(signing),
    reshare: { dealers: signing.reshare!.dealers, previousCommitments },
  };
  const sessionId = dkgSessionId(config);
  return { config, sessionId, topic: dkgTopicName(sessionId) };
}
