import { type Abi, BaseError, ContractFunctionRevertedError, type Hex } from 'viem';
import { expect } from 'vitest';
import {
  committeeRegistryAbi,
  priceFeedsAbi,
  settlementInboxAbi,
  synodPriceFeedAdapterAbi,
} from '../../src/artifacts.ts';
import type { TestChain } from './chain.ts';

const errorsOf = (abi: Abi) => abi.filter((item) => item.type === 'error');

/** Inbox ABI plus the registry's errors, which bubble up through submitHeader. */
export const inboxAbi = [...settlementInboxAbi, ...errorsOf(committeeRegistryAbi)] as const;
/** PriceFeeds ABI plus the errors of the inbox and registry it calls. */
export const feedsAbi = [
  ...priceFeedsAbi,
  ...errorsOf(settlementInboxAbi),
  ...errorsOf(committeeRegistryAbi),
] as const;
export const adapterAbi = synodPriceFeedAdapterAbi;

/** The decoded revert reason of a failed call: custom error name or revert string. */
export function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      return reverted.data?.errorName === 'Error'
        ? String(reverted.data.args?.[0])
        : (reverted.data?.errorName ?? reverted.reason ?? reverted.shortMessage);
    }
    return error.shortMessage;
  }
  return String(error);
}

/** Expects `action` to revert with custom error `name` (or revert string `name`). */
export async function expectRevert(action: Promise<unknown>, name: string): Promise<void> {
  let caught: unknown;
  try {
    await action;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected revert ${name}`).toBeDefined();
  expect(revertReason(caught)).toBe(name);
}

/** Sends a transaction and waits; returns the receipt (status may be 'reverted'). */
export async function sendAndWait(chain: TestChain, hash: Promise<Hex>) {
  return await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
}
