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
}

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
