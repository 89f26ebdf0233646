import {
  type BlockHeader,
  type Certificate,
  type Evidence,
  EvidenceCodec,
  type FeedPrice,
  type Hex,
  MAX_VOTE_EXTENSION_MESSAGE_BYTES,
  type NamespaceInclusion,
  type SignedTransaction,
  toLowerHex,
  type Vote,
  VoteKind,
} from '@synod/protocol';
import type {
  RpcBlock,
  RpcBlockOrdering,
  RpcBlockPrice,
  RpcBlockSummary,
  RpcCertificate,
  RpcCommittee,
  RpcEquivocatingVote,
  RpcEvidence,
  RpcHeader,
  RpcHeaderProof,
  RpcInclusion,
  RpcL1BatchStatus,
  RpcL1Proof,
  RpcL1Status,
  RpcNamespaceBatch,
  RpcNamespaceLeafProof,
  RpcOracleFeedStatus,
  RpcPrice,
  RpcStatus,
  RpcTransaction,
  RpcTransactionStatus,
} from '@synod/protocol/pure';
import type {
  BlockOrdering,
  CommitteeInfo,
  FinalizedBlock,
  FinalizedPrice,
  HeaderProof,
  L1ProofResult,
  NamespaceBatch,
  NodeL1Status,
  NodeStatus,
  OracleFeedStatus,
  TransactionInclusion,
  TransactionStatus,
} from './backend.ts';
import { BLOCK_ORDERING_MAX_UNORDERED } from './constants.ts';
import type { JsonSchema } from './schema.ts';

/**
 * JSON encoding of RPC results: domain values (bigints, bytes) → the wire shapes of
 * @synod/protocol's rpc/types.ts (shared with the SDK, where the encoding rules are written).
 * Each encoder has the JSON Schema of its output beside it, for the OpenRPC document.
 */

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
    namespaceRoot: header.namespaceRoot,
    namespaceCount: header.namespaceCount,
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
    ...(inclusion.reveal === undefined ? {} : { reveal: inclusion.reveal }),
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
  const encoded: RpcPrice = {
    feedId: price.feedId,
    answer: price.answer.toString(10),
    height: price.height,
    timestampMs: price.timestampMs,
  };
  if (price.proof !== undefined) {
    encoded.index = price.proof.index;
    encoded.blockHash = price.proof.blockHash;
    encoded.header = encodeHeader(price.proof.header);
    encoded.certificate = encodeCertificate(price.proof.certificate);
    encoded.proof = [...price.proof.siblings];
  }
  return encoded;
}

export function encodeHeaderProof(proof: HeaderProof): RpcHeaderProof {
  return {
    height: proof.height,
    header: encodeHeader(proof.header),
    anchorHeight: proof.anchorHeight,
    anchorHeader: encodeHeader(proof.anchorHeader),
    anchorHash: proof.anchorHash,
    proof: [...proof.proof],
  };
}

function encodeNamespaceLeafProof(inclusion: NamespaceInclusion): RpcNamespaceLeafProof {
  return { leaf: { ...inclusion.entry }, index: inclusion.index, proof: [...inclusion.proof] };
}

export function encodeNamespaceBatch(batch: NamespaceBatch): RpcNamespaceBatch {
  if (batch.status === 'not-final') return { ...batch };
  const block = {
    namespace: batch.namespace,
    height: batch.height,
    blockHash: batch.blockHash,
    header: encodeHeader(batch.header),
    certificate: encodeCertificate(batch.certificate),
  };
  if (batch.status === 'empty') {
    const { left, right } = batch.exclusion;
    return {
      status: 'empty',
      ...block,
      left: left === undefined ? null : encodeNamespaceLeafProof(left),
      right: right === undefined ? null : encodeNamespaceLeafProof(right),
    };
  }
  return {
    status: 'batch',
    ...block,
    inclusion: encodeNamespaceLeafProof(batch.inclusion),
    transactions: batch.transactions.map(({ tx, txId }) => encodeTransaction(tx, txId)),
  };
}

