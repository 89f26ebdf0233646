import { type PerpsSendParameters, type PlaceOrderReturnType, sendPerpsPayload } from './placeOrder.ts';
import type { PerpsClient, PerpsConfig } from './types.ts';

export type ClosePositionParameters = PerpsSendParameters & {
  market: number;
  /** Closing a long sells: fills only at ≥ this; closing a short buys: only at ≤ this. */
  limitPrice: bigint;
  /** Unix seconds. */
  expiry: bigint;
};
export type ClosePositionReturnType = PlaceOrderReturnType;

/**
 * Closes the whole position in one market (reduce-only, whatever its size when the order is
 * settled); refused `NoPosition` when there is none then.
 *
 * @example
 * ```ts
 * await closePosition(client, { namespace }, {
 *   account, market: 0, limitPrice: 2_900_00000000n, expiry: BigInt(Math.floor(Date.now() / 1000) + 60),
 * });
 * ```
 */
export async function closePosition(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: ClosePositionParameters,
): Promise<ClosePositionReturnType> {
  return sendPerpsPayload(client, config, parameters, {
    kind: 'close',
    market: parameters.market,
    limitPrice: parameters.limitPrice,
    expiry: parameters.expiry,
  });
}
