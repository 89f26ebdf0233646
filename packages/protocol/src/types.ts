import type { Address, Hex } from 'viem';

export type { Address, Hex };

/**
 * Shared protocol types. Hashes, ids and addresses are lowercase 0x-hex strings (usable as map
 * keys); BLS keys and signatures are raw bytes (what blst consumes). Heights, rounds, indices
 * and millisecond timestamps are JS numbers (decoders reject values above 2^53-1); values a user
 * picks freely (nonces, prices) are bigints. See docs/protocol.md.
 */

/** What every signature of a deployment is bound to. */
export interface NetworkDomain {
  /** Synod network id (uint64 on the wire and in ABI, < 2^53 here). */
  networkId: number;
  /** Chain id of the settlement L1. */
  chainId: number;
  /** SettlementInbox contract address on that L1. */
  inbox: Address;
}

/** The EIP-712 message a user signs. */
export interface Transaction {
  networkId: number;
  /** bytes32 application id (e.g. keccak256 of the app's name). */
  namespace: Hex;
  sender: Address;
  nonce: bigint;
  /** Opaque application bytes, at most MAX_TX_PAYLOAD_BYTES. */
  payload: Hex;
  /** Unix time in seconds after which the transaction may not be included. */
  validUntil: bigint;
}

export interface SignedTransaction extends Transaction {
  /** 65 bytes r ‖ s ‖ v (v = 27 or 28), as viem's signTypedData returns it. */
  signature: Hex;
}

export interface BlockHeader {
  /** Header format version; HEADER_VERSION today. */
  version: number;
  networkId: number;
  epoch: number;
  height: number;
  /** headerHash of height-1 (zero hash at height 1). */
  parentHash: Hex;
  /** Block time in unix milliseconds. */
  timestampMs: number;
  txRoot: Hex;
  txCount: number;
  /**
   * Merkle root over one leaf per distinct namespace of the block's transactions, sorted by
   * namespace (docs/protocol.md "Namespaces"); bytes32(0) for a block without transactions.
   */
  namespaceRoot: Hex;
  /** Number of distinct namespaces among the block's transactions (leaves of namespaceRoot). */
  namespaceCount: number;
  priceRoot: Hex;
  priceCount: number;
  /** Merkle root over headerHash of heights 1 .. height-1 (see HistoryAccumulator). */
  historyRoot: Hex;
  proposerIndex: number;
}

/** A threshold signature of the committee over the precommit message of (header, round). */
export interface Certificate {
  round: number;
  /** 96-byte compressed G2 point. */
  signature: Uint8Array;
}

export const VoteKind = { Prevote: 1, Precommit: 2 } as const;
export type VoteKind = (typeof VoteKind)[keyof typeof VoteKind];

/** A finalized price: one leaf of a block's price tree. */
export interface FeedPrice {
  /** bytes32 feed id (e.g. keccak256("ETH/USD")). */
  feedId: Hex;
  /** Fixed-point answer scaled by the feed's decimals. */
  answer: bigint;
}

/**
 * A block: its header and the bodies it commits to. transactions are in block order (tx tree
 * leaf order, header.txCount of them); prices sorted by feedId ascending (header.priceCount).
 */
export interface Block {
  header: BlockHeader;
  transactions: SignedTransaction[];
  prices: FeedPrice[];
}

/** A block with the committee's certificate over its header. */
export interface CertifiedBlock {
  block: Block;
  certificate: Certificate;
}
