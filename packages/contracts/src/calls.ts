import type {
  BlockHeader,
  Hex,
  NamespaceEntry,
  NamespaceExclusion,
  NamespaceInclusion,
  SignedTransaction,
} from '@synod/protocol/pure';

/**
 * viem arguments for the Solidity structs and entry points (docs/contracts.md). Every caller of
 * SettlementInbox, PriceFeeds and SynodBatchSettlement apps (the node's L1 submitter and
 * relayer, the SDK's L1 actions, the contract tests, the gas benchmark) builds them here, so a
 * struct change is made once. uint64 fields are bigints, uint16/uint32 fields numbers.
 */

const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

/** The Solidity `Header` struct (docs/protocol.md "Block header", version 2, 14 fields). */
export function headerArgs(header: BlockHeader) {
  return {
    version: header.version,
    networkId: BigInt(header.networkId),
    epoch: BigInt(header.epoch),
    height: BigInt(header.height),
    parentHash: header.parentHash,
    timestampMs: BigInt(header.timestampMs),
    txRoot: header.txRoot,
    txCount: header.txCount,
    namespaceRoot: header.namespaceRoot,
    namespaceCount: header.namespaceCount,
    priceRoot: header.priceRoot,
    priceCount: header.priceCount,
    historyRoot: header.historyRoot,
    proposerIndex: header.proposerIndex,
  } as const;
}

export type HeaderArgs = ReturnType<typeof headerArgs>;

/** The Solidity `NamespaceLeaf` struct: one leaf of a header's namespace tree. */
export function namespaceLeafArgs(entry: NamespaceEntry) {
  return {
    namespace: entry.namespace,
    sequenceStart: BigInt(entry.sequenceStart),
    count: entry.count,
    batchHash: entry.batchHash,
  } as const;
}

export type NamespaceLeafArgs = ReturnType<typeof namespaceLeafArgs>;

/** The Solidity `SynodTransaction` struct: the EIP-712 fields and the 65-byte signature. */
export function synodTransactionArgs(tx: SignedTransaction) {
  return {
    networkId: BigInt(tx.networkId),
    namespace: tx.namespace,
    sender: tx.sender,
    nonce: tx.nonce,
    payload: tx.payload,
    validUntil: tx.validUntil,
    signature: tx.signature,
  } as const;
}

export type SynodTransactionArgs = ReturnType<typeof synodTransactionArgs>;

/**
 * One namespace's batch of one block: its leaf with index and proof in the header's namespace
 * tree (namespaceInclusionProof of @synod/protocol), and exactly its signed transactions in
 * block order.
 */
export interface NamespaceBatch {
  inclusion: NamespaceInclusion;
  transactions: readonly SignedTransaction[];
}

/**
 * The batch arguments every SynodBatchSettlement entry point ends with:
 * `[leaf, leafIndex, leafProof, txs]`.
 */
export function batchArgs(batch: NamespaceBatch) {
  return [
    namespaceLeafArgs(batch.inclusion.entry),
    BigInt(batch.inclusion.index),
    batch.inclusion.proof,
    batch.transactions.map(synodTransactionArgs),
  ] as const;
}

/** A header certificate as the contracts take it: the round and the 256-byte uncompressed G2 signature. */
export interface CertificateArgs {
  round: number;
  signature: Hex;
}

/** `settleBatch(header, leaf, leafIndex, leafProof, txs)`: the header is stored in the inbox. */
export function settleBatchArgs(header: BlockHeader, batch: NamespaceBatch) {
  return [headerArgs(header), ...batchArgs(batch)] as const;
}

/**
 * `submitHeaderAndSettleBatch(header, certificate, leaf, leafIndex, leafProof, txs)`: posts the
 * header (skipped if already stored) and settles, in one transaction. `certificate.signature`
 * is the EIP-2537 encoding (the node's certificateArgs converts a compressed one).
 */
export function submitHeaderAndSettleBatchArgs(
  header: BlockHeader,
  certificate: CertificateArgs,
  batch: NamespaceBatch,
) {
  return [headerArgs(header), certificate, ...batchArgs(batch)] as const;
}

