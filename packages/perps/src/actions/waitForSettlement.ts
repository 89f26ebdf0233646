import { getNamespaceBatch, type WaitForFinalityParameters, waitForFinality } from '@synod/sdk';
import type { Hex } from 'viem';
import { clearinghouseAbi } from '../abi.ts';
import { type PerpsClient, type PerpsConfig, PerpsError, requireL1 } from './types.ts';

export interface GetOrderSequenceParameters {
  txId: Hex;
  /** The signed transaction (placeOrder returns it): saves a block download. */
  transaction?: WaitForFinalityParameters['transaction'];
  /** Finality timeout (default the SDK's, 30 s). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface GetOrderSequenceReturnType {
  /** The height that finalized it. */
  height: number;
  /** Its sequence number in the namespace: its resting-order id, and what appliedCount passes. */
  sequence: bigint;
}

/**
 * Waits for a transaction's verified finality and finds its sequence number in the clearinghouse's
 * namespace (its batch's sequenceStart + its position in the batch).
 *
 * @example
 * ```ts
 * const { txId, transaction } = await placeOrder(client, perps, order);
 * const { height, sequence } = await getOrderSequence(client, perps, { txId, transaction });
 * ```
 */
export async function getOrderSequence(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: GetOrderSequenceParameters,
): Promise<GetOrderSequenceReturnType> {
  const finality = await waitForFinality(client, {
    txId: parameters.txId,
    transaction: parameters.transaction,
    timeoutMs: parameters.timeoutMs,
    signal: parameters.signal,
  });
  const batch = await getNamespaceBatch(client, {
    namespace: config.namespace,
    height: finality.height,
    signal: parameters.signal,
  });
  const txId = parameters.txId.toLowerCase();
  const index = batch.status === 'batch' ? batch.transactions.findIndex((tx) => tx.txId === txId) : -1;
  if (batch.status !== 'batch' || index < 0) {
    throw new PerpsError(`${txId} is not in the batch of ${config.namespace} at height ${finality.height}`);
  }
  return { height: finality.height, sequence: BigInt(batch.inclusion.entry.sequenceStart + index) };
}

export type WaitForSettlementParameters = {
  /** Give up after this long (PerpsError). Default 120 s. */
  timeoutMs?: number | undefined;
  /** How often to read L1. Default: the client's pollingIntervalMs. */
  pollingIntervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
} & (
  | { /** The transaction's sequence number in the namespace. */ sequence: bigint; txId?: undefined }
  | ({ sequence?: undefined } & GetOrderSequenceParameters)
);

export interface WaitForSettlementReturnType {
  sequence: bigint;
  /** The clearinghouse's appliedCount when it passed `sequence`. */
  appliedCount: bigint;
  lastSettledHeight: number;
}

/**
 * Waits until L1 has settled the transaction: the clearinghouse's `appliedCount` is above its
 * sequence number (found from `txId` with getOrderSequence when not given). Its outcome on L1 is
 * then final, and equal to the model's (TransactionRejected and the fill events are in the
 * settle call's logs). Settling is the keeper's job; this only watches.
 *
 * L1 methods: the clearinghouse's `appliedCount`, `lastSettledHeight`.
 *
 * @example
 * ```ts
 * const { txId, transaction } = await placeOrder(client, perps, order);
 * const { lastSettledHeight } = await waitForSettlement(client, perps, { txId, transaction });
 * const onL1 = await getPosition(client, perps, { account, market: 0, from: 'l1' });
 * ```
 */
export async function waitForSettlement(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: WaitForSettlementParameters,
): Promise<WaitForSettlementReturnType> {
  const { clearinghouse, publicClient } = requireL1(config);
  const timeoutMs = parameters.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const sequence =
    parameters.sequence ??
    (
      await getOrderSequence(client, config, {
        txId: parameters.txId,
        transaction: parameters.transaction,
        timeoutMs,
        signal: parameters.signal,
      })
    ).sequence;
  const interval = parameters.pollingIntervalMs ?? client.pollingIntervalMs;
  for (;;) {
    parameters.signal?.throwIfAborted();
    const [appliedCount, lastSettledHeight] = await Promise.all([
      publicClient.readContract({
        address: clearinghouse,
        abi: clearinghouseAbi,
        functionName: 'appliedCount',
      }),
      publicClient.readContract({
        address: clearinghouse,
        abi: clearinghouseAbi,
        functionName: 'lastSettledHeight',
      }),
    ]);
    if (BigInt(appliedCount) > sequence) {
      return { sequence, appliedCount: BigInt(appliedCount), lastSettledHeight: Number(lastSettledHeight) };
    }
    if (Date.now() + interval > deadline) {
      throw new PerpsError(`sequence ${sequence} not settled on ${clearinghouse} within ${timeoutMs} ms`);
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, interval);
      const abort = () => {
        clearTimeout(timer);
        reject(parameters.signal?.reason);
      };
      function done() {
        parameters.signal?.removeEventListener('abort', abort);
        resolve();
      }
      parameters.signal?.addEventListener('abort', abort, { once: true });
    });
  }
}
