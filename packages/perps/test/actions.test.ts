import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSynodClient, http, type SynodClient } from '@synod/sdk';
import * as fc from 'fast-check';
import { type Address, keccak256, type PublicClient, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, TEST_NETWORK, type TestNode } from '../../sdk/test/helpers/server.ts';
import {
  cancelOrder,
  closePosition,
  createClearinghouseState,
  decodePayload,
  deposit,
  encodePayload,
  getPosition,
  MAX_POSITION_SIZE,
  MAX_PRICE,
  MAX_UINT64,
  type MarketConfig,
  type OrderPayload,
  type Payload,
  type PerpsActions,
  PerpsError,
  type PerpsModel,
  type PerpsOrder,
  perpsActions,
  placeOrder,
  syncModel,
  waitForSettlement,
} from '../src/index.ts';

const ethUsd: MarketConfig = {
  feedId: keccak256(toHex('ETH/USD')),
  scale: 10n ** 10n,
  initialMarginBps: 1_000,
  maintenanceMarginBps: 500,
  takerFeeBps: 5,
  liquidationFeeBps: 100,
  maxOpenInterestVaultBps: 10_000,
  maxOpenInterest: 10n ** 14n,
  maxPositionSize: 10n ** 12n,
};
const namespace = keccak256(toHex('perps actions test'));
const lp = privateKeyToAccount(keccak256(toHex('actions lp')));
const trader = privateKeyToAccount(keccak256(toHex('actions trader')));
const price = (dollars: number) => BigInt(dollars) * 10n ** 8n;
const expiry = () => BigInt(Math.floor(Date.now() / 1000) + 600);

/** A model with the L1 deposits made: $1M for the LP, $10,000 for the trader. */
function freshModel(): PerpsModel {
  let state = createClearinghouseState({ markets: [ethUsd], escapeTimeoutSeconds: 86_400n }, 0n);
  state = deposit(state, lp.address, 10n ** 12n).state;
  state = deposit(state, trader.address, 10n ** 10n).state;
  return { state, height: 0 };
}

describe('payloads', () => {
  it('decodePayload inverts encodePayload for every kind', () => {
    const payloads: Payload[] = [
      {
        kind: 'order',
        market: 1,
        side: 'sell',
        size: 5n,
        limitPrice: 7n,
        expiry: 9n,
        reduceOnly: true,
        rest: false,
      },
      { kind: 'close', market: 0, limitPrice: MAX_PRICE, expiry: MAX_UINT64 },
      { kind: 'cancel', orderId: 42n },
      { kind: 'withdraw', amount: 1n },
      { kind: 'vaultDeposit', amount: 10n ** 12n },
      { kind: 'vaultWithdraw', shares: 3n },
    ];
    for (const payload of payloads) expect(decodePayload(encodePayload(payload))).toEqual(payload);
  });

  it('orders round-trip for any valid fields; malformed payloads decode to undefined', () => {
    fc.assert(
      fc.property(
        fc.record({
          market: fc.integer({ min: 0, max: 15 }),
          side: fc.constantFrom('buy' as const, 'sell' as const),
          size: fc.bigInt({ min: 1n, max: MAX_POSITION_SIZE }),
          limitPrice: fc.bigInt({ min: 0n, max: MAX_PRICE }),
          expiry: fc.bigInt({ min: 0n, max: MAX_UINT64 }),
          reduceOnly: fc.boolean(),
          rest: fc.boolean(),
        }),
        (fields) => {
          const order: OrderPayload = { kind: 'order', ...fields };
          expect(decodePayload(encodePayload(order))).toEqual(order);
        },
      ),
      { numRuns: 200 },
    );
    const valid = encodePayload({ kind: 'cancel', orderId: 1n });
    expect(decodePayload(`0x02${valid.slice(4)}`)).toBeUndefined(); // version
    expect(decodePayload(`${valid}00`)).toBeUndefined(); // length
    expect(decodePayload(`0x0107${valid.slice(6)}`)).toBeUndefined(); // kind
    expect(decodePayload(`0x0104${'00'.repeat(32)}`)).toBeUndefined(); // withdraw 0
  });
});

