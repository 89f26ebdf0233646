/** The SDK's bridge to @synod/contracts: only its browser-safe `./abi` entry (ABIs, multiproof builder). */
export {
  aggregatorV2V3InterfaceAbi,
  buildMultiproof,
  committeeRegistryAbi,
  headerArgs,
  priceFeedsAbi,
  settleBatchArgs,
  settleBatchesArgs,
  settleBatchFromHistoryArgs,
  settlementInboxAbi,
  submitHeaderAndSettleBatchArgs,
  submitHeaderAndSettleBatchesArgs,
  synodBatchSettlementAbi,
  synodPriceFeedAdapterAbi,
} from '@synod/contracts/abi';
