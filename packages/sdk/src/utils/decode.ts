import type { Hex } from 'viem';
import { VerificationError } from '../errors/verification.ts';
import type { RevealStatus } from '../internal/protocol.ts';
import type {
  RpcBlock,
  RpcBlockOrdering,
  RpcBlockSummary,
  RpcCertificate,
  RpcCommittee,
  RpcEvidence,
  RpcHeader,
  RpcInclusion,
  RpcNamespaceBatch,
  RpcNamespaceLeafProof,
  RpcPrice,
  RpcTransaction,
  RpcTransactionStatus,
} from '../types/rpc.ts';
import type {
  Block,
  BlockHeader,
  BlockOrdering,
  BlockSummary,
  Certificate,
  Committee,
  Evidence,
  FinalizedTransaction,
  NamespaceBatch,
  NamespaceInclusion,
  Price,
  TransactionInclusion,
  TransactionStatus,
} from '../types/synod.ts';

/**
 * RPC JSON → SDK values, checking every field's shape: a node's answer is input, and what does
 * not have the documented shape is a VerificationError('MALFORMED_RESPONSE'), never a crash deep
 * inside hashing. Bounds of numbers are the protocol's (< 2^53); hex is lowercased.
 */

const HEX = /^0x([0-9a-fA-F]{2})*$/;

function malformed(what: string): never {
  throw new VerificationError('MALFORMED_RESPONSE', `${what} is not of the documented shape`);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(what);
  return value as Record<string, unknown>;
}

function uint(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) malformed(what);
  return value;
}

function hex(value: unknown, what: string, bytes?: number): Hex {
  if (typeof value !== 'string' || !HEX.test(value)) malformed(what);
  if (bytes !== undefined && value.length !== 2 + 2 * bytes) malformed(what);
  return value.toLowerCase() as Hex;
}

function decimal(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^-?(0|[1-9][0-9]*)$/.test(value)) malformed(what);
  return BigInt(value);
}

function array<T>(value: unknown, what: string, item: (value: unknown, what: string) => T): T[] {
  if (!Array.isArray(value)) malformed(what);
  return value.map((entry, i) => item(entry, `${what}[${i}]`));
}

export function decodeHeader(value: unknown): BlockHeader {
  const header = object(value, 'header') as Partial<Record<keyof RpcHeader, unknown>>;
  return {
    version: uint(header.version, 'header.version'),
    networkId: uint(header.networkId, 'header.networkId'),
    epoch: uint(header.epoch, 'header.epoch'),
    height: uint(header.height, 'header.height'),
    parentHash: hex(header.parentHash, 'header.parentHash', 32),
    timestampMs: uint(header.timestampMs, 'header.timestampMs'),
    txRoot: hex(header.txRoot, 'header.txRoot', 32),
    txCount: uint(header.txCount, 'header.txCount'),
    namespaceRoot: hex(header.namespaceRoot, 'header.namespaceRoot', 32),
    namespaceCount: uint(header.namespaceCount, 'header.namespaceCount'),
    priceRoot: hex(header.priceRoot, 'header.priceRoot', 32),
    priceCount: uint(header.priceCount, 'header.priceCount'),
    historyRoot: hex(header.historyRoot, 'header.historyRoot', 32),
    proposerIndex: uint(header.proposerIndex, 'header.proposerIndex'),
  };
}

export function decodeCertificate(value: unknown): Certificate {
  const certificate = object(value, 'certificate') as Partial<Record<keyof RpcCertificate, unknown>>;
  return {
    round: uint(certificate.round, 'certificate.round'),
    signature: hex(certificate.signature, 'certificate.signature', 96),
  };
}

export function decodeBlockSummary(value: unknown): BlockSummary {
  const summary = object(value, 'block') as Partial<Record<keyof RpcBlockSummary, unknown>>;
  return {
    hash: hex(summary.hash, 'block.hash', 32),
    header: decodeHeader(summary.header),
    certificate: decodeCertificate(summary.certificate),
  };
}

