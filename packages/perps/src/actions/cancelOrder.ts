import { type PerpsSendParameters, type PlaceOrderReturnType, sendPerpsPayload } from './placeOrder.ts';
import type { PerpsClient, PerpsConfig } from './types.ts';

export type CancelOrderParameters = PerpsSendParameters & {
  /** The resting order's id: the sequence number of the transaction that placed it. */
  orderId: bigint;
};
export type CancelOrderReturnType = PlaceOrderReturnType;

/**
 * Cancels one of the sender's resting orders (placed with `rest: true`); refused `UnknownOrder`
 * if it is not resting then (filled, expired, or someone else's). Only resting orders can be
 * cancelled: a sender's transactions are ordered by nonce, so a cancel never overtakes an
 * immediate order (docs/decisions.md "Perps: resting orders …").
 *
 * @example
 * ```ts
 * const [placed] = orders.filter((order) => order.events.some((event) => event.type === 'OrderRested'));
 * await cancelOrder(client, { namespace }, { account, orderId: placed.sequence });
 * ```
 */
export async function cancelOrder(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: CancelOrderParameters,
): Promise<CancelOrderReturnType> {
  return sendPerpsPayload(client, config, parameters, { kind: 'cancel', orderId: parameters.orderId });
}
