/**
 * `@synod/contracts/abi`: typed ABIs, the call-argument builders and the price multiproof
 * builder, with nothing that needs Node (the main entry also holds the solc build and the anvil
 * launcher). Safe for browsers.
 */
export {
  aggregatorV2V3InterfaceAbi,
  committeeRegistryAbi,
  equivocationRegistryAbi,
  priceFeedsAbi,
  settlementInboxAbi,
  synodBatchSettlementAbi,
  synodFailClosedPriceFeedAdapterAbi,
  synodPriceFeedAdapterAbi,
} from './artifacts.ts';
export {
  batchArgs,
  type CertificateArgs,
  type HeaderArgs,
  type HistoryBatch,
  type HistoryBatchArgs,
  headerArgs,
  historyBatchArgs,
  type NamespaceBatch,
  type NamespaceLeafArgs,
  namespaceExclusionArgs,
  namespaceLeafArgs,
  namespaceLeafProofArgs,
  type SynodTransactionArgs,
  settleBatchArgs,
  settleBatchesArgs,
  settleBatchFromHistoryArgs,
  submitHeaderAndSettleBatchArgs,
  submitHeaderAndSettleBatchesArgs,
  synodTransactionArgs,
} from './calls.ts';
export { buildMultiproof } from './multiproof.ts';