function decodeTransaction(value: unknown, what: string): FinalizedTransaction {
  const tx = object(value, what) as Partial<Record<keyof RpcTransaction, unknown>>;
  return {
    txId: hex(tx.txId, `${what}.txId`, 32),
    networkId: uint(tx.networkId, `${what}.networkId`),
    namespace: hex(tx.namespace, `${what}.namespace`, 32),
    sender: hex(tx.sender, `${what}.sender`, 20),
    nonce: decimal(tx.nonce, `${what}.nonce`),
    payload: hex(tx.payload, `${what}.payload`),
    validUntil: decimal(tx.validUntil, `${what}.validUntil`),
    signature: hex(tx.signature, `${what}.signature`, 65),
  };
}

export function decodeBlock(value: unknown): Block {
  const block = object(value, 'block') as Partial<Record<keyof RpcBlock, unknown>>;
  return {
    ...decodeBlockSummary(block),
    transactionIds: array(block.transactionIds, 'block.transactionIds', (id, what) => hex(id, what, 32)),
    transactions:
      block.transactions === undefined
        ? undefined
        : array(block.transactions, 'block.transactions', decodeTransaction),
    prices: array(block.prices, 'block.prices', (price, what) => {
      const entry = object(price, what);
      return {
        feedId: hex(entry.feedId, `${what}.feedId`, 32),
        answer: decimal(entry.answer, `${what}.answer`),
      };
    }),
  };
}

export function decodeInclusion(value: unknown): TransactionInclusion {
  const inclusion = object(value, 'inclusion') as Partial<Record<keyof RpcInclusion, unknown>>;
  return {
    height: uint(inclusion.height, 'inclusion.height'),
    index: uint(inclusion.index, 'inclusion.index'),
    blockHash: hex(inclusion.blockHash, 'inclusion.blockHash', 32),
    header: decodeHeader(inclusion.header),
    certificate: decodeCertificate(inclusion.certificate),
    proof: array(inclusion.proof, 'inclusion.proof', (sibling, what) => hex(sibling, what, 32)),
    ...(inclusion.reveal === undefined ? {} : { reveal: decodeReveal(inclusion.reveal) }),
  };
}

function decodeReveal(value: unknown): RevealStatus {
  const reveal = object(value, 'inclusion.reveal');
  switch (reveal.status) {
    case 'pending':
      return { status: 'pending' };
    case 'revealed':
      return {
        status: 'revealed',
        txId: hex(reveal.txId, 'reveal.txId', 32),
        height: uint(reveal.height, 'reveal.height'),
      };
    case 'undecryptable':
      return {
        status: 'undecryptable',
        height: uint(reveal.height, 'reveal.height'),
        reason: typeof reveal.reason === 'string' ? reveal.reason : null,
      };
    default:
      return malformed('reveal.status');
  }
}

export function decodeTransactionStatus(value: unknown): TransactionStatus {
  const status = object(value, 'status') as { status?: unknown } & Record<string, unknown>;
  switch (status.status as RpcTransactionStatus['status']) {
    case 'unknown':
      return { status: 'unknown' };
    case 'pending':
      return { status: 'pending', firstSeenMs: uint(status.firstSeenMs, 'status.firstSeenMs') };
    case 'finalized':
      return { status: 'finalized', ...decodeInclusion(status) };
    default:
      return malformed('status.status');
  }
}

export function decodePrice(value: unknown): Price {
  const price = object(value, 'price') as Partial<Record<keyof RpcPrice, unknown>>;
  return {
    feedId: hex(price.feedId, 'price.feedId', 32),
    answer: decimal(price.answer, 'price.answer'),
    height: uint(price.height, 'price.height'),
    timestampMs: uint(price.timestampMs, 'price.timestampMs'),
  };
}

