import { Writer } from '../codec/primitives.ts';
import { EXTENSION_TAG, PROPOSAL_TAG } from '../constants.ts';
import { keccak256Bytes } from '../hashing/keccak.ts';
import { writeUnsignedProposalFields, writeVoteExtensionFields } from './codecs.ts';
import type { UnsignedProposal, VoteExtension } from './types.ts';

/** Writes a domain tag (32 bytes) followed by `writeFields`, and hashes it. */
function taggedDigest(
  tag: string,
  initialCapacity: number,
  writeFields: (writer: Writer) => void,
): Uint8Array {
  const writer = new Writer(initialCapacity);
  for (let i = 2; i < 66; i += 2) writer.u8(Number.parseInt(tag.slice(i, i + 2), 16));
  writeFields(writer);
  return keccak256Bytes(writer.finish());
}

/**
 * What a validator's share signs for a vote extension: `keccak256(EXTENSION_TAG ‖ fields)`, the
 * fields in their canonical wire encoding, which includes the network id, height, round, blockId
 * and validator index the extension is bound to (docs/consensus.md "Vote extensions").
 */
export function extensionMessage(extension: VoteExtension): Uint8Array {
  return taggedDigest(EXTENSION_TAG, 512, (writer) => writeVoteExtensionFields(writer, extension));
}

/**
 * What the proposer's share signs: `keccak256(PROPOSAL_TAG ‖ fields)`, every field of the
 * proposal but its signature (header, round, validRound, its certificate, and the extensions).
 */
export function proposalMessage(proposal: UnsignedProposal): Uint8Array {
  return taggedDigest(PROPOSAL_TAG, 1024, (writer) => writeUnsignedProposalFields(writer, proposal));
}
