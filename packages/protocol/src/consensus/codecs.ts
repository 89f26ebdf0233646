import { type Codec, defineCodec, MessageType } from '../codec/envelope.ts';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { MAX_BLOCK_PRICES, MAX_BLOCK_TXS } from '../constants.ts';
import { assert, DecodeError } from '../errors.ts';
import { readBlockHeader, writeBlockHeader } from '../messages/blockHeader.ts';
import type { FeedPrice, Hex } from '../types.ts';
import { VoteKind } from '../types.ts';
import {
  CONSENSUS_SIGNATURE_BYTES,
  MAX_COMMITTEE_VALIDATORS,
  MAX_EVIDENCE_MESSAGE_BYTES,
  MAX_EXTENSION_PRICE_OBSERVATIONS,
  MAX_INCLUSION_LIST_ENTRIES,
  MAX_PROPOSAL_MESSAGE_BYTES,
  MAX_VOTE_EXTENSION_MESSAGE_BYTES,
  MAX_VOTE_MESSAGE_BYTES,
} from './constants.ts';
import type {
  Evidence,
  InclusionEntry,
  PriceObservation,
  Proposal,
  SignedVoteExtension,
  UnsignedProposal,
  Vote,
  VoteBody,
  VoteExtension,
} from './types.ts';

/**
 * Canonical codecs of the consensus messages (docs/protocol.md "Wire encoding"). Besides the
 * shared envelope rules, each decoder enforces the invariants that make the encoding unique:
 * sorted lists without duplicates, extensions only on non-nil precommits, lowercase hex.
 */

const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

function writeHash(writer: Writer, hash: Hex): void {
  const bytes = parseHex(hash, 32);
  assert(bytes !== undefined, `not a 32-byte hash: ${hash}`);
  writer.fixed(bytes, 32);
}

function readHash(reader: Reader, field: string): Hex {
  return toLowerHex(reader.fixed(32, field));
}

export function writeVoteExtensionFields(writer: Writer, extension: VoteExtension): void {
  writer.u53(extension.networkId).u53(extension.height).u32(extension.round);
  writeHash(writer, extension.blockId);
  writer.u32(extension.validatorIndex).u53(extension.timestampMs);
  writer.list(extension.inclusionList, MAX_INCLUSION_LIST_ENTRIES, (w, entry) => {
    writeHash(w, entry.txId);
    w.u53(entry.firstSeenMs);
  });
  writer.list(extension.prices, MAX_EXTENSION_PRICE_OBSERVATIONS, (w, observation) => {
    writeHash(w, observation.feedId);
    w.i256(observation.price);
  });
}

function readVoteExtensionFields(reader: Reader): VoteExtension {
  const networkId = reader.u53('extension.networkId');
  const height = reader.u53('extension.height');
  const round = reader.u32('extension.round');
  const blockId = readHash(reader, 'extension.blockId');
  if (blockId === ZERO_HASH) throw new DecodeError('INVALID_VALUE', 'extension.blockId: nil block');
  const validatorIndex = reader.u32('extension.validatorIndex');
  const timestampMs = reader.u53('extension.timestampMs');
  const inclusionList = reader.list(MAX_INCLUSION_LIST_ENTRIES, 'extension.inclusionList', (r) => ({
    txId: readHash(r, 'inclusionList.txId'),
    firstSeenMs: r.u53('inclusionList.firstSeenMs'),
  }));
  requireStrictlySorted(inclusionList, (entry: InclusionEntry) => entry.txId, 'extension.inclusionList');
  const prices = reader.list(MAX_EXTENSION_PRICE_OBSERVATIONS, 'extension.prices', (r) => ({
    feedId: readHash(r, 'prices.feedId'),
    price: r.i256('prices.price'),
  }));
  requireStrictlySorted(prices, (observation: PriceObservation) => observation.feedId, 'extension.prices');
  return { networkId, height, round, blockId, validatorIndex, timestampMs, inclusionList, prices };
}

function requireStrictlySorted<T>(items: readonly T[], key: (item: T) => string, field: string): void {
  for (let i = 1; i < items.length; i++) {
    if (key(items[i - 1]!) >= key(items[i]!)) {
      throw new DecodeError('INVALID_VALUE', `${field}: not strictly sorted at ${i}`);
    }
  }
}

function writeSignedVoteExtension(writer: Writer, extension: SignedVoteExtension): void {
  writeVoteExtensionFields(writer, extension);
  writer.fixed(extension.signature, CONSENSUS_SIGNATURE_BYTES);
}

function readSignedVoteExtension(reader: Reader): SignedVoteExtension {
  const fields = readVoteExtensionFields(reader);
  return { ...fields, signature: reader.fixed(CONSENSUS_SIGNATURE_BYTES, 'extension.signature') };
}

export const VoteExtensionCodec: Codec<SignedVoteExtension> = defineCodec({
  name: 'VoteExtension',
  type: MessageType.VoteExtension,
  maxBytes: MAX_VOTE_EXTENSION_MESSAGE_BYTES,
  write: writeSignedVoteExtension,
  read: readSignedVoteExtension,
});

