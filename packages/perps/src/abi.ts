import { type Abi, decodeErrorResult, type Hex } from 'viem';
import {
  clearinghouseExtensionAbi,
  clearinghouseAbi as contractAbi,
  perpsBatchesAbi,
  perpsRejectionsAbi,
  perpsTransactionsAbi,
} from './artifacts.ts';
import type { Rejection, RejectionName } from './model/types.ts';

const contractItems: Abi = contractAbi;
const linked = [...perpsTransactionsAbi, ...perpsBatchesAbi, ...perpsRejectionsAbi];
type LinkedEventOrError = Extract<(typeof linked)[number], { type: 'event' | 'error' }>;
type ExtensionItem = Exclude<(typeof clearinghouseExtensionAbi)[number], { type: 'constructor' }>;
const isSameItem = (a: Abi[number], b: Abi[number]) =>
  a.type === b.type && 'name' in a && 'name' in b && a.name === b.name;

/**
 * The clearinghouse's full ABI: the contract's own functions, events and errors; the functions
 * of ClearinghouseExtension, which its fallback runs (deposit, claim, liquidate, escapeExit, the
 * views); and the events its linked libraries emit in its name and the rejection reasons
 * (interface `Rejections`), which solc puts in those ABIs only.
 */
export const clearinghouseAbi = [
  ...contractAbi,
  ...clearinghouseExtensionAbi.filter(
    (item): item is ExtensionItem =>
      item.type !== 'constructor' && !contractItems.some((own) => isSameItem(own, item as Abi[number])),
  ),
  ...linked.filter(
    (item, index): item is LinkedEventOrError =>
      (item.type === 'event' || item.type === 'error') &&
      !contractItems.some((own) => isSameItem(own, item)) &&
      !(clearinghouseExtensionAbi as Abi).some((own) => isSameItem(own, item)) &&
      linked.findIndex((other) => isSameItem(other, item as Abi[number])) === index,
  ),
];

/** The rejection reasons' ABI (interface Rejections of PerpsTypes.sol). */
export const rejectionsAbi = perpsRejectionsAbi;

/** Decodes a TransactionRejected or RestingOrderRemoved reason into the model's Rejection. */
export function decodeRejection(reason: Hex): Rejection {
  const decoded = decodeErrorResult({ abi: perpsRejectionsAbi, data: reason });
  return {
    name: decoded.errorName as RejectionName,
    args: ((decoded.args ?? []) as readonly (bigint | number)[]).map((value) => BigInt(value)),
  };
}
