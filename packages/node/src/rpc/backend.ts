import type {
  Address,
  Block,
  BlockHeader,
  Certificate,
  Evidence,
  Hex,
  NamespaceExclusion,
  NamespaceInclusion,
  SignedTransaction,
} from '@synod/protocol';
import type {
  BlockOrderingOf,
  OracleFeedStatusOf,
  RpcL1Proof,
  RpcStatus,
  TransactionInclusionOf,
  TransactionStatusOf,
} from '@synod/protocol/pure';
import type { L1SubmitterStatus } from '../l1/submitter.ts';

/**
 * What the RPC server needs from the node. The node assembly implements it over the mempool,
 * the store and the consensus driver; tests implement it with stubs. Values are domain types
 * (bigints, bytes); the RPC layer does all JSON encoding.
 *
 * Failures: a method throws an Error whose `code` is an ApplicationErrorName (see errors.ts:
 * TransactionError and MempoolError codes, or RpcBackendError('UNAVAILABLE', …)) to give the
 * client a typed error; anything else is reported as INTERNAL_ERROR and logged.
 */
export interface SynodRpcBackend {
  /** Verifies and admits a transaction to the mempool; resolves to its txId. */
  sendTransaction(transaction: SignedTransaction, options: BackendCallOptions): Promise<Hex>;
  getTransactionStatus(txId: Hex, options: BackendCallOptions): Promise<TransactionStatus>;
  /**
   * The next nonce this node would accept from `sender`: past its finalized transactions, then
   * past every nonce it has pending here without a gap. `sender` is lowercase.
   */
  getNextNonce(sender: Address, options: BackendCallOptions): Promise<bigint>;
  /** A finalized block by header hash or height ('latest' = highest finalized); undefined if none. */
  getBlock(ref: Hex | number | 'latest', options: BackendCallOptions): Promise<FinalizedBlock | undefined>;
  /** The committee of `epoch` (the current one when undefined); undefined if unknown. */
  getCommittee(epoch: number | undefined, options: BackendCallOptions): Promise<CommitteeInfo | undefined>;
  /**
   * The latest finalized price of a feed, with its header, certificate and Merkle proof when the
   * node has them (`proof`); undefined if the feed never had one.
   */
  getPrice(feedId: Hex, options: BackendCallOptions): Promise<FinalizedPrice | undefined>;
  status(options: BackendCallOptions): Promise<NodeStatus>;
  /**
   * The L1 view call proving a finalized transaction (SettlementInbox.verifyTransaction or
   * verifyTransactionInHistory). Absent or throwing RpcBackendError('UNAVAILABLE') when the node
   * has no L1 configured or L1 does not answer.
   */
  getL1Proof?(txId: Hex, options: BackendCallOptions): Promise<L1ProofResult>;
  /**
   * Namespace `namespace`'s batch at `height` (docs/protocol.md "Namespaces"): its transactions
   * in block order with the leaf and proof against header.namespaceRoot, or the proof that it
   * has none there, or 'not-final'. RpcBackendError('UNAVAILABLE') when the body was pruned.
   */
  getNamespaceBatch(namespace: Hex, height: number, options: BackendCallOptions): Promise<NamespaceBatch>;
  /**
   * The first batch of `namespace` above `afterHeight` (what a contract that settled
   * `afterHeight` settles next), or 'not-final' when no later finalized block has one yet.
   */
  getNextNamespaceBatch(
    namespace: Hex,
    afterHeight: number,
    options: BackendCallOptions,
  ): Promise<NamespaceBatch>;
  /**
   * The finalized header at `height` with the proof that it is leaf height − 1 of the
   * historyRoot of the header at `anchorHeight` (> height); undefined when `anchorHeight` is not
   * finalized. RpcBackendError('UNAVAILABLE') when the history is too long to read.
   */
  getHeaderProof(
    height: number,
    anchorHeight: number,
    options: BackendCallOptions,
  ): Promise<HeaderProof | undefined>;
  /**
   * The equivocation evidence this node holds for `height` (found by its core or received by
   * gossip), in (round, kind, validator) order; [] when none.
   */
  getEvidence(height: number, options: BackendCallOptions): Promise<Evidence[]>;
  /**
   * The inputs and outcome of block `height`'s fair ordering, from the vote extensions its
   * content derives from (docs/consensus.md "Fair block content"): each transaction's reports,
   * fair and effective timestamps, what was reported but left out, and each feed's observations.
   * undefined when `height` is not finalized; RpcBackendError('UNAVAILABLE') when the node does
   * not hold what it needs (a pruned body, extensions it never stored, or stored ones that do not
   * reproduce the block).
   */
  getBlockOrdering(height: number, options: BackendCallOptions): Promise<BlockOrdering | undefined>;
  /** Called once per finalized block, in height order. Returns the unsubscribe function. */
  onBlock(listener: (block: FinalizedBlock) => void): Unsubscribe;
  /** Called once per finalized transaction, after its block is stored. */
  onTransactionFinalized(listener: (txId: Hex, inclusion: TransactionInclusion) => void): Unsubscribe;
  /** Called once per feed price in each finalized block. */
  onPrice(listener: (price: FinalizedPrice) => void): Unsubscribe;
}

