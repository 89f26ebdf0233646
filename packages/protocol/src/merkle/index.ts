export { MerkleError, type MerkleErrorCode } from './errors.ts';
export { HistoryAccumulator, type HistorySnapshot, historyProof } from './history.ts';
export {
  historyLeaf,
  historyLeafBytes,
  priceLeaf,
  priceLeafData,
  transactionLeaf,
  transactionLeafData,
} from './leaves.ts';
export {
  type NamespacedTransactionLeaf,
  type NamespaceEntry,
  type NamespaceExclusion,
  type NamespaceInclusion,
  namespaceBatchHash,
  namespaceEntries,
  namespaceEntriesFromLeaves,
  namespaceExclusionProof,
  namespaceInclusionProof,
  namespaceLeaf,
  namespaceLeafData,
  namespaceRoot,
  verifyNamespaceBatch,
  verifyNamespaceExclusion,
  verifyNamespaceInclusion,
} from './namespaces.ts';
export {
  leafHash,
  leafHashBytes,
  type MerkleProofParameters,
  merkleDepth,
  merkleProof,
  merkleRoot,
  merkleZeroHash,
  nodeHash,
  nodeHashBytes,
  verifyMerkleProof,
  zeroHashBytes,
} from './tree.ts';