// --- vote ---

function writeVoteFields(writer: Writer, vote: Vote): void {
  writer.u8(vote.kind).u53(vote.networkId).u53(vote.height).u32(vote.round);
  writeHash(writer, vote.blockId);
  writer.u32(vote.validatorIndex).fixed(vote.signature, CONSENSUS_SIGNATURE_BYTES);
  writer.bool(vote.extension !== null);
  if (vote.extension !== null) writeSignedVoteExtension(writer, vote.extension);
}

function readVoteFields(reader: Reader): Vote {
  const kind = reader.u8('vote.kind');
  if (kind !== VoteKind.Prevote && kind !== VoteKind.Precommit) {
    throw new DecodeError('INVALID_VALUE', `vote.kind: ${kind}`);
  }
  const networkId = reader.u53('vote.networkId');
  const height = reader.u53('vote.height');
  const round = reader.u32('vote.round');
  const blockId = readHash(reader, 'vote.blockId');
  const validatorIndex = reader.u32('vote.validatorIndex');
  const signature = reader.fixed(CONSENSUS_SIGNATURE_BYTES, 'vote.signature');
  const hasExtension = reader.bool('vote.hasExtension');
  // Exactly the non-nil precommits carry an extension: one encoding per vote.
  const wantsExtension = kind === VoteKind.Precommit && blockId !== ZERO_HASH;
  if (hasExtension !== wantsExtension) {
    throw new DecodeError('INVALID_VALUE', 'vote.extension: only and always on non-nil precommits');
  }
  const extension = hasExtension ? readSignedVoteExtension(reader) : null;
  return { kind, networkId, height, round, blockId, validatorIndex, signature, extension };
}

export const VoteCodec: Codec<Vote> = defineCodec({
  name: 'Vote',
  type: MessageType.Vote,
  maxBytes: MAX_VOTE_MESSAGE_BYTES,
  write: writeVoteFields,
  read: readVoteFields,
});

// --- proposal ---

/** The proposal's fields without its signature: also the body of proposalMessage. */
export function writeUnsignedProposalFields(writer: Writer, proposal: UnsignedProposal): void {
  // validRound ∈ {−1, 0, 1, …} is written as validRound + 1 so that u32 stays canonical.
  writer
    .u53(proposal.networkId)
    .u53(proposal.height)
    .u32(proposal.round)
    .u32(proposal.validRound + 1);
  writer.u32(proposal.proposerIndex);
  writeBlockHeader(writer, proposal.header);
  writer.list(proposal.transactionIds, MAX_BLOCK_TXS, (w, txId) => writeHash(w, txId));
  writer.list(proposal.prices, MAX_BLOCK_PRICES, (w, price) => {
    writeHash(w, price.feedId);
    w.i256(price.answer);
  });
  writer.bool(proposal.validRoundCertificate !== null);
  if (proposal.validRoundCertificate !== null) {
    writer.fixed(proposal.validRoundCertificate, CONSENSUS_SIGNATURE_BYTES);
  }
  writer.list(proposal.extensions, MAX_COMMITTEE_VALIDATORS, writeSignedVoteExtension);
}

function readProposalFields(reader: Reader): Proposal {
  const networkId = reader.u53('proposal.networkId');
  const height = reader.u53('proposal.height');
  const round = reader.u32('proposal.round');
  const validRound = reader.u32('proposal.validRound') - 1;
  if (validRound >= round) throw new DecodeError('INVALID_VALUE', 'proposal.validRound must be below round');
  const proposerIndex = reader.u32('proposal.proposerIndex');
  const header = readBlockHeader(reader);
  const transactionIds = reader.list(MAX_BLOCK_TXS, 'proposal.transactionIds', (r) => readHash(r, 'txId'));
  const prices = reader.list(MAX_BLOCK_PRICES, 'proposal.prices', (r) => ({
    feedId: readHash(r, 'prices.feedId'),
    answer: r.i256('prices.answer'),
  }));
  requireStrictlySorted(prices, (price: FeedPrice) => price.feedId, 'proposal.prices');
  if (header.txCount !== transactionIds.length || header.priceCount !== prices.length) {
    throw new DecodeError('INVALID_VALUE', 'proposal: header counts do not match the block body');
  }
  const hasCertificate = reader.bool('proposal.hasValidRoundCertificate');
  if (hasCertificate && validRound < 0) {
    throw new DecodeError('INVALID_VALUE', 'proposal.validRoundCertificate without a valid round');
  }
  const validRoundCertificate = hasCertificate
    ? reader.fixed(CONSENSUS_SIGNATURE_BYTES, 'proposal.validRoundCertificate')
    : null;
  const extensions = reader.list(MAX_COMMITTEE_VALIDATORS, 'proposal.extensions', (r) =>
    readSignedVoteExtension(r),
  );
  for (let i = 1; i < extensions.length; i++) {
    if (extensions[i - 1]!.validatorIndex >= extensions[i]!.validatorIndex) {
      throw new DecodeError('INVALID_VALUE', 'proposal.extensions: not strictly sorted by validatorIndex');
    }
  }
  const signature = reader.fixed(CONSENSUS_SIGNATURE_BYTES, 'proposal.signature');
  return {
    networkId,
    height,
    round,
    validRound,
    proposerIndex,
    header,
    transactionIds,
    prices,
    validRoundCertificate,
    extensions,
    signature,
  };
}

