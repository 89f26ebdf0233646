import {
  type Address,
  type BlockHeader,
  type Certificate,
  type FeedPrice,
  type Hex,
  type SignedTransaction,
  toLowerHex,
} from '@synod/protocol';
import type {
  CommitteeInfo,
  FinalizedBlock,
  FinalizedPrice,
  NodeStatus,
  TransactionInclusion,
  TransactionStatus,
} from './backend.ts';
import type { JsonSchema } from './schema.ts';

/**
 * JSON encoding of RPC results. The rules (also in the OpenRPC document's description):
 * - bytes, hashes, addresses and signatures: lowercase 0x-hex strings;
 * - heights, rounds, indices, counts, epochs, network/chain ids and unix-ms timestamps: JSON
 *   numbers (the protocol keeps them below 2^53, so every JSON parser reads them exactly);
 * - values a user picks freely and that can exceed 2^53 (nonce, validUntil, price answers):
 *   decimal strings, e.g. "1000000000000000000". Decimal, not 0x-quantities, because they are
 *   read by people (prices) and `BigInt(s)` parses them directly.
 * Each encoder has the JSON Schema of its output beside it, for the OpenRPC document.
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

export interface RpcBlockPrice {
  feedId: Hex;
  answer: string;
}

/** A finalized block. `transactions` only when requested with includeTransactions. */
export interface RpcBlock {
  hash: Hex;
  header: RpcHeader;
  certificate: RpcCertificate;
  transactionIds: Hex[];
  transactions?: RpcTransaction[];
  prices: RpcBlockPrice[];
}

/** The newBlocks notification: what identifies and certifies a block, without its bodies. */
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

/** NodeStatus is JSON-safe as it is (numbers below 2^53, hex strings). */
export type RpcStatus = NodeStatus;

export function encodeHeader(header: BlockHeader): RpcHeader {
  return {
    version: header.version,
    networkId: header.networkId,
    epoch: header.epoch,
    height: header.height,
    parentHash: header.parentHash,
    timestampMs: header.timestampMs,
    txRoot: header.txRoot,
    txCount: header.txCount,
    priceRoot: header.priceRoot,
    priceCount: header.priceCount,
    historyRoot: header.historyRoot,
    proposerIndex: header.proposerIndex,
  };
}

export function encodeCertificate(certificate: Certificate): RpcCertificate {
  return { round: certificate.round, signature: toLowerHex(certificate.signature) };
}

export function encodeTransaction(tx: SignedTransaction, txId: Hex): RpcTransaction {
  return {
    txId,
    networkId: tx.networkId,
    namespace: tx.namespace,
    sender: tx.sender,
    nonce: tx.nonce.toString(10),
    payload: tx.payload,
    validUntil: tx.validUntil.toString(10),
    signature: tx.signature,
  };
}

function encodeBlockPrice(price: FeedPrice): RpcBlockPrice {
  return { feedId: price.feedId, answer: price.answer.toString(10) };
}

export function encodeBlock(finalized: FinalizedBlock, includeTransactions: boolean): RpcBlock {
  const { block } = finalized;
  if (finalized.transactionIds.length !== block.transactions.length) {
    throw new Error(
      `assertion failed: block ${finalized.hash} has ${block.transactions.length} transactions but ${finalized.transactionIds.length} ids`,
    );
  }
  const encoded: RpcBlock = {
    hash: finalized.hash,
    header: encodeHeader(block.header),
    certificate: encodeCertificate(finalized.certificate),
    transactionIds: finalized.transactionIds,
    prices: block.prices.map(encodeBlockPrice),
  };
  if (includeTransactions) {
    encoded.transactions = block.transactions.map((tx, i) =>
      encodeTransaction(tx, finalized.transactionIds[i]!),
    );
  }
  return encoded;
}

export function encodeBlockSummary(finalized: FinalizedBlock): RpcBlockSummary {
  return {
    hash: finalized.hash,
    header: encodeHeader(finalized.block.header),
    certificate: encodeCertificate(finalized.certificate),
  };
}

export function encodeInclusion(inclusion: TransactionInclusion): RpcInclusion {
  return {
    status: 'finalized',
    height: inclusion.height,
    index: inclusion.index,
    blockHash: inclusion.blockHash,
    header: encodeHeader(inclusion.header),
    certificate: encodeCertificate(inclusion.certificate),
    proof: [...inclusion.proof],
  };
}

export function encodeTransactionStatus(status: TransactionStatus): RpcTransactionStatus {
  switch (status.status) {
    case 'unknown':
      return { status: 'unknown' };
    case 'pending':
      return { status: 'pending', firstSeenMs: status.firstSeenMs };
    case 'finalized':
      return encodeInclusion(status);
  }
}

export function encodePrice(price: FinalizedPrice): RpcPrice {
  return {
    feedId: price.feedId,
    answer: price.answer.toString(10),
    height: price.height,
    timestampMs: price.timestampMs,
  };
}

export function encodeCommittee(committee: CommitteeInfo): RpcCommittee {
  return {
    epoch: committee.epoch,
    threshold: committee.threshold,
    groupPublicKey: toLowerHex(committee.groupPublicKey),
    members: committee.members.map((member) => ({
      index: member.index,
      blsPublicKey: toLowerHex(member.blsPublicKey),
      peerId: member.peerId ?? null,
      address: member.address ?? null,
    })),
  };
}

export function encodeStatus(status: NodeStatus): RpcStatus {
  return {
    version: status.version,
    networkId: status.networkId,
    chainId: status.chainId,
    inbox: status.inbox,
    epoch: status.epoch,
    finalizedHeight: status.finalizedHeight,
    finalizedHash: status.finalizedHash,
    consensusHeight: status.consensusHeight,
    consensusRound: status.consensusRound,
    syncing: status.syncing,
    peers: status.peers,
    mempoolTransactions: status.mempoolTransactions,
    mempoolBytes: status.mempoolBytes,
  };
}