export function encodeBlockOrdering(ordering: BlockOrdering): RpcBlockOrdering {
  return {
    height: ordering.height,
    blockHash: ordering.blockHash,
    epoch: ordering.epoch,
    timestampMs: ordering.timestampMs,
    proposerIndex: ordering.proposerIndex,
    signerCount: ordering.signerCount,
    faultTolerance: ordering.faultTolerance,
    validators: ordering.validators.map((validator) => ({ ...validator })),
    transactions: ordering.transactions.map((tx) => ({
      index: tx.index,
      txId: tx.txId,
      sender: tx.sender,
      nonce: tx.nonce.toString(10),
      namespace: tx.namespace,
      source: tx.source,
      envelopeTxId: tx.envelopeTxId,
      fairTimestampMs: tx.fairTimestampMs,
      effectiveTimestampMs: tx.effectiveTimestampMs,
      firstSeen: tx.firstSeen.map((report) => ({ ...report })),
    })),
    unordered: ordering.unordered.map((tx) => ({
      txId: tx.txId,
      fairTimestampMs: tx.fairTimestampMs,
      firstSeen: tx.firstSeen.map((report) => ({ ...report })),
    })),
    unorderedTotal: ordering.unorderedTotal,
    finalizedEarlier: ordering.finalizedEarlier,
    prices: ordering.prices.map((feed) => ({
      feedId: feed.feedId,
      answer: decimalOrNull(feed.answer),
      median: decimalOrNull(feed.median),
      low: decimalOrNull(feed.low),
      high: decimalOrNull(feed.high),
      observations: feed.observations.map((observation) => ({
        validatorIndex: observation.validatorIndex,
        price: observation.price.toString(10),
      })),
    })),
  };
}

/** bigints → decimal strings, Uint8Arrays → hex, recursively (ABI arguments). */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString(10);
  if (value instanceof Uint8Array) return toLowerHex(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonSafe(inner)]));
  }
  return value;
}

export function encodeL1Proof(result: L1ProofResult): RpcL1Proof {
  if (result.status !== 'proven') return { ...result };
  return { ...result, args: jsonSafe(result.args) as unknown[] };
}

const decimalOrNull = (value: bigint | null | undefined): string | null =>
  value === null || value === undefined ? null : value.toString(10);

export function encodeOracleFeedStatus(feed: OracleFeedStatus): RpcOracleFeedStatus {
  return {
    feedId: feed.feedId,
    pair: feed.pair,
    decimals: feed.decimals,
    stale: feed.stale,
    lastPrice:
      feed.lastPrice === null
        ? null
        : {
            answer: feed.lastPrice.answer.toString(10),
            height: feed.lastPrice.height,
            timestampMs: feed.lastPrice.timestampMs,
          },
    ageMs: feed.ageMs,
    breaker:
      feed.breaker === null
        ? null
        : {
            direction: feed.breaker.direction,
            consecutiveHeights: feed.breaker.consecutiveHeights,
            firstHeight: feed.breaker.firstHeight,
            lastMedian: feed.breaker.lastMedian.toString(10),
          },
    observation:
      feed.observation === null
        ? null
        : {
            price: decimalOrNull(feed.observation.price),
            priceAtMs: feed.observation.priceAtMs,
            observedAtMs: feed.observation.observedAtMs,
            reason: feed.observation.reason,
            usedSourceIds: [...feed.observation.usedSourceIds],
          },
    sources: feed.sources.map((source) => ({
      id: source.id,
      kind: source.kind,
      healthy: source.healthy,
      consecutiveFailures: source.consecutiveFailures,
      retryAtMs: source.retryAtMs,
      lastPrice: decimalOrNull(source.lastPrice),
      lastPriceAtMs: source.lastPriceAtMs,
      ageMs: source.ageMs,
      lastErrorCode: source.lastErrorCode,
      lastErrorMessage: source.lastErrorMessage,
    })),
  };
}

