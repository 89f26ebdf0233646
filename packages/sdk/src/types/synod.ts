import type { Address, Hex } from 'viem';
import type {
  BlockHeader,
  BlockOrderingOf,
  FeedPrice,
  NamespaceEntry,
  NamespaceExclusion,
  NamespaceInclusion,
  NetworkDomain,
  SignedTransaction,
  TransactionInclusionOf,
} from '../internal/protocol.ts';
import type { RpcBlockSummary, RpcCertificate, RpcStatus, RpcTransactionStatus } from './rpc.ts';

export type {
  BlockHeader,
  FeedPrice,
  NamespaceEntry,
  NamespaceExclusion,
  NamespaceInclusion,
  NetworkDomain,
  SignedTransaction,
};

/** The committee's threshold signature over a header (96-byte compressed G2 point as hex). */
export type Certificate = RpcCertificate;

/** What identifies and certifies a block (the newBlocks notification); hash = headerHash(header, network). */
export type BlockSummary = RpcBlockSummary;

/** A transaction as finalized in a block, with its id. */
export interface FinalizedTransaction extends SignedTransaction {
  txId: Hex;
}

/** A finalized block. `transactions` only when asked for with includeTransactions. */
export interface Block extends BlockSummary {
  transactionIds: Hex[];
  transactions?: FinalizedTransaction[] | undefined;
  /** Finalized prices, sorted by feedId ascending (the price tree's leaf order). */
  prices: FeedPrice[];
}

/** Where a finalized transaction is and what proves it (proof: sibling hashes from the leaf up to header.txRoot). */
export type TransactionInclusion = TransactionInclusionOf<Certificate>;

/** unknown, pending (firstSeenMs: when the node first saw it), or finalized with its inclusion. */
export type TransactionStatus = RpcTransactionStatus;

/** A feed's latest finalized price. */
export interface Price {
  feedId: Hex;
  /** Fixed-point answer scaled by the feed's decimals. */
  answer: bigint;
  height: number;
  /** The finalizing block's time, unix ms. */
  timestampMs: number;
}

export interface CommitteeMember {
  index: number;
  blsPublicKey: Hex;
  peerId: string | undefined;
  address: Address | undefined;
}

export interface Committee {
  epoch: number;
  /** Signatures a certificate needs (2f+1). */
  threshold: number;
  /** 48-byte compressed G1 group public key. */
  groupPublicKey: Hex;
  /** The committee encryption key that `sendTransaction({ encrypt: true })` encrypts to; null without one. */
  encryptionKey: Hex | null;
  members: CommitteeMember[];
}

/**
 * Equivocation evidence: validator `validatorIndex` signed two votes of one (height, round, kind)
 * for different blocks. getEvidence checks both signatures under its share key.
 */
export interface Evidence {
  validatorIndex: number;
  height: number;
  round: number;
  kind: 'prevote' | 'precommit';
  /** The two votes: block id (zero hash = nil) and share signature. */
  votes: [EquivocatingVote, EquivocatingVote];
  /** The Evidence message (EvidenceCodec) as hex: what a node gossips, and what to forward. */
  raw: Hex;
}

/**
 * Why a finalized block's content is what it is (synod_getBlockOrdering): the vote extensions it
 * derives from, each validator's first-seen reports, the fair and effective timestamps, and each
 * feed's observations with their median and f-trimmed range. Nonces and prices as bigints; each
 * `validators[].extension` is the signed VoteExtension message as hex. getBlockOrdering checks
 * it against those signed extensions and the certified blocks.
 */
export type BlockOrdering = BlockOrderingOf<bigint>;

export interface EquivocatingVote {
  blockId: Hex;
  signature: Hex;
}

/** A group key the app trusts for an epoch (from its config or from the L1 CommitteeRegistry). */
export interface TrustedCommittee {
  epoch: number;
  groupPublicKey: Hex;
  /**
   * The committee encryption key the app trusts (committee.json's `encryption.publicKey`): when
   * pinned, encrypted transactions never use a key a node hands out.
   */
  encryptionKey?: Hex | undefined;
}

/** synod_status: heights, peers and mempool of the node (JSON-safe as it is). */
export type NodeStatus = RpcStatus;

/** The certified block a namespace batch, or its absence, is proven against. */
export interface NamespaceBatchBlock {
  /** bytes32 namespace, lowercase. */
  namespace: Hex;
  height: number;
  blockHash: Hex;
  header: BlockHeader;
  certificate: Certificate;
}

/**
 * A namespace's batch of one height (docs/protocol.md "Namespaces"): its transactions, complete
 * and in block order, with their leaf of header.namespaceRoot (inclusion.entry: sequenceStart,
 * count, batchHash); or the proof that it has none there; or 'not-final'.
 */
export type NamespaceBatch =
  | (NamespaceBatchBlock & {
      status: 'batch';
      inclusion: NamespaceInclusion;
      transactions: FinalizedTransaction[];
    })
  | (NamespaceBatchBlock & { status: 'empty'; exclusion: NamespaceExclusion })
  | { status: 'not-final'; namespace: Hex; height: number; latestHeight: number };
