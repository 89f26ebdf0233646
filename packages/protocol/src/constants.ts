import { type Hex, keccak256, toBytes } from 'viem';

/**
 * Protocol constants: formats, domain tags and hard caps. Each cap says why it has its value.
 * Message byte caps are derived from the count and field caps, so a builder (mempool, proposer)
 * only has to respect the count caps; no valid value can exceed its message's byte cap.
 * See docs/protocol.md.
 */

/** Block header format version (docs/protocol.md "Block header"). */
export const HEADER_VERSION = 2;

// ---------------------------------------------------------------------------------------------
// Domain tags: the first word of every hashed message, so no signature of one kind can be
// replayed as another kind (docs/protocol.md "Domain tags").

/**
 * keccak256("synod/header/v1"): first word of the header hash preimage. It stays "v1" for header
 * v2: the version field inside the hashed header distinguishes the formats.
 */
export const HEADER_TAG: Hex = keccak256(toBytes('synod/header/v1'));
/** keccak256("synod/vote/v1"): first word of prevote and precommit messages. */
export const VOTE_TAG: Hex = keccak256(toBytes('synod/vote/v1'));
/** keccak256("synod/extension/v1"): first word of vote extension messages. */
export const EXTENSION_TAG: Hex = keccak256(toBytes('synod/extension/v1'));
/** keccak256("synod/proposal/v1"): first word of proposal messages. */
export const PROPOSAL_TAG: Hex = keccak256(toBytes('synod/proposal/v1'));
/** keccak256("synod/committee/v1"): first word of committee rotation messages on L1. */
export const COMMITTEE_TAG: Hex = keccak256(toBytes('synod/committee/v1'));
/** keccak256("synod/commitments/v1"): first word of an epoch's commitments message (EquivocationRegistry). */
export const COMMITMENTS_TAG: Hex = keccak256(toBytes('synod/commitments/v1'));
/** keccak256("synod/transition/v1"): first word of a committee transition message (a record on the chain). */
export const TRANSITION_TAG: Hex = keccak256(toBytes('synod/transition/v1'));

/** Prefix byte of a Merkle leaf preimage; differs from the node prefix so a node is never a leaf. */
export const MERKLE_LEAF_PREFIX = 0x00;
/** Prefix byte of a Merkle node preimage. */
export const MERKLE_NODE_PREFIX = 0x01;

// ---------------------------------------------------------------------------------------------
// Count and field caps.

/**
 * An order, cancel or small batch of orders fits in a few hundred bytes; 4 KiB leaves room for
 * app-specific batching while bounding what one signature check (payload hashing) and one gossip
 * entry can cost.
 */
export const MAX_TX_PAYLOAD_BYTES = 4096;

/**
 * Transactions per gossip micro-batch. Batches are flushed every few milliseconds, so 256 covers
 * bursts well above the target rate while one batch (≈ 256 signature recoveries, ~20 ms on one
 * core with native secp256k1) stays a small unit of validation work.
 */
export const MAX_TX_BATCH_COUNT = 256;

/**
 * Transactions per block (header txCount). At sub-second blocks this allows well over the
 * ~10k tx/s one core can verify, and 2^13 makes the tx tree exactly 13 levels deep at the cap.
 */
export const MAX_BLOCK_TXS = 8192;

/** Price feeds per block (header priceCount): far above the feeds a deployment runs, and it bounds the price tree. */
export const MAX_BLOCK_PRICES = 256;

/** txIds per missing-transaction request: one request is answered by one TransactionBatch. */
export const MAX_TX_REQUEST_IDS = MAX_TX_BATCH_COUNT;

/**
 * Blocks per catch-up request. Blocks are answered one message each; 32 keeps a sync request's
 * response bounded (32 × MAX_CERTIFIED_BLOCK_BYTES worst case) while amortising round trips.
 */
export const MAX_BLOCK_REQUEST_COUNT = 32;

// ---------------------------------------------------------------------------------------------
// Wire sizes (docs/protocol.md "Wire encoding"). Field widths are fixed by the encoding.

/** version (u8) ‖ type (u8). */
const ENVELOPE_BYTES = 2;
/** u32 length or count prefix of a variable field or list. */
const LENGTH_PREFIX_BYTES = 4;

/** networkId u64, namespace 32, sender 20, nonce u64, payload length u32, validUntil u64, signature 65. */
const SIGNED_TX_FIXED_BYTES = 8 + 32 + 20 + 8 + LENGTH_PREFIX_BYTES + 8 + 65;
/** The largest signed transaction without an envelope (as an item of a batch or block). */
export const MAX_SIGNED_TX_FIELDS_BYTES = SIGNED_TX_FIXED_BYTES + MAX_TX_PAYLOAD_BYTES;

/**
 * version u16, networkId/epoch/height u64, parentHash 32, timestampMs u64, txRoot 32, txCount u32,
 * namespaceRoot 32, namespaceCount u32, priceRoot 32, priceCount u32, historyRoot 32,
 * proposerIndex u32 (14 fields).
 */
export const HEADER_FIELDS_BYTES = 2 + 8 + 8 + 8 + 32 + 8 + 32 + 4 + 32 + 4 + 32 + 4 + 32 + 4;
/** round u32, BLS signature 96 (compressed G2). */
export const CERTIFICATE_FIELDS_BYTES = 4 + 96;
/** feedId 32, answer i256. */
export const PRICE_FIELDS_BYTES = 32 + 32;
/** header, tx list, price list, each list at its count cap with the largest items. */
export const MAX_BLOCK_FIELDS_BYTES =
  HEADER_FIELDS_BYTES +
  LENGTH_PREFIX_BYTES +
  MAX_BLOCK_TXS * MAX_SIGNED_TX_FIELDS_BYTES +
  LENGTH_PREFIX_BYTES +
  MAX_BLOCK_PRICES * PRICE_FIELDS_BYTES;

/** One signed transaction message. */
export const MAX_TRANSACTION_BYTES = ENVELOPE_BYTES + MAX_SIGNED_TX_FIELDS_BYTES;
/** One micro-batch at its count cap (≈ 1.04 MiB). */
export const MAX_TX_BATCH_BYTES =
  ENVELOPE_BYTES + LENGTH_PREFIX_BYTES + MAX_TX_BATCH_COUNT * MAX_SIGNED_TX_FIELDS_BYTES;
/** A header is fixed-size. */
export const MAX_HEADER_BYTES = ENVELOPE_BYTES + HEADER_FIELDS_BYTES;
/** A certificate is fixed-size. */
export const MAX_CERTIFICATE_BYTES = ENVELOPE_BYTES + CERTIFICATE_FIELDS_BYTES;
/** A block at its caps (≈ 33 MiB worst case, with every payload at its cap; typical blocks are far smaller). */
export const MAX_BLOCK_BYTES = ENVELOPE_BYTES + MAX_BLOCK_FIELDS_BYTES;
/** A block and its certificate. */
export const MAX_CERTIFIED_BLOCK_BYTES = ENVELOPE_BYTES + MAX_BLOCK_FIELDS_BYTES + CERTIFICATE_FIELDS_BYTES;
/** A request for up to MAX_TX_REQUEST_IDS transaction bodies. */
export const MAX_TX_REQUEST_BYTES = ENVELOPE_BYTES + LENGTH_PREFIX_BYTES + MAX_TX_REQUEST_IDS * 32;
/** fromHeight u64, count u32. */
export const MAX_BLOCK_REQUEST_BYTES = ENVELOPE_BYTES + 8 + 4;