describe('actions against a node (TestChain + the node’s RPC server)', () => {
  let node: TestNode;
  let client: SynodClient & PerpsActions;
  const perps = { namespace };
  beforeAll(async () => {
    node = await startTestNode();
    node.chain.setPrice(ethUsd.feedId, price(3_000));
    client = createSynodClient({
      transport: http(node.url),
      network: TEST_NETWORK,
      committee: { epoch: 0, groupPublicKey: node.groupPublicKey },
      pollingIntervalMs: 20,
    }).extend(perpsActions(perps));
  });
  afterAll(async () => {
    await node.stop();
  });

  it('placeOrder, closePosition and cancelOrder land transactions of the namespace with their payloads', async () => {
    const order = await placeOrder(client, perps, {
      account: trader,
      market: 0,
      side: 'buy',
      size: 10n ** 8n,
      limitPrice: price(3_100),
      expiry: 2_000_000_000n,
      rest: true,
    });
    const close = await closePosition(client, perps, {
      account: trader,
      market: 0,
      limitPrice: price(2_900),
      expiry: 2_000_000_000n,
    });
    const cancel = await cancelOrder(client, perps, { account: trader, orderId: 7n });
    const { header } = node.chain.produceBlock().block;
    const batch = await client.getNamespaceBatch({ namespace, height: header.height });
    expect(batch.status).toBe('batch');
    if (batch.status !== 'batch') return;
    expect(batch.transactions.map((tx) => tx.txId)).toEqual([order.txId, close.txId, cancel.txId]);
    for (const tx of batch.transactions) {
      expect(tx.namespace).toBe(namespace);
      expect(tx.sender).toBe(trader.address.toLowerCase());
    }
    expect(batch.transactions.map((tx) => decodePayload(tx.payload))).toEqual([
      {
        kind: 'order',
        market: 0,
        side: 'buy',
        size: 10n ** 8n,
        limitPrice: price(3_100),
        expiry: 2_000_000_000n,
        reduceOnly: false,
        rest: true,
      },
      { kind: 'close', market: 0, limitPrice: price(2_900), expiry: 2_000_000_000n },
      { kind: 'cancel', orderId: 7n },
    ]);
    expect(batch.transactions[0]!.payload).toBe(order.payload);
    // The sequence numbers, as waitForSettlement compares them with appliedCount.
    const { sequence } = await client.getOrderSequence({ txId: close.txId, transaction: close.transaction });
    expect(sequence).toBe(BigInt(batch.inclusion.entry.sequenceStart + 1));
  });

  it('syncModel and getPosition (model) follow finalized orders: open, add, reject, rest, cancel, trigger, close', async () => {
    // The model starts at height 0: the previous test's orders are replayed first.
    let model = freshModel();
    model = (await client.syncModel({ model })).model; // the previous test's batch: all refused or applied
    const before = await client.getPosition({ account: trader.address, market: 0, from: 'model', model });
    model = before.model!;
    const start = before.size;

    const send = async (orders: (() => Promise<unknown>)[], ethPrice: number) => {
      for (const order of orders) await order();
      node.chain.setPrice(ethUsd.feedId, price(ethPrice));
      node.chain.produceBlock();
      const synced = await client.syncModel({ model });
      model = synced.model;
      return synced.orders;
    };
    const buy =
      (size: bigint, limit: number, rest = false) =>
      () =>
        client.placeOrder({
          account: trader,
          market: 0,
          side: 'buy',
          size,
          limitPrice: price(limit),
          expiry: expiry(),
          rest,
        });

    const vault = await send(
      [
        () =>
          client.sendTransaction({
            account: lp,
            namespace,
            payload: encodePayload({ kind: 'vaultDeposit', amount: 10n ** 12n }),
          }),
      ],
      3_000,
    );
    expect(vault.map(outcome)).toEqual(['applied']);

    const opened = await send([buy(2n * 10n ** 8n, 3_010)], 3_000);
    expect(opened.map(outcome)).toEqual(['applied']);
    expect(opened[0]!.events[0]).toMatchObject({
      type: 'OrderFilled',
      sizeDelta: 2n * 10n ** 8n,
      price: price(3_000),
    });
    let position = await getPosition(client, perps, {
      account: trader.address,
      market: 0,
      from: 'model',
      model,
    });
    expect(position.size).toBe(start + 2n * 10n ** 8n);

    const added = await send([buy(10n ** 8n, 3_110), buy(10n ** 8n, 3_000)], 3_100);
    expect(added.map(outcome)).toEqual(['applied', 'rejected:LimitPriceNotMet']);
    position = await getPosition(client, perps, { account: trader.address, market: 0, from: 'model', model });
    expect(position.size).toBe(start + 3n * 10n ** 8n);
    expect(position.height).toBe(node.chain.height);

    const rested = await send([buy(10n ** 8n, 2_000, true)], 3_100);
    expect(rested[0]!.events.map((event) => event.type)).toEqual(['OrderRested']);
    expect(model.state.resting.has(rested[0]!.sequence)).toBe(true);
    const cancelled = await send(
      [() => client.cancelOrder({ account: trader, orderId: rested[0]!.sequence })],
      3_100,
    );
    expect(cancelled.map(outcome)).toEqual(['applied']);
    expect(model.state.resting.size).toBe(0);

    // A resting buy whose limit a later block's price meets is triggered (as the keeper does).
    const waitingBuy = await send([buy(10n ** 8n, 3_150, true)], 3_200);
    expect(waitingBuy[0]!.events.map((event) => event.type)).toEqual(['OrderRested']);
    node.chain.setPrice(ethUsd.feedId, price(3_100));
    node.chain.produceBlock(); // no transaction of the namespace: no batch, so nothing triggers yet
    const poke = await send(
      [
        () =>
          client.sendTransaction({
            account: lp,
            namespace,
            payload: encodePayload({ kind: 'cancel', orderId: 0n }),
          }),
      ],
      3_100,
    );
    expect(poke.map(outcome)).toEqual(['rejected:UnknownOrder']);
    expect(model.state.resting.size).toBe(0);
    position = await getPosition(client, perps, { account: trader.address, market: 0, from: 'model', model });
    expect(position.size).toBe(start + 4n * 10n ** 8n);

    const closed = await send(
      [
        () =>
          client.closePosition({ account: trader, market: 0, limitPrice: price(3_100), expiry: expiry() }),
      ],
      3_200,
    );
    expect(closed.map(outcome)).toEqual(['applied']);
    position = await getPosition(client, perps, { account: trader.address, market: 0, from: 'model', model });
    expect(position).toMatchObject({ size: 0n, entryPrice: 0n, appliedCount: model.state.appliedCount });
    expect(position.collateral).toBeGreaterThan(10n ** 10n); // bought at 3,000 and 3,100, sold at 3,200
  });

  it('watchOrders delivers the account’s orders with their outcome, in order', async () => {
    const seen: PerpsOrder[] = [];
    const errors: Error[] = [];
    const start = (await syncModel(client, perps, { model: freshModel() })).model;
    const unwatch = client.watchOrders({
      model: start,
      account: trader.address,
      onOrders: (orders) => seen.push(...orders),
      onError: (error) => errors.push(error),
    });
    try {
      await client.sendTransaction({
        account: lp,
        namespace,
        payload: encodePayload({ kind: 'withdraw', amount: 1n }),
      });
      await client.placeOrder({
        account: trader,
        market: 0,
        side: 'sell',
        size: 10n ** 8n,
        limitPrice: price(3_300),
        expiry: expiry(),
      });
      await client.placeOrder({
        account: trader,
        market: 0,
        side: 'sell',
        size: 10n ** 8n,
        limitPrice: 0n,
        expiry: expiry(),
      });
      node.chain.produceBlock();
      await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(2);
    } finally {
      unwatch();
    }
    expect(errors).toEqual([]);
    expect(seen.map(outcome)).toEqual(['rejected:LimitPriceNotMet', 'applied']);
    expect(seen.map((order) => order.sender)).toEqual([
      trader.address.toLowerCase(),
      trader.address.toLowerCase(),
    ]);
    expect(seen[1]!.payload).toMatchObject({ kind: 'order', side: 'sell' });
    expect(seen[1]!.sequence).toBe(seen[0]!.sequence + 1n);
  });
});

