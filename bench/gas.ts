// `pnpm bench gas`: gas of the settlement contracts on a real anvil (receipts' gasUsed; views:
// eth_estimateGas). Writes bench/results/gas.json. Targets (issue #4): submitHeader ≤ 250,000
// and within 1% across committees of 4, 16, 64; updatePrices16 ≤ 240,000 and ≤ 13,000 per extra
// feed (issue #4 had 160,000 and 8,000; issue #16's round history writes a second word per feed,
// docs/decisions.md "Contracts: the last 32 rounds of a feed on chain"). Issue #13: settleBatch
// with a no-op hook, marginalPerTx ≤ 16,000 and fixed ≤ 60,000; settleBatch.multi: 16 batches of
// 8 transactions in one settleBatches call against 16 settleBatch calls. Issue #14: the perps
// clearinghouse, ≤ 45,000 per settled order at batch 128 and ≤ 80,000 per liquidation. Issue #18:
// EquivocationRegistry, registering an epoch's commitments and recording one equivocation.
import { concat, encodeFunctionData, type Hex, keccak256, toHex } from 'viem';
import { noopBatchAppAbi, synodPriceFeedAdapterAbi } from '../packages/contracts/src/artifacts.ts';
import {
  type HistoryBatch,
  settleBatchArgs,
  settleBatchesArgs,
  submitHeaderAndSettleBatchesArgs,
} from '../packages/contracts/src/calls.ts';
import { buildMultiproof } from '../packages/contracts/src/multiproof.ts';
import {
  deployApp,
  namespaceOf,
  postHeader,
  requireBatch,
  TransactionFactory,
  USERS,
} from '../packages/contracts/test/helpers/batches.ts';
import { feedsAbi, inboxAbi } from '../packages/contracts/test/helpers/benchAbis.ts';
import { startTestChain, type TestChain } from '../packages/contracts/test/helpers/chain.ts';
import { measureEquivocationGas } from '../packages/contracts/test/helpers/evidence.ts';
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
import { measureClearinghouseGas } from '../packages/perps/test/helpers/gas.ts';
import { printTable, writeResults } from './support.ts';

const FEED_COUNT = 16;
/** Batch sizes of settleBatch. */
const BATCH_SIZES = [1, 16, 128] as const;
/** Namespaces in each settleBatch block (the app's and 15 others with one transaction each): a 4-hash namespace proof. */
const BATCH_BLOCK_NAMESPACES = 16;
/** settleBatch.multi: batches per settleBatches call, and transactions per batch. */
const MULTI_BATCHES = 16;
const MULTI_BATCH_SIZE = 8;
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

/**
 * settleBatch of NoopBatchApp at each batch size: the header is stored, and the app has settled
 * a batch before (appliedCount and lastSettledHeight are a nonzero → nonzero write). Payloads are
 * 64 bytes of hash output (nonzero calldata, the expensive case).
 */
