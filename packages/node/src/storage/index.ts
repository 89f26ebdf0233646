// Storage: the node's LevelDB store (blocks, indexes, extensions, evidence, consensus WAL). Schema in keys.ts.
export {
  type CommitBlockOptions,
  type EvidenceRecord,
  type StoredExtension,
  ZERO_HASH,
} from './commit.ts';
export * from './constants.ts';
export { StorageError, type StorageErrorCode } from './errors.ts';
export { createStorageMetrics, type StorageMetrics } from './metrics.ts';
export {
  type ListedBody,
  type LoggedVote,
  type OpenStoreOptions,
  openStore,
  Store,
  type TransactionLocation,
  type TransactionWithProof,
} from './store.ts';
