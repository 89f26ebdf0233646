// The keeper against the SDK's test node (the node's real JSON-RPC server over a TestChain with
// real certificates) and a clearinghouse on anvil: orders are Synod transactions, blocks carry
// prices, and after every step L1 holds exactly what the keeper's model holds.
import { keccak256, parseEventLogs, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearinghouseAbi } from '../src/abi.ts';
import { createKeeper, type Keeper } from '../src/keeper.ts';
import { accountView } from '../src/model/index.ts';
import type { Payload } from '../src/payload.ts';
import { decodeSettlementData, encodeSettlementData, settlementData } from '../src/settlementData.ts';
import {
  buy,
  ETH_USD,
  EXPIRY,
  type KeeperSetup,
  PRICE,
  SIZE,
  startKeeperSetup,
  USD,
} from './helpers/keeperSetup.ts';

const keeperTrader = (i: number) => privateKeyToAccount(keccak256(toHex(`keeper trader ${i}`)));
const [lp, trader, gambler] = [keeperTrader(0), keeperTrader(1), keeperTrader(2)];

let setup: KeeperSetup;
let node: KeeperSetup['node'];
let publicClient: KeeperSetup['publicClient'];
let keeperParameters: KeeperSetup['keeperParameters'];

beforeAll(async () => {
  setup = await startKeeperSetup('synod perps keeper test');
  ({ node, publicClient, keeperParameters } = setup);
});

afterAll(async () => {
  await setup?.stop();
});

const depositFor = (account: `0x${string}`, amount: bigint) => setup.deposit([account], amount);
const order: KeeperSetup['order'] = (account, payload) => setup.order(account, payload);
/** Every account of the model, the totals, the market and the token balance: L1 = the keeper's model. */
const expectL1MatchesModel = (keeper: Keeper) => setup.expectL1MatchesKeeper(keeper);

describe('keeper (SDK test node, anvil clearinghouse)', () => {
  let keeper: Keeper;

  it('settles ready batches in one call with the settlement data, the model equal to L1', async () => {
    keeper = createKeeper(keeperParameters);
    expect(await keeper.step()).toMatchObject({ status: 'up-to-date', appliedCount: 0 });
    await depositFor(lp.address, USD(10_000));
    await depositFor(trader.address, USD(10_000));
    await depositFor(gambler.address, USD(400));
    node.chain.setPrice(ETH_USD, PRICE(3_000));
    await order(lp, { kind: 'vaultDeposit', amount: USD(9_000) });
    node.chain.produceBlock();
    node.chain.produceBlock(); // no transaction of the namespace: not a batch
    await order(trader, buy(1, 3_100));
    await order(gambler, buy(1, 3_100));
    node.chain.produceBlock();

    const result = await keeper.step();
    expect(result).toMatchObject({
      status: 'settled',
      entryPoint: 'submitHeaderAndSettleBatches',
      heights: [1, 3],
      sequenceStart: 0,
      count: 3,
    });
    await expectL1MatchesModel(keeper);
    expect(keeper.model.appliedCount).toBe(3n);
    expect(accountView(keeper.model, gambler.address).positions[0]!.size).toBe(SIZE(1));
    expect(await keeper.step()).toMatchObject({ status: 'up-to-date', appliedCount: 3 });
  });

  it('liquidates in the call that brings a 30% crash', async () => {
    node.chain.setPrice(ETH_USD, PRICE(2_100));
    await order(trader, {
      kind: 'order',
      market: 0,
      side: 'sell',
      size: SIZE(0.5),
      limitPrice: 0n,
      expiry: EXPIRY,
    });
    node.chain.produceBlock();
    const result = await keeper.step();
    if (result.status !== 'settled') throw new Error('expected a settle call');
    expect(result.entries).toEqual([
      { height: 4, liquidations: [gambler.address.toLowerCase()], triggers: [] },
    ]);
    const receipt = await publicClient.getTransactionReceipt({ hash: result.transactionHash });
    const liquidated = parseEventLogs({ abi: clearinghouseAbi, logs: receipt.logs, eventName: 'Liquidated' });
    expect(liquidated.map((log) => log.args.account.toLowerCase())).toEqual([gambler.address.toLowerCase()]);
    expect(accountView(keeper.model, gambler.address).positionMask).toBe(0);
    await expectL1MatchesModel(keeper);
  });

  it('a restarted keeper rebuilds the model from L1 and Synod and goes on', async () => {
    await depositFor(trader.address, USD(1_000));
    const restarted = createKeeper(keeperParameters);
    await Promise.all([restarted.sync(), keeper.sync()]);
    expect(restarted.model).toEqual(keeper.model);
    await expectL1MatchesModel(restarted);
    node.chain.setPrice(ETH_USD, PRICE(2_200));
    await order(trader, buy(0.25, 2_300));
    node.chain.produceBlock();
    expect(await restarted.step()).toMatchObject({
      status: 'settled',
      entryPoint: 'submitHeaderAndSettleBatch',
    });
    await expectL1MatchesModel(restarted);
    // The first keeper follows the settle call it did not send.
    await keeper.sync();
    expect(keeper.model).toEqual(restarted.model);
  });

  it('triggers a resting order once a block price meets its limit', async () => {
    // A buy limited at 2,000 cannot fill at 2,200: it rests (its id is its sequence number).
    await order(trader, { ...buy(0.1, 2_000), rest: true } as Payload);
    node.chain.produceBlock();
    const rested = await keeper.step();
    expect(rested).toMatchObject({ status: 'settled', entries: [{ triggers: [] }] });
    const orderId = keeper.model.appliedCount - 1n;
    expect(keeper.model.resting.has(orderId)).toBe(true);
    await expectL1MatchesModel(keeper);
    // At 1,950 (in a block with any transaction of the namespace) the keeper triggers it.
    node.chain.setPrice(ETH_USD, PRICE(1_950));
    await order(lp, { kind: 'withdraw', amount: USD(1) });
    node.chain.produceBlock();
    const filled = await keeper.step();
    expect(filled).toMatchObject({ status: 'settled', entries: [{ triggers: [orderId] }] });
    expect(keeper.model.resting.has(orderId)).toBe(false);
    await expectL1MatchesModel(keeper);
  });

  it('run() settles until aborted', async () => {
    await order(trader, buy(0.25, 2_300));
    node.chain.produceBlock();
    const controller = new AbortController();
    const results: string[] = [];
    await keeper.run({
      signal: controller.signal,
      pollIntervalMs: 20,
      onStep: (result) => {
        results.push(result.status);
        if (result.status === 'up-to-date') controller.abort();
      },
    });
    expect(results).toEqual(['settled', 'up-to-date']);
    await expectL1MatchesModel(keeper);
  });
});

describe('decodeSettlementData', () => {
  it('reads back what encodeSettlementData appended to any calldata, and nothing else', () => {
    const entries = [
      settlementData({
        height: 9,
        blockPrices: [{ feedId: ETH_USD, answer: PRICE(3_000) }],
        marketFeedIds: [ETH_USD],
        triggers: [4n],
        liquidations: [gambler.address],
      }),
      settlementData({ height: 10, blockPrices: [], marketFeedIds: [ETH_USD] }),
    ];
    const calldata = `0x12345678${'ab'.repeat(100)}${encodeSettlementData(entries).slice(2)}` as const;
    expect(decodeSettlementData(calldata)).toEqual(entries);
    expect(decodeSettlementData(`0x12345678${'ab'.repeat(100)}`)).toBeUndefined();
  });
});