async function settleBatchGas(chain: TestChain) {
  const fixture = await deployFixture(chain, { n: 4, seed: 13 });
  const headers = new HeaderChain(fixture.domain);
  const factory = new TransactionFactory(fixture);
  const namespace = namespaceOf('bench app');
  const others = Array.from({ length: BATCH_BLOCK_NAMESPACES - 1 }, (_, i) =>
    namespaceOf(`bench other ${i}`),
  );
  const app = await deployApp(chain, fixture, 'noop', namespace);
  let order = 0;
  const payload = () => {
    order += 1;
    return concat([keccak256(toHex(`order ${order}`)), keccak256(toHex(`order ${order} body`))]);
  };
  const nextBlock = async (size: number) => {
    const transactions = [];
    for (let i = 0; i < size; i++)
      transactions.push(await factory.sign(USERS[i % USERS.length]!, namespace, payload()));
    for (const [i, other] of others.entries()) {
      transactions.push(await factory.sign(USERS[i % USERS.length]!, other, payload()));
    }
    return headers.next({ transactions });
  };
  const settle = async (size: number) => {
    const block = await nextBlock(size);
    await postHeader(chain, fixture, block);
    return Number(
      await gasUsed(
        chain,
        chain.walletClient.writeContract({
          address: app,
          abi: noopBatchAppAbi,
          functionName: 'settleBatch',
          args: settleBatchArgs(block.header, requireBatch(block, namespace)),
        }),
      ),
    );
  };
  await settle(1); // the app's first batch: appliedCount 0 → nonzero
  const measured: Record<string, number> = {};
  for (const size of BATCH_SIZES) measured[`n${size}`] = await settle(size);

  // MULTI_BATCHES single calls (each header posted), then as many batches in one call.
  let singleCalls = 0;
  for (let i = 0; i < MULTI_BATCHES; i++) singleCalls += await settle(MULTI_BATCH_SIZE);
  /** One settleBatches (or, with `submit`, submitHeaderAndSettleBatches) of `count` batches anchored on the last one. */
  const settleGroup = async (count: number, submit = false) => {
    const blocks = [];
    for (let i = 0; i < count; i++) blocks.push(await nextBlock(MULTI_BATCH_SIZE));
    const anchor = blocks.at(-1)!;
    if (!submit) await postHeader(chain, fixture, anchor);
    const batches: HistoryBatch[] = blocks.map((block) => ({
      header: block.header,
      historyProof: block === anchor ? [] : headers.historyProof(block.header.height, anchor.header.height),
      batch: requireBatch(block, namespace),
    }));
    const certificate = { round: 0, signature: certify(fixture.committee, anchor.header, fixture.domain) };
    const used = Number(
      await gasUsed(
        chain,
        submit
          ? chain.walletClient.writeContract({
              address: app,
              abi: noopBatchAppAbi,
              functionName: 'submitHeaderAndSettleBatches',
              args: submitHeaderAndSettleBatchesArgs(anchor.header, certificate, batches),
            })
          : chain.walletClient.writeContract({
              address: app,
              abi: noopBatchAppAbi,
              functionName: 'settleBatches',
              args: settleBatchesArgs(anchor.header, batches),
            }),
      ),
    );
    return { used, historyProofDepth: batches[0]!.historyProof.length };
  };
  const oneBatchCall = (await settleGroup(1)).used;
  const { used: oneCall, historyProofDepth } = await settleGroup(MULTI_BATCHES);
  const oneCallWithHeader = (await settleGroup(MULTI_BATCHES, true)).used;
  return {
    ...(measured as Record<`n${(typeof BATCH_SIZES)[number]}`, number>),
    multi: { singleCalls, oneCall, oneCallWithHeader, oneBatchCall, historyProofDepth },
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
      feeds: [{ feedId: feeds[0]!, decimals: 8, description: 'FEED0 / USD' }],
    });
    const headers = new HeaderChain(fixture.domain);
    const feedsAddress = fixture.deployment.priceFeeds;
    // Height 1 initialises every feed's word; height 2 is a refresh that still fills a history slot
    // (zero → nonzero); once the history has wrapped (ROUND_HISTORY + 2 rounds) a refresh writes two
    // nonzero words per feed: the steady state, which is what updatePrices16 reports.
    const roundHistory = Number(
      await chain.publicClient.readContract({
        address: feedsAddress,
        abi: feedsAbi,
        functionName: 'ROUND_HISTORY',
      }),
    );
    for (let round = 0; round < roundHistory + 2; round++) {
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
      if (round === 1) submit.updatePrices16FirstFill = Number(used);
      if (round === roundHistory + 1) submit.updatePrices16 = Number(used);
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

    const { multi, ...batches } = await settleBatchGas(chain);
    const marginalPerTx = Math.round((batches.n128 - batches.n1) / 127);
    const perBatchInGroup = Math.round((multi.oneCall - multi.oneBatchCall) / (MULTI_BATCHES - 1));
    const settleMulti = {
      batches: MULTI_BATCHES,
      transactionsPerBatch: MULTI_BATCH_SIZE,
      historyProofDepth: multi.historyProofDepth,
      singleCalls: multi.singleCalls,
      oneCall: multi.oneCall,
      oneCallWithHeader: multi.oneCallWithHeader,
      oneBatchCall: multi.oneBatchCall,
      perBatchSingle: Math.round(multi.singleCalls / MULTI_BATCHES),
      perBatchGrouped: Math.round(multi.oneCall / MULTI_BATCHES),
      perBatchOverhead: perBatchInGroup - MULTI_BATCH_SIZE * marginalPerTx,
    };
    const { liquidateCallGas, ...clearinghouse } = await measureClearinghouseGas(chain);
    const equivocation = await measureEquivocationGas(chain);
    const results = {
      submitHeader: { n4: submit.n4!, n16: submit.n16!, n64: submit.n64! },
      submitHeaderWith16Prices,
      updatePrices16: submit.updatePrices16!,
      updatePrices16FirstFill: submit.updatePrices16FirstFill!,
      verifyTransaction,
      latestRoundData,
      settleBatch: { ...batches, fixed: batches.n1 - marginalPerTx, marginalPerTx, multi: settleMulti },
      clearinghouse,
      equivocation,
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
        `${format(results.updatePrices16)}   target ≤ 240,000 (${Math.round(results.updatePrices16 / FEED_COUNT).toLocaleString('en-US')} per feed incl. fixed cost)`,
      ],
      [
        '  while the history fills',
        `${format(results.updatePrices16FirstFill)}   (a feed's first ROUND_HISTORY rounds write a fresh history slot)`,
      ],
      [
        'updatePrices1 (1 feed)',
        `${format(updatePrices1)}   marginal per extra feed ${Math.round((results.updatePrices16 - updatePrices1) / (FEED_COUNT - 1)).toLocaleString('en-US')} (target ≤ 13,000)`,
      ],
      [`verifyTransaction (${BLOCK_TRANSACTIONS} txs)`, format(results.verifyTransaction)],
      ['latestRoundData', format(results.latestRoundData)],
      ['settleBatch n=1 (no-op hook)', format(results.settleBatch.n1)],
      ['settleBatch n=16', format(results.settleBatch.n16)],
      ['settleBatch n=128', format(results.settleBatch.n128)],
      ['settleBatch fixed part', `${format(results.settleBatch.fixed)}   target ≤ 60,000`],
      ['settleBatch marginal per tx', `${format(results.settleBatch.marginalPerTx)}   target ≤ 16,000`],
      [
        `${MULTI_BATCHES} × settleBatch of ${MULTI_BATCH_SIZE} txs`,
        `${format(settleMulti.singleCalls)}   ${format(settleMulti.perBatchSingle)} per batch`,
      ],
      [
        `settleBatches, ${MULTI_BATCHES} × ${MULTI_BATCH_SIZE} txs`,
        `${format(settleMulti.oneCall)}   ${format(settleMulti.perBatchGrouped)} per batch (history proofs of ${settleMulti.historyProofDepth} hashes)`,
      ],
      [`  same, posting the anchor`, format(settleMulti.oneCallWithHeader)],
      [`settleBatches, 1 × ${MULTI_BATCH_SIZE} txs (the anchor)`, format(settleMulti.oneBatchCall)],
      [
        'settleBatches overhead per batch',
        `${format(settleMulti.perBatchOverhead)}   (per batch beyond its transactions)`,
      ],
      ['clearinghouse batch of 16 orders', format(clearinghouse.batch16Gas)],
      [
        'clearinghouse batch of 128 orders',
        `${format(clearinghouse.batch128Gas)}   ${Math.round(clearinghouse.batch128Gas / 128).toLocaleString('en-US')} per order (target ≤ 45,000)`,
      ],
      ['clearinghouse marginal order', `${format(clearinghouse.orderMarginalGas)}   target ≤ 45,000`],
      [
        'clearinghouse liquidation in a settle call',
        `${format(clearinghouse.liquidationGas)}   target ≤ 80,000`,
      ],
      ['clearinghouse liquidate([account]) alone', format(liquidateCallGas)],
      [
        'registerCommitments n=4 / n=16',
        `${format(equivocation.registerCommitments.n4!)} / ${equivocation.registerCommitments.n16!.toLocaleString('en-US')}   (once per epoch; t points)`,
      ],
      [
        'registerTransition n=4 / n=16',
        `${format(equivocation.registerTransition.n4!)} / ${equivocation.registerTransition.n16!.toLocaleString('en-US')}   (a reshare epoch's commitments, from its record)`,
      ],
      [
        'recordEquivocation n=4 / n=16',
        `${format(equivocation.recordEquivocation.n4!)} / ${equivocation.recordEquivocation.n16!.toLocaleString('en-US')}   (share key by G1 MSM of t points, two pairings)`,
      ],
    ]);
    process.stdout.write(`\nwrote ${writeResults('gas', results)}\n`);
  } finally {
    await chain.anvil.stop();
  }
}

await main();
