import { buildMultiproof } from '@synod/contracts/abi';
import {
  type BlockHeader,
  type Certificate,
  type FeedPrice,
  g2ToEip2537,
  type Hex,
  priceLeaf,
} from '@synod/protocol';
import { bytesToHex } from 'viem';
import type { PriceLeafUpdate } from './schedule.ts';

/** The viem argument for the Solidity `Header` struct (docs/protocol.md "Block header"). */
export function headerArgs(header: BlockHeader) {
  return {
    version: header.version,
    networkId: BigInt(header.networkId),
    epoch: BigInt(header.epoch),
    height: BigInt(header.height),
    parentHash: header.parentHash,
    timestampMs: BigInt(header.timestampMs),
    txRoot: header.txRoot,
    txCount: header.txCount,
    priceRoot: header.priceRoot,
    priceCount: header.priceCount,
    historyRoot: header.historyRoot,
    proposerIndex: header.proposerIndex,
  };
}

export type HeaderArgs = ReturnType<typeof headerArgs>;

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
