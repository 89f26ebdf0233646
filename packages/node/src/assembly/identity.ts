import { readFile } from 'node:fs/promises';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { blsPublicKey, decryptShareKeystore, parseHex, toLowerHex } from '@synod/protocol';
import { type CommitteeJson, type CommitteeMemberJson, parseCommittee } from '../dkg/committee.ts';
import type { EpochShare } from '../epochs/transitions.ts';
import { KeyFileError } from '../keys/errors.ts';
import { fileExists, readSecretFile } from '../keys/files.ts';
import type { DataDirLayout } from '../keys/layout.ts';
import { loadNodeKeys } from '../keys/nodeKeys.ts';

/** Everything a validator signs and verifies with, loaded from its data dir (docs/operations.md "Keys"). */
export interface ValidatorIdentity {
  p2pPrivateKey: Ed25519PrivateKey;
  peerId: string;
  /** The genesis committee (committee.json, epoch 0). */
  committee: CommitteeJson;
  /**
   * Our index in committee.members (our share's Shamir index is this + 1); −1 for a node without
   * a genesis share: it follows the chain without signing until an epoch it is a member of.
   */
  validatorIndex: number;
  /** Our genesis share (undefined with validatorIndex −1). */
  shareSecretKey: Uint8Array | undefined;
  sharePublicKeys: Uint8Array[];
  groupPublicKey: Uint8Array;
  /** The account that pays for L1 postings (keys/ethereum.key). */
  ethereumPrivateKey: `0x${string}`;
  /**
   * Our share of a later epoch, from committees/<epoch>.json and keys/bls-share-<epoch>.keystore.json
   * (written by `synod reshare`), checked like the genesis one; undefined when either file is
   * missing or does not list us.
   */
  epochShareOf(epoch: number): Promise<EpochShare | undefined>;
  /**
   * The committee encryption key of `epoch` (epoch 0: committee.json and
   * keys/encryption-share.keystore.json; later: committees/<epoch>.json and
   * keys/encryption-share-<epoch>.keystore.json): see loadEncryptionKeys. Undefined when that
   * epoch's committee file is missing or has no encryption key.
   */
  encryptionKeysOf(epoch: number): Promise<EncryptionKeys | undefined>;
}

/** A committee's encryption key (threshold f + 1) and our share of it. */
export interface EncryptionKeys {
  /** f + 1: decryption shares that release a decryption key. */
  threshold: number;
  /** The encryption public key (48-byte G1). */
  publicKey: Uint8Array;
  /** Share public key of each member, by validator index: verify its decryption shares. */
  sharePublicKeys: Uint8Array[];
  /** Our share's secret key; undefined for a node that is not a member (or holds no keystore of a later epoch). */
  shareSecretKey: Uint8Array | undefined;
}

/**
 * Loads the libp2p identity and the DKG keys (`synod init`), committee.json and the BLS share
 * keystore (`synod dkg`), and checks that they belong together: our peer id is a committee
 * member, and the decrypted share's public key is that member's share public key. A data dir with
 * committee.json but no share keystore at all is a validator that joins later: it follows.
 */
export async function loadValidatorIdentity(
  layout: DataDirLayout,
  password: () => Promise<string>,
): Promise<ValidatorIdentity> {
  const keys = await loadNodeKeys(layout);
  const peerId = peerIdFromPrivateKey(keys.p2pPrivateKey).toString();
  let committeeText: string;
  try {
    committeeText = await readFile(layout.committee, 'utf8');
  } catch (cause) {
    throw new KeyFileError(
      'MISSING_KEY',
      `${layout.committee} is missing: run \`synod dkg\` first (it writes the committee and the share keystore)`,
      { path: layout.committee, cause },
    );
  }
  const committee = parseCommittee(committeeText);
  const groupPublicKey = parseHex(committee.groupPublicKey, 48)!;
  const common = {
    p2pPrivateKey: keys.p2pPrivateKey,
    peerId,
    committee,
    sharePublicKeys: committee.members.map((entry) => parseHex(entry.sharePublicKey, 48)!),
    groupPublicKey,
    ethereumPrivateKey: keys.ethereumPrivateKey,
    epochShareOf: (epoch: number) => loadEpochShare(layout, epoch, peerId, committee, password),
    encryptionKeysOf: (epoch: number) =>
      epoch === 0
        ? loadEncryptionKeys(layout, committee, peerId, password)
        : loadEpochEncryptionKeys(layout, epoch, peerId, committee, password),
  };
  const member = committee.members.find((entry) => entry.peerId === peerId);
  if (member === undefined) {
    if (await fileExists(layout.blsShareKeystore)) {
      throw new KeyFileError(
        'INVALID_KEY',
        `this node's peer id ${peerId} is not a member of ${layout.committee}, yet ${layout.blsShareKeystore} exists: wrong data dir?`,
        { path: layout.committee },
      );
    }
    return { ...common, validatorIndex: -1, shareSecretKey: undefined };
  }
  const shareSecretKey = await readShareKeystore(layout.blsShareKeystore, member, password);
  return { ...common, validatorIndex: member.index, shareSecretKey };
}

/** Decrypts a share keystore and checks it holds `member`'s share. */
export async function readShareKeystore(
  path: string,
  member: CommitteeMemberJson,
  password: () => Promise<string>,
): Promise<Uint8Array> {
  return readKeystoreOf(path, 'share', member.sharePublicKey, member.index, password);
}

