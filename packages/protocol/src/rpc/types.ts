import type { Address, BlockHeader, Hex } from '../types.ts';
import type { JsonRpcErrorObject } from './errors.ts';

/**
 * The JSON shapes of the Synod JSON-RPC: what a node sends and an SDK reads, defined once for
 * both (docs/openrpc.json is the same API as JSON Schema). Encoding rules:
 * - bytes, hashes, addresses and signatures: lowercase 0x-hex strings;
 * - heights, rounds, indices, counts, epochs, network/chain ids and unix-ms timestamps: JSON
 *   numbers (the protocol keeps them below 2^53, so every JSON parser reads them exactly);
 * - values a user picks freely and that can exceed 2^53 (nonce, validUntil, price answers):
 *   decimal strings, e.g. "1000000000000000000". Decimal, not 0x-quantities, because they are
 *   read by people (prices) and `BigInt(s)` parses them directly.
 * Types only (and a few constants): nothing here runs on import.
 */

/** A block header as JSON: the protocol's BlockHeader is JSON-safe as it is (numbers < 2^53, hex). */
export type RpcHeader = BlockHeader;

export interface RpcCertificate {
  round: number;
  /** 96-byte compressed BLS12-381 G2 threshold signature. */
  signature: Hex;
}

export interface RpcTransaction {
  txId: Hex;
  networkId: number;
  namespace: Hex;
  sender: Address;
  /** uint64, decimal. */
  nonce: string;
  payload: Hex;
  /** uint64 unix seconds, decimal. */
  validUntil: string;
  signature: Hex;
}

export interface RpcBlockPrice {
  feedId: Hex;
  /** Fixed-point answer, decimal. */
  answer: string;
}

/** The newBlocks notification: what identifies and certifies a block, without its bodies. */
export interface RpcBlockSummary {
  /** Header hash. */
  hash: Hex;
  header: RpcHeader;
  certificate: RpcCertificate;
}

/** A finalized block. `transactions` only when requested with includeTransactions. */
export interface RpcBlock extends RpcBlockSummary {
  /** txIds in block order. */
  transactionIds: Hex[];
  transactions?: RpcTransaction[];
  /** Finalized prices, by feedId ascending. */
  prices: RpcBlockPrice[];
}

/**
 * Where a finalized transaction is, with what an L1 contract needs to verify it. `Cert` is the
 * certificate's form: RpcCertificate (hex signature) on the wire; the node holds its bytes.
 */
export interface TransactionInclusionOf<Cert> {
  height: number;
  /** Position in the block (tx tree leaf index). */
  index: number;
  blockHash: Hex;
  header: BlockHeader;
  certificate: Cert;
  /** Merkle proof of the transaction leaf against header.txRoot (sibling hashes, leaf to root). */
  proof: Hex[];
  /** An encrypted envelope only: what became of its plaintext (docs/protocol.md "Encrypted transactions"). */
  reveal?: RevealStatus;
}

/**
 * An envelope's reveal: pending until block height + 2 is final; then its plaintext
 * transaction (an ordinary finalized transaction, provable like any) or the verdict that it
 * opens to nothing. `reason` is the verdict's code when this node saw that block finalize
 * (MALFORMED_CIPHERTEXT, DECRYPTION_FAILED, UNDECODABLE, MISMATCH, INVALID_SIGNATURE, NO_KEY),
 * null otherwise.
 */
export type RevealStatus =
  | { status: 'pending' }
  | { status: 'revealed'; txId: Hex; height: number }
  | { status: 'undecryptable'; height: number; reason: string | null };

/** unknown, pending (since firstSeenMs, unix ms, on this node), or finalized with its inclusion. */
export type TransactionStatusOf<Cert> =
  | { status: 'unknown' }
  | { status: 'pending'; firstSeenMs: number }
  | ({ status: 'finalized' } & TransactionInclusionOf<Cert>);

/** synod_getTransactionStatus's finalized answer, and the transactionFinality notification. */
export type RpcInclusion = { status: 'finalized' } & TransactionInclusionOf<RpcCertificate>;
export type RpcTransactionStatus = TransactionStatusOf<RpcCertificate>;

export interface RpcPrice {
  feedId: Hex;
  answer: string;
  /** Height of the block that finalized it. */
  height: number;
  /** That block's time, unix ms. */
  timestampMs: number;
  /** synod_getPrice only: the leaf index in the block's price tree. */
  index?: number;
  blockHash?: Hex;
  header?: RpcHeader;
  certificate?: RpcCertificate;
  /** Merkle proof of the price leaf against header.priceRoot, leaf to root. */
  proof?: Hex[];
}

