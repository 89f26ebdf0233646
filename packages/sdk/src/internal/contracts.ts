/** The SDK's bridge to @synod/contracts: only its browser-safe `./abi` entry (ABIs, multiproof builder). */
export {
  aggregatorV3InterfaceAbi,
  buildMultiproof,
  committeeRegistryAbi,
  headerArgs,
  priceFeedsAbi,
  settlementInboxAbi,
  synodPriceFeedAdapterAbi,
} from '@synod/contracts/abi';