/** Decrypts an encryption-key share keystore and checks it holds `member`'s encryption-key share. */
export async function readEncryptionShareKeystore(
  path: string,
  member: CommitteeMemberJson,
  password: () => Promise<string>,
): Promise<Uint8Array> {
  if (member.encryptionSharePublicKey === undefined) {
    throw new KeyFileError(
      'INVALID_KEY',
      `committee member ${member.index} has no encryption share public key to check ${path} against`,
      { path },
    );
  }
  return readKeystoreOf(
    path,
    'encryption-key share',
    member.encryptionSharePublicKey,
    member.index,
    password,
  );
}

/** `share`: which share the keystore holds ('share' is the BLS signing share). */
async function readKeystoreOf(
  path: string,
  share: 'share' | 'encryption-key share',
  expectedPublicKey: string,
  memberIndex: number,
  password: () => Promise<string>,
): Promise<Uint8Array> {
  const keystore = await readSecretFile(
    path,
    share === 'share' ? 'the BLS share keystore' : `the ${share} keystore`,
  );
  // Read only now, so that a data dir without a committee says so rather than ask for a password.
  const shareSecretKey = await decryptShareKeystore(keystore.toString('utf8'), await password());
  if (toLowerHex(blsPublicKey(shareSecretKey)) !== expectedPublicKey.toLowerCase()) {
    throw new KeyFileError(
      'INVALID_KEY',
      `${path} does not hold the ${share} of committee member ${memberIndex}`,
      {
        path,
      },
    );
  }
  return shareSecretKey;
}

/**
 * The encryption key of `committee` (of any epoch, already parsed and checked), and our share of
 * it from keys/encryption-share[-<epoch>].keystore.json; undefined when the committee has none
 * (a file of before issue #19). As for the BLS share: in epoch 0 a member must hold its keystore
 * and a non-member must not; in a later epoch (`synod reshare`) a member without its keystore
 * follows (shareSecretKey undefined).
 */
export async function loadEncryptionKeys(
  layout: DataDirLayout,
  committee: CommitteeJson,
  peerId: string,
  password: () => Promise<string>,
): Promise<EncryptionKeys | undefined> {
  const { encryption } = committee;
  if (encryption === undefined) return undefined;
  const path = layout.encryptionShareKeystoreOf(committee.epoch);
  const keys = {
    threshold: encryption.threshold,
    publicKey: parseHex(encryption.publicKey, 48)!,
    // parseCommittee checked every member has one that follows from the commitments.
    sharePublicKeys: committee.members.map((entry) => parseHex(entry.encryptionSharePublicKey, 48)!),
  };
  const member = committee.members.find((entry) => entry.peerId === peerId);
  if (member === undefined) {
    if (committee.epoch === 0 && (await fileExists(path))) {
      throw new KeyFileError(
        'INVALID_KEY',
        `this node's peer id ${peerId} is not a member of the epoch 0 committee, yet ${path} exists: wrong data dir?`,
        { path },
      );
    }
    return { ...keys, shareSecretKey: undefined };
  }
  if (committee.epoch !== 0 && !(await fileExists(path))) return { ...keys, shareSecretKey: undefined };
  return { ...keys, shareSecretKey: await readEncryptionShareKeystore(path, member, password) };
}

/** The committee of a later epoch (committees/<epoch>.json), checked against the genesis one; undefined if missing. */
async function readEpochCommittee(
  layout: DataDirLayout,
  epoch: number,
  genesis: CommitteeJson,
): Promise<CommitteeJson | undefined> {
  let text: string;
  try {
    text = await readFile(layout.committeeOf(epoch), 'utf8');
  } catch {
    return undefined;
  }
  const committee = parseCommittee(text);
  if (
    committee.epoch !== epoch ||
    committee.networkId !== genesis.networkId ||
    committee.groupPublicKey.toLowerCase() !== genesis.groupPublicKey.toLowerCase()
  ) {
    throw new KeyFileError(
      'INVALID_KEY',
      `${layout.committeeOf(epoch)} is not a committee of epoch ${epoch} of this network and group key`,
      { path: layout.committeeOf(epoch) },
    );
  }
  return committee;
}

async function loadEpochShare(
  layout: DataDirLayout,
  epoch: number,
  peerId: string,
  genesis: CommitteeJson,
  password: () => Promise<string>,
): Promise<EpochShare | undefined> {
  const committee = await readEpochCommittee(layout, epoch, genesis);
  if (committee === undefined) return undefined;
  const member = committee.members.find((entry) => entry.peerId === peerId);
  if (member === undefined || !(await fileExists(layout.blsShareKeystoreOf(epoch)))) return undefined;
  const shareSecretKey = await readShareKeystore(layout.blsShareKeystoreOf(epoch), member, password);
  return { validatorIndex: member.index, shareSecretKey };
}

/**
 * loadEncryptionKeys for a later epoch: committees/<epoch>.json, checked like loadEpochShare
 * checks it, whose encryption key (a reshare keeps it) must be the genesis committee's.
 */
export async function loadEpochEncryptionKeys(
  layout: DataDirLayout,
  epoch: number,
  peerId: string,
  genesis: CommitteeJson,
  password: () => Promise<string>,
): Promise<EncryptionKeys | undefined> {
  const committee = await readEpochCommittee(layout, epoch, genesis);
  if (committee?.encryption === undefined) return undefined;
  if (committee.encryption.publicKey.toLowerCase() !== genesis.encryption?.publicKey.toLowerCase()) {
    throw new KeyFileError(
      'INVALID_KEY',
      `${layout.committeeOf(epoch)} has an encryption key other than the genesis committee's`,
      { path: layout.committeeOf(epoch) },
    );
  }
  return loadEncryptionKeys(layout, committee, peerId, password);
}
