import {
  assert,
  type DkgPublicOutcome,
  encryptionThreshold,
  parseHex,
  sharePublicKeyFromCommitments,
  toLowerHex,
} from '@synod/protocol';
import type { Address, Hex } from 'viem';
import { type Genesis, genesisHash } from '../config/genesis.ts';
import { CommitteeError } from './errors.ts';

/**
 * committee.json: the genesis completed by the DKG. Written by `synod dkg` into the data dir;
 * read by `synod start` (consensus verifies votes and certificates against it) and by the
 * contract deployment (the group key goes to CommitteeRegistry).
 *
 * Every field is public and derived from the genesis and the public DKG transcript, so every
 * honest validator writes a byte-identical file: operators confirm agreement by comparing its
 * sha256 out of band. The private outputs, the shares, go to the keystores.
 *
 * `encryption` is the committee encryption key (threshold f + 1, issue #19) from the second
 * session of `synod dkg`. It is optional so that committee files written before it still parse:
 * an epoch without it has no encryption key.
 */

export const COMMITTEE_VERSION = 1;

export interface CommitteeMemberJson {
  index: number;
  /** Shamir index of its share: index + 1. */
  shareIndex: number;
  peerId: string;
  multiaddrs: string[];
  ethereumAddress: Address;
  /** Its share's public key (48-byte G1): verifies its partial signatures. */
  sharePublicKey: Hex;
  /** Its encryption-key share's public key: verifies its decryption shares. Set iff `encryption` is. */
  encryptionSharePublicKey?: Hex;
}

/** The committee encryption key: a second DKG output of the same committee, threshold f + 1. */
export interface CommitteeEncryptionJson {
  /** encryptionThreshold(members) = f + 1: decryption shares needed to release a decryption key. */
  threshold: number;
  /** The encryption public key (48-byte G1): commitments[0]. */
  publicKey: Hex;
  /** Feldman commitments of its polynomial (`threshold` points). */
  commitments: Hex[];
  qualified: number[];
  excluded: { index: number; reason: string }[];
  /** Its session (DkgConfig purpose 'encryption'): never the signing key's. */
  dkgSessionId: Hex;
}

export interface CommitteeJson {
  version: typeof COMMITTEE_VERSION;
  networkId: number;
  chainId: number;
  epoch: number;
  threshold: number;
  /** keccak256 of the canonical genesis this committee came from. */
  genesisHash: Hex;
  dkgSessionId: Hex;
  /** The group public key (48-byte G1) that certificates verify against. */
  groupPublicKey: Hex;
  /** Feldman commitments of the group polynomial (t points); commitments[0] is the group key. */
  commitments: Hex[];
  /** Dealers whose contribution forms the key. */
  qualified: number[];
  excluded: { index: number; reason: string }[];
  /** Absent in a committee without an encryption key (files of before issue #19). */
  encryption?: CommitteeEncryptionJson;
  members: CommitteeMemberJson[];
}

/** The encryption-key session's public outcome, as buildCommittee takes it. */
export interface EncryptionOutcome {
  outcome: DkgPublicOutcome;
  sessionId: Uint8Array;
}

/**
 * Builds committee.json from the genesis and this node's DKG result (only its public parts), and
 * the encryption-key session's when there was one. Key order is fixed here: the file's bytes are
 * what validators compare.
 */
export function buildCommittee(
  genesis: Genesis,
  result: DkgPublicOutcome,
  sessionId: Uint8Array,
  encryption?: EncryptionOutcome,
): CommitteeJson {
  const n = genesis.participants.length;
  const encryptionJson =
    encryption === undefined ? undefined : buildEncryption(encryptionThreshold(n), encryption);
  return {
    version: COMMITTEE_VERSION,
    networkId: genesis.networkId,
    chainId: genesis.chainId,
    epoch: genesis.epoch,
    threshold: genesis.threshold,
    genesisHash: genesisHash(genesis),
    dkgSessionId: toLowerHex(sessionId),
    groupPublicKey: toLowerHex(result.groupPublicKey),
    commitments: result.commitments.map((commitment) => toLowerHex(commitment)),
    qualified: [...result.qualified],
    excluded: result.excluded.map((entry) => ({ index: entry.dealerIndex, reason: entry.reason })),
    ...(encryptionJson === undefined ? {} : { encryption: encryptionJson }),
    members: genesis.participants.map((participant) => ({
      index: participant.index,
      shareIndex: participant.index + 1,
      peerId: participant.peerId,
      multiaddrs: [...participant.multiaddrs],
      ethereumAddress: participant.ethereumAddress,
      sharePublicKey: toLowerHex(sharePublicKeyFromCommitments(result.commitments, participant.index + 1)),
      ...(encryption === undefined
        ? {}
        : {
            encryptionSharePublicKey: toLowerHex(
              sharePublicKeyFromCommitments(encryption.outcome.commitments, participant.index + 1),
            ),
          }),
    })),
  };
}

function buildEncryption(
  threshold: number,
  { outcome, sessionId }: EncryptionOutcome,
): CommitteeEncryptionJson {
  assert(
    outcome.commitments.length === threshold,
    `encryption key has ${outcome.commitments.length} commitments, its threshold is ${threshold}`,
  );
  return {
    threshold,
    publicKey: toLowerHex(outcome.groupPublicKey),
    commitments: outcome.commitments.map((commitment) => toLowerHex(commitment)),
    qualified: [...outcome.qualified],
    excluded: outcome.excluded.map((entry) => ({ index: entry.dealerIndex, reason: entry.reason })),
    dkgSessionId: toLowerHex(sessionId),
  };
}

