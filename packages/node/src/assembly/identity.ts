import { readFile } from 'node:fs/promises';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { blsPublicKey, decryptShareKeystore, parseHex, toLowerHex } from '@synod/protocol';
import { type CommitteeJson, parseCommittee } from '../dkg/committee.ts';
import { KeyFileError } from '../keys/errors.ts';
import { readSecretFile } from '../keys/files.ts';
import type { DataDirLayout } from '../keys/layout.ts';
import { loadNodeKeys } from '../keys/nodeKeys.ts';

/** Everything a validator signs and verifies with, loaded from its data dir (docs/operations.md "Keys"). */
export interface ValidatorIdentity {
  p2pPrivateKey: Ed25519PrivateKey;
  peerId: string;
  committee: CommitteeJson;
  /** Our index in committee.members (our share's Shamir index is this + 1). */
  validatorIndex: number;
  shareSecretKey: Uint8Array;
  sharePublicKeys: Uint8Array[];
  groupPublicKey: Uint8Array;
  /** The account that pays for L1 postings (keys/ethereum.key). */
  ethereumPrivateKey: `0x${string}`;
}

/**
 * Loads the libp2p identity and the DKG keys (`synod init`), committee.json and the BLS share
 * keystore (`synod dkg`), and checks that they belong together: our peer id is a committee
 * member, and the decrypted share's public key is that member's share public key.
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
  const member = committee.members.find((entry) => entry.peerId === peerId);
  if (member === undefined) {
    throw new KeyFileError(
      'INVALID_KEY',
      `this node's peer id ${peerId} is not a member of ${layout.committee}: wrong data dir?`,
      { path: layout.committee },
    );
  }
  const keystore = await readSecretFile(layout.blsShareKeystore, 'the BLS share keystore');
  // Read only now, so that a data dir without a committee says so rather than ask for a password.
  const shareSecretKey = await decryptShareKeystore(keystore.toString('utf8'), await password());
  if (toLowerHex(blsPublicKey(shareSecretKey)) !== member.sharePublicKey.toLowerCase()) {
    throw new KeyFileError(
      'INVALID_KEY',
      `${layout.blsShareKeystore} does not hold the share of committee member ${member.index}`,
      { path: layout.blsShareKeystore },
    );
  }
  return {
    p2pPrivateKey: keys.p2pPrivateKey,
    peerId,
    committee,
    validatorIndex: member.index,
    shareSecretKey,
    sharePublicKeys: committee.members.map((entry) => parseHex(entry.sharePublicKey, 48)!),
    groupPublicKey: parseHex(committee.groupPublicKey, 48)!,
    ethereumPrivateKey: keys.ethereumPrivateKey,
  };
}