export interface RpcCommittee {
  epoch: number;
  /** Signatures needed for a certificate (2f+1). */
  threshold: number;
  /** 48-byte compressed G1 group public key. */
  groupPublicKey: Hex;
  /**
   * The committee encryption key (48-byte compressed G1) that envelopes encrypt to
   * (docs/protocol.md "Encrypted transactions"); null when the committee has none.
   */
  encryptionKey: Hex | null;
  members: { index: number; blsPublicKey: Hex; peerId: string | null; address: Address | null }[];
}

/**
 * One feed in synod_status: the chain's view (finalized price, breaker, staleness) and this
 * validator's sources. `Decimal` holds the fixed-point prices: decimal strings on the wire
 * (RpcOracleFeedStatus); the node builds it with bigints before encoding.
 */
export interface OracleFeedStatusOf<Decimal> {
  feedId: Hex;
  /** BASE/QUOTE when this validator observes the feed. */
  pair: string | null;
  decimals: number;
  /** No finalized price younger than the feed's maxAgeMs. */
  stale: boolean;
  lastPrice: { answer: Decimal; height: number; timestampMs: number } | null;
  /** now − lastPrice.timestampMs. */
  ageMs: number | null;
  /** A move held by the circuit breaker. */
  breaker: {
    direction: 'up' | 'down';
    consecutiveHeights: number;
    firstHeight: number;
    lastMedian: Decimal;
  } | null;
  /** This validator's latest observation (what its next vote extension carries). */
  observation: {
    price: Decimal | null;
    priceAtMs: number | null;
    observedAtMs: number;
    reason: string | null;
    usedSourceIds: string[];
  } | null;
  sources: {
    id: string;
    kind: string;
    healthy: boolean;
    consecutiveFailures: number;
    retryAtMs: number | null;
    lastPrice: Decimal | null;
    lastPriceAtMs: number | null;
    ageMs: number | null;
    lastErrorCode: string | null;
    lastErrorMessage: string | null;
  }[];
}

export type RpcOracleFeedStatus = OracleFeedStatusOf<string>;

/** The L1 submitter in synod_status. */
export interface RpcL1Status {
  /** The node's Ethereum account (it pays for postings). */
  account: Address;
  inbox: Address;
  priceFeeds: Address | null;
  postEveryHeaders: number;
  /** False until L1 answered with the expected chain id (the submitter starts then). */
  chainChecked: boolean;
  running: boolean;
  reachable: boolean;
  l1LatestHeight: number;
  plannedHeight: number;
  backlog: number;
  backlogHeights: number[];
  lastPostedHeight: number;
  lastError: { code: string; message: string; atMs: number } | null;
  /** The account's transaction in flight, whichever job sent it. */
  pendingTransaction: {
    hash: Hex;
    nonce: number;
    height: number;
    kind: string;
    /** The namespace of a batch settlement; null for a header or price posting. */
    namespace: Hex | null;
    maxFeePerGas: string;
    maxPriorityFeePerGas: string;
    firstSentAtMs: number;
    replacements: number;
  } | null;
  headersPosted: number;
  pricesPosted: number;
  duplicateSubmissions: number;
  feeBumps: number;
  /** One entry per namespace this node settles (l1.settlement), in config order. */
  batches: RpcL1BatchStatus[];
}

/** A namespace whose batches the node settles into its SynodBatchSettlement contract (synod_status l1.batches). */
export interface RpcL1BatchStatus {
  namespace: Hex;
  contract: Address;
  /** The contract's counters were read since start. */
  resumed: boolean;
  /** The contract's appliedCount as last read: the next expected sequence number. */
  appliedCount: number;
  /** The contract's lastSettledHeight as last read. */
  lastSettledHeight: number;
  /** Transactions of the namespace this node finalized. */
  finalizedCount: number;
  /** Highest finalized height read for the namespace. */
  scannedHeight: number;
  /** Batches read and waiting to be settled (capped; the store holds the rest). */
  backlog: number;
  backlogHeights: number[];
  /** This namespace's settlement in flight, if the account's pending transaction is one. */
  pending: { height: number; kind: string; hash: Hex; nonce: number } | null;
  batchesSettled: number;
  transactionsSettled: number;
  lastSettledByThisNodeHeight: number;
  duplicates: number;
  /** submitHeaderAndSettleBatch calls a higher header overtook (then settled from history). */
  overtaken: number;
  lastError: { code: string; message: string; atMs: number } | null;
}

