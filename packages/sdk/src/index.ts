// @synod/sdk: a viem-style client for trading apps on Synod. Every action is a standalone,
// tree-shakable function `action(client, parameters)`; createSynodClient binds them all.
// Runtime imports: viem, @noble/curves and the pure modules of @synod/protocol / @synod/contracts
// (src/internal/), so it bundles for browsers.

export {
  type GetBlockErrorType,
  type GetBlockParameters,
  type GetBlockReturnType,
  getBlock,
} from './actions/getBlock.ts';
export {
  type GetBlockOrderingErrorType,
  type GetBlockOrderingParameters,
  type GetBlockOrderingReturnType,
  getBlockOrdering,
} from './actions/getBlockOrdering.ts';
export {
  type GetCommitteeErrorType,
  type GetCommitteeParameters,
  type GetCommitteeReturnType,
  getCommittee,
} from './actions/getCommittee.ts';
export {
  type GetEvidenceErrorType,
  type GetEvidenceParameters,
  type GetEvidenceReturnType,
  getEvidence,
} from './actions/getEvidence.ts';
export {
  assertNamespaceBatchVerified,
  type GetNamespaceBatchErrorType,
  type GetNamespaceBatchParameters,
  type GetNamespaceBatchReturnType,
  getNamespaceBatch,
} from './actions/getNamespaceBatch.ts';
export {
  type GetNextNonceErrorType,
  type GetNextNonceParameters,
  type GetNextNonceReturnType,
  getNextNonce,
} from './actions/getNextNonce.ts';
export {
  type GetPriceErrorType,
  type GetPriceParameters,
  type GetPriceReturnType,
  getPrice,
} from './actions/getPrice.ts';
export {
  type GetStatusErrorType,
  type GetStatusParameters,
  type GetStatusReturnType,
  getStatus,
} from './actions/getStatus.ts';
export {
  type GetTransactionStatusErrorType,
  type GetTransactionStatusParameters,
  type GetTransactionStatusReturnType,
  getTransactionStatus,
} from './actions/getTransactionStatus.ts';
export {
  type SendTransactionErrorType,
  type SendTransactionParameters,
  type SendTransactionReturnType,
  sendTransaction,
  type TypedDataWallet,
} from './actions/sendTransaction.ts';
export {
  type VerifyCertificateErrorType,
  type VerifyCertificateParameters,
  type VerifyCertificateReturnType,
  verifyCertificate,
} from './actions/verifyCertificate.ts';
export {
  type VerifyTransactionInclusionErrorType,
  type VerifyTransactionInclusionParameters,
  type VerifyTransactionInclusionReturnType,
  verifyTransactionInclusion,
} from './actions/verifyTransactionInclusion.ts';
export {
  type WaitForFinalityErrorType,
  type WaitForFinalityParameters,
  type WaitForFinalityReturnType,
  waitForFinality,
} from './actions/waitForFinality.ts';
export {
  BlockGapError,
  type WatchBlocksErrorType,
  type WatchBlocksParameters,
  type WatchBlocksReturnType,
  watchBlocks,
} from './actions/watchBlocks.ts';
export {
  type WatchPricesErrorType,
  type WatchPricesParameters,
  type WatchPricesReturnType,
  watchPrices,
} from './actions/watchPrices.ts';
export { type Client, type ClientConfig, createClient } from './clients/createClient.ts';
export { createSynodClient, type SynodClient, type SynodClientConfig } from './clients/createSynodClient.ts';
export { type SynodActions, synodActions } from './clients/decorators/synod.ts';
export * from './constants.ts';
export * from './errors/index.ts';
export {
  type ProveTransactionOnL1Parameters,
  type ProveTransactionOnL1ReturnType,
  proveTransactionOnL1,
} from './l1/proveTransactionOnL1.ts';
export { type ReadFeedParameters, type ReadFeedReturnType, readFeed } from './l1/readFeed.ts';
export {
  type ReadyBatch,
  type SettledBatch,
  type SettleNamespaceBatchParameters,
  type SettleNamespaceBatchReturnType,
  settleNamespaceBatch,
} from './l1/settleNamespaceBatch.ts';
export {
  type SubmitHeaderToL1Parameters,
  type SubmitHeaderToL1ReturnType,
  submitHeaderToL1,
} from './l1/submitHeaderToL1.ts';
export {
  type SubmitPricesToL1Parameters,
  type SubmitPricesToL1ReturnType,
  submitPricesToL1,
} from './l1/submitPricesToL1.ts';
export { type SynodL1Actions, synodL1Actions } from './l1/synodL1Actions.ts';
export { L1Error, type SynodL1Addresses, type SynodL1Config } from './l1/types.ts';
export type {
  RequestOptions,
  SynodRequestFn,
  Transport,
  TransportConfig,
  TransportInstance,
} from './transports/createTransport.ts';
export { type HttpTransport, type HttpTransportConfig, http } from './transports/http.ts';
export {
  type SubscribeParameters,
  type Subscription,
  type WebSocketTransport,
  type WebSocketTransportConfig,
  type WebSocketTransportValue,
  webSocket,
} from './transports/webSocket.ts';
export type * from './types/rpc.ts';
export type * from './types/synod.ts';
export {
  type BlsBackend,
  blsBackend,
  blsBackendReady,
  g2ToEip2537,
  verifyBlsSignature,
} from './utils/bls.ts';
export { feedId } from './utils/feedId.ts';
export {
  type CreateNonceManagerParameters,
  createNonceManager,
  type NonceManager,
} from './utils/nonceManager.ts';
