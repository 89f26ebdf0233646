import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPriceSimulator } from '@synod/oracle/simulator';
import { decodePayload, MAX_PRICE } from '@synod/perps';
import { transactionCodec } from '@synod/protocol';
import { hexToBytes } from 'viem';
import { describe, expect, test } from 'vitest';
import { feedIdOf, TESTNET_FEEDS } from '../src/config.ts';
import { MixedTransactionSource, type PreparedTransaction, TransactionFactory } from '../src/load.ts';
import {
  briefError,
  failoverFetch,
  PERPS_CYCLE,
  PerpsOrderFactory,
  perpsAccounts,
  perpsMarketIndex,
  perpsMarkets,
  perpsNamespace,
  perpsStepPayload,
  TRADER_DEPOSIT,
} from '../src/perps.ts';

const domain = { networkId: 1337, chainId: 31_337, inbox: `0x${'11'.repeat(20)}` as const };
const NAMESPACE = perpsNamespace('test');
const decode = (tx: PreparedTransaction) => transactionCodec.decode(hexToBytes(tx.encoded));

describe('perps on the testnet: the pure pieces', () => {
  test('one market per testnet feed, sorted by feedId, 10× at most', () => {
    const markets = perpsMarkets();
    expect(markets.map((market) => market.feedId).sort()).toEqual(
      TESTNET_FEEDS.map((feed) => feedIdOf(feed.pair)).sort(),
    );
    for (let i = 1; i < markets.length; i++)
      expect(BigInt(markets[i - 1]!.feedId) < BigInt(markets[i]!.feedId)).toBe(true);
    expect(
      markets.every((market) => market.initialMarginBps === 1_000 && market.maintenanceMarginBps === 500),
    ).toBe(true);
    expect(markets[perpsMarketIndex('ETH/USD')]!.feedId).toBe(feedIdOf('ETH/USD'));
  });

  test("a trader's cycle: long 5×, 7×, a buy that cannot fill, 4×, 7×, close", () => {
    const price = 3_000n * 10n ** 8n;
    const payloads = PERPS_CYCLE.map((step) => perpsStepPayload(step, 1, price, 99n));
    const size = (leverage: bigint) => (leverage * TRADER_DEPOSIT * 10n ** 10n) / price; // × the deposit
    expect(payloads).toEqual([
      { kind: 'order', market: 1, side: 'buy', size: size(5n), limitPrice: MAX_PRICE, expiry: 99n },
      { kind: 'order', market: 1, side: 'buy', size: size(2n), limitPrice: MAX_PRICE, expiry: 99n },
      { kind: 'order', market: 1, side: 'buy', size: size(1n), limitPrice: 1n, expiry: 99n },
      {
        kind: 'order',
        market: 1,
        side: 'sell',
        size: size(3n),
        limitPrice: 0n,
        expiry: 99n,
        reduceOnly: true,
      },
      { kind: 'order', market: 1, side: 'buy', size: size(3n), limitPrice: MAX_PRICE, expiry: 99n },
      { kind: 'close', market: 1, limitPrice: 0n, expiry: 99n },
    ]);
  });

  test('perp orders: traders in turn, each with its own nonces and its cycle, in the namespace', async () => {
    const accounts = perpsAccounts(3);
    const factory = new PerpsOrderFactory({
      domain,
      namespace: NAMESPACE,
      accounts,
      validUntilS: 2_000_000_000n,
    });
    const orders = [...(await factory.next(4)), ...(await factory.next(5))].map(decode);
    expect(orders.map((order) => order.sender)).toEqual(
      [0, 1, 2, 0, 1, 2, 0, 1, 2].map((t) => accounts.traders[t]!.signer.address),
    );
    expect(orders.map((order) => order.nonce)).toEqual([0n, 0n, 0n, 1n, 1n, 1n, 2n, 2n, 2n]);
    expect(orders.every((order) => order.namespace === NAMESPACE)).toBe(true);
    const first = decodePayload(orders[0]!.payload as `0x${string}`);
    expect(first).toMatchObject({
      kind: 'order',
      side: 'buy',
      market: accounts.traders[0]!.market,
      expiry: 2_000_000_000n,
    });
    expect(decodePayload(orders[6]!.payload as `0x${string}`)).toMatchObject({
      kind: 'order',
      limitPrice: 1n,
    });
  });

  test('the load mix: every 10th transaction is a perp order, the count is the total', async () => {
    const plain = new TransactionFactory({ senders: 8, domain, validUntilS: 2_000_000_000n });
    const perps = new PerpsOrderFactory({
      domain,
      namespace: NAMESPACE,
      accounts: perpsAccounts(2),
      validUntilS: 2_000_000_000n,
    });
    const mix = new MixedTransactionSource(plain, perps, 10);
    const stream = [...(await mix.next(15)), ...(await mix.next(15))].map(decode);
    expect(stream).toHaveLength(30);
    const perpIndices = stream.flatMap((tx, i) => (tx.namespace === NAMESPACE ? [i] : []));
    expect(perpIndices).toEqual([9, 19, 29]);
    expect(() => new MixedTransactionSource(plain, perps, 0)).toThrow(RangeError);
  });

  test('failoverFetch goes to the next node when one is down, and stays there', async () => {
    const hits: string[] = [];
    const server = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const up = `http://127.0.0.1:${(server.address() as AddressInfo).port}/up`;
    try {
      const fetchFn = failoverFetch(['http://127.0.0.1:1/down', up]);
      expect(await (await fetchFn('ignored', { method: 'POST', body: '{}' })).text()).toBe('ok');
      expect(await (await fetchFn('ignored', { method: 'POST', body: '{}' })).text()).toBe('ok');
      expect(hits).toEqual(['/up', '/up']);
      await expect(failoverFetch(['http://127.0.0.1:1/down'])('ignored', {})).rejects.toThrow();
      // A node that takes the connection and never answers (a paused process) is skipped.
      const silent = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const hung = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hung`;
      try {
        const skipping = failoverFetch([hung, up], 200);
        expect(await (await skipping('ignored', { method: 'POST', body: '{}' })).text()).toBe('ok');
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    } finally {
      server.close();
    }
  });

  test('briefError: one line, with the name of the reverted error', () => {
    const viemLike = new Error(
      'Could not settle the batch of height 78 into 0xbc91.\n\nDetails: The contract function "x" reverted with the following signature:\n0x2e14f010\n\nUnable to decode…',
    );
    expect(briefError(viemLike)).toBe(
      'Could not settle the batch of height 78 into 0xbc91. (reverted HeightNotIncreasing)',
    );
    expect(briefError(new Error('plain\nmore'))).toBe('plain');
  });
});

describe('the simulator crash (--price-crash)', () => {
  test('moves the market price of one pair on every venue; reset keeps it; POST /control takes it', async () => {
    let nowMs = 1_000_000;
    const simulator = await startPriceSimulator({
      seed: 7,
      pairs: TESTNET_FEEDS.map((feed) => ({ pair: feed.pair, initialPrice: feed.initialPrice })),
      now: () => nowMs,
    });
    try {
      const venues = ['coinbase', 'kraken', 'binance'] as const;
      const before = venues.map((venue) => simulator.control.priceOf('ETH/USD', venue));
      const btc = simulator.control.marketPrice('BTC/USD');
      const market = simulator.control.marketPrice('ETH/USD');
      const post = (body: unknown) =>
        fetch(`${simulator.url}/control`, { method: 'POST', body: JSON.stringify(body) });
      expect((await post({ action: 'crash', pair: 'ETH/USD', factor: 0.7 })).status).toBe(200);
      expect(simulator.control.marketPrice('ETH/USD')).toBe((market * 700_000n) / 1_000_000n);
      venues.forEach((venue, i) => {
        const after = simulator.control.priceOf('ETH/USD', venue);
        expect(Number(after) / Number(before[i]!)).toBeCloseTo(0.7, 3);
      });
      expect(simulator.control.marketPrice('BTC/USD')).toBe(btc);
      simulator.control.reset();
      expect(Number(simulator.control.priceOf('ETH/USD', 'kraken')) / Number(before[1]!)).toBeCloseTo(0.7, 3);
      const state = (await (await fetch(`${simulator.url}/state`)).json()) as {
        pairs: { pair: string; crashFactor?: number }[];
      };
      expect(state.pairs.find((pair) => pair.pair === 'ETH/USD')!.crashFactor).toBe(0.7);
      // The walk goes on from the new level.
      nowMs += 5_000;
      expect(Number(simulator.control.marketPrice('ETH/USD')) / Number(market)).toBeCloseTo(0.7, 1);
      expect((await post({ action: 'crash', pair: 'ETH/USD' })).status).toBe(400);
      expect((await post({ action: 'crash', pair: 'ETH/USD', venue: 'kraken', factor: 0.5 })).status).toBe(
        400,
      );
      expect((await post({ action: 'crash', factor: 0.5 })).status).toBe(400);
      expect((await post({ action: 'crash', pair: 'DOGE/USD', factor: 0.5 })).status).toBe(400);
    } finally {
      await simulator.stop();
    }
  });
});
