import type { Client } from '@synod/sdk';
import { type CancelOrderParameters, type CancelOrderReturnType, cancelOrder } from './cancelOrder.ts';
import {
  type ClosePositionParameters,
  type ClosePositionReturnType,
  closePosition,
} from './closePosition.ts';
import { type GetPositionParameters, type GetPositionReturnType, getPosition } from './getPosition.ts';
import { type PlaceOrderParameters, type PlaceOrderReturnType, placeOrder } from './placeOrder.ts';
import { type SyncModelParameters, type SyncModelReturnType, syncModel } from './syncModel.ts';
import type { PerpsConfig } from './types.ts';
import {
  type GetOrderSequenceParameters,
  type GetOrderSequenceReturnType,
  getOrderSequence,
  type WaitForSettlementParameters,
  type WaitForSettlementReturnType,
  waitForSettlement,
} from './waitForSettlement.ts';
import { type WatchOrdersParameters, type WatchOrdersReturnType, watchOrders } from './watchOrders.ts';

/** The perps actions bound to a client and a clearinghouse (what perpsActions adds). */
export interface PerpsActions {
  placeOrder(parameters: PlaceOrderParameters): Promise<PlaceOrderReturnType>;
  closePosition(parameters: ClosePositionParameters): Promise<ClosePositionReturnType>;
  cancelOrder(parameters: CancelOrderParameters): Promise<CancelOrderReturnType>;
  syncModel(parameters: SyncModelParameters): Promise<SyncModelReturnType>;
  watchOrders(parameters: WatchOrdersParameters): WatchOrdersReturnType;
  getPosition(parameters: GetPositionParameters): Promise<GetPositionReturnType>;
  getOrderSequence(parameters: GetOrderSequenceParameters): Promise<GetOrderSequenceReturnType>;
  waitForSettlement(parameters: WaitForSettlementParameters): Promise<WaitForSettlementReturnType>;
}

/**
 * The perps actions for one clearinghouse, attached to a Synod client with `extend` (as the
 * SDK's synodL1Actions): place, close and cancel orders, watch them with their outcomes at Synod
 * finality, read positions from the model or L1, wait for L1 settlement.
 *
 * @example
 * ```ts
 * const client = createSynodClient({ transport: http(synodUrl), network }).extend(
 *   perpsActions({ namespace, clearinghouse, publicClient }),
 * );
 * const { txId, transaction } = await client.placeOrder({ account, market: 0, side: 'buy', size, limitPrice, expiry });
 * await client.waitForSettlement({ txId, transaction });
 * ```
 */
export function perpsActions(config: PerpsConfig): (client: Client) => PerpsActions {
  return (client) => ({
    placeOrder: (parameters) => placeOrder(client, config, parameters),
    closePosition: (parameters) => closePosition(client, config, parameters),
    cancelOrder: (parameters) => cancelOrder(client, config, parameters),
    syncModel: (parameters) => syncModel(client, config, parameters),
    watchOrders: (parameters) => watchOrders(client, config, parameters),
    getPosition: (parameters) => getPosition(client, config, parameters),
    getOrderSequence: (parameters) => getOrderSequence(client, config, parameters),
    waitForSettlement: (parameters) => waitForSettlement(client, config, parameters),
  });
}
