// L1 settlement: posts certified headers and prices to the settlement contracts, with rotation,
// takeover, fee bumps and a bounded backlog, through one account's transaction pipeline shared
// by jobs (sender.ts, scheduler.ts); proves finalized transactions on L1.
export { batchSettlementCallAbi, inboxCallAbi, priceFeedsCallAbi } from './abis.ts';
export { Backlog, type BacklogEntry } from './backlog.ts';
export { type BatchCall, BatchJob } from './batches.ts';
export { certificateArgs, type HeaderArgs, headerArgs, priceUpdateArgs } from './calls.ts';
export * from './constants.ts';
export {
  isBatchAlreadySettledRevert,
  isStaleHeightRevert,
  L1_ERROR_CODES,
  type L1ErrorCode,
  L1ProofError,
  type L1ProofErrorCode,
  L1SubmitError,
  l1ErrorCode,
  revertErrorName,
} from './errors.ts';
export { HeaderJob } from './headers.ts';
export { createL1Metrics, type L1Metrics } from './metrics.ts';
export {
  historyProofsBelow,
  type L1ProofSource,
  type L1TransactionProof,
  type ProveOnL1Parameters,
  proveOnL1,
  type TransactionLeafArgs,
} from './prove.ts';
export { designatedSubmitter, rotationDistance } from './rotation.ts';
export {
  type HeightPlan,
  type PostReason,
  type PriceLeafUpdate,
  planHeight,
  pricesToPush,
} from './schedule.ts';
export { type L1Failure, type L1Job, type L1JobContext, L1Scheduler } from './scheduler.ts';
export { type L1Call, type L1CallOwner, type L1DuplicateAt, L1Sender } from './sender.ts';
export {
  createL1Submitter,
  type L1BatchSource,
  type L1BatchStatus,
  type L1BlockSource,
  type L1CallKind,
  type L1FeePolicy,
  type L1NamespaceSettlementStatus,
  type L1PendingTransactionStatus,
  type L1SettlementTarget,
  type L1Submitter,
  type L1SubmitterOptions,
  type L1SubmitterStatus,
} from './submitter.ts';