/**
 * `settleBatchFromHistory(anchor, header, historyProof, leaf, leafIndex, leafProof, txs)`: the
 * header was never posted; `anchor` (stored, higher) proves it by its historyRoot.
 */
export function settleBatchFromHistoryArgs(
  anchor: BlockHeader,
  header: BlockHeader,
  historyProof: readonly Hex[],
  batch: NamespaceBatch,
) {
  return [headerArgs(anchor), headerArgs(header), historyProof, ...batchArgs(batch)] as const;
}

/**
 * One batch of a multi-height settlement (the Solidity `HistoryBatch`): the namespace's batch
 * of `header`'s block, and `header` proven against the call's anchor: `header` is the anchor
 * itself with an empty `historyProof`, or a lower height with its proof in the anchor's
 * historyRoot (`historyProof` of @synod/protocol over the header hashes below the anchor).
 */
export interface HistoryBatch {
  header: BlockHeader;
  historyProof: readonly Hex[];
  batch: NamespaceBatch;
}

/** The Solidity `HistoryBatch` struct. */
export function historyBatchArgs({ header, historyProof, batch }: HistoryBatch) {
  const [leaf, leafIndex, leafProof, txs] = batchArgs(batch);
  return { header: headerArgs(header), historyProof, leaf, leafIndex, leafProof, txs } as const;
}

export type HistoryBatchArgs = ReturnType<typeof historyBatchArgs>;

/**
 * `settleBatches(anchor, batches)`: consecutive batches of the namespace (increasing heights,
 * each starting where the previous one leaves the app's appliedCount) in one call, all proven
 * against `anchor`, which the inbox stores. 1 .. MAX_BATCHES_PER_CALL (64) batches.
 */
export function settleBatchesArgs(anchor: BlockHeader, batches: readonly HistoryBatch[]) {
  return [headerArgs(anchor), batches.map(historyBatchArgs)] as const;
}

/**
 * `submitHeaderAndSettleBatches(anchor, certificate, batches)`: posts `anchor` (skipped if
 * already stored), then settles the batches against it, in one transaction.
 */
export function submitHeaderAndSettleBatchesArgs(
  anchor: BlockHeader,
  certificate: CertificateArgs,
  batches: readonly HistoryBatch[],
) {
  return [headerArgs(anchor), certificate, batches.map(historyBatchArgs)] as const;
}

/** `SettlementInbox.verifyNamespaceLeaf(header, leaf, index, proof)`. */
export function namespaceLeafProofArgs(header: BlockHeader, inclusion: NamespaceInclusion) {
  return [
    headerArgs(header),
    namespaceLeafArgs(inclusion.entry),
    BigInt(inclusion.index),
    inclusion.proof,
  ] as const;
}

const NO_NEIGHBOUR = {
  leaf: { namespace: ZERO_HASH, sequenceStart: 0n, count: 0, batchHash: ZERO_HASH },
  index: 0n,
  proof: [] as readonly Hex[],
} as const;

function neighbourArgs(inclusion: NamespaceInclusion | undefined) {
  if (inclusion === undefined)
    return [false, NO_NEIGHBOUR.leaf, NO_NEIGHBOUR.index, NO_NEIGHBOUR.proof] as const;
  return [true, namespaceLeafArgs(inclusion.entry), BigInt(inclusion.index), inclusion.proof] as const;
}

/**
 * `SettlementInbox.verifyNamespaceExclusion(header, namespace, hasLeft, left, leftIndex,
 * leftProof, hasRight, right, rightIndex, rightProof)` from namespaceExclusionProof of
 * @synod/protocol (an absent neighbour is passed as `false` and zeros).
 */
export function namespaceExclusionArgs(header: BlockHeader, namespace: Hex, exclusion: NamespaceExclusion) {
  return [
    headerArgs(header),
    namespace,
    ...neighbourArgs(exclusion.left),
    ...neighbourArgs(exclusion.right),
  ] as const;
}