// ---------------------------------------------------------------------------------------------
// JSON Schemas of the results (OpenRPC components). `ref(name)` points into components.schemas.

export function ref(name: keyof typeof RESULT_SCHEMAS): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

const hex = (description: string, bytes?: number): JsonSchema => ({
  type: 'string',
  description,
  pattern: bytes === undefined ? '^0x([0-9a-f]{2})*$' : `^0x[0-9a-f]{${2 * bytes}}$`,
});
const uint = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });
const decimal = (description: string): JsonSchema => ({
  type: 'string',
  pattern: '^(0|[1-9][0-9]*)$',
  description,
});
const object = (properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  additionalProperties: false,
});

export const RESULT_SCHEMAS = {
  Hash: hex('32-byte hash (keccak256)', 32),
  BlockHeader: object({
    version: uint('header format version'),
    networkId: uint('Synod network id'),
    epoch: uint('committee epoch'),
    height: uint('block height (1 is the first block)'),
    parentHash: hex('header hash of height - 1 (zero hash at height 1)', 32),
    timestampMs: uint('block time, unix milliseconds'),
    txRoot: hex('Merkle root of the transaction leaves', 32),
    txCount: uint('number of transactions'),
    priceRoot: hex('Merkle root of the price leaves', 32),
    priceCount: uint('number of prices'),
    historyRoot: hex('Merkle root of the header hashes of heights 1 .. height-1', 32),
    proposerIndex: uint('committee index of the proposer'),
  }),
  Certificate: object({
    round: uint('consensus round whose precommits the certificate combines'),
    signature: hex('96-byte compressed BLS12-381 G2 threshold signature', 96),
  }),
  Transaction: object({
    txId: hex('EIP-712 digest of the transaction', 32),
    networkId: uint('Synod network id'),
    namespace: hex('bytes32 application id', 32),
    sender: hex('sender address', 20),
    nonce: decimal('uint64 nonce'),
    payload: hex('application bytes'),
    validUntil: decimal('uint64 unix seconds after which the transaction may not be included'),
    signature: hex('65-byte r ‖ s ‖ v signature', 65),
  }),
  Block: object(
    {
      hash: hex('header hash', 32),
      header: { $ref: '#/components/schemas/BlockHeader' },
      certificate: { $ref: '#/components/schemas/Certificate' },
      transactionIds: { type: 'array', items: hex('txId', 32), description: 'txIds in block order' },
      transactions: {
        type: 'array',
        items: { $ref: '#/components/schemas/Transaction' },
        description: 'full transactions in block order; present only with includeTransactions',
      },
      prices: {
        type: 'array',
        description: 'finalized prices, by feedId ascending',
        items: object({ feedId: hex('bytes32 feed id', 32), answer: decimal('fixed-point price') }),
      },
    },
    ['transactions'],
  ),
  BlockSummary: object({
    hash: hex('header hash', 32),
    header: { $ref: '#/components/schemas/BlockHeader' },
    certificate: { $ref: '#/components/schemas/Certificate' },
  }),
  TransactionInclusion: object({
    status: { const: 'finalized' },
    height: uint('height of the block that includes the transaction'),
    index: uint('position in the block (tx tree leaf index)'),
    blockHash: hex('header hash of that block', 32),
    header: { $ref: '#/components/schemas/BlockHeader' },
    certificate: { $ref: '#/components/schemas/Certificate' },
    proof: {
      type: 'array',
      items: hex('sibling hash', 32),
      description: 'Merkle proof of the transaction leaf against header.txRoot, leaf to root',
    },
  }),
  TransactionStatus: {
    oneOf: [
      object({ status: { const: 'unknown' } }),
      object({ status: { const: 'pending' }, firstSeenMs: uint('when this node first saw it, unix ms') }),
      { $ref: '#/components/schemas/TransactionInclusion' },
    ],
  },
  Price: object({
    feedId: hex('bytes32 feed id', 32),
    answer: decimal("fixed-point answer scaled by the feed's decimals"),
    height: uint('height of the block that finalized it'),
    timestampMs: uint('that block time, unix ms'),
  }),
  Committee: object({
    epoch: uint('committee epoch'),
    threshold: uint('signatures needed for a certificate (2f+1)'),
    groupPublicKey: hex('48-byte compressed G1 group public key', 48),
    members: {
      type: 'array',
      items: object({
        index: uint('committee index'),
        blsPublicKey: hex('48-byte compressed G1 share public key', 48),
        peerId: { type: ['string', 'null'], description: 'libp2p peer id' },
        address: { type: ['string', 'null'], description: 'Ethereum account that submits to L1' },
      }),
    },
  }),
  Status: object({
    version: { type: 'string', description: 'node software version' },
    networkId: uint('Synod network id'),
    chainId: uint('settlement L1 chain id'),
    inbox: hex('SettlementInbox address', 20),
    epoch: uint('current committee epoch'),
    finalizedHeight: uint('highest finalized height (0 before the first block)'),
    finalizedHash: { oneOf: [hex('header hash at finalizedHeight', 32), { type: 'null' }] },
    consensusHeight: uint('height consensus is working on'),
    consensusRound: uint('round consensus is in'),
    syncing: { type: 'boolean', description: 'true while catching up from peers' },
    peers: uint('connected peers'),
    mempoolTransactions: uint('pending transactions'),
    mempoolBytes: uint('bytes of pending transactions'),
  }),
} as const satisfies Record<string, JsonSchema>;