/** Votes of one kind in one round: validator indices by block id (`nil` for the nil vote). */
export type RpcVoteTally = Record<string, number[]>;

/**
 * What consensus is doing (synod_status `consensus`): enough to see why a height does not
 * finish — which votes arrived, what this node voted, how long since the last finalized block.
 */
export interface RpcConsensusState {
  step: 'propose' | 'prevote' | 'precommit';
  /** Round of the locked value, −1 when none. */
  lockedRound: number;
  validRound: number;
  /** Milliseconds since the last finalized block (or the node's start). */
  msSinceProgress: number;
  /** True once msSinceProgress passed consensus.stallWarningMs, until the next block. */
  stalled: boolean;
  /** Stalls detected since the node started. */
  stalls: number;
  queuedInputs: number;
  processing: boolean;
  pendingTimers: number;
  /** The newest rounds of the current height: proposal block id and votes by block id. */
  rounds: { round: number; proposal: Hex | null; prevotes: RpcVoteTally; precommits: RpcVoteTally }[];
  /** This node's votes of the current height, `round/kind/blockId-prefix`. */
  ownVotes: string[];
  /** Proposals and votes held for the next height. */
  futureMessages: number;
}

export interface RpcStatus {
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
  consensus: RpcConsensusState;
  /** True while catching up from peers. */
  syncing: boolean;
  peers: number;
  mempoolTransactions: number;
  mempoolBytes: number;
  /** Every configured feed. */
  oracle: RpcOracleFeedStatus[];
  /** The L1 submitter; null without l1.rpcUrl. */
  l1: RpcL1Status | null;
}

/** synod_getL1Proof: the SettlementInbox view call that proves a finalized transaction. */
export type RpcL1Proof =
  | { status: 'unknown' }
  /** Finalized at `height`, above every header the inbox holds (`l1LatestHeight`): retry later. */
  | { status: 'not-yet-on-l1'; height: number; l1LatestHeight: number }
  /** Finalized, but this node cannot build the proof (pruned body, history too long). */
  | { status: 'unprovable'; height: number; reason: 'BODY_PRUNED' | 'HISTORY_TOO_LONG'; message: string }
  | {
      status: 'proven';
      txId: Hex;
      height: number;
      /** The posted header the proof is checked against (= height when that header was posted). */
      anchorHeight: number;
      /** The contract to call (SettlementInbox). */
      contract: Address;
      function: 'verifyTransaction' | 'verifyTransactionInHistory';
      /** ABI arguments in ABI order; integers as decimal strings, structs as objects, bytes as hex. */
      args: readonly unknown[];
      /** ABI-encoded calldata of the same call: eth_call { to: contract, data } returns true. */
      data: Hex;
    };

/** A namespace-tree leaf (docs/protocol.md "Namespaces"). */
export interface RpcNamespaceLeaf {
  namespace: Hex;
  /** Transactions of the namespace in all earlier blocks. */
  sequenceStart: number;
  /** Transactions of the namespace in this block. */
  count: number;
  /** keccak256 of the namespace's transaction-tree leaves, concatenated in block order. */
  batchHash: Hex;
}

/** A namespace leaf at `index` of header.namespaceRoot, with its proof (sibling hashes, leaf to root). */
export interface RpcNamespaceLeafProof {
  leaf: RpcNamespaceLeaf;
  index: number;
  proof: Hex[];
}

/** The certified block a namespace batch, or its absence, is proven against. */
export interface RpcNamespaceBatchBlock {
  namespace: Hex;
  height: number;
  blockHash: Hex;
  header: RpcHeader;
  certificate: RpcCertificate;
}

/** synod_getNamespaceBatch / synod_getNextNamespaceBatch. */
export type RpcNamespaceBatch =
  /** The namespace's transactions in block order, complete: the leaf's count and batchHash cover them. */
  | (RpcNamespaceBatchBlock & {
      status: 'batch';
      inclusion: RpcNamespaceLeafProof;
      transactions: RpcTransaction[];
    })
  /** The namespace has no transaction at this height: the neighbouring leaves prove it (null: none on that side). */
  | (RpcNamespaceBatchBlock & {
      status: 'empty';
      left: RpcNamespaceLeafProof | null;
      right: RpcNamespaceLeafProof | null;
    })
  /** `height` is not finalized yet (next: no batch above the given height is final yet). */
  | { status: 'not-final'; namespace: Hex; height: number; latestHeight: number };

