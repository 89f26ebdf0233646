import { buildMultiproof } from '@synod/contracts/abi';
import { type Certificate, type FeedPrice, g2ToEip2537, type Hex, priceLeaf } from '@synod/protocol';
import { bytesToHex } from 'viem';
import type { PriceLeafUpdate } from './schedule.ts';

export { type HeaderArgs, headerArgs } from '@synod/contracts/abi';

/** The certificate as the inbox takes it: the round and the signature as an uncompressed EIP-2537 G2 point. */
export function certificateArgs(certificate: Certificate): { round: number; signature: Hex } {
  return { round: certificate.round, signature: bytesToHex(g2ToEip2537(certificate.signature)) };
}

/**
 * PriceFeeds arguments for `updates` (leaves of `prices`, increasing indices): the
 * `{feedId, answer, index}` leaves and the multiproof of just those leaves.
 */
export function priceUpdateArgs(
  prices: readonly FeedPrice[],
  updates: readonly PriceLeafUpdate[],
): { leaves: { feedId: Hex; answer: bigint; index: bigint }[]; proof: Hex[] } {
  const leafHashes = prices.map((price) => priceLeaf(price));
  const indices = updates.map((update) => update.index);
  return {
    leaves: updates.map((update) => ({
      feedId: update.feedId,
      answer: update.answer,
      index: BigInt(update.index),
    })),
    proof: buildMultiproof(leafHashes, indices),
  };
}
