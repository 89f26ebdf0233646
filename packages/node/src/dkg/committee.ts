import { type DkgPublicOutcome, parseHex, sharePublicKeyFromCommitments, toLowerHex } from '@synod/protocol';
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
 * sha256 out of band. The one private output, the share, goes to the keystore.
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
  members: CommitteeMemberJson[];
}

/** Builds committee.json from the genesis and this node's DKG result (only its public parts). */
export function buildCommittee(
  genesis: Genesis,
  result: DkgPublicOutcome,
  sessionId: Uint8Array,
): CommitteeJson {
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
    members: genesis.participants.map((participant) => ({
      index: participant.index,
      shareIndex: participant.index + 1,
      peerId: participant.peerId,
      multiaddrs: [...participant.multiaddrs],
      ethereumAddress: participant.ethereumAddress,
      sharePublicKey: toLowerHex(sharePublicKeyFromCommitments(result.commitments, participant.index + 1)),
    })),
  };
}

export function formatCommittee(committee: CommitteeJson): string {
  return `${JSON.stringify(committee, null, 2)}\n`;
}

/**
 * Parses committee.json and checks that it is consistent: the group key is the first commitment,
 * and every member's share key follows from the commitments. Throws CommitteeError.
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
  for (const [position, member] of parsed.members.entries()) {
    if (member.index !== position || member.shareIndex !== position + 1)
      fail(`members[${position}]: index out of order`);
    let derived: Hex;
    try {
      derived = toLowerHex(sharePublicKeyFromCommitments(commitments, member.shareIndex));
    } catch (error) {
      return fail(`commitments are not valid points: ${(error as Error).message}`);
    }
    if (derived !== member.sharePublicKey)
      fail(`members[${position}].sharePublicKey does not follow from the commitments`);
  }
  return parsed;
}