export function decodeEvidence(value: unknown, what = 'evidence'): Evidence {
  const entry = object(value, what) as Partial<Record<keyof RpcEvidence, unknown>>;
  const kind = entry.kind;
  if (kind !== 'prevote' && kind !== 'precommit') malformed(`${what}.kind must be prevote or precommit`);
  const votes = array(entry.votes, `${what}.votes`, (vote, voteWhat) => {
    const fields = object(vote, voteWhat);
    return {
      blockId: hex(fields.blockId, `${voteWhat}.blockId`, 32),
      signature: hex(fields.signature, `${voteWhat}.signature`, 96),
    };
  });
  if (votes.length !== 2) malformed(`${what}.votes must hold two votes`);
  return {
    validatorIndex: uint(entry.validatorIndex, `${what}.validatorIndex`),
    height: uint(entry.height, `${what}.height`),
    round: uint(entry.round, `${what}.round`),
    kind,
    votes: [votes[0]!, votes[1]!],
    raw: hex(entry.raw, `${what}.raw`),
  };
}

export function decodeCommittee(value: unknown): Committee {
  const committee = object(value, 'committee') as Partial<Record<keyof RpcCommittee, unknown>>;
  return {
    epoch: uint(committee.epoch, 'committee.epoch'),
    threshold: uint(committee.threshold, 'committee.threshold'),
    groupPublicKey: hex(committee.groupPublicKey, 'committee.groupPublicKey', 48),
    encryptionKey:
      committee.encryptionKey === null || committee.encryptionKey === undefined
        ? null
        : hex(committee.encryptionKey, 'committee.encryptionKey', 48),
    members: array(committee.members, 'committee.members', (member, what) => {
      const entry = object(member, what);
      return {
        index: uint(entry.index, `${what}.index`),
        blsPublicKey: hex(entry.blsPublicKey, `${what}.blsPublicKey`, 48),
        peerId: typeof entry.peerId === 'string' ? entry.peerId : undefined,
        address:
          entry.address === null || entry.address === undefined
            ? undefined
            : hex(entry.address, `${what}.address`, 20),
      };
    }),
  };
}

function decodeNamespaceLeafProof(value: unknown, what: string): NamespaceInclusion {
  const proof = object(value, what) as Partial<Record<keyof RpcNamespaceLeafProof, unknown>>;
  const leaf = object(proof.leaf, `${what}.leaf`);
  return {
    entry: {
      namespace: hex(leaf.namespace, `${what}.leaf.namespace`, 32),
      sequenceStart: uint(leaf.sequenceStart, `${what}.leaf.sequenceStart`),
      count: uint(leaf.count, `${what}.leaf.count`),
      batchHash: hex(leaf.batchHash, `${what}.leaf.batchHash`, 32),
    },
    index: uint(proof.index, `${what}.index`),
    proof: array(proof.proof, `${what}.proof`, (sibling, at) => hex(sibling, at, 32)),
  };
}

export function decodeNamespaceBatch(value: unknown): NamespaceBatch {
  const batch = object(value, 'batch') as Record<string, unknown>;
  const namespace = hex(batch.namespace, 'batch.namespace', 32);
  const height = uint(batch.height, 'batch.height');
  const status = batch.status as RpcNamespaceBatch['status'];
  if (status === 'not-final') {
    return { status, namespace, height, latestHeight: uint(batch.latestHeight, 'batch.latestHeight') };
  }
  const block = {
    namespace,
    height,
    blockHash: hex(batch.blockHash, 'batch.blockHash', 32),
    header: decodeHeader(batch.header),
    certificate: decodeCertificate(batch.certificate),
  };
  if (status === 'empty') {
    const side = (value: unknown, what: string) =>
      value === null ? undefined : decodeNamespaceLeafProof(value, what);
    const left = side(batch.left, 'batch.left');
    const right = side(batch.right, 'batch.right');
    return {
      status,
      ...block,
      exclusion: { ...(left === undefined ? {} : { left }), ...(right === undefined ? {} : { right }) },
    };
  }
  if (status === 'batch') {
    return {
      status,
      ...block,
      inclusion: decodeNamespaceLeafProof(batch.inclusion, 'batch.inclusion'),
      transactions: array(batch.transactions, 'batch.transactions', decodeTransaction),
    };
  }
  return malformed('batch.status');
}

function nullable<T>(value: unknown, what: string, item: (value: unknown, what: string) => T): T | null {
  return value === null ? null : item(value, what);
}