export function encodeL1Status(l1: NodeL1Status): RpcL1Status {
  const pending = l1.pendingTransaction;
  return {
    account: l1.account,
    inbox: l1.inbox,
    priceFeeds: l1.priceFeeds,
    postEveryHeaders: l1.postEveryHeaders,
    chainChecked: l1.chainChecked,
    running: l1.running,
    reachable: l1.reachable,
    l1LatestHeight: l1.l1LatestHeight,
    plannedHeight: l1.plannedHeight,
    backlog: l1.backlog,
    backlogHeights: [...l1.backlogHeights],
    lastPostedHeight: l1.lastPostedHeight,
    lastError:
      l1.lastError === undefined
        ? null
        : { code: l1.lastError.code, message: l1.lastError.message, atMs: l1.lastError.atMs },
    pendingTransaction:
      pending === undefined
        ? null
        : {
            hash: pending.hash,
            nonce: pending.nonce,
            height: pending.height,
            kind: pending.kind,
            namespace: pending.namespace ?? null,
            maxFeePerGas: pending.maxFeePerGas.toString(10),
            maxPriorityFeePerGas: pending.maxPriorityFeePerGas.toString(10),
            firstSentAtMs: pending.firstSentAtMs,
            replacements: pending.replacements,
          },
    headersPosted: l1.headersPosted,
    pricesPosted: l1.pricesPosted,
    duplicateSubmissions: l1.duplicateSubmissions,
    feeBumps: l1.feeBumps,
    batches: (l1.batches ?? []).map(
      (batch): RpcL1BatchStatus => ({
        namespace: batch.namespace,
        contract: batch.contract,
        resumed: batch.resumed,
        appliedCount: batch.appliedCount,
        lastSettledHeight: batch.lastSettledHeight,
        finalizedCount: batch.finalizedCount,
        scannedHeight: batch.scannedHeight,
        backlog: batch.backlog,
        backlogHeights: [...batch.backlogHeights],
        pending: batch.pending === undefined ? null : { ...batch.pending },
        batchesSettled: batch.batchesSettled,
        transactionsSettled: batch.transactionsSettled,
        lastSettledByThisNodeHeight: batch.lastSettledByThisNodeHeight,
        duplicates: batch.duplicates,
        overtaken: batch.overtaken,
        lastError:
          batch.lastError === undefined
            ? null
            : { code: batch.lastError.code, message: batch.lastError.message, atMs: batch.lastError.atMs },
      }),
    ),
  };
}

export function encodeEvidence(evidence: Evidence): RpcEvidence {
  const { first, second } = evidence;
  const vote = (v: Vote): RpcEquivocatingVote => ({ blockId: v.blockId, signature: toLowerHex(v.signature) });
  return {
    validatorIndex: first.validatorIndex,
    height: first.height,
    round: first.round,
    kind: first.kind === VoteKind.Prevote ? 'prevote' : 'precommit',
    votes: [vote(first), vote(second)],
    raw: toLowerHex(EvidenceCodec.encode(evidence)),
  };
}

