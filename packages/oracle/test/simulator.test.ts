import { describe, expect, it } from 'vitest';
import { fetchSourceQuote } from '../src/index.ts';
import { RandomWalk, startPriceSimulator } from '../src/simulator/index.ts';
import { ethFeed, manualClock, SEED, startTestSimulator } from './sources-helpers.ts';

describe('price simulator', () => {
  it('is deterministic given seed and tick count', async () => {
    const clock = manualClock();
    const [a, b, c] = await Promise.all([
      startTestSimulator(clock.now, SEED),
      startTestSimulator(clock.now, SEED),
      startTestSimulator(clock.now, SEED + 1),
    ]);
    try {
      // Ticks reached in different steps land on the same prices.
      a.control.advance(500);
      for (let i = 0; i < 5; i++) b.control.advance(100);
      c.control.advance(500);
      expect(a.control.state()).toEqual(b.control.state());
      expect(a.control.state().tick).toBe(500);
      expect(a.control.marketPrice('ETH/USD')).not.toBe(c.control.marketPrice('ETH/USD'));
      // And over HTTP: the same answer from both.
      const [fromA, fromB] = await Promise.all(
        [a, b].map((simulator) => {
          const feed = ethFeed(simulator);
          return fetchSourceQuote({
            source: feed.sources[2]!,
            decimals: 8,
            sourceMaxAgeMs: 1_000,
            now: clock.now,
          });
        }),
      );
      expect(fromA!.price).toBe(fromB!.price);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it('walks geometrically with a bounded step per tick', () => {
    const walk = new RandomWalk('seed', 'ETH/USD', 300_000_000_000n, 1_000);
    let previous = walk.price;
    let moved = 0;
    for (let tick = 1; tick <= 2_000; tick++) {
      const price = walk.advanceTo(tick);
      const stepPpm = ((price - previous) * 1_000_000n) / previous;
      expect(stepPpm >= -1_000n && stepPpm <= 1_000n).toBe(true);
      if (price !== previous) moved++;
      previous = price;
    }
    expect(moved).toBeGreaterThan(1_900);
    expect(new RandomWalk('seed', 'ETH/USD', 300_000_000_000n, 1_000).advanceTo(2_000)).toBe(previous);
  });

  it('ticks with time when tickMs is set', async () => {
    const clock = manualClock();
    const simulator = await startPriceSimulator({
      seed: 1,
      pairs: [{ pair: 'ETH/USD', initialPrice: '3000' }],
      tickMs: 1_000,
      now: clock.now,
    });
    try {
      expect(simulator.control.tick()).toBe(0);
      clock.advance(3_500);
      expect(simulator.control.tick()).toBe(3);
      simulator.control.advance(2);
      expect(simulator.control.tick()).toBe(5);
    } finally {
      await simulator.stop();
    }
  });

  it('takes switches over POST /control and shows them in GET /state', async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(clock.now);
    try {
      const post = (body: unknown) =>
        fetch(`${simulator.url}/control`, { method: 'POST', body: JSON.stringify(body) });
      const honest = simulator.control.priceOf('ETH/USD', 'kraken');
      expect((await post({ action: 'pump', venue: 'kraken', pair: 'ETH/USD', factor: 2 })).status).toBe(200);
      expect(simulator.control.priceOf('ETH/USD', 'kraken')).toBe(honest * 2n);
      expect((await post({ action: 'advance', ticks: 7 })).status).toBe(200);
      expect(simulator.control.tick()).toBe(7);
      expect((await post({ action: 'garbage', venue: 'binance', kind: 'oversize' })).status).toBe(200);

      const state = (await (await fetch(`${simulator.url}/state`)).json()) as {
        pairs: { pair: string; venues: { venue: string; faults: Record<string, unknown> }[] }[];
      };
      const eth = state.pairs.find((p) => p.pair === 'ETH/USD')!;
      expect(eth.venues.map((v) => v.faults)).toEqual([{}, { pumpFactor: 2 }, { garbage: 'oversize' }]);

      const refused = await post({ action: 'pump', venue: 'kraken', factor: -1 });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toMatch(/factor/);
      expect((await post({ action: 'explode' })).status).toBe(400);
      expect((await post({ action: 'down', venue: 'bitstamp' })).status).toBe(400);
      expect((await post({ action: 'reset' })).status).toBe(200);
      expect(simulator.control.priceOf('ETH/USD', 'kraken')).not.toBe(honest * 2n);
    } finally {
      await simulator.stop();
    }
  });

  it('serves only the venues asked for', async () => {
    const simulator = await startPriceSimulator({
      seed: 1,
      pairs: [{ pair: 'ETH/USD', initialPrice: '3000' }],
      venues: ['binance'],
    });
    try {
      expect((await fetch(`${simulator.urls.coinbase}/products/ETH-USD/ticker`)).status).toBe(404);
      expect((await fetch(`${simulator.urls.binance}/api/v3/ticker/price?symbol=ETHUSD`)).status).toBe(200);
    } finally {
      await simulator.stop();
    }
  });

  it('stop() leaves no open handles, even with a delayed answer pending', async () => {
    // Sockets, servers and timers: what a simulator could leak. Closed handles leave this list a
    // few event-loop turns after their close, so wait for the earlier tests' to go first.
    const counted = ['TCPServerWrap', 'TCPSocketWrap', 'Timeout'];
    const count = () => {
      const kinds = process.getActiveResourcesInfo();
      return Object.fromEntries(counted.map((kind) => [kind, kinds.filter((k) => k === kind).length]));
    };
    const settle = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await settle(() => count().TCPServerWrap === 0 && count().TCPSocketWrap === 0);
    const before = count();

    const clock = manualClock();
    const simulator = await startTestSimulator(clock.now);
    const feed = ethFeed(simulator, {}, { timeoutMs: 200 });
    await fetchSourceQuote({ source: feed.sources[0]!, decimals: 8, sourceMaxAgeMs: 1_000, now: clock.now });
    simulator.control.slow({}, 30_000);
    const timedOut = fetchSourceQuote({
      source: feed.sources[1]!,
      decimals: 8,
      sourceMaxAgeMs: 1_000,
      now: clock.now,
    });
    await expect(timedOut).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(count().TCPServerWrap).toBe(before.TCPServerWrap! + 1);
    await simulator.stop();
    await simulator.stop(); // idempotent

    await settle(() => counted.every((kind) => count()[kind]! <= before[kind]!));
    for (const kind of counted) expect(count()[kind], kind).toBeLessThanOrEqual(before[kind]!);
  });
});