export function formatCommittee(committee: CommitteeJson): string {
  return `${JSON.stringify(committee, null, 2)}\n`;
}

/**
 * Parses committee.json and checks that it is consistent: the group key is the first commitment,
 * and every member's share key follows from the commitments; the same for the encryption key when
 * there is one, whose threshold must be f + 1 of the members. Throws CommitteeError.
 */
export function parseCommittee(text: string): CommitteeJson {
  let parsed: CommitteeJson;
  try {
    parsed = JSON.parse(text) as CommitteeJson;
  } catch (error) {
    throw new CommitteeError(`committee.json is not valid JSON: ${(error as Error).message}`);
  }
  const fail = (reason: string): never => {
    throw new CommitteeError(`committee.json: ${reason}`);
  };
  if (typeof parsed !== 'object' || parsed === null) fail('must be a JSON object');
  if (parsed.version !== COMMITTEE_VERSION) fail(`version must be ${COMMITTEE_VERSION}`);
  if (!Array.isArray(parsed.commitments) || parsed.commitments.length !== parsed.threshold) {
    fail('commitments must hold `threshold` points');
  }
  const commitments = parsed.commitments.map(
    (commitment, k) => parseHex(commitment, 48) ?? fail(`commitments[${k}] is not 48-byte hex`),
  );
  if (parsed.groupPublicKey !== parsed.commitments[0]) fail('groupPublicKey must equal commitments[0]');
  if (!Array.isArray(parsed.members) || parsed.members.length < parsed.threshold)
    fail('members must hold at least `threshold` entries');
  const encryptionCommitments = parsed.encryption === undefined ? undefined : checkEncryption(parsed, fail);
  for (const [position, member] of parsed.members.entries()) {
    if (typeof member !== 'object' || member === null) fail(`members[${position}] must be an object`);
    if (member.index !== position || member.shareIndex !== position + 1)
      fail(`members[${position}]: index out of order`);
    if (derivedShareKey(commitments, member.shareIndex, 'commitments', fail) !== member.sharePublicKey)
      fail(`members[${position}].sharePublicKey does not follow from the commitments`);
    if (encryptionCommitments === undefined) {
      if (member.encryptionSharePublicKey !== undefined)
        fail(`members[${position}].encryptionSharePublicKey without an encryption key`);
    } else if (
      derivedShareKey(encryptionCommitments, member.shareIndex, 'encryption.commitments', fail) !==
      member.encryptionSharePublicKey
    )
      fail(`members[${position}].encryptionSharePublicKey does not follow from encryption.commitments`);
  }
  return parsed;
}

/** A share public key from commitments, lowercase hex; invalid points are a CommitteeError. */
function derivedShareKey(
  commitments: readonly Uint8Array[],
  shareIndex: number,
  field: string,
  fail: (reason: string) => never,
): Hex {
  try {
    return toLowerHex(sharePublicKeyFromCommitments(commitments, shareIndex));
  } catch (error) {
    return fail(`${field} are not valid points: ${(error as Error).message}`);
  }
}

/** Checks `encryption` (present) against the rest of the file; returns its commitments. */
function checkEncryption(parsed: CommitteeJson, fail: (reason: string) => never): Uint8Array[] {
  const encryption = parsed.encryption!;
  if (typeof encryption !== 'object' || encryption === null || Array.isArray(encryption))
    fail('encryption must be an object');
  // f + 1 exactly: fewer would let the f byzantine members decrypt alone, more could leave the
  // n − f honest ones unable to.
  const threshold = encryptionThreshold(parsed.members.length);
  if (encryption.threshold !== threshold)
    fail(`encryption.threshold must be f + 1 = ${threshold} for ${parsed.members.length} members`);
  if (!Array.isArray(encryption.commitments) || encryption.commitments.length !== threshold)
    fail('encryption.commitments must hold `encryption.threshold` points');
  const commitments = encryption.commitments.map(
    (commitment, k) => parseHex(commitment, 48) ?? fail(`encryption.commitments[${k}] is not 48-byte hex`),
  );
  if (encryption.publicKey !== encryption.commitments[0])
    fail('encryption.publicKey must equal encryption.commitments[0]');
  // One key for both would make a certificate over a ciphertext's identity its decryption key.
  if (encryption.publicKey.toLowerCase() === String(parsed.groupPublicKey).toLowerCase())
    fail('encryption.publicKey must not be the group public key');
  if (parseHex(encryption.dkgSessionId, 32) === undefined) fail('encryption.dkgSessionId is not 32-byte hex');
  if (encryption.dkgSessionId.toLowerCase() === String(parsed.dkgSessionId).toLowerCase())
    fail('encryption.dkgSessionId must not be the signing key’s session');
  if (!isIncreasingIndexList(encryption.qualified) || encryption.qualified.length === 0)
    fail('encryption.qualified must be a non-empty increasing list of dealer indices');
  if (
    !Array.isArray(encryption.excluded) ||
    !encryption.excluded.every(
      (entry) =>
        typeof entry === 'object' &&
        entry !== null &&
        isIndex(entry.index) &&
        typeof entry.reason === 'string' &&
        !encryption.qualified.includes(entry.index),
    )
  )
    fail('encryption.excluded must list { index, reason } of dealers not qualified');
  return commitments;
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isIncreasingIndexList(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.every((entry, i) => isIndex(entry) && (i === 0 || entry > (value[i - 1] as number)))
  );
}