/** synod_getHeaderProof: a finalized header proven by a later one's historyRoot. */
export interface RpcHeaderProof {
  height: number;
  header: RpcHeader;
  anchorHeight: number;
  anchorHeader: RpcHeader;
  /** headerHash of anchorHeader. */
  anchorHash: Hex;
  /** headerHash(header) is leaf height − 1 of anchorHeader.historyRoot: sibling hashes, leaf to root. */
  proof: Hex[];
}

/** One extension's report of a transaction: the validator's local time when it first saw it. */
export interface RpcFirstSeen {
  validatorIndex: number;
  /** unix ms, the validator's own clock. */
  firstSeenMs: number;
}

/**
 * synod_getBlockOrdering: why a finalized block's content is what it is (docs/consensus.md "Fair
 * block content"), from the vote extensions it derives from (the commit of height − 1, as its
 * proposal carried them). `Decimal` holds nonces and prices: decimal strings on the wire
 * (RpcBlockOrdering); the node builds it with bigints before encoding.
 */
export interface BlockOrderingOf<Decimal> {
  height: number;
  /** headerHash of the block. */
  blockHash: Hex;
  epoch: number;
  /** The block time: max(parent + 1, lower median of validators[].timestampMs). */
  timestampMs: number;
  proposerIndex: number;
  /** Size n of the committee that signed the extensions (of height − 1: another epoch's at an epoch's first height). */
  signerCount: number;
  /** f = ⌊(n − 1) / 3⌋ of that committee: a fair timestamp is the (f+1)-th smallest report. */
  faultTolerance: number;
  /** One per extension the content derives from, by validator index. */
  validators: {
    validatorIndex: number;
    /** Its clock when it signed the extension, unix ms. */
    timestampMs: number;
    /** Entries in its inclusion list. */
    reported: number;
    /**
     * The signed extension as stored: its VoteExtension message (VoteExtensionCodec, wire
     * encoding) as 0x-hex, with the validator's share signature over extensionMessage. The
     * decoded fields above and the firstSeen, fair timestamps and observations below derive from
     * these: re-check them under the share keys of synod_getCommittee (epoch of height − 1).
     */
    extension: Hex;
  }[];
  /** The block's transactions, in block order. */
  transactions: {
    /** Position in the block (tx tree leaf index). */
    index: number;
    txId: Hex;
    sender: Address;
    nonce: Decimal;
    namespace: Hex;
    /**
     * fair: ordered by its fair timestamp. revealed: the plaintext of `envelopeTxId`, an envelope
     * of block height − 2; revealed transactions lead the block and take the block's time.
     */
    source: 'fair' | 'revealed';
    /** The envelope a revealed transaction opens (null for fair ones). */
    envelopeTxId: Hex | null;
    /** The (f+1)-th smallest firstSeenMs across the extensions (revealed: the block time). */
    fairTimestampMs: number;
    /** max(fairTimestampMs, that of its sender's previous fair transaction in the block): the order key, with txId. */
    effectiveTimestampMs: number;
    /** Every extension that reports it, by validator index. */
    firstSeen: RpcFirstSeen[];
  }[];
  /**
   * Transactions the extensions report that the block left out, except candidates finalized
   * earlier (`finalizedEarlier`): earliest report first, at most the node's
   * BLOCK_ORDERING_MAX_UNORDERED (256) of `unorderedTotal`.
   */
  unordered: {
    txId: Hex;
    /**
     * Its fair timestamp; null when fewer than f+1 extensions report it (not a candidate). A
     * candidate left out was invalid or expired, waited for a lower nonce or its sender's
     * reveal, or was over the block's transaction or envelope cap.
     */
    fairTimestampMs: number | null;
    firstSeen: RpcFirstSeen[];
  }[];
  /** How many `unordered` holds before its cap. */
  unorderedTotal: number;
  /**
   * Transactions with f+1 reports or more, left out because they were finalized below this
   * height (the extensions were signed before their block was final: a transaction stays listed
   * until then); not in `unordered`.
   */
  finalizedEarlier: number;
  /** Every feed observed in the extensions or priced in the block, by feedId. */
  prices: {
    feedId: Hex;
    /** The price the block finalized; null when it has none (no quorum, or held by the circuit breaker). */
    answer: Decimal | null;
    /** Lower median of the observations (what the breaker judges); null below 2f+1 observations. */
    median: Decimal | null;
    /**
     * The (f+1)-th smallest and (f+1)-th largest observation; null below 2f+1 observations.
     * With at most f of them byzantine, [low, high] lies within the honest observations' range
     * and holds the median.
     */
    low: Decimal | null;
    high: Decimal | null;
    /** By validator index. */
    observations: { validatorIndex: number; price: Decimal }[];
  }[];
}