function decodeFirstSeen(value: unknown, what: string): BlockOrdering['transactions'][number]['firstSeen'] {
  return array(value, what, (report, reportWhat) => {
    const entry = object(report, reportWhat);
    return {
      validatorIndex: uint(entry.validatorIndex, `${reportWhat}.validatorIndex`),
      firstSeenMs: uint(entry.firstSeenMs, `${reportWhat}.firstSeenMs`),
    };
  });
}

export function decodeBlockOrdering(value: unknown): BlockOrdering {
  const ordering = object(value, 'ordering') as Partial<Record<keyof RpcBlockOrdering, unknown>>;
  return {
    height: uint(ordering.height, 'ordering.height'),
    blockHash: hex(ordering.blockHash, 'ordering.blockHash', 32),
    epoch: uint(ordering.epoch, 'ordering.epoch'),
    timestampMs: uint(ordering.timestampMs, 'ordering.timestampMs'),
    proposerIndex: uint(ordering.proposerIndex, 'ordering.proposerIndex'),
    signerCount: uint(ordering.signerCount, 'ordering.signerCount'),
    faultTolerance: uint(ordering.faultTolerance, 'ordering.faultTolerance'),
    validators: array(ordering.validators, 'ordering.validators', (validator, what) => {
      const entry = object(validator, what);
      return {
        validatorIndex: uint(entry.validatorIndex, `${what}.validatorIndex`),
        timestampMs: uint(entry.timestampMs, `${what}.timestampMs`),
        reported: uint(entry.reported, `${what}.reported`),
        extension: hex(entry.extension, `${what}.extension`),
      };
    }),
    transactions: array(ordering.transactions, 'ordering.transactions', (transaction, what) => {
      const tx = object(transaction, what);
      const source = tx.source;
      if (source !== 'fair' && source !== 'revealed') malformed(`${what}.source must be fair or revealed`);
      return {
        index: uint(tx.index, `${what}.index`),
        txId: hex(tx.txId, `${what}.txId`, 32),
        sender: hex(tx.sender, `${what}.sender`, 20),
        nonce: decimal(tx.nonce, `${what}.nonce`),
        namespace: hex(tx.namespace, `${what}.namespace`, 32),
        source,
        envelopeTxId: nullable(tx.envelopeTxId, `${what}.envelopeTxId`, (id, idWhat) => hex(id, idWhat, 32)),
        fairTimestampMs: uint(tx.fairTimestampMs, `${what}.fairTimestampMs`),
        effectiveTimestampMs: uint(tx.effectiveTimestampMs, `${what}.effectiveTimestampMs`),
        firstSeen: decodeFirstSeen(tx.firstSeen, `${what}.firstSeen`),
      };
    }),
    unordered: array(ordering.unordered, 'ordering.unordered', (transaction, what) => {
      const tx = object(transaction, what);
      return {
        txId: hex(tx.txId, `${what}.txId`, 32),
        fairTimestampMs: nullable(tx.fairTimestampMs, `${what}.fairTimestampMs`, uint),
        firstSeen: decodeFirstSeen(tx.firstSeen, `${what}.firstSeen`),
      };
    }),
    unorderedTotal: uint(ordering.unorderedTotal, 'ordering.unorderedTotal'),
    finalizedEarlier: uint(ordering.finalizedEarlier, 'ordering.finalizedEarlier'),
    prices: array(ordering.prices, 'ordering.prices', (feed, what) => {
      const entry = object(feed, what);
      return {
        feedId: hex(entry.feedId, `${what}.feedId`, 32),
        answer: nullable(entry.answer, `${what}.answer`, decimal),
        median: nullable(entry.median, `${what}.median`, decimal),
        low: nullable(entry.low, `${what}.low`, decimal),
        high: nullable(entry.high, `${what}.high`, decimal),
        observations: array(entry.observations, `${what}.observations`, (observation, observationWhat) => {
          const fields = object(observation, observationWhat);
          return {
            validatorIndex: uint(fields.validatorIndex, `${observationWhat}.validatorIndex`),
            price: decimal(fields.price, `${observationWhat}.price`),
          };
        }),
      };
    }),
  };
}
