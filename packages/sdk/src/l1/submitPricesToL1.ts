import { bytesToHex, type Hex } from 'viem';
import { getBlock } from '../actions/getBlock.ts';
import type { Client } from '../clients/createClient.ts';
import { buildMultiproof, headerArgs, priceFeedsAbi } from '../internal/contracts.ts';
import { headerHash, priceLeaf } from '../internal/protocol.ts';
import { g2ToEip2537 } from '../utils/bls.ts';
import { isHeaderStored } from './submitHeaderToL1.ts';
import { L1Error, requireWallet, type SynodL1Config } from './types.ts';

export interface SubmitPricesToL1Parameters {
  /** Height of the block whose prices to post; the latest finalized when omitted. */
  height?: number | undefined;
  /** Feeds to post; every feed of the block when omitted. */
  feedIds?: readonly Hex[] | undefined;
}
export interface SubmitPricesToL1ReturnType {
  transactionHash: Hex;
  height: number;
  /** The feeds posted, in price-tree order. */
  feedIds: Hex[];
}

/**
 * Posts finalized prices to PriceFeeds: fetches the block, verifies it (certificate, and its
 * prices against priceRoot), builds one multiproof for the chosen feeds, and calls updatePrices
 * — or submitHeaderAndUpdatePrices when the inbox does not store the header yet.
 *
 * L1 methods: `PriceFeeds.updatePrices` / `PriceFeeds.submitHeaderAndUpdatePrices`.
 *
 * @example
 * ```ts
 * await l1Client.submitPricesToL1({ feedIds: [feedId('ETH/USD')] });
 * const { answer } = await l1Client.readFeed({ adapter });
 * ```
 */
export async function submitPricesToL1(
  client: Client,
  l1: SynodL1Config,
  parameters: SubmitPricesToL1Parameters = {},
): Promise<SubmitPricesToL1ReturnType> {
  const priceFeeds = l1.addresses.priceFeeds;
  if (priceFeeds === undefined)
    throw new L1Error('No PriceFeeds address configured.', { details: 'addresses.priceFeeds' });
  const walletClient = requireWallet(l1);
  const block = await getBlock(client, { height: parameters.height ?? 'latest', verify: true });
  if (block === null) throw new L1Error(`The node has no block at height ${parameters.height ?? 'latest'}.`);
  const wanted = parameters.feedIds?.map((id) => id.toLowerCase());
  const indices = block.prices
    .map((price, index) => ({ price, index }))
    .filter(({ price }) => wanted === undefined || wanted.includes(price.feedId));
  if (indices.length === 0 || (wanted !== undefined && indices.length !== wanted.length)) {
    throw new L1Error(`Block ${block.header.height} does not hold the requested feeds.`);
  }
  const proof = buildMultiproof(
    block.prices.map(priceLeaf),
    indices.map(({ index }) => index),
  );
  const updates = indices.map(({ price, index }) => ({
    feedId: price.feedId,
    answer: price.answer,
    index: BigInt(index),
  }));
  const header = headerArgs(block.header);
  const stored = await isHeaderStored(l1, block.header, headerHash(block.header, client.network));
  try {
    const chain = walletClient.chain ?? null;
    const transactionHash = stored
      ? await walletClient.writeContract({
          ...(
            await l1.publicClient.simulateContract({
              address: priceFeeds,
              abi: priceFeedsAbi,
              functionName: 'updatePrices',
              args: [header, updates, proof],
              account: walletClient.account,
            })
          ).request,
          chain,
        })
      : await walletClient.writeContract({
          ...(
            await l1.publicClient.simulateContract({
              address: priceFeeds,
              abi: priceFeedsAbi,
              functionName: 'submitHeaderAndUpdatePrices',
              args: [
                header,
                {
                  round: block.certificate.round,
                  signature: bytesToHex(g2ToEip2537(block.certificate.signature)),
                },
                updates,
                proof,
              ],
              account: walletClient.account,
            })
          ).request,
          chain,
        });
    const receipt = await l1.publicClient.waitForTransactionReceipt({ hash: transactionHash });
    if (receipt.status !== 'success')
      throw new L1Error('The price update reverted.', { details: transactionHash });
    return { transactionHash, height: block.header.height, feedIds: updates.map((update) => update.feedId) };
  } catch (cause) {
    if (cause instanceof L1Error) throw cause;
    throw new L1Error(`Could not post the prices of block ${block.header.height}.`, { cause });
  }
}
