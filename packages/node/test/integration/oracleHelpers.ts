import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PriceSimulator } from '@synod/oracle/simulator';
import {
  type BlockHeader,
  certificateMessage,
  type Hex,
  type NetworkDomain,
  parseHex,
  priceLeaf,
  verifyGroupSignature,
  verifyMerkleProof,
} from '@synod/protocol';
import { keccak256, toHex } from 'viem';
import { type RpcJson, rpc } from './helpers.ts';

/** Shared by the oracle and L1 integration tests: feeds on the price simulator, price proofs. */

export const PAIR = 'ETH/USD';
export const FEED_ID = keccak256(toHex(PAIR)).toLowerCase() as Hex;
export const FEED_DECIMALS = 8;

/** The simulator's three venues for `pair`, as `oracle.feeds[].sources`. */
export function simulatorSources(simulator: PriceSimulator, pair = PAIR) {
  const [base, quote] = pair.split('/') as [string, string];
  return [
    { id: 'coinbase', kind: 'coinbase', baseUrl: simulator.urls.coinbase, symbol: `${base}-${quote}` },
    { id: 'kraken', kind: 'kraken', baseUrl: simulator.urls.kraken, symbol: `${base}${quote}` },
    { id: 'binance', kind: 'binance', baseUrl: simulator.urls.binance, symbol: `${base}${quote}` },
  ];
}

/** Merges `sections` into a data dir's config.json (what `synod init` wrote), key by key. */
export async function patchConfig(
  dataDir: string,
  sections: Record<string, Record<string, unknown>>,
): Promise<void> {
  const path = join(dataDir, 'config.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(sections))
    config[section] = { ...config[section], ...values };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** Checks a synod_getPrice answer: its leaf against header.priceRoot and the certificate under the group key. */
export function verifyPriceAnswer(
  price: RpcJson,
  domain: NetworkDomain,
  groupPublicKey: Uint8Array,
): { header: BlockHeader } {
  const header = price.header as BlockHeader;
  if (header.height !== price.height || header.timestampMs !== price.timestampMs) {
    throw new Error(`price at ${price.height} comes with the header of ${header.height}`);
  }
  const leaf = priceLeaf({ feedId: price.feedId, answer: BigInt(price.answer) });
  const included = verifyMerkleProof({
    root: header.priceRoot,
    count: header.priceCount,
    index: price.index,
    leaf,
    proof: price.proof,
  });
  if (!included) throw new Error(`price proof of ${price.feedId} at ${price.height} does not verify`);
  const message = parseHex(certificateMessage(header, domain, price.certificate.round))!;
  if (!verifyGroupSignature(groupPublicKey, message, parseHex(price.certificate.signature)!)) {
    throw new Error(`certificate of height ${price.height} does not verify`);
  }
  return { header };
}

/** The feed's price in block `height` (undefined when the block carries none for it). */
export async function blockPrice(
  port: number,
  height: number,
  feedId = FEED_ID,
): Promise<bigint | undefined> {
  const block = await rpc(port, 'synod_getBlockByHeight', [height]);
  if (block === null) throw new Error(`no block ${height} yet`);
  const entry = (block.prices as { feedId: Hex; answer: string }[]).find((price) => price.feedId === feedId);
  return entry === undefined ? undefined : BigInt(entry.answer);
}

/** Simulator prices are 8-decimal fixed point, like the feed. */
export function units(price: string): bigint {
  const [whole, fraction = ''] = price.split('.');
  return BigInt(whole!) * 10n ** BigInt(FEED_DECIMALS) + BigInt(fraction.padEnd(FEED_DECIMALS, '0'));
}
