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
  const keystore = await readSecretFile(path, 'the BLS share keystore');
  // Read only now, so that a data dir without a committee says so rather than ask for a password.
  const shareSecretKey = await decryptShareKeystore(keystore.toString('utf8'), await password());
  if (toLowerHex(blsPublicKey(shareSecretKey)) !== member.sharePublicKey.toLowerCase()) {
    throw new KeyFileError(
      'INVALID_KEY',
      `${path} does not hold the share of committee member ${member.index}`,
      {
        path,
      },
    );
  }
  return shareSecretKey;
}

async function loadEpochShare(
  layout: DataDirLayout,
  epoch: number,
  peerId: string,
  genesis: CommitteeJson,
  password: () => Promise<string>,
): Promise<EpochShare | undefined> {
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
  const member = committee.members.find((entry) => entry.peerId === peerId);
  if (member === undefined || !(await fileExists(layout.blsShareKeystoreOf(epoch)))) return undefined;
  const shareSecretKey = await readShareKeystore(layout.blsShareKeystoreOf(epoch), member, password);
  return { validatorIndex: member.index, shareSecretKey };
}