export type RpcBlockOrdering = BlockOrderingOf<string>;

/** What synod_subscribe can watch. */
export const SUBSCRIPTION_TOPICS = ['newBlocks', 'transactionFinality', 'prices'] as const;
export type SubscriptionTopic = (typeof SUBSCRIPTION_TOPICS)[number];

/** What a subscription delivers per topic. */
export interface SubscriptionResults {
  newBlocks: RpcBlockSummary;
  /** Once; the subscription ends after it. */
  transactionFinality: RpcInclusion;
  prices: RpcPrice;
}

/** Method name of every subscription notification. */
export const SUBSCRIPTION_NOTIFICATION_METHOD = 'synod_subscription';

/** A subscription notification (WebSocket only; never before the subscribe response). */
export interface RpcSubscriptionNotification<Topic extends SubscriptionTopic = SubscriptionTopic> {
  jsonrpc: '2.0';
  method: typeof SUBSCRIPTION_NOTIFICATION_METHOD;
  params: { subscription: string; result: SubscriptionResults[Topic] };
}

/** Every method of the API (rpc.discover aside): its params by position, and its result. */
/**
 * synod_getEvidence: one equivocation, two signed votes of one validator for one (height, round,
 * kind) and different blocks. Each signature is the validator's share signature over
 * voteMessage(kind, networkId, height, round, blockId): verify it with its share key
 * (synod_getCommittee members[validatorIndex].blsPublicKey).
 */
export interface RpcEvidence {
  validatorIndex: number;
  height: number;
  round: number;
  kind: 'prevote' | 'precommit';
  votes: [RpcEquivocatingVote, RpcEquivocatingVote];
  /** The Evidence message (EvidenceCodec, wire encoding) as 0x-hex, to re-check or forward. */
  raw: Hex;
}

export interface RpcEquivocatingVote {
  /** 32-byte block id voted for; the zero hash is nil. */
  blockId: Hex;
  /** 96-byte compressed G2 share signature. */
  signature: Hex;
}

export interface SynodRpcSchema {
  synod_sendTransaction: { params: [transaction: Hex]; result: Hex };
  synod_getTransactionStatus: { params: [txId: Hex]; result: RpcTransactionStatus };
  synod_getNextNonce: { params: [sender: Address]; result: string };
  synod_getBlock: { params: [blockHash: Hex, includeTransactions?: boolean]; result: RpcBlock | null };
  synod_getBlockByHeight: {
    params: [height: number | 'latest', includeTransactions?: boolean];
    result: RpcBlock | null;
  };
  synod_getCommittee: { params: [epoch?: number]; result: RpcCommittee | null };
  synod_getPrice: { params: [feedId: Hex]; result: RpcPrice | null };
  synod_getL1Proof: { params: [txId: Hex]; result: RpcL1Proof };
  synod_getNamespaceBatch: { params: [namespace: Hex, height: number]; result: RpcNamespaceBatch };
  synod_getNextNamespaceBatch: { params: [namespace: Hex, afterHeight: number]; result: RpcNamespaceBatch };
  synod_getHeaderProof: { params: [height: number, anchorHeight: number]; result: RpcHeaderProof | null };
  synod_getEvidence: { params: [height: number]; result: RpcEvidence[] };
  synod_getBlockOrdering: { params: [height: number]; result: RpcBlockOrdering | null };
  synod_status: { params: []; result: RpcStatus };
  synod_subscribe: { params: [topic: SubscriptionTopic, filter?: Hex]; result: string };
  synod_unsubscribe: { params: [subscriptionId: string]; result: boolean };
}

export type SynodRpcMethod = keyof SynodRpcSchema;
export type SynodRpcParams<Method extends SynodRpcMethod> = SynodRpcSchema[Method]['params'];
export type SynodRpcResult<Method extends SynodRpcMethod> = SynodRpcSchema[Method]['result'];

/** A JSON-RPC request for `Method`. */
export interface RpcRequest<Method extends SynodRpcMethod = SynodRpcMethod> {
  jsonrpc: '2.0';
  id: number | string | null;
  method: Method;
  params: SynodRpcParams<Method>;
}

/** A JSON-RPC response to a request for `Method`: its result, or an error. */
export type RpcResponse<Method extends SynodRpcMethod = SynodRpcMethod> =
  | { jsonrpc: '2.0'; id: number | string | null; result: SynodRpcResult<Method> }
  | { jsonrpc: '2.0'; id: number | string | null; error: JsonRpcErrorObject };
