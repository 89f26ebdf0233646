import type { Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import { sleep } from '../transports/retry.ts';
import type { Price } from '../types/synod.ts';
import { decodePrice } from '../utils/decode.ts';
import { subscribeOf } from '../utils/subscriptions.ts';
import { getBlock } from './getBlock.ts';
import { getPrice } from './getPrice.ts';

export interface WatchPricesParameters {
  /** One feed; every feed when omitted. */
  feedId?: Hex | undefined;
  /** Called once per finalized price (of that feed, or of every feed), in height order per feed. */
  onPrice: (price: Price) => void;
  onError?: ((error: Error) => void) | undefined;
  /** Over HTTP, how often to ask. Default: the client's (250 ms). */
  pollingIntervalMs?: number | undefined;
  /** Force polling even over a WebSocket. */
  poll?: boolean | undefined;
}
export type WatchPricesReturnType = () => void;
export type WatchPricesErrorType = never;

/**
 * Calls `onPrice` for each newly finalized price. Over a WebSocket it subscribes to `prices`;
 * over HTTP it polls (`synod_getPrice` for one feed, the latest block's prices for all). Prices
 * are delivered as the node reports them; use getPrice({ verify: true }) to check one against
 * its certified block.
 *
 * RPC methods: `synod_subscribe` ('prices') over WebSocket, else `synod_getPrice` /
 * `synod_getBlockByHeight`.
 *
 * @example
 * ```ts
 * const unwatch = watchPrices(client, {
 *   feedId: feedId('ETH/USD'),
 *   onPrice: (price) => console.log(price.height, price.answer),
 * });
 * ```
 */
export function watchPrices(client: Client, parameters: WatchPricesParameters): WatchPricesReturnType {
  const onError = (error: unknown) =>
    parameters.onError?.(error instanceof Error ? error : new Error(String(error)));
  const stopped = new AbortController();
  const lastHeight = new Map<Hex, number>();
  const emit = (price: Price) => {
    if (stopped.signal.aborted) return;
    const last = lastHeight.get(price.feedId);
    if (last !== undefined && price.height <= last) return;
    lastHeight.set(price.feedId, price.height);
    parameters.onPrice(price);
  };

  const subscribe = parameters.poll === true ? undefined : subscribeOf(client);
  if (subscribe !== undefined) {
    let unsubscribe: (() => Promise<void>) | undefined;
    subscribe({
      topic: 'prices',
      filter: parameters.feedId,
      onData: (result) => {
        try {
          emit(decodePrice(result));
        } catch (error) {
          onError(error);
        }
      },
      onError,
    }).then((subscription) => {
      if (stopped.signal.aborted) void subscription.unsubscribe();
      else unsubscribe = () => subscription.unsubscribe();
    }, onError);
    return () => {
      stopped.abort();
      void unsubscribe?.();
    };
  }

  const pollingIntervalMs = parameters.pollingIntervalMs ?? client.pollingIntervalMs;
  const feedId = parameters.feedId;
  void (async () => {
    let first = true;
    while (!stopped.signal.aborted) {
      try {
        const prices: Price[] = [];
        if (feedId !== undefined) {
          const price = await getPrice(client, { feedId, signal: stopped.signal });
          if (price !== null) prices.push(price);
        } else {
          const block = await getBlock(client, { height: 'latest', signal: stopped.signal });
          for (const price of block?.prices ?? []) {
            prices.push({ ...price, height: block!.header.height, timestampMs: block!.header.timestampMs });
          }
        }
        // Like watchBlocks: the price current at start is the baseline, not an update.
        if (first) for (const price of prices) lastHeight.set(price.feedId, price.height);
        else for (const price of prices) emit(price);
        first = false;
      } catch (error) {
        if (!stopped.signal.aborted) onError(error);
      }
      try {
        await sleep(pollingIntervalMs, stopped.signal);
      } catch {
        return;
      }
    }
  })();
  return () => stopped.abort();
}
