// Mempool: pending transactions, verified once, per-sender nonce queues, bounded (DESIGN.md "Dissemination").
export * from './constants.ts';
export { MEMPOOL_ERROR_CODES, MempoolError, type MempoolErrorCode, mempoolErrorVerdict } from './errors.ts';
export {
  type AddResult,
  DEFAULT_MEMPOOL_LIMITS,
  type FinalizedTransaction,
  type InclusionListEntry,
  Mempool,
  type MempoolEntry,
  type MempoolLimits,
  type MempoolOptions,
  type VerifyTransactionFunction,
} from './mempool.ts';
export { createMempoolMetrics, type MempoolMetrics } from './metrics.ts';
