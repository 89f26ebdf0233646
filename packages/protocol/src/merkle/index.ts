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
