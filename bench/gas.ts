// `pnpm bench gas`: gas of the settlement contracts on a real anvil (receipts' gasUsed; views:
// eth_estimateGas). Writes bench/results/gas.json. Targets (issue #4): submitHeader ≤ 250,000
// and within 1% across committees of 4, 16, 64; updatePrices16 ≤ 160,000.
import { encodeFunctionData, type Hex } from 'viem';
import { synodPriceFeedAdapterAbi } from '../packages/contracts/src/artifacts.ts';
import { buildMultiproof } from '../packages/contracts/src/multiproof.ts';
import { feedsAbi, inboxAbi } from '../packages/contracts/test/helpers/benchAbis.ts';
import { startTestChain, type TestChain } from '../packages/contracts/test/helpers/chain.ts';
import {
  merkleProof,
  priceLeafHash,
  transactionLeafHash,
} from '../packages/contracts/test/helpers/merkle.ts';
import {
  type BuiltBlock,
  certify,
  deployFixture,
  type Fixture,
  feedId,
  HeaderChain,
  headerArgs,
  sampleTransaction,
} from '../packages/contracts/test/helpers/synod.ts';
import { printTable, writeResults } from './support.ts';

const FEED_COUNT = 16;
/** Transactions in the block whose leaf verifyTransaction proves (depth 10). */
const BLOCK_TRANSACTIONS = 1024;

async function gasUsed(chain: TestChain, hash: Promise<Hex>): Promise<bigint> {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return receipt.gasUsed;
}

function submitHeader(chain: TestChain, fixture: Fixture, block: BuiltBlock) {
  return chain.walletClient.writeContract({
    address: fixture.deployment.inbox,
    abi: inboxAbi,
    functionName: 'submitHeader',
    args: [
      headerArgs(block.header),
      { round: 0, signature: certify(fixture.committee, block.header, fixture.domain) },
    ],
  });
}

const feeds = Array.from({ length: FEED_COUNT }, (_, i) => feedId(`FEED${i}/USD`));
function pricesAt(height: number) {
  return feeds.map((id, i) => ({ feedId: id, answer: 2_000_00000000n + BigInt(height * 1000 + i) }));
}

/** All prices of `block` as updatePrices arguments (whole tree: empty multiproof). */
function priceUpdates(block: BuiltBlock) {
  const updates = block.prices.map((price, index) => ({ ...price, index: BigInt(index) }));
  const leaves = block.prices.map((price) => priceLeafHash(price.feedId, price.answer));
  return {
    updates,
    proof: buildMultiproof(
      leaves,
      updates.map((_, index) => index),
    ),
  };
}

