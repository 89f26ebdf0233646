import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import {
  committeeSize,
  DKG_ENCRYPTION_KEY_BYTES,
  DKG_NONCE_BYTES,
  DKG_SIGNING_KEY_BYTES,
  type DkgConfig,
  MAX_DKG_PARTICIPANTS,
  parseHex,
  toLowerHex,
} from '@synod/protocol';
import { type Address, getAddress, type Hex, isAddress, keccak256, stringToBytes } from 'viem';
import { GenesisError } from './errors.ts';

/**
 * The genesis file: what every validator of a new network must hold identically before the DKG.
 * Format (JSON, docs/operations.md "Genesis file"):
 *
 * ```json
 * { "version": 1, "networkId": 7, "chainId": 31337, "epoch": 0, "threshold": 3,
 *   "dkgNonce": "0x…32 bytes",
 *   "participants": [{ "index": 0, "peerId": "12D3Koo…", "multiaddrs": ["/ip4/10.0.0.1/tcp/9000"],
 *     "dkgSigningPublicKey": "0x…32", "dkgEncryptionPublicKey": "0x…32", "ethereumAddress": "0x…20" }] }
 * ```
 *
 * The network id, epoch, threshold, nonce and DKG keys enter the DKG session id, so validators
 * that disagree on them cannot complete a DKG together. The other fields (chain id, peer ids,
 * addresses) do not; committee.json records the genesis hash so operators can compare it.
 */

export const GENESIS_VERSION = 1;
/** Addresses per participant: a few interfaces (IPv4, IPv6, DNS), never a list to scan. */
export const MAX_PARTICIPANT_MULTIADDRS = 16;

export interface GenesisParticipantJson {
  index: number;
  /** libp2p peer id (Ed25519), what other nodes dial and noise authenticates. */
  peerId: string;
  /** Where to reach it, without or with a trailing /p2p/<peerId>. */
  multiaddrs: string[];
  dkgSigningPublicKey: Hex;
  dkgEncryptionPublicKey: Hex;
  /** The account that pays for its L1 submissions. */
  ethereumAddress: Address;
}

export interface GenesisJson {
  version: typeof GENESIS_VERSION;
  networkId: number;
  chainId: number;
  epoch: number;
  threshold: number;
  dkgNonce: Hex;
  participants: GenesisParticipantJson[];
}

export interface GenesisParticipant {
  readonly index: number;
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  readonly dkgSigningPublicKey: Uint8Array;
  readonly dkgEncryptionPublicKey: Uint8Array;
  readonly ethereumAddress: Address;
}

export interface Genesis {
  readonly networkId: number;
  readonly chainId: number;
  readonly epoch: number;
  readonly threshold: number;
  readonly dkgNonce: Uint8Array;
  readonly participants: readonly GenesisParticipant[];
}

/** The BLS threshold of a committee of n: its consensus quorum n − f (see committeeSize). */
export function quorumThreshold(n: number): number {
  return committeeSize(n).quorum;
}

const TOP_FIELDS = ['version', 'networkId', 'chainId', 'epoch', 'threshold', 'dkgNonce', 'participants'];
const PARTICIPANT_FIELDS = [
  'index',
  'peerId',
  'multiaddrs',
  'dkgSigningPublicKey',
  'dkgEncryptionPublicKey',
  'ethereumAddress',
];

function invalid(field: string, reason: string, got: unknown): GenesisError {
  const shown = JSON.stringify(got) ?? 'nothing';
  return new GenesisError(
    'INVALID_FIELD',
    field,
    `${reason}, got ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}`,
  );
}

function checkFields(record: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new GenesisError('UNKNOWN_FIELD', `${prefix}${key}`, 'unknown field');
  }
}

function integerField(record: Record<string, unknown>, field: string, min: number, prefix = ''): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(`${prefix}${field}`, `must be an integer ≥ ${min}`, value);
  }
  return value;
}

function bytesField(record: Record<string, unknown>, field: string, length: number, prefix = ''): Uint8Array {
  const bytes = parseHex(record[field], length);
  if (bytes === undefined)
    throw invalid(`${prefix}${field}`, `must be 0x-hex of ${length} bytes`, record[field]);
  return bytes;
}