describe('L1 reads (a stub publicClient)', () => {
  const clearinghouse: Address = '0x00000000000000000000000000000000000000c1';
  function stub(values: Record<string, () => unknown>): PublicClient {
    return {
      readContract: async ({ functionName }: { functionName: string }) => values[functionName]!(),
    } as unknown as PublicClient;
  }

  it('waitForSettlement resolves once appliedCount passes the sequence', async () => {
    let applied = 0n;
    const publicClient = stub({ appliedCount: () => (applied += 2n), lastSettledHeight: () => applied });
    const client = createSynodClient({ transport: http('http://127.0.0.1:1/'), network: TEST_NETWORK });
    const settled = await waitForSettlement(
      client,
      { namespace, clearinghouse, publicClient },
      { sequence: 5n, pollingIntervalMs: 1 },
    );
    expect(settled).toEqual({ sequence: 5n, appliedCount: 6n, lastSettledHeight: 6 });
    await expect(
      waitForSettlement(
        client,
        {
          namespace,
          clearinghouse,
          publicClient: stub({ appliedCount: () => 0n, lastSettledHeight: () => 0n }),
        },
        {
          sequence: 0n,
          timeoutMs: 20,
          pollingIntervalMs: 5,
        },
      ),
    ).rejects.toThrow(PerpsError);
    await expect(waitForSettlement(client, { namespace }, { sequence: 0n })).rejects.toThrow(/publicClient/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped')), 10);
    await expect(
      waitForSettlement(
        client,
        {
          namespace,
          clearinghouse,
          publicClient: stub({ appliedCount: () => 0n, lastSettledHeight: () => 0n }),
        },
        { sequence: 0n, pollingIntervalMs: 1_000, signal: controller.signal },
      ),
    ).rejects.toThrow('stopped');
  });

  it('getPosition from L1 reads the clearinghouse’s views', async () => {
    const publicClient = stub({
      positionOf: () => ({ size: -5n, entryPrice: 7n }),
      accountOf: () => ({ collateral: 11n, positionMask: 1, restingOrders: 0 }),
      appliedCount: () => 13n,
      lastSettledHeight: () => 17n,
    });
    const client = createSynodClient({ transport: http('http://127.0.0.1:1/'), network: TEST_NETWORK });
    expect(
      await getPosition(
        client,
        { namespace, clearinghouse, publicClient },
        { account: trader.address, market: 0, from: 'l1' },
      ),
    ).toEqual({ from: 'l1', size: -5n, entryPrice: 7n, collateral: 11n, appliedCount: 13n, height: 17 });
  });
});

describe('JSDoc', () => {
  it('every exported function of src/actions/ has an @example', () => {
    const dir = fileURLToPath(new URL('../src/actions/', import.meta.url));
    const missing: string[] = [];
    let count = 0;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(`${dir}${file}`, 'utf8');
      for (const match of source.matchAll(
        /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?export (?:async )?function (\w+)/g,
      )) {
        if (['requireL1', 'sendPerpsPayload'].includes(match[2]!)) continue;
        count++;
        if (!/@example\s*\n\s*\*\s*```ts\n/.test(match[1] ?? '')) missing.push(match[2]!);
      }
    }
    expect(count).toBeGreaterThanOrEqual(9);
    expect(missing).toEqual([]);
  });
});

function outcome(order: PerpsOrder): string {
  return order.status === 'applied' ? 'applied' : `rejected:${order.rejection?.name}`;
}