export function encodeCommittee(committee: CommitteeInfo): RpcCommittee {
  return {
    epoch: committee.epoch,
    threshold: committee.threshold,
    groupPublicKey: toLowerHex(committee.groupPublicKey),
    encryptionKey: committee.encryptionKey === undefined ? null : toLowerHex(committee.encryptionKey),
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
    consensus: status.consensus,
    syncing: status.syncing,
    peers: status.peers,
    mempoolTransactions: status.mempoolTransactions,
    mempoolBytes: status.mempoolBytes,
    oracle: (status.oracle ?? []).map(encodeOracleFeedStatus),
    l1: status.l1 === undefined ? null : encodeL1Status(status.l1),
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
/** A price: int256, so possibly negative. */
const signedDecimal = (description: string): JsonSchema => ({
  type: 'string',
  pattern: '^(0|-?[1-9][0-9]*)$',
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
  Nonce: decimal('uint64 nonce'),
  BlockHeader: object({
    version: uint('header format version'),
    networkId: uint('Synod network id'),
    epoch: uint('committee epoch'),
    height: uint('block height (1 is the first block)'),
    parentHash: hex('header hash of height - 1 (zero hash at height 1)', 32),
    timestampMs: uint('block time, unix milliseconds'),
    txRoot: hex('Merkle root of the transaction leaves', 32),
    txCount: uint('number of transactions'),
    namespaceRoot: hex(
      'Merkle root of the namespace leaves (one per distinct namespace of the transactions, sorted; zero hash without transactions)',
      32,
    ),
    namespaceCount: uint('number of distinct namespaces among the transactions'),
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
  TransactionInclusion: object(
    {
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
      reveal: {
        description:
          'an encrypted envelope only: pending until block height + 2 is final, then its plaintext transaction or the verdict that it opens to nothing',
        oneOf: [
          object({ status: { const: 'pending' } }),
          object({
            status: { const: 'revealed' },
            txId: hex('the plaintext transaction, finalized at the head of block height + 2', 32),
            height: uint('height + 2'),
          }),
          object({
            status: { const: 'undecryptable' },
            height: uint('height + 2'),
            reason: {
              type: ['string', 'null'],
              description:
                "the verdict's code (MALFORMED_CIPHERTEXT, DECRYPTION_FAILED, UNDECODABLE, MISMATCH, INVALID_SIGNATURE, NO_KEY) when this node saw the block finalize, else null",
            },
          }),
        ],
      },
    },
    ['reveal'],
  ),
  TransactionStatus: {
    oneOf: [
      object({ status: { const: 'unknown' } }),
      object({ status: { const: 'pending' }, firstSeenMs: uint('when this node first saw it, unix ms') }),
      { $ref: '#/components/schemas/TransactionInclusion' },
    ],
  },
  Price: object(
    {
      feedId: hex('bytes32 feed id', 32),
      answer: decimal("fixed-point answer scaled by the feed's decimals"),
      height: uint('height of the block that finalized it'),
      timestampMs: uint('that block time, unix ms'),
      index: uint('synod_getPrice: leaf index of the price in the block (feeds sorted by feedId)'),
      blockHash: hex('synod_getPrice: header hash of that block', 32),
      header: { $ref: '#/components/schemas/BlockHeader' },
      certificate: { $ref: '#/components/schemas/Certificate' },
      proof: {
        type: 'array',
        items: hex('sibling hash', 32),
        description:
          'synod_getPrice: Merkle proof of the price leaf (priceLeaf {feedId, answer}) against header.priceRoot, leaf to root; header.priceCount leaves',
      },
    },
    ['index', 'blockHash', 'header', 'certificate', 'proof'],
  ),
  L1Proof: {
    oneOf: [
      object({ status: { const: 'unknown' } }),
      object({
        status: { const: 'not-yet-on-l1' },
        height: uint("the transaction's height"),
        l1LatestHeight: uint('the highest height the SettlementInbox holds'),
      }),
      object({
        status: { const: 'unprovable' },
        height: uint("the transaction's height"),
        reason: { type: 'string', enum: ['BODY_PRUNED', 'HISTORY_TOO_LONG'] },
        message: { type: 'string' },
      }),
      object({
        status: { const: 'proven' },
        txId: hex('transaction id', 32),
        height: uint("the transaction's height"),
        anchorHeight: uint('the posted header the proof is checked against'),
        contract: hex('SettlementInbox address', 20),
        function: { type: 'string', enum: ['verifyTransaction', 'verifyTransactionInHistory'] },
        args: {
          type: 'array',
          description:
            'the view call arguments in ABI order: structs as objects, integers as decimal strings, bytes as 0x-hex',
        },
        data: hex('ABI-encoded calldata: eth_call {to: contract, data} returns true (abi-encoded bool)'),
      }),
    ],
  },
  HeaderProof: object({
    height: uint("the proven header's height"),
    header: { $ref: '#/components/schemas/BlockHeader' },
    anchorHeight: uint('the height of the header whose historyRoot proves it'),
    anchorHeader: { $ref: '#/components/schemas/BlockHeader' },
    anchorHash: hex('header hash of anchorHeader', 32),
    proof: {
      type: 'array',
      items: hex('sibling hash', 32),
      description:
        'Merkle proof of headerHash(header) as leaf height-1 of anchorHeader.historyRoot, leaf to root',
    },
  }),
  NamespaceLeafProof: object({
    leaf: object({
      namespace: hex('bytes32 namespace', 32),
      sequenceStart: uint('transactions of the namespace in all earlier blocks'),
      count: uint('transactions of the namespace in this block'),
      batchHash: hex("keccak256 of the namespace's transaction leaves concatenated in block order", 32),
    }),
    index: uint('leaf index in header.namespaceRoot (leaves sorted by namespace)'),
    proof: {
      type: 'array',
      items: hex('sibling hash', 32),
      description: 'Merkle proof of the leaf against header.namespaceRoot, leaf to root',
    },
  }),
  NamespaceBatch: {
    oneOf: [
      object({
        status: { const: 'batch' },
        namespace: hex('bytes32 namespace', 32),
        height: uint('block height'),
        blockHash: hex('header hash', 32),
        header: { $ref: '#/components/schemas/BlockHeader' },
        certificate: { $ref: '#/components/schemas/Certificate' },
        inclusion: { $ref: '#/components/schemas/NamespaceLeafProof' },
        transactions: {
          type: 'array',
          items: { $ref: '#/components/schemas/Transaction' },
          description: "the namespace's transactions in block order, all of them",
        },
      }),
      object({
        status: { const: 'empty' },
        namespace: hex('bytes32 namespace', 32),
        height: uint('block height'),
        blockHash: hex('header hash', 32),
        header: { $ref: '#/components/schemas/BlockHeader' },
        certificate: { $ref: '#/components/schemas/Certificate' },
        left: {
          oneOf: [{ $ref: '#/components/schemas/NamespaceLeafProof' }, { type: 'null' }],
          description: 'the leaf just below the namespace (null: none)',
        },
        right: {
          oneOf: [{ $ref: '#/components/schemas/NamespaceLeafProof' }, { type: 'null' }],
          description: 'the leaf just above the namespace (null: none)',
        },
      }),
      object({
        status: { const: 'not-final' },
        namespace: hex('bytes32 namespace', 32),
        height: uint('the height asked for (next: the first height above the one given)'),
        latestHeight: uint('the highest finalized height'),
      }),
    ],
  },
  BlockOrdering: object({
    height: uint('block height'),
    blockHash: hex('header hash', 32),
    epoch: uint('committee epoch of the block'),
    timestampMs: uint('block time, unix ms: max(parent + 1, lower median of validators[].timestampMs)'),
    proposerIndex: uint('committee index of the proposer'),
    signerCount: uint(
      "size n of the committee that signed the extensions (that of height - 1: the previous epoch's at an epoch's first height)",
    ),
    faultTolerance: uint('f = floor((n - 1) / 3) of that committee'),
    validators: {
      type: 'array',
      description: "one per extension the block's content derives from, by validator index",
      items: object({
        validatorIndex: uint('committee index'),
        timestampMs: uint('its clock when it signed the extension, unix ms'),
        reported: uint('entries in its inclusion list'),
        extension: {
          type: 'string',
          pattern: '^0x([0-9a-f]{2})+$',
          maxLength: 2 + 2 * MAX_VOTE_EXTENSION_MESSAGE_BYTES,
          description:
            "the signed extension as stored: its VoteExtension message (VoteExtensionCodec, wire encoding) as hex, with the validator's share signature over extensionMessage; the other fields derive from these",
        },
      }),
    },
    transactions: {
      type: 'array',
      description: "the block's transactions in block order",
      items: object({
        index: uint('position in the block (tx tree leaf index)'),
        txId: hex('transaction id', 32),
        sender: hex('sender address', 20),
        nonce: decimal('uint64 nonce'),
        namespace: hex('bytes32 namespace', 32),
        source: {
          type: 'string',
          enum: ['fair', 'revealed'],
          description:
            'fair: ordered by its fair timestamp; revealed: the plaintext of an envelope of block height - 2, at the head of the block with the block time',
        },
        envelopeTxId: {
          oneOf: [hex('revealed: the envelope it opens', 32), { type: 'null' }],
        },
        fairTimestampMs: uint(
          'the (f+1)-th smallest firstSeenMs across the extensions (fairTimestamps of the consensus); revealed: the block time',
        ),
        effectiveTimestampMs: uint(
          "max(fairTimestampMs, that of its sender's previous fair transaction in the block): with txId, the order key",
        ),
        firstSeen: { $ref: '#/components/schemas/FirstSeen' },
      }),
    },
    unordered: {
      type: 'array',
      description: `reported transactions the block left out, except candidates finalized earlier (finalizedEarlier): earliest report first, at most ${BLOCK_ORDERING_MAX_UNORDERED} of unorderedTotal`,
      items: object({
        txId: hex('transaction id', 32),
        fairTimestampMs: {
          type: ['integer', 'null'],
          description:
            "its fair timestamp; null with fewer than f+1 reports (not a candidate). A candidate left out was invalid or expired, waited for a lower nonce or its sender's reveal, or was over the block's transaction or envelope cap",
        },
        firstSeen: { $ref: '#/components/schemas/FirstSeen' },
      }),
    },
    unorderedTotal: uint('how many transactions unordered holds before its cap'),
    finalizedEarlier: uint(
      'transactions with f+1 reports or more left out because they were finalized below this height (listed because the extensions were signed before their block was final)',
    ),
    prices: {
      type: 'array',
      description: 'every feed observed in the extensions or priced in the block, by feedId',
      items: object({
        feedId: hex('bytes32 feed id', 32),
        answer: {
          oneOf: [signedDecimal('the price the block finalized'), { type: 'null' }],
          description: 'null: no price in this block (no quorum, or held by the circuit breaker)',
        },
        median: {
          oneOf: [signedDecimal('lower median of the observations'), { type: 'null' }],
          description: 'null below 2f+1 observations',
        },
        low: {
          oneOf: [signedDecimal('the (f+1)-th smallest observation'), { type: 'null' }],
          description:
            'null below 2f+1 observations; with at most f byzantine observations, min(honest) <= low <= median',
        },
        high: {
          oneOf: [signedDecimal('the (f+1)-th largest observation'), { type: 'null' }],
          description:
            'null below 2f+1 observations; with at most f byzantine observations, median <= high <= max(honest)',
        },
        observations: {
          type: 'array',
          description: 'by validator index',
          items: object({
            validatorIndex: uint('committee index'),
            price: signedDecimal("the validator's observation (int256, fixed point)"),
          }),
        },
      }),
    },
  }),
  FirstSeen: {
    type: 'array',
    description: 'every extension that reports the transaction, by validator index',
    items: object({
      validatorIndex: uint('committee index'),
      firstSeenMs: uint("when the validator first saw it, unix ms (the validator's clock)"),
    }),
  },
  Evidence: object({
    validatorIndex: uint('committee index of the validator that signed both votes'),
    height: uint('height of both votes'),
    round: uint('round of both votes'),
    kind: { type: 'string', enum: ['prevote', 'precommit'] },
    votes: {
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: object({
        blockId: hex('block id voted for (zero hash: nil)', 32),
        signature: hex('96-byte compressed G2 share signature over voteMessage', 96),
      }),
    },
    raw: {
      type: 'string',
      pattern: '^0x([0-9a-f]{2})+$',
      description: 'the Evidence message (EvidenceCodec) as hex',
    },
  }),
  Committee: object({
    epoch: uint('committee epoch'),
    threshold: uint('signatures needed for a certificate (2f+1)'),
    groupPublicKey: hex('48-byte compressed G1 group public key', 48),
    encryptionKey: {
      oneOf: [
        hex('48-byte compressed G1 committee encryption key (encrypted transactions)', 48),
        { type: 'null' },
      ],
    },
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
    consensus: object({
      step: { type: 'string', enum: ['propose', 'prevote', 'precommit'] },
      lockedRound: { type: 'integer', minimum: -1, description: 'round of the locked value, -1 when none' },
      validRound: { type: 'integer', minimum: -1, description: 'round of the valid value, -1 when none' },
      msSinceProgress: uint('milliseconds since the last finalized block (or the start)'),
      stalled: {
        type: 'boolean',
        description: 'no block finalized for consensus.stallWarningMs (logged at warn level with this state)',
      },
      stalls: uint('stalls detected since the node started'),
      queuedInputs: uint('consensus inputs waiting to be processed'),
      processing: { type: 'boolean', description: 'an input is being carried out' },
      pendingTimers: uint('round timeouts armed'),
      rounds: {
        type: 'array',
        description: 'the newest rounds of the current height',
        items: object({
          round: uint('round'),
          proposal: { oneOf: [hex('block id of the round proposal', 32), { type: 'null' }] },
          prevotes: {
            type: 'object',
            description: 'validator indices by block id ("nil" for nil votes)',
            additionalProperties: { type: 'array', items: { type: 'integer', minimum: 0 } },
          },
          precommits: {
            type: 'object',
            description: 'validator indices by block id ("nil" for nil votes)',
            additionalProperties: { type: 'array', items: { type: 'integer', minimum: 0 } },
          },
        }),
      },
      ownVotes: {
        type: 'array',
        description: "this node's votes of the current height, round/kind/blockId-prefix",
        items: { type: 'string' },
      },
      futureMessages: uint('proposals and votes held for the next height'),
    }),
    syncing: { type: 'boolean', description: 'true while catching up from peers' },
    peers: uint('connected peers'),
    mempoolTransactions: uint('pending transactions'),
    mempoolBytes: uint('bytes of pending transactions'),
    oracle: {
      type: 'array',
      description:
        "every configured feed: the chain's finalized price and staleness, and this validator's sources",
      items: object({
        feedId: hex('bytes32 feed id', 32),
        pair: { type: ['string', 'null'], description: 'BASE/QUOTE when this validator observes the feed' },
        decimals: uint('fixed-point decimals'),
        stale: { type: 'boolean', description: 'no finalized price younger than maxAgeMs' },
        lastPrice: {
          oneOf: [
            object({
              answer: decimal('fixed-point price'),
              height: uint('height'),
              timestampMs: uint('block time'),
            }),
            { type: 'null' },
          ],
        },
        ageMs: { type: ['integer', 'null'], description: 'now minus lastPrice.timestampMs' },
        breaker: {
          oneOf: [
            object({
              direction: { type: 'string', enum: ['up', 'down'] },
              consecutiveHeights: uint('quorum heights the move has held'),
              firstHeight: uint('height that tripped the breaker'),
              lastMedian: decimal('latest median beyond the bound'),
            }),
            { type: 'null' },
          ],
        },
        observation: {
          oneOf: [
            object({
              price: { type: ['string', 'null'], description: 'median of the healthy sources (decimal)' },
              priceAtMs: { type: ['integer', 'null'] },
              observedAtMs: uint('when the poll ended'),
              reason: { type: ['string', 'null'], description: 'why there is no observation' },
              usedSourceIds: { type: 'array', items: { type: 'string' } },
            }),
            { type: 'null' },
          ],
        },
        sources: {
          type: 'array',
          items: object({
            id: { type: 'string' },
            kind: { type: 'string' },
            healthy: { type: 'boolean' },
            consecutiveFailures: uint('failures in a row'),
            retryAtMs: { type: ['integer', 'null'] },
            lastPrice: { type: ['string', 'null'] },
            lastPriceAtMs: { type: ['integer', 'null'] },
            ageMs: { type: ['integer', 'null'] },
            lastErrorCode: { type: ['string', 'null'] },
            lastErrorMessage: { type: ['string', 'null'] },
          }),
        },
      }),
    },
    l1: {
      oneOf: [
        object({
          account: hex("the node's Ethereum account", 20),
          inbox: hex('SettlementInbox address', 20),
          priceFeeds: { oneOf: [hex('PriceFeeds address', 20), { type: 'null' }] },
          postEveryHeaders: uint('k'),
          chainChecked: { type: 'boolean', description: 'L1 answered with the expected chain id' },
          running: { type: 'boolean' },
          reachable: { type: 'boolean', description: 'the last L1 round succeeded' },
          l1LatestHeight: uint("the inbox's latest height as last read"),
          plannedHeight: uint('highest finalized height planned'),
          backlog: uint('needed heights waiting to be posted'),
          backlogHeights: { type: 'array', items: { type: 'integer' } },
          lastPostedHeight: uint('highest height this node landed (since start)'),
          lastError: {
            oneOf: [
              object({ code: { type: 'string' }, message: { type: 'string' }, atMs: uint('unix ms') }),
              { type: 'null' },
            ],
          },
          pendingTransaction: {
            oneOf: [
              object({
                hash: hex('newest hash at this nonce', 32),
                nonce: uint('nonce'),
                height: uint('height posted'),
                kind: { type: 'string' },
                namespace: {
                  oneOf: [hex('namespace of a batch settlement', 32), { type: 'null' }],
                },
                maxFeePerGas: decimal('wei'),
                maxPriorityFeePerGas: decimal('wei'),
                firstSentAtMs: uint('unix ms'),
                replacements: uint('fee bumps sent'),
              }),
              { type: 'null' },
            ],
          },
          headersPosted: uint('headers this node landed'),
          pricesPosted: uint('feed prices this node landed'),
          duplicateSubmissions: uint('stale submissions (another validator was first)'),
          feeBumps: uint('replacements with higher fees'),
          batches: {
            type: 'array',
            description: 'one entry per namespace this node settles (l1.settlement)',
            items: object({
              namespace: hex('settled namespace', 32),
              contract: hex('its SynodBatchSettlement contract', 20),
              resumed: { type: 'boolean', description: "the contract's counters were read since start" },
              appliedCount: uint("the contract's appliedCount (next expected sequence) as last read"),
              lastSettledHeight: uint("the contract's lastSettledHeight as last read"),
              finalizedCount: uint('transactions of the namespace this node finalized'),
              scannedHeight: uint('highest finalized height read for the namespace'),
              backlog: uint('batches waiting to be settled (capped)'),
              backlogHeights: { type: 'array', items: { type: 'integer' } },
              pending: {
                oneOf: [
                  object({
                    height: uint('height of the batch'),
                    kind: { type: 'string' },
                    hash: hex('newest hash at this nonce', 32),
                    nonce: uint('nonce'),
                  }),
                  { type: 'null' },
                ],
              },
              batchesSettled: uint('batches this node settled'),
              transactionsSettled: uint('transactions in them'),
              lastSettledByThisNodeHeight: uint('highest batch height this node settled (since start)'),
              duplicates: uint('settlements found already settled (another validator was first)'),
              overtaken: uint(
                'combined header submissions a higher header overtook (then settled from history)',
              ),
              lastError: {
                oneOf: [
                  object({ code: { type: 'string' }, message: { type: 'string' }, atMs: uint('unix ms') }),
                  { type: 'null' },
                ],
              },
            }),
          },
        }),
        { type: 'null' },
      ],
      description: 'the L1 submitter; null without l1.rpcUrl',
    },
  }),
} as const satisfies Record<string, JsonSchema>;