function parseParticipant(value: unknown, position: number): GenesisParticipant {
  const prefix = `participants[${position}].`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`participants[${position}]`, 'must be an object', value);
  }
  const record = value as Record<string, unknown>;
  checkFields(record, PARTICIPANT_FIELDS, prefix);
  const index = integerField(record, 'index', 0, prefix);
  if (index !== position)
    throw invalid(`${prefix}index`, `must be ${position} (participants are listed in index order)`, index);
  const peerId = record.peerId;
  let parsedPeerId: ReturnType<typeof peerIdFromString>;
  try {
    if (typeof peerId !== 'string') throw new Error('not a string');
    parsedPeerId = peerIdFromString(peerId);
  } catch {
    throw invalid(`${prefix}peerId`, 'must be a libp2p peer id', peerId);
  }
  if (parsedPeerId.type !== 'Ed25519') throw invalid(`${prefix}peerId`, 'must be an Ed25519 peer id', peerId);
  const multiaddrs = record.multiaddrs;
  if (
    !Array.isArray(multiaddrs) ||
    multiaddrs.length === 0 ||
    multiaddrs.length > MAX_PARTICIPANT_MULTIADDRS
  ) {
    throw invalid(
      `${prefix}multiaddrs`,
      `must be a list of 1..${MAX_PARTICIPANT_MULTIADDRS} multiaddrs`,
      multiaddrs,
    );
  }
  for (const [i, address] of multiaddrs.entries()) {
    const field = `${prefix}multiaddrs[${i}]`;
    if (typeof address !== 'string') throw invalid(field, 'must be a multiaddr', address);
    let components: { name: string; value?: string | undefined }[];
    try {
      components = multiaddr(address).getComponents();
    } catch {
      throw invalid(field, 'must be a multiaddr', address);
    }
    const p2p = components.findLast((component) => component.name === 'p2p');
    if (p2p !== undefined && p2p.value !== peerId)
      throw invalid(field, `its /p2p/ part must be the peerId ${peerId}`, address);
  }
  const ethereumAddress = record.ethereumAddress;
  if (typeof ethereumAddress !== 'string' || !isAddress(ethereumAddress, { strict: false })) {
    throw invalid(`${prefix}ethereumAddress`, 'must be a 0x-prefixed 20-byte address', ethereumAddress);
  }
  return {
    index,
    peerId: parsedPeerId.toString(),
    multiaddrs: multiaddrs as string[],
    dkgSigningPublicKey: bytesField(record, 'dkgSigningPublicKey', DKG_SIGNING_KEY_BYTES, prefix),
    dkgEncryptionPublicKey: bytesField(record, 'dkgEncryptionPublicKey', DKG_ENCRYPTION_KEY_BYTES, prefix),
    ethereumAddress: getAddress(ethereumAddress),
  };
}

function checkUnique(participants: readonly GenesisParticipant[]): void {
  const fields = [
    ['peerId', (p: GenesisParticipant) => p.peerId],
    ['dkgSigningPublicKey', (p: GenesisParticipant) => toLowerHex(p.dkgSigningPublicKey)],
    ['dkgEncryptionPublicKey', (p: GenesisParticipant) => toLowerHex(p.dkgEncryptionPublicKey)],
    ['ethereumAddress', (p: GenesisParticipant) => p.ethereumAddress],
  ] as const;
  for (const [name, of] of fields) {
    const seen = new Map<string, number>();
    for (const participant of participants) {
      const value = of(participant);
      const first = seen.get(value);
      if (first !== undefined) {
        throw new GenesisError(
          'DUPLICATE',
          `participants[${participant.index}].${name}`,
          `same as participants[${first}].${name}`,
        );
      }
      seen.set(value, participant.index);
    }
  }
}

