// The keeper after an outage (issue #14 item 5, "a relayer outage is followed by an in-order
// catch-up"), and more accounts below maintenance at one batch's prices than a settle call's
// list holds (64): the SDK's test node (real certificates, the node's JSON-RPC server) and a
// clearinghouse on anvil; after every catch-up L1 holds exactly what the keeper's model holds.
import type { Address, Hex } from 'viem';
import {
  createWalletClient,
  custom,
  parseEventLogs,
  parseTransaction,
  toFunctionSelector,
  http as viemHttp,
} from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { keccak256, toHex } from 'viem/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearinghouseAbi } from '../src/abi.ts';
import { syncModel } from '../src/actions/syncModel.ts';
import { createKeeper, type Keeper, type KeeperStepResult } from '../src/keeper.ts';
import {
  accountView,
  liquidatableAccounts,
  MAX_LIQUIDATIONS_PER_CALL,
  settleBatch,
  settlementExtras,
} from '../src/model/index.ts';
import {
  buy,
  ETH_USD,
  type KeeperSetup,
  PRICE,
  SIZE,
  sell,
  startKeeperSetup,
  USD,
} from './helpers/keeperSetup.ts';

const account = (name: string) => privateKeyToAccount(keccak256(toHex(`keeper catch-up ${name}`)));
const [lp, trader, gambler, late] = ['lp', 'trader', 'gambler', 'late'].map(account) as [
  PrivateKeyAccount,
  PrivateKeyAccount,
  PrivateKeyAccount,
  PrivateKeyAccount,
];
const lower = (address: Address) => address.toLowerCase() as Address;

let setup: KeeperSetup;

beforeAll(async () => {
  setup = await startKeeperSetup('synod perps keeper catch-up test');
});

afterAll(async () => {
  await setup?.stop();
});

/** Steps until up to date; every step's result. */
async function catchUp(keeper: Keeper): Promise<KeeperStepResult[]> {
  const results: KeeperStepResult[] = [];
  for (;;) {
    const result = await keeper.step();
    results.push(result);
    if (result.status === 'up-to-date') return results;
    if (results.length > 20) throw new Error('the keeper did not catch up in 20 steps');
  }
}

/** The clearinghouse's BatchSettled events, in L1 order, with their transaction. */
async function settledBatches() {
  const logs = await setup.publicClient.getLogs({
    address: setup.clearinghouse,
    fromBlock: setup.keeperParameters.deploymentBlock,
  });
  return parseEventLogs({ abi: clearinghouseAbi, logs, eventName: 'BatchSettled' }).map((log) => ({
    height: Number(log.args.height),
    sequenceStart: Number(log.args.sequenceStart),
    count: Number(log.args.count),
    transactionHash: log.transactionHash,
    blockNumber: log.blockNumber,
  }));
}

