import { HEADER_FIELDS_BYTES, MAX_BLOCK_PRICES, MAX_BLOCK_TXS } from '../constants.ts';

/**
 * Bounds of the consensus wire messages. Every list has a cap so that a decoder can reject an
 * oversize message before reading it, and so a byzantine peer cannot make an honest node hold
 * unbounded state. See docs/consensus.md ("Bounds").
 */

/**
 * Entries in one validator's inclusion list. 512 entries of 40 bytes are 20 KiB per precommit,
 * and a proposal carries up to one list per validator. A node whose mempool holds more pending
 * transactions lists the oldest 512 (by first-seen time); the censorship-resistance guarantee
 * holds for transactions within that bound (docs/consensus.md).
 */
export const MAX_INCLUSION_LIST_ENTRIES = 512;

/** Price observations in one extension: one per configured feed (the oracle's MAX_FEEDS). */
export const MAX_EXTENSION_PRICE_OBSERVATIONS = 256;

/**
 * Validators in one committee, hence vote extensions in one proposal. A threshold DKG's cost
 * grows with n², so committees stay far below this.
 */
export const MAX_COMMITTEE_VALIDATORS = 128;

/** A BLS12-381 G2 signature (compressed): every consensus signature is one. */
export const CONSENSUS_SIGNATURE_BYTES = 96;

/**
 * Encrypted envelopes per block (docs/protocol.md "Encrypted transactions"), hence decryption
 * shares in one DecryptionShares message. Every node spends a pairing (~3 ms, `pnpm bench crypto`) per envelope
 * on the block that reveals them, on the path to deciding it; 128 keep that under ~0.5 s.
 */
export const MAX_BLOCK_ENVELOPES = 128;

/** Wire size of one inclusion-list entry: txId (32) + firstSeenMs (8). */
const INCLUSION_ENTRY_BYTES = 40;
/** Wire size of one price observation: feedId (32) + int256 price (32). */
const PRICE_OBSERVATION_BYTES = 64;
/** Fixed fields of an extension: networkId, height, round, blockId, validatorIndex, timestampMs. */
const EXTENSION_FIXED_BYTES = 8 + 8 + 4 + 32 + 4 + 8;

/** Cap on one signed vote extension's fields (no envelope). */
export const MAX_SIGNED_EXTENSION_BYTES =
  EXTENSION_FIXED_BYTES +
  4 +
  MAX_INCLUSION_LIST_ENTRIES * INCLUSION_ENTRY_BYTES +
  4 +
  MAX_EXTENSION_PRICE_OBSERVATIONS * PRICE_OBSERVATION_BYTES +
  CONSENSUS_SIGNATURE_BYTES;

/** Cap on a whole VoteExtension message (envelope + signed extension). */
export const MAX_VOTE_EXTENSION_MESSAGE_BYTES = 2 + MAX_SIGNED_EXTENSION_BYTES;

/** Fixed fields of a vote: kind, networkId, height, round, blockId, validatorIndex, signature. */
const VOTE_FIXED_BYTES = 1 + 8 + 8 + 4 + 32 + 4 + CONSENSUS_SIGNATURE_BYTES;

/** Cap on one vote's fields: fixed part, the extension flag, and at most one extension. */
export const MAX_VOTE_FIELDS_BYTES = VOTE_FIXED_BYTES + 1 + MAX_SIGNED_EXTENSION_BYTES;

/** Cap on a whole Vote message. */
export const MAX_VOTE_MESSAGE_BYTES = 2 + MAX_VOTE_FIELDS_BYTES;

/** Cap on a whole Evidence message: two votes. */
export const MAX_EVIDENCE_MESSAGE_BYTES = 2 + 2 * MAX_VOTE_FIELDS_BYTES;

/** Cap on a whole Proposal message. */
export const MAX_PROPOSAL_MESSAGE_BYTES =
  2 +
  (8 + 8 + 4 + 4 + 4) +
  HEADER_FIELDS_BYTES +
  4 +
  MAX_BLOCK_TXS * 32 +
  4 +
  MAX_BLOCK_PRICES * 64 +
  1 +
  CONSENSUS_SIGNATURE_BYTES +
  4 +
  MAX_COMMITTEE_VALIDATORS * MAX_SIGNED_EXTENSION_BYTES +
  CONSENSUS_SIGNATURE_BYTES;
