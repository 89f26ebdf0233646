import type { Address, Hex } from 'viem';

/**
 * The JSON shapes of the Synod JSON-RPC (docs/openrpc.json; the node encodes them in
 * packages/node/src/rpc/encoding.ts, and test/rpcTypes.test.ts checks these match it at compile
 * time). Bytes are lowercase 0x-hex; heights, rounds, indices and ms timestamps are numbers;
 * nonces, validUntil and price answers are decimal strings.
 */

export interface RpcHeader {
  version: number;
  networkId: number;
  epoch: number;
  height: number;
  parentHash: Hex;
  timestampMs: number;
  txRoot: Hex;
  txCount: number;
  priceRoot: Hex;
  priceCount: number;
  historyRoot: Hex;
  proposerIndex: number;
}

export interface RpcCertificate {
  round: number;
  signature: Hex;
}

export interface RpcTransaction {
  txId: Hex;
  networkId: number;
  namespace: Hex;
  sender: Address;
  nonce: string;
  payload: Hex;
  validUntil: string;
  signature: Hex;
}

export interface RpcBlock {
  hash: Hex;
  header: RpcHeader;
  certificate: RpcCertificate;
  transactionIds: Hex[];
  transactions?: RpcTransaction[];
  prices: { feedId: Hex; answer: string }[];
}

export interface RpcBlockSummary {
  hash: Hex;
  header: RpcHeader;
  certificate: RpcCertificate;
}

export interface RpcInclusion {
  status: 'finalized';
  height: number;
  index: number;
  blockHash: Hex;
  header: RpcHeader;
  certificate: RpcCertificate;
  proof: Hex[];
}

export type RpcTransactionStatus =
  | { status: 'unknown' }
  | { status: 'pending'; firstSeenMs: number }
  | RpcInclusion;

export interface RpcPrice {
  feedId: Hex;
  answer: string;
  height: number;
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
  threshold: number;
  groupPublicKey: Hex;
  members: { index: number; blsPublicKey: Hex; peerId: string | null; address: Address | null }[];
}

export interface RpcStatus {
  version: string;
  networkId: number;
  chainId: number;
  inbox: Address;
  epoch: number;
  finalizedHeight: number;
  finalizedHash: Hex | null;
  consensusHeight: number;
  consensusRound: number;
  syncing: boolean;
  peers: number;
  mempoolTransactions: number;
  mempoolBytes: number;
  /** Every configured feed. */
  oracle: RpcOracleFeedStatus[];
  /** The L1 submitter; null without l1.rpcUrl. */
  l1: RpcL1Status | null;
}

export interface RpcOracleFeedStatus {
  feedId: Hex;
  pair: string | null;
  decimals: number;
  stale: boolean;
  lastPrice: { answer: string; height: number; timestampMs: number } | null;
  ageMs: number | null;
  breaker: {
    direction: 'up' | 'down';
    consecutiveHeights: number;
    firstHeight: number;
    lastMedian: string;
  } | null;
  observation: {
    price: string | null;
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
    lastPrice: string | null;
    lastPriceAtMs: number | null;
    ageMs: number | null;
    lastErrorCode: string | null;
    lastErrorMessage: string | null;
  }[];
}

export interface RpcL1Status {
  account: Address;
  inbox: Address;
  priceFeeds: Address | null;
  postEveryHeaders: number;
  chainChecked: boolean;
  running: boolean;
  reachable: boolean;
  l1LatestHeight: number;
  plannedHeight: number;
  backlog: number;
  backlogHeights: number[];
  lastPostedHeight: number;
  lastError: { code: string; message: string; atMs: number } | null;
  pendingTransaction: {
    hash: Hex;
    nonce: number;
    height: number;
    kind: string;
    maxFeePerGas: string;
    maxPriorityFeePerGas: string;
    firstSentAtMs: number;
    replacements: number;
  } | null;
  headersPosted: number;
  pricesPosted: number;
  duplicateSubmissions: number;
  feeBumps: number;
}

/** synod_getL1Proof: the SettlementInbox view call that proves a finalized transaction. */
export type RpcL1Proof =
  | { status: 'unknown' }
  | { status: 'not-yet-on-l1'; height: number; l1LatestHeight: number }
  | { status: 'unprovable'; height: number; reason: 'BODY_PRUNED' | 'HISTORY_TOO_LONG'; message: string }
  | {
      status: 'proven';
      txId: Hex;
      height: number;
      anchorHeight: number;
      contract: Address;
      function: 'verifyTransaction' | 'verifyTransactionInHistory';
      /** ABI arguments; integers as decimal strings, structs as objects. */
      args: unknown[];
      data: Hex;
    };

export type SubscriptionTopic = 'newBlocks' | 'transactionFinality' | 'prices';

/** Every method: its params (positional) and its result. */
export interface SynodRpcSchema {
  synod_sendTransaction: { params: [transaction: Hex]; result: Hex };
  synod_getTransactionStatus: { params: [txId: Hex]; result: RpcTransactionStatus };
  synod_getBlock: { params: [blockHash: Hex, includeTransactions?: boolean]; result: RpcBlock | null };
  synod_getBlockByHeight: {
    params: [height: number | 'latest', includeTransactions?: boolean];
    result: RpcBlock | null;
  };
  synod_getCommittee: { params: [epoch?: number]; result: RpcCommittee | null };
  synod_getPrice: { params: [feedId: Hex]; result: RpcPrice | null };
  synod_getL1Proof: { params: [txId: Hex]; result: RpcL1Proof };
  synod_status: { params: []; result: RpcStatus };
  synod_subscribe: { params: [topic: SubscriptionTopic, filter?: Hex]; result: string };
  synod_unsubscribe: { params: [subscriptionId: string]; result: boolean };
}

export type SynodRpcMethod = keyof SynodRpcSchema;

/** What a subscription delivers per topic. */
export interface SubscriptionResults {
  newBlocks: RpcBlockSummary;
  transactionFinality: RpcInclusion;
  prices: RpcPrice;
}