describe('keeper outage, then catch-up', () => {
  it('a restarted keeper settles every missed batch in order, grouped by maxBatches, and liquidates what the model says', async () => {
    const { node } = setup;
    await setup.deposit([lp.address], USD(100_000));
    await setup.deposit([trader.address], USD(10_000));
    await setup.deposit([gambler.address], USD(400));

    // The keeper runs and settles the first batches.
    const running = createKeeper(setup.keeperParameters);
    const controller = new AbortController();
    const loop = running.run({ signal: controller.signal, pollIntervalMs: 20 });
    node.chain.setPrice(ETH_USD, PRICE(3_000));
    await setup.order(lp, { kind: 'vaultDeposit', amount: USD(90_000) });
    node.chain.produceBlock();
    await setup.order(trader, buy(1, 3_100));
    await setup.order(gambler, buy(1, 3_100)); // 1 ETH on 400: 7.5× leverage
    node.chain.produceBlock();
    await expect.poll(() => setup.read<bigint>('appliedCount'), { timeout: 10_000 }).toBe(3n);
    // The keeper stops (crash, upgrade, lost L1 connection): nobody settles while Synod goes on.
    controller.abort();
    await loop;
    const before = await settledBatches();

    const outage: { price: number; orders: [PrivateKeyAccount, Parameters<KeeperSetup['order']>[1]][] }[] = [
      { price: 3_000, orders: [[trader, buy(0.5, 3_100)]] },
      { price: 3_010, orders: [] }, // no transaction of the namespace: no batch
      { price: 3_020, orders: [[late, buy(0.3, 3_100)]] },
      // A 30% crash: the gambler is below maintenance (and the trader sells in the same block).
      { price: 2_100, orders: [[trader, sell(0.5, 0)]] },
      { price: 2_120, orders: [[lp, { kind: 'withdraw', amount: USD(10) }]] },
      { price: 2_150, orders: [[late, buy(0.1, 2_200)]] },
      { price: 2_200, orders: [[trader, sell(0.2, 2_100)]] },
      { price: 2_250, orders: [[gambler, buy(0.1, 2_300)]] }, // liquidated already: nothing to trade with
      { price: 2_300, orders: [[late, sell(0.4, 0)]] },
      { price: 2_310, orders: [[trader, buy(0.1, 2_400)]] },
    ];
    const heights: number[] = [];
    let crashHeight = 0;
    for (const [i, { price, orders }] of outage.entries()) {
      if (i === 2) await setup.deposit([late.address], USD(2_000)); // L1 goes on too
      node.chain.setPrice(ETH_USD, PRICE(price));
      for (const [sender, payload] of orders) await setup.order(sender, payload);
      const block = node.chain.produceBlock();
      if (orders.length > 0) heights.push(block.block.header.height);
      if (price === 2_100) crashHeight = block.block.header.height;
    }
    expect(heights).toHaveLength(9);
    expect(await setup.read<bigint>('appliedCount')).toBe(3n); // nothing settled meanwhile

    // Restart: a new keeper (a new process) rebuilds its model from L1 and the node, then
    // settles the 9 missed batches in ⌈9 / 4⌉ = 3 calls.
    const restarted = createKeeper({ ...setup.keeperParameters, maxBatches: 4 });
    const results = await catchUp(restarted);
    const settled = results.filter((result) => result.status === 'settled');
    expect(settled.map((result) => result.heights)).toEqual([
      heights.slice(0, 4),
      heights.slice(4, 8),
      heights.slice(8),
    ]);
    expect(settled.map((result) => result.entryPoint)).toEqual([
      'submitHeaderAndSettleBatches',
      'submitHeaderAndSettleBatches',
      'submitHeaderAndSettleBatch',
    ]);
    // No gap, no reorder: each call starts where the previous one ended.
    let next = 3;
    for (const result of settled) {
      expect(result.sequenceStart).toBe(next);
      next += result.count;
    }
    expect(next).toBe(3 + 9);
    // The crash's batch lists the gambler (the model's list), the others nobody; no account
    // was left for a liquidate call.
    const lists = settled.flatMap((result) => result.entries);
    expect(lists.map((entry) => entry.height)).toEqual(heights);
    expect(lists.filter((entry) => entry.liquidations.length > 0)).toEqual([
      { height: crashHeight, liquidations: [lower(gambler.address)], triggers: [] },
    ]);
    expect(results.every((result) => result.liquidated.accounts.length === 0)).toBe(true);

    // On L1: every batch once, heights increasing, sequence numbers contiguous, three calls.
    const after = (await settledBatches()).slice(before.length);
    expect(after.map((batch) => batch.height)).toEqual(heights);
    let sequence = 3;
    for (const batch of after) {
      expect(batch.sequenceStart).toBe(sequence);
      sequence += batch.count;
    }
    expect(new Set(after.map((batch) => batch.transactionHash)).size).toBe(3);
    const crashCall = await setup.publicClient.getTransactionReceipt({
      hash: after.find((batch) => batch.height === crashHeight)!.transactionHash,
    });
    const liquidated = parseEventLogs({
      abi: clearinghouseAbi,
      logs: crashCall.logs,
      eventName: 'Liquidated',
    });
    expect(liquidated.map((log) => lower(log.args.account))).toEqual([lower(gambler.address)]);
    expect(liquidated[0]!.args.realizedPnl).toBe(-USD(900)); // at the crash's price, 2,100

    // The model equals L1 on every account; nothing is left below maintenance; the stopped
    // keeper, started again, follows the calls it did not send and holds the same model.
    await setup.expectL1MatchesKeeper(restarted);
    expect(liquidatableAccounts(restarted.model, [])).toEqual([]);
    expect(accountView(restarted.model, gambler.address).positionMask).toBe(0);
    expect(accountView(restarted.model, late.address).positions[0]!.size).toBe(0n);
    await running.sync();
    expect(running.model).toEqual(restarted.model);
    expect(await running.step()).toMatchObject({ status: 'up-to-date', appliedCount: 12 });
  });

  it(`more than ${MAX_LIQUIDATIONS_PER_CALL} accounts below maintenance after a crash: the call ends there and liquidate() takes the rest at its price`, async () => {
    const { node } = setup;
    const crowd = Array.from({ length: 80 }, (_, i) => account(`crowd ${i}`));
    await setup.deposit([lp.address], USD(400_000));
    await setup.deposit(
      crowd.map((member) => member.address),
      USD(400),
    );
    const keeper = createKeeper({ ...setup.keeperParameters, maxBatches: 8 });
    expect(await keeper.step()).toMatchObject({ status: 'up-to-date' });
    const appliedBefore = keeper.model.appliedCount;
    const modelBefore = keeper.model;

    // While the keeper is down: 80 accounts open 1 ETH each on 400; ETH crashes 30% (all 80
    // below maintenance at 2,100); then it is back at 3,000, where none of them is.
    node.chain.setPrice(ETH_USD, PRICE(3_000));
    await setup.order(lp, { kind: 'vaultDeposit', amount: USD(400_000) });
    for (const member of crowd) await setup.order(member, buy(1, 3_100));
    const opened = node.chain.produceBlock().block.header.height;
    node.chain.setPrice(ETH_USD, PRICE(2_100));
    await setup.order(lp, { kind: 'withdraw', amount: USD(1) });
    const crashed = node.chain.produceBlock().block.header.height;
    node.chain.setPrice(ETH_USD, PRICE(3_000));
    await setup.order(lp, { kind: 'withdraw', amount: USD(1) });
    const recovered = node.chain.produceBlock().block.header.height;

    // What listing 64 and moving on would do: the model, fed the three batches with the
    // settle calls' lists only, keeps 16 of them open at 3,000 (healthy again, never liquidated).
    {
      let state = keeper.model;
      for (const height of [opened, crashed, recovered]) {
        const batch = await setup.client.getNamespaceBatch({ namespace: setup.namespace, height });
        const block = await setup.client.getBlock({ height });
        if (batch.status !== 'batch' || block === null) throw new Error(`no batch at ${height}`);
        const input = {
          height: BigInt(height),
          timestampMs: BigInt(batch.header.timestampMs),
          prices: block.prices,
          transactions: batch.transactions.map((transaction, index) => ({
            sequence: BigInt(batch.inclusion.entry.sequenceStart + index),
            sender: transaction.sender,
            payload: transaction.payload,
          })),
          triggers: [],
          liquidations: [],
          l1TimestampSeconds: 0n,
        };
        state = settleBatch(state, { ...input, ...settlementExtras(state, input) }).state;
      }
      const open = crowd.filter((member) => accountView(state, member.address).positionMask !== 0);
      expect(open).toHaveLength(80 - MAX_LIQUIDATIONS_PER_CALL);
    }

    const started = Date.now();
    const first = await keeper.step();
    if (first.status !== 'settled') throw new Error('expected a settle call');
    // The call ends with the crash's batch (maxBatches would allow the third), lists 64 …
    expect(first.heights).toEqual([opened, crashed]);
    expect(first.entries.map((entry) => entry.liquidations.length)).toEqual([0, MAX_LIQUIDATIONS_PER_CALL]);
    // … and the other 16 are liquidated right after it by one liquidate(accounts) call.
    expect(first.liquidated.transactionHashes).toHaveLength(1);
    expect(first.liquidated.accounts).toHaveLength(80 - MAX_LIQUIDATIONS_PER_CALL);
    const listed = new Set([...first.entries[1]!.liquidations, ...first.liquidated.accounts]);
    expect(listed).toEqual(new Set(crowd.map((member) => lower(member.address))));
    const second = await keeper.step();
    expect(second).toMatchObject({ status: 'settled', heights: [recovered], liquidated: { accounts: [] } });
    expect(await keeper.step()).toMatchObject({ status: 'up-to-date' });
    expect(Date.now() - started).toBeLessThan(30_000);

    // On L1, in this order: the call with the crash, the liquidate call, the call with 3,000.
    const settleCall = await setup.publicClient.getTransactionReceipt({ hash: first.transactionHash });
    const liquidateCall = await setup.publicClient.getTransactionReceipt({
      hash: first.liquidated.transactionHashes[0]! as Hex,
    });
    const recoveryCall = await setup.publicClient.getTransactionReceipt({
      hash: (second as Extract<KeeperStepResult, { status: 'settled' }>).transactionHash,
    });
    expect(settleCall.blockNumber).toBeLessThan(liquidateCall.blockNumber);
    expect(liquidateCall.blockNumber).toBeLessThan(recoveryCall.blockNumber);
    // Every one of the 80 liquidated once, all at the crash's price: a 900 loss each.
    const liquidations = [settleCall, liquidateCall].flatMap((receipt) =>
      parseEventLogs({ abi: clearinghouseAbi, logs: receipt.logs, eventName: 'Liquidated' }),
    );
    expect(liquidations).toHaveLength(80);
    expect(new Set(liquidations.map((log) => lower(log.args.account))).size).toBe(80);
    expect(liquidations.every((log) => log.args.realizedPnl === -USD(900))).toBe(true);
    expect(
      parseEventLogs({ abi: clearinghouseAbi, logs: recoveryCall.logs, eventName: 'Liquidated' }),
    ).toEqual([]);

    for (const member of crowd) expect(accountView(keeper.model, member.address).positionMask).toBe(0);
    expect(liquidatableAccounts(keeper.model, [])).toEqual([]);
    expect(keeper.model.appliedCount).toBe(appliedBefore + 83n);
    // What apps show at Synod finality (syncModel, no L1) assumes the same sweep: equal accounts.
    const synced = await syncModel(
      setup.client,
      { namespace: setup.namespace },
      { model: { state: modelBefore, height: opened - 1 } },
    );
    expect(synced.model.height).toBe(recovered);
    for (const member of [...crowd, lp, trader])
      expect(accountView(synced.model.state, member.address), member.address).toEqual(
        accountView(keeper.model, member.address),
      );
    expect(synced.events.filter(({ event }) => event.type === 'Liquidated')).toHaveLength(80);
    expect(accountView(keeper.model, trader.address).positions[0]!.size).toBe(SIZE(0.9));
    await setup.expectL1MatchesKeeper(keeper);
  });

  it('a keeper that dies between its settle call and the liquidate call: the restarted one liquidates the rest at the marks before the next batch', async () => {
    const { node } = setup;
    const crowd = Array.from({ length: 70 }, (_, i) => account(`second crowd ${i}`));
    await setup.deposit([lp.address], USD(300_000));
    await setup.deposit(
      crowd.map((member) => member.address),
      USD(400),
    );
    // The keeper's process dies when it is about to send liquidate(accounts).
    const liquidateSelector = toFunctionSelector('liquidate(address[])');
    const http = viemHttp(setup.anvil.rpcUrl)({ chain: foundry });
    const dying = createWalletClient({
      account: setup.walletClient.account,
      chain: foundry,
      transport: custom({
        async request({ method, params }) {
          if (method === 'eth_sendRawTransaction') {
            const { data } = parseTransaction((params as [Hex])[0]);
            if (data?.startsWith(liquidateSelector)) throw new Error('the keeper process died');
          }
          return await http.request({ method, params });
        },
      }),
    });
    const base = setup.keeperParameters;
    const doomed = createKeeper({ ...base, l1: { ...base.l1, walletClient: dying }, maxBatches: 8 });
    expect(await doomed.step()).toMatchObject({ status: 'up-to-date' });

    node.chain.setPrice(ETH_USD, PRICE(3_000));
    await setup.order(lp, { kind: 'vaultDeposit', amount: USD(300_000) });
    for (const member of crowd) await setup.order(member, buy(1, 3_100));
    const opened = node.chain.produceBlock().block.header.height;
    node.chain.setPrice(ETH_USD, PRICE(2_100));
    await setup.order(lp, { kind: 'withdraw', amount: USD(1) });
    const crashed = node.chain.produceBlock().block.header.height;
    node.chain.setPrice(ETH_USD, PRICE(3_000));
    await setup.order(lp, { kind: 'withdraw', amount: USD(1) });
    const recovered = node.chain.produceBlock().block.header.height;

    await expect(doomed.step()).rejects.toThrow(/liquidate/);
    // The settle call landed (64 listed), the other 6 are still open on L1, below maintenance
    // at the marks (the crash's price).
    await doomed.sync();
    const left = liquidatableAccounts(doomed.model, []);
    expect(left).toHaveLength(70 - MAX_LIQUIDATIONS_PER_CALL);
    for (const address of left) {
      expect((await setup.read<{ positionMask: number }>('accountOf', [address])).positionMask).toBe(1);
    }
    expect(await setup.read<bigint>('lastSettledHeight')).toBe(BigInt(crashed));
    expect(opened).toBeLessThan(crashed);

    // Restarted, the keeper liquidates them first (at 2,100), then settles the batch at 3,000.
    const restarted = createKeeper({ ...base, maxBatches: 8 });
    const result = await restarted.step();
    if (result.status !== 'settled') throw new Error('expected a settle call');
    expect(result.heights).toEqual([recovered]);
    expect(new Set(result.liquidated.accounts)).toEqual(new Set(left));
    const liquidateCall = await setup.publicClient.getTransactionReceipt({
      hash: result.liquidated.transactionHashes[0]!,
    });
    const settleCall = await setup.publicClient.getTransactionReceipt({ hash: result.transactionHash });
    expect(liquidateCall.blockNumber).toBeLessThan(settleCall.blockNumber);
    const liquidations = parseEventLogs({
      abi: clearinghouseAbi,
      logs: liquidateCall.logs,
      eventName: 'Liquidated',
    });
    expect(liquidations).toHaveLength(6);
    expect(liquidations.every((log) => log.args.realizedPnl === -USD(900))).toBe(true);
    for (const member of crowd) expect(accountView(restarted.model, member.address).positionMask).toBe(0);
    await setup.expectL1MatchesKeeper(restarted);
  });
});
