import {
  committeeRegistryAbi,
  priceFeedsAbi,
  settlementInboxAbi,
  synodBatchSettlementAbi,
} from '@synod/contracts/abi';

/**
 * ABIs the submitter calls with, each extended with the errors of the contracts it calls into,
 * so a revert that bubbles up (the registry's UnknownEpoch through the inbox, the inbox's
 * HeightNotIncreasing through PriceFeeds or a settlement contract) decodes to its name.
 */
const registryErrors = committeeRegistryAbi.filter((item) => item.type === 'error');
const inboxErrors = settlementInboxAbi.filter((item) => item.type === 'error');

export const inboxCallAbi = [...settlementInboxAbi, ...registryErrors] as const;
export const priceFeedsCallAbi = [...priceFeedsAbi, ...inboxErrors, ...registryErrors] as const;
/** Any SynodBatchSettlement app (the base contract's ABI), with the inbox's and registry's errors. */
export const batchSettlementCallAbi = [
  ...synodBatchSettlementAbi,
  ...inboxErrors,
  ...registryErrors,
] as const;