async function main() {
  const chain = await startTestChain();
  try {
    // submitHeader for committees of 4, 16, 64: the second header of a fresh deployment, so
    // latestHeight is a nonzero → nonzero write as in steady state.
    const submit: Record<string, number> = {};
    for (const n of [4, 16, 64]) {
      const fixture = await deployFixture(chain, { n, seed: n });
      const headers = new HeaderChain(fixture.domain);
      await gasUsed(chain, submitHeader(chain, fixture, headers.next()));
      submit[`n${n}`] = Number(await gasUsed(chain, submitHeader(chain, fixture, headers.next())));
    }

    const fixture = await deployFixture(chain, {
      n: 4,
      seed: 5,
      feeds: [{ feedId: feeds[0]!, decimals: 8, maxAgeSeconds: 3600n, description: 'FEED0 / USD' }],
    });
    const headers = new HeaderChain(fixture.domain);
    const feedsAddress = fixture.deployment.priceFeeds;
    // Height 1 initialises every feed's word; height 2 is the measured refresh.
    for (let round = 0; round < 2; round++) {
      const block = headers.next({ prices: pricesAt(round + 1), timestampMs: Date.now() });
      await gasUsed(chain, submitHeader(chain, fixture, block));
      const { updates, proof } = priceUpdates(block);
      const used = await gasUsed(
        chain,
        chain.walletClient.writeContract({
          address: feedsAddress,
          abi: feedsAbi,
          functionName: 'updatePrices',
          args: [headerArgs(block.header), updates, proof],
        }),
      );
      if (round === 1) submit.updatePrices16 = Number(used);
    }
    // One feed from a one-price header: the fixed cost, to report the marginal cost per feed.
    const single = headers.next({ prices: pricesAt(3).slice(0, 1), timestampMs: Date.now() });
    await gasUsed(chain, submitHeader(chain, fixture, single));
    const singleUpdate = priceUpdates(single);
    const updatePrices1 = Number(
      await gasUsed(
        chain,
        chain.walletClient.writeContract({
          address: feedsAddress,
          abi: feedsAbi,
          functionName: 'updatePrices',
          args: [headerArgs(single.header), singleUpdate.updates, singleUpdate.proof],
        }),
      ),
    );
    const combined = headers.next({ prices: pricesAt(4), timestampMs: Date.now() });
    const combinedUpdates = priceUpdates(combined);
    const submitHeaderWith16Prices = Number(
      await gasUsed(
        chain,
        chain.walletClient.writeContract({
          address: feedsAddress,
          abi: feedsAbi,
          functionName: 'submitHeaderAndUpdatePrices',
          args: [
            headerArgs(combined.header),
            { round: 0, signature: certify(fixture.committee, combined.header, fixture.domain) },
            combinedUpdates.updates,
            combinedUpdates.proof,
          ],
        }),
      ),
    );

    const transactions = Array.from({ length: BLOCK_TRANSACTIONS }, (_, i) => sampleTransaction(5, i));
    const big = headers.next({ transactions });
    await gasUsed(chain, submitHeader(chain, fixture, big));
    const leaves = transactions.map(transactionLeafHash);
    // Views: what a transaction calling them would use (eth_estimateGas).
    const verifyTransaction = Number(
      await chain.publicClient.estimateGas({
        to: fixture.deployment.inbox,
        data: encodeFunctionData({
          abi: inboxAbi,
          functionName: 'verifyTransaction',
          args: [headerArgs(big.header), transactions[777]!, 777n, merkleProof(leaves, 777)],
        }),
        account: chain.walletClient.account,
      }),
    );
    const latestRoundData = Number(
      await chain.publicClient.estimateGas({
        to: fixture.deployment.adapters[feeds[0]!]!,
        data: encodeFunctionData({ abi: synodPriceFeedAdapterAbi, functionName: 'latestRoundData' }),
        account: chain.walletClient.account,
      }),
    );

    const results = {
      submitHeader: { n4: submit.n4!, n16: submit.n16!, n64: submit.n64! },
      submitHeaderWith16Prices,
      updatePrices16: submit.updatePrices16!,
      verifyTransaction,
      latestRoundData,
    };
    const values = [results.submitHeader.n4, results.submitHeader.n16, results.submitHeader.n64];
    const spreadPercent = ((Math.max(...values) - Math.min(...values)) / Math.min(...values)) * 100;
    const format = (gas: number) => gas.toLocaleString('en-US').padStart(9);
    printTable('gas (anvil, receipts; views: estimateGas)', [
      ['submitHeader n=4', `${format(results.submitHeader.n4)}   target ≤ 250,000`],
      ['submitHeader n=16', format(results.submitHeader.n16)],
      [
        'submitHeader n=64',
        `${format(results.submitHeader.n64)}   spread ${spreadPercent.toFixed(2)}% (target ≤ 1%)`,
      ],
      ['submitHeaderWith16Prices', format(results.submitHeaderWith16Prices)],
      [
        'updatePrices16',
        `${format(results.updatePrices16)}   target ≤ 160,000 (${Math.round(results.updatePrices16 / FEED_COUNT).toLocaleString('en-US')} per feed incl. fixed cost)`,
      ],
      [
        'updatePrices1 (1 feed)',
        `${format(updatePrices1)}   marginal per extra feed ${Math.round((results.updatePrices16 - updatePrices1) / (FEED_COUNT - 1)).toLocaleString('en-US')} (target ≤ 8,000)`,
      ],
      [`verifyTransaction (${BLOCK_TRANSACTIONS} txs)`, format(results.verifyTransaction)],
      ['latestRoundData', format(results.latestRoundData)],
    ]);
    process.stdout.write(`\nwrote ${writeResults('gas', results)}\n`);
  } finally {
    await chain.anvil.stop();
  }
}

await main();
