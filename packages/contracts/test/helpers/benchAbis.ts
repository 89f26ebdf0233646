import type { Abi } from 'viem';
import { committeeRegistryAbi, priceFeedsAbi, settlementInboxAbi } from '../../src/artifacts.ts';

/** Merged ABIs (contract + the errors bubbling from contracts it calls), without vitest. */
const errorsOf = (abi: Abi) => abi.filter((item) => item.type === 'error');
export const inboxAbi = [...settlementInboxAbi, ...errorsOf(committeeRegistryAbi)] as const;
export const feedsAbi = [
  ...priceFeedsAbi,
  ...errorsOf(settlementInboxAbi),
  ...errorsOf(committeeRegistryAbi),
] as const;