/** Parses and checks a genesis file. Throws GenesisError naming the offending field. */
export function parseGenesis(text: string): Genesis {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GenesisError('INVALID_JSON', '', `not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GenesisError('INVALID_JSON', '', 'must be a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  checkFields(record, TOP_FIELDS, '');
  if (record.version !== GENESIS_VERSION)
    throw invalid('version', `must be ${GENESIS_VERSION}`, record.version);
  const networkId = integerField(record, 'networkId', 0);
  const chainId = integerField(record, 'chainId', 1);
  const epoch = integerField(record, 'epoch', 0);
  const threshold = integerField(record, 'threshold', 1);
  const dkgNonce = bytesField(record, 'dkgNonce', DKG_NONCE_BYTES);
  const list = record.participants;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_DKG_PARTICIPANTS) {
    throw invalid('participants', `must be a list of 1..${MAX_DKG_PARTICIPANTS} participants`, list);
  }
  const participants = list.map((participant, position) => parseParticipant(participant, position));
  checkUnique(participants);
  const expected = quorumThreshold(participants.length);
  if (threshold !== expected) {
    throw new GenesisError(
      'INVALID_THRESHOLD',
      'threshold',
      `must be the quorum n − f = ${expected} for ${participants.length} participants (the consensus quorum), got ${threshold}`,
    );
  }
  return { networkId, chainId, epoch, threshold, dkgNonce, participants };
}

/** Assembles a genesis from participant entries (as `synod keys --json` prints them), in order. */
export function createGenesisJson(parameters: {
  networkId: number;
  chainId: number;
  epoch?: number;
  dkgNonce: Uint8Array;
  participants: readonly Omit<GenesisParticipantJson, 'index'>[];
}): GenesisJson {
  const genesis: GenesisJson = {
    version: GENESIS_VERSION,
    networkId: parameters.networkId,
    chainId: parameters.chainId,
    epoch: parameters.epoch ?? 0,
    threshold: quorumThreshold(parameters.participants.length),
    dkgNonce: toLowerHex(parameters.dkgNonce),
    participants: parameters.participants.map((participant, index) => ({
      index,
      peerId: participant.peerId,
      multiaddrs: [...participant.multiaddrs],
      dkgSigningPublicKey: participant.dkgSigningPublicKey,
      dkgEncryptionPublicKey: participant.dkgEncryptionPublicKey,
      ethereumAddress: participant.ethereumAddress,
    })),
  };
  parseGenesis(JSON.stringify(genesis)); // the result must be a valid genesis
  return genesis;
}

/** The DKG session parameters of a genesis. */
export function genesisToDkgConfig(genesis: Genesis): DkgConfig {
  return {
    networkId: genesis.networkId,
    epoch: genesis.epoch,
    nonce: genesis.dkgNonce,
    threshold: genesis.threshold,
    participants: genesis.participants.map((participant) => ({
      signingPublicKey: participant.dkgSigningPublicKey,
      encryptionPublicKey: participant.dkgEncryptionPublicKey,
    })),
  };
}

/** The canonical JSON form of a genesis (lowercase hex, checksummed addresses, fixed key order). */
export function genesisToJson(genesis: Genesis): GenesisJson {
  return {
    version: GENESIS_VERSION,
    networkId: genesis.networkId,
    chainId: genesis.chainId,
    epoch: genesis.epoch,
    threshold: genesis.threshold,
    dkgNonce: toLowerHex(genesis.dkgNonce),
    participants: genesis.participants.map((participant) => ({
      index: participant.index,
      peerId: participant.peerId,
      multiaddrs: [...participant.multiaddrs],
      dkgSigningPublicKey: toLowerHex(participant.dkgSigningPublicKey),
      dkgEncryptionPublicKey: toLowerHex(participant.dkgEncryptionPublicKey),
      ethereumAddress: participant.ethereumAddress,
    })),
  };
}

/**
 * keccak256 of the canonical JSON (compact) of a genesis: equal for two files that differ only
 * in formatting or hex case. committee.json records it, so operators can compare one hash.
 */
export function genesisHash(genesis: Genesis): Hex {
  return keccak256(stringToBytes(JSON.stringify(genesisToJson(genesis))));
}
