import type { Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import { VerificationError } from '../errors/verification.ts';
import type { BlockHeader, Certificate, Price } from '../types/synod.ts';
import { decodePrice } from '../utils/decode.ts';
import { getBlock } from './getBlock.ts';

export interface GetPriceParameters {
  /** bytes32 feed id, e.g. feedId('ETH/USD'). */
  feedId: Hex;
  /**
   * Verify the price (default false): fetch its block, check the certificate under the committee
   * key and that the price is a leaf of the certified priceRoot. Costs one more call and one BLS
   * verification.
   */
  verify?: boolean | undefined;
  signal?: AbortSignal | undefined;
}
export type GetPriceReturnType =
  | (Price & {
      /** With verify: the certified header and certificate the price was checked against. */
      verified?: { header: BlockHeader; certificate: Certificate } | undefined;
    })
  | null;
export type GetPriceErrorType = RpcRequestError | TransportError | TimeoutError | VerificationError;

/**
 * A feed's latest finalized price (answer scaled by the feed's decimals), with the height and
 * time of the block that finalized it; `null` if the feed never had a price.
 *
 * RPC method: `synod_getPrice` (and `synod_getBlockByHeight` with verify).
 *
 * @example
 * ```ts
 * const price = await getPrice(client, { feedId: feedId('ETH/USD'), verify: true });
 * console.log(formatUnits(price!.answer, 8));
 * ```
 */
export async function getPrice(client: Client, parameters: GetPriceParameters): Promise<GetPriceReturnType> {
  const result = await client.request(
    { method: 'synod_getPrice', params: [parameters.feedId] },
    { signal: parameters.signal },
  );
  if (result === null) return null;
  const price = decodePrice(result);
  if (parameters.verify !== true) return price;
  const block = await getBlock(client, { height: price.height, verify: true, signal: parameters.signal });
  if (block === null) {
    throw new VerificationError(
      'PRICE_MISMATCH',
      `the node has no block at the price's height ${price.height}`,
    );
  }
  const leaf = block.prices.find((entry) => entry.feedId === price.feedId);
  if (
    leaf === undefined ||
    leaf.answer !== price.answer ||
    block.header.height !== price.height ||
    block.header.timestampMs !== price.timestampMs
  ) {
    throw new VerificationError(
      'PRICE_MISMATCH',
      `the certified block ${price.height} does not hold this price`,
    );
  }
  return { ...price, verified: { header: block.header, certificate: block.certificate } };
}