export type Unsubscribe = () => void;

/** Every backend call can be cancelled: the signal aborts when the request times out. */
export interface BackendCallOptions {
  signal: AbortSignal;
}

/** A finalized block with what identifies and proves it. */
export interface FinalizedBlock {
  /** headerHash of block.header. */
  hash: Hex;
  block: Block;
  certificate: Certificate;
  /** txId of each of block.transactions, same order (the store indexes them; the RPC does not rehash). */
  transactionIds: Hex[];
}

/** The certified block a namespace batch (or its absence) is proven against. */
interface NamespaceBatchBlock {
  /** Lowercase bytes32. */
  namespace: Hex;
  height: number;
  blockHash: Hex;
  header: BlockHeader;
  certificate: Certificate;
}

/** synod_getNamespaceBatch before JSON encoding. */
export type NamespaceBatch =
  | (NamespaceBatchBlock & {
      status: 'batch';
      inclusion: NamespaceInclusion;
      /** The namespace's transactions in block order. */
      transactions: { tx: SignedTransaction; txId: Hex }[];
    })
  | (NamespaceBatchBlock & { status: 'empty'; exclusion: NamespaceExclusion })
  | { status: 'not-final'; namespace: Hex; height: number; latestHeight: number };

/** synod_getHeaderProof before JSON encoding. */
export interface HeaderProof {
  height: number;
  header: BlockHeader;
  anchorHeight: number;
  anchorHeader: BlockHeader;
  anchorHash: Hex;
  proof: Hex[];
}

/** synod_getBlockOrdering before JSON encoding: nonces and prices as bigints. */
export type BlockOrdering = BlockOrderingOf<bigint>;

/** Where a finalized transaction is, with what an L1 contract needs to verify it. */
export type TransactionInclusion = TransactionInclusionOf<Certificate>;

export type TransactionStatus = TransactionStatusOf<Certificate>;

/** A feed's price as finalized in a block. */
export interface FinalizedPrice {
  feedId: Hex;
  answer: bigint;
  height: number;
  /** The block's timestamp, unix ms. */
  timestampMs: number;
  /** What proves it (synod_getPrice); absent in subscription notifications. */
  proof?: PriceProof;
}

/** A price leaf's place in its certified block. */
export interface PriceProof {
  /** Leaf index in the block's price tree (feeds sorted by feedId). */
  index: number;
  blockHash: Hex;
  header: BlockHeader;
  certificate: Certificate;
  /** Merkle proof of the price leaf against header.priceRoot (sibling hashes, leaf to root). */
  siblings: Hex[];
}

/**
 * What synod_getL1Proof finds for a transaction: the wire shape, except that the proven call's
 * `args` are as viem's readContract takes them (bigints, bytes) until the RPC encodes them.
 */
export type L1ProofResult = RpcL1Proof;

/** One feed in synod_status, with its prices as bigints (the RPC encodes them as decimals). */
export type OracleFeedStatus = OracleFeedStatusOf<bigint>;

/** The L1 submitter in synod_status. */
export type NodeL1Status = L1SubmitterStatus & {
  /** The node's Ethereum account (it pays for postings). */
  account: Address;
  inbox: Address;
  priceFeeds: Address | null;
  postEveryHeaders: number;
  /** False until L1 answered with the expected chain id (the submitter starts then). */
  chainChecked: boolean;
};

export interface CommitteeMember {
  index: number;
  /** 48-byte compressed G1 share public key. */
  blsPublicKey: Uint8Array;
  /** libp2p peer id, when known. */
  peerId?: string;
  /** Ethereum account that submits to L1, when known. */
  address?: Address;
}

export interface CommitteeInfo {
  epoch: number;
  /** Signatures needed for a certificate (2f+1). */
  threshold: number;
  /** 48-byte compressed G1 group public key. */
  groupPublicKey: Uint8Array;
  /** The committee encryption key (48-byte G1), when it has one. */
  encryptionKey?: Uint8Array | undefined;
  members: CommitteeMember[];
}

/** synod_status before encoding: RpcStatus (@synod/protocol) with domain-typed feeds and L1. */
export type NodeStatus = Omit<RpcStatus, 'oracle' | 'l1'> & {
  /** Feeds (absent: none configured). */
  oracle?: OracleFeedStatus[];
  /** The L1 submitter (absent: no l1.rpcUrl). */
  l1?: NodeL1Status;
};
