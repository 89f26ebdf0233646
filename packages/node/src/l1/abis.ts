import { committeeRegistryAbi, priceFeedsAbi, settlementInboxAbi } from '@synod/contracts/abi';

/**
 * ABIs the submitter calls with, each extended with the errors of the contracts it calls into,
 * so a revert that bubbles up (the registry's UnknownEpoch through the inbox, the inbox's
 * HeightNotIncreasing through PriceFeeds) decodes to its name.
 */
const registryErrors = committeeRegistryAbi.filter((item) => item.type === 'error');
const inboxErrors = settlementInboxAbi.filter((item) => item.type === 'error');

export const inboxCallAbi = [...settlementInboxAbi, ...registryErrors] as const;
export const priceFeedsCallAbi = [...priceFeedsAbi, ...inboxErrors, ...registryErrors] as const;