export const ProposalCodec: Codec<Proposal> = defineCodec({
  name: 'Proposal',
  type: MessageType.Proposal,
  maxBytes: MAX_PROPOSAL_MESSAGE_BYTES,
  write(writer, proposal) {
    writeUnsignedProposalFields(writer, proposal);
    writer.fixed(proposal.signature, CONSENSUS_SIGNATURE_BYTES);
  },
  read: readProposalFields,
});

// --- evidence ---

export const EvidenceCodec: Codec<Evidence> = defineCodec({
  name: 'Evidence',
  type: MessageType.Evidence,
  maxBytes: MAX_EVIDENCE_MESSAGE_BYTES,
  write(writer, evidence) {
    writeVoteFields(writer, evidence.first);
    writeVoteFields(writer, evidence.second);
  },
  read(reader) {
    const first = readVoteFields(reader);
    const second = readVoteFields(reader);
    const sameSlot =
      first.kind === second.kind &&
      first.networkId === second.networkId &&
      first.height === second.height &&
      first.round === second.round &&
      first.validatorIndex === second.validatorIndex;
    // Canonical: the two votes conflict and come in blockId order.
    if (!sameSlot || first.blockId >= second.blockId) {
      throw new DecodeError('INVALID_VALUE', 'evidence: votes must share a slot and be ordered by blockId');
    }
    return { first, second };
  },
});

// --- equivocation proof (evidence in blocks) ---

/**
 * The offence of an Evidence without its extensions: the two votes' shared slot, the two block ids
 * and the two share signatures (voteMessage does not cover extensions). It fits one transaction
 * payload, so a node puts it in a block as a transaction of EVIDENCE_NAMESPACE (docs/protocol.md
 * "Evidence in blocks"). Wire: kind u8 ‖ networkId u64 ‖ height u64 ‖ round u32 ‖ validatorIndex
 * u32 ‖ (blockId 32 ‖ signature 96) × 2, the block ids in increasing order and different.
 */
export interface EquivocationProof {
  kind: VoteKind;
  networkId: number;
  height: number;
  round: number;
  validatorIndex: number;
  votes: [{ blockId: Hex; signature: Uint8Array }, { blockId: Hex; signature: Uint8Array }];
}

/** The proof of an Evidence (its canonical order is kept). */
export function equivocationProofOf(evidence: Evidence): EquivocationProof {
  const { first, second } = evidence;
  return {
    kind: first.kind,
    networkId: first.networkId,
    height: first.height,
    round: first.round,
    validatorIndex: first.validatorIndex,
    votes: [
      { blockId: first.blockId, signature: first.signature },
      { blockId: second.blockId, signature: second.signature },
    ],
  };
}

/** The two signed vote bodies a proof claims (check each signature against the share key of its epoch). */
export function equivocationProofVotes(
  proof: EquivocationProof,
): [VoteBody & { signature: Uint8Array }, VoteBody & { signature: Uint8Array }] {
  const body = (vote: EquivocationProof['votes'][number]) => ({
    kind: proof.kind,
    networkId: proof.networkId,
    height: proof.height,
    round: proof.round,
    blockId: vote.blockId,
    signature: vote.signature,
  });
  return [body(proof.votes[0]), body(proof.votes[1])];
}

export const EquivocationProofCodec: Codec<EquivocationProof> = defineCodec({
  name: 'EquivocationProof',
  type: MessageType.EquivocationProof,
  maxBytes: 2 + 1 + 8 + 8 + 4 + 4 + 2 * (32 + CONSENSUS_SIGNATURE_BYTES),
  write(writer, proof) {
    writer.u8(proof.kind).u53(proof.networkId).u53(proof.height).u32(proof.round).u32(proof.validatorIndex);
    for (const vote of proof.votes) {
      writeHash(writer, vote.blockId);
      writer.fixed(vote.signature, CONSENSUS_SIGNATURE_BYTES);
    }
  },
  read(reader) {
    const kind = reader.u8('proof.kind');
    if (kind !== VoteKind.Prevote && kind !== VoteKind.Precommit) {
      throw new DecodeError('INVALID_VALUE', `proof.kind: ${kind}`);
    }
    const networkId = reader.u53('proof.networkId');
    const height = reader.u53('proof.height');
    const round = reader.u32('proof.round');
    const validatorIndex = reader.u32('proof.validatorIndex');
    const vote = () => ({
      blockId: readHash(reader, 'proof.blockId'),
      signature: reader.fixed(CONSENSUS_SIGNATURE_BYTES, 'proof.signature'),
    });
    const first = vote();
    const second = vote();
    if (first.blockId >= second.blockId) {
      throw new DecodeError('INVALID_VALUE', 'proof: block ids must differ and be in increasing order');
    }
    return { kind, networkId, height, round, validatorIndex, votes: [first, second] };
  },
});
