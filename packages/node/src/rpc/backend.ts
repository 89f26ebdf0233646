import type { Address, Block, BlockHeader, Certificate, Hex, SignedTransaction } from '@synod/protocol';

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
  /** A finalized block by header hash or height ('latest' = highest finalized); undefined if none. */
  getBlock(ref: Hex | number | 'latest', options: BackendCallOptions): Promise<FinalizedBlock | undefined>;
  /** The committee of `epoch` (the current one when undefined); undefined if unknown. */
  getCommittee(epoch: number | undefined, options: BackendCallOptions): Promise<CommitteeInfo | undefined>;
  /** The latest finalized price of a feed; undefined if the feed never had one. */
  getPrice(feedId: Hex, options: BackendCallOptions): Promise<FinalizedPrice | undefined>;
  status(options: BackendCallOptions): Promise<NodeStatus>;
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

/** Where a finalized transaction is, with what an L1 contract needs to verify it. */
export interface TransactionInclusion {
  height: number;
  /** Position in the block (tx tree leaf index). */
  index: number;
  blockHash: Hex;
  header: BlockHeader;
  certificate: Certificate;
  /** Merkle proof of the transaction leaf against header.txRoot (sibling hashes, leaf to root). */
  proof: Hex[];
}

export type TransactionStatus =
  | { status: 'unknown' }
  | { status: 'pending' /** When this node first saw it, unix ms. */; firstSeenMs: number }
  | ({ status: 'finalized' } & TransactionInclusion);

/** A feed's price as finalized in a block. */
export interface FinalizedPrice {
  feedId: Hex;
  answer: bigint;
  height: number;
  /** The block's timestamp, unix ms. */
  timestampMs: number;
}

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
  members: CommitteeMember[];
}

export interface NodeStatus {
  /** Software version of the node. */
  version: string;
  networkId: number;
  chainId: number;
  inbox: Address;
  epoch: number;
  /** Highest finalized height (0 before the first block). */
  finalizedHeight: number;
  /** Header hash at finalizedHeight, null before the first block. */
  finalizedHash: Hex | null;
  /** Height and round consensus is working on. */
  consensusHeight: number;
  consensusRound: number;
  /** True while catching up from peers. */
  syncing: boolean;
  peers: number;
  mempoolTransactions: number;
  mempoolBytes: number;
}
