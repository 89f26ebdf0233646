import { type Hex, keccak256, toHex } from 'viem';

/**
 * The bytes32 id of a feed: keccak256 of its name, as the oracle and the PriceFeeds contract
 * use it.
 *
 * @example
 * ```ts
 * const price = await getPrice(client, { feedId: feedId('ETH/USD') });
 * ```
 */
export function feedId(name: string): Hex {
  return keccak256(toHex(name));
}
