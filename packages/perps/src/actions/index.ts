// The perps actions: viem-style functions `action(client, perps, parameters)` on a Synod client
// (@synod/sdk), bound by `client.extend(perpsActions(perps))`.
export {
  type CancelOrderParameters,
  type CancelOrderReturnType,
  cancelOrder,
} from './cancelOrder.ts';
export {
  type ClosePositionParameters,
  type ClosePositionReturnType,
  closePosition,
} from './closePosition.ts';
export {
  type GetPositionParameters,
  type GetPositionReturnType,
  getPosition,
} from './getPosition.ts';
export { type PerpsActions, perpsActions } from './perpsActions.ts';
export {
  type PerpsSendParameters,
  type PlaceOrderParameters,
  type PlaceOrderReturnType,
  placeOrder,
} from './placeOrder.ts';
export { type SyncModelParameters, type SyncModelReturnType, syncModel } from './syncModel.ts';
export {
  type PerpsClient,
  type PerpsConfig,
  PerpsError,
  type PerpsModel,
  type PerpsOrder,
} from './types.ts';
export {
  type GetOrderSequenceParameters,
  type GetOrderSequenceReturnType,
  getOrderSequence,
  type WaitForSettlementParameters,
  type WaitForSettlementReturnType,
  waitForSettlement,
} from './waitForSettlement.ts';
export { type WatchOrdersParameters, type WatchOrdersReturnType, watchOrders } from './watchOrders.ts';
