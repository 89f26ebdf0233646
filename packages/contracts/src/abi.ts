/**
 * `@synod/contracts/abi`: typed ABIs and the price multiproof builder, with nothing that needs
 * Node (the main entry also holds the solc build and the anvil launcher). Safe for browsers.
 */
export {
  aggregatorV3InterfaceAbi,
  committeeRegistryAbi,
  priceFeedsAbi,
  settlementInboxAbi,
  synodPriceFeedAdapterAbi,
} from './artifacts.ts';
export { type HeaderArgs, headerArgs } from './calls.ts';
export { buildMultiproof } from './multiproof.ts';
