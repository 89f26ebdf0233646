import { type SendTransactionParameters, type SendTransactionReturnType, sendTransaction } from '@synod/sdk';
import type { Hex } from 'viem';
import { encodePayload, type Payload, type Side } from '../payload.ts';
import type { PerpsClient, PerpsConfig } from './types.ts';

/** Who signs and how (the SDK's sendTransaction parameters, minus namespace and payload). */
export type PerpsSendParameters = Omit<SendTransactionParameters, 'namespace' | 'payload'>;

export type PlaceOrderParameters = PerpsSendParameters & {
  /** Market index (markets sorted by feedId, as deployed). */
  market: number;
  /** buy = long (opens or adds to a long, reduces a short); sell = short. */
  side: Side;
  /** Size units, > 0. */
  size: bigint;
  /** A buy fills only at a price ≤ this, a sell only at ≥ this (feed decimals). */
  limitPrice: bigint;
  /** Unix seconds: refused once the settling block's time is past it. */
  expiry: bigint;
  /** Never increase or flip the position (a reduction). */
  reduceOnly?: boolean | undefined;
  /** If it cannot fill now (limit not met, market halted), rest until expiry; its id is its sequence. */
  rest?: boolean | undefined;
};

export interface PlaceOrderReturnType extends SendTransactionReturnType {
  /** The encoded payload (docs/perps.md "Payloads"). */
  payload: Hex;
}

/** Encodes `payload` and sends it as a Synod transaction of the clearinghouse's namespace. */
export async function sendPerpsPayload(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: PerpsSendParameters,
  payload: Payload,
): Promise<PlaceOrderReturnType> {
  const encoded = encodePayload(payload);
  const sent = await sendTransaction(client, {
    account: parameters.account,
    wallet: parameters.wallet,
    nonce: parameters.nonce,
    validUntil: parameters.validUntil,
    signal: parameters.signal,
    namespace: config.namespace,
    payload: encoded,
  });
  return { ...sent, payload: encoded };
}

/**
 * Places an order: opens, increases, reduces, closes or flips a position in one market at the
 * certified price of the block that settles it, within `limitPrice` and before `expiry`. Encodes
 * the payload (`encodePayload`, RangeError for values the contract would refuse as malformed) and
 * sends it as a Synod transaction of the clearinghouse's namespace. Resolves once the node
 * admitted it; its outcome comes with its batch (watchOrders, syncModel) and on L1 after
 * settlement (waitForSettlement).
 *
 * @example
 * ```ts
 * const { txId, transaction } = await placeOrder(client, { namespace }, {
 *   account, market: 0, side: 'buy', size: 10n ** 8n, limitPrice: 3_100_00000000n,
 *   expiry: BigInt(Math.floor(Date.now() / 1000) + 60),
 * });
 * ```
 */
export async function placeOrder(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: PlaceOrderParameters,
): Promise<PlaceOrderReturnType> {
  return sendPerpsPayload(client, config, parameters, {
    kind: 'order',
    market: parameters.market,
    side: parameters.side,
    size: parameters.size,
    limitPrice: parameters.limitPrice,
    expiry: parameters.expiry,
    reduceOnly: parameters.reduceOnly ?? false,
    rest: parameters.rest ?? false,
  });
}
