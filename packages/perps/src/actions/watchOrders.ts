import { watchBlocks } from '@synod/sdk';
import type { Address } from 'viem';
import { syncModel } from './syncModel.ts';
import type { PerpsClient, PerpsConfig, PerpsModel, PerpsOrder } from './types.ts';

export interface WatchOrdersParameters {
  /** Where to start: the namespace's batches above `model.height` are delivered first. */
  model: PerpsModel;
  /** Only this sender's transactions (default: every transaction of the namespace). */
  account?: Address | undefined;
  /**
   * Called after each finalized block that holds orders to report, in order, with those orders
   * (outcome from the model) and the model after them: the accounts at Synod finality.
   */
  onOrders: (orders: PerpsOrder[], model: PerpsModel) => void;
  /** Failures (a node error, a verification failure); watching goes on with the next block. */
  onError?: ((error: Error) => void) | undefined;
  /** Over HTTP, how often to ask for the latest block (the client's by default). */
  pollingIntervalMs?: number | undefined;
}

/** Stops watching. */
export type WatchOrdersReturnType = () => void;

/**
 * Watches the clearinghouse's orders at Synod finality: on every finalized block (watchBlocks,
 * over a WebSocket subscription or HTTP polling) the model is synced (syncModel: every batch of
 * the namespace, verified, applied with its block's prices) and the transactions it applied are
 * delivered decoded, with their outcome (applied or the contract's rejection reason) and events.
 * L1 settles the same outcomes later (waitForSettlement).
 *
 * @example
 * ```ts
 * const unwatch = watchOrders(client, perps, {
 *   model: { state: createClearinghouseState(config, deployedAt), height: 0 },
 *   account: trader.address,
 *   onOrders: (orders) => {
 *     for (const order of orders) console.log(order.sequence, order.payload?.kind, order.status, order.rejection?.name);
 *   },
 * });
 * ```
 */
export function watchOrders(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: WatchOrdersParameters,
): WatchOrdersReturnType {
  const account = parameters.account?.toLowerCase();
  const stopped = new AbortController();
  let model = parameters.model;
  let queue: Promise<void> = Promise.resolve();
  const onError = (error: unknown) => {
    if (!stopped.signal.aborted) {
      parameters.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const sync = (toHeight: number) => {
    queue = queue
      .then(async () => {
        if (stopped.signal.aborted || toHeight <= model.height) return;
        const result = await syncModel(client, config, { model, toHeight, signal: stopped.signal });
        if (stopped.signal.aborted) return;
        model = result.model;
        const orders = result.orders.filter((order) => account === undefined || order.sender === account);
        if (orders.length > 0) parameters.onOrders(orders, model);
      })
      .catch(onError);
  };
  const unwatch = watchBlocks(client, {
    emitOnBegin: true,
    pollingIntervalMs: parameters.pollingIntervalMs,
    onBlock: (block) => sync(block.header.height),
    onError,
  });
  return () => {
    stopped.abort();
    unwatch();
  };
}
