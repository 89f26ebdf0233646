// A Mango-style pump (issue #14 item 5): an attacker holding a long pumps one venue of its market
// (the price simulator's "pump", ×2 on Kraken) and a byzantine validator reports the pumped price
// as its observation. The prices come out of the real oracle path: each validator's observation
// is the oracle's source aggregation over the simulator's three venues (observeFeed: HTTP, the
// venue adapters, the median of sources), and each block's price is the node's content function
// (deriveBlockContent: aggregatePrices, the median of ≥ 2f+1 extensions, breaker and staleness),
// for every choice of 2f+1 extensions a proposer could make. The attacker's close is then settled
// on anvil at the certified price (harness: the model compared with L1 after every call) and
// compared with the same run without the pump.
import type { FeedPrice, SignedVoteExtension } from '@synod/protocol';
import { keccak256, toHex } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyBlock,
  ChainState,
  type ContentContext,
  deriveBlockContent,
} from '../../node/src/consensus/content.ts';
import { createFeedSourceConfig, createObserver, type Observer } from '../../oracle/src/index.ts';
import { type PriceSimulator, startPriceSimulator } from '../../oracle/src/simulator/index.ts';
import { accountView } from '../src/model/index.ts';
import { marketConfig, PerpsHarness, traders, USD } from './helpers/harness.ts';

const ETH_USD = keccak256(toHex('ETH/USD'));
const PAIR = 'ETH/USD';
const SIZE = 2n * 10n ** 8n; // the attacker's long: 2 ETH
const SCALE = 10n ** 10n;
const VALIDATORS = 4; // f = 1
const BYZANTINE = 3;
const [lp, attacker] = [traders[0]!, traders[1]!];

interface Height {
  /** The block's certified ETH/USD price. */
  price: bigint;
  /** The venues not pumped, as they quote at this tick: the honest range. */
  honestLow: bigint;
  honestHigh: bigint;
  /** What the pumped venue quotes. */
  kraken: bigint;
}

interface Run {
  heights: Height[];
  realizedPnl: bigint;
  /** The attacker's claimable balance after closing and withdrawing everything. */
  paidOut: bigint;
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map((stop) => stop()));
});

/**
 * The oracle for a 4-validator network fed by one price simulator: three honest validators
 * observe the simulator's venues through the oracle's sources, the fourth reports whatever
 * Kraken quotes (pumped or not). `next()` moves the market one tick and derives the next block.
 */
async function startOracle(spreadPpm: number | undefined) {
  let nowMs = 1_700_000_000_000;
  const now = () => nowMs;
  const simulator: PriceSimulator = await startPriceSimulator({
    seed: 'synod perps pump',
    pairs: [{ pair: PAIR, initialPrice: '3000.00' }],
    tickMs: 0,
    now,
    ...(spreadPpm === undefined ? {} : { spreadPpm }),
  });
  cleanup.push(() => simulator.stop());
  const feed = createFeedSourceConfig({
    feedId: ETH_USD,
    decimals: 8,
    pair: PAIR,
    sources: [
      { id: 'coinbase', kind: 'coinbase', baseUrl: simulator.urls.coinbase, symbol: 'ETH-USD' },
      { id: 'kraken', kind: 'kraken', baseUrl: simulator.urls.kraken, symbol: 'ETHUSD' },
      { id: 'binance', kind: 'binance', baseUrl: simulator.urls.binance, symbol: 'ETHUSD' },
    ],
  });
  const observers: Observer[] = Array.from({ length: VALIDATORS - 1 }, () =>
    createObserver({ feeds: [feed], now }),
  );
  const chain = new ChainState();
  const context: ContentContext = {
    domain: { networkId: 7, chainId: 31_337, inbox: `0x${'00'.repeat(20)}` },
    epoch: 0,
    validatorCount: VALIDATORS,
    signerCount: VALIDATORS,
    feeds: [feed],
    genesisTimestampMs: nowMs,
    chain,
    // No transactions here: only the prices of the content function are under test.
    body: () => undefined,
    isAuthentic: () => true,
    verifyExtension: () => true,
  };
  applyBlock(chain, derive([], 0)); // height 1: no previous commit, no prices

  function derive(extensions: SignedVoteExtension[], proposerIndex: number) {
    const result = deriveBlockContent(context, extensions, proposerIndex);
    if (!result.ok) throw new Error(`no content: ${result.reason}`);
    return result.content;
  }

  async function next(): Promise<Height> {
    nowMs += 1_000;
    simulator.control.advance(1);
    const honest = await Promise.all(
      observers.map(async (observer) => {
        await observer.pollOnce();
        return observer.latestObservations();
      }),
    );
    const kraken = simulator.control.priceOf(PAIR, 'kraken');
    const quotes = (['coinbase', 'binance'] as const).map((venue) => simulator.control.priceOf(PAIR, venue));
    const [honestLow, honestHigh] = [...quotes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) as [
      bigint,
      bigint,
    ];
    const extensions: SignedVoteExtension[] = [...honest, [{ feedId: ETH_USD, price: kraken }]].map(
      (prices, validatorIndex) => ({
        networkId: context.domain.networkId,
        height: chain.height,
        round: 0,
        blockId: chain.lastBlockId,
        validatorIndex,
        timestampMs: nowMs,
        inclusionList: [],
        prices,
        signature: new Uint8Array(),
      }),
    );
    // Every honest validator's own observation (the median of its sources) is honest-range.
    for (const observations of honest) {
      expect(observations).toHaveLength(1);
      expect(observations[0]!.price).toBeGreaterThanOrEqual(honestLow);
      expect(observations[0]!.price).toBeLessThanOrEqual(honestHigh);
    }
    // Whatever 2f+1 (or all) extensions the proposer includes, the block's price is honest-range.
    const choices = [
      [0, 1, 2],
      [0, 1, BYZANTINE],
      [0, 2, BYZANTINE],
      [1, 2, BYZANTINE],
      [0, 1, 2, BYZANTINE],
    ];
    for (const choice of choices) {
      const prices: FeedPrice[] = derive(
        choice.map((index) => extensions[index]!),
        chain.height % VALIDATORS,
      ).prices;
      expect(prices, `extensions ${choice}`).toHaveLength(1);
      expect(prices[0]!.answer).toBeGreaterThanOrEqual(honestLow);
      expect(prices[0]!.answer).toBeLessThanOrEqual(honestHigh);
    }
    // The block: a byzantine proposer's choice, the pumper's extension and two honest ones.
    const content = derive(
      [extensions[0]!, extensions[1]!, extensions[BYZANTINE]!],
      chain.height % VALIDATORS,
    );
    applyBlock(chain, content);
    return { price: content.prices[0]!.answer, honestLow, honestHigh, kraken };
  }

  return { simulator, next };
}

/** Open 2 ETH, (pump), close, withdraw: the prices from the oracle, settled on anvil. */
async function run(pump: boolean, spreadPpm?: number): Promise<Run> {
  const oracle = await startOracle(spreadPpm);
  const harness = await PerpsHarness.start({
    markets: [marketConfig(ETH_USD)],
    namespace: 'synod perps pump',
  });
  cleanup.push(() => harness.stop());
  await harness.deposit(lp.address, USD(1_000_000));
  await harness.deposit(attacker.address, USD(10_000));
  const heights: Height[] = [];
  const settle = async (orders: Parameters<PerpsHarness['settle']>[0]) => {
    const height = await oracle.next();
    heights.push(height);
    return await harness.settle(orders, { prices: { [ETH_USD]: height.price } });
  };

  // The position is opened before the pump, at the honest price.
  const opened = await settle([
    { trader: lp, payload: { kind: 'vaultDeposit', amount: USD(1_000_000) } },
    {
      trader: attacker,
      payload: {
        kind: 'order',
        market: 0,
        side: 'buy',
        size: SIZE,
        limitPrice: 10n ** 12n,
        expiry: 2_000_000_000n,
      },
    },
  ]);
  expect(opened.reasons).toEqual([undefined, undefined]);
  // The attacker doubles Kraken's ETH/USD (a thin book), and its validator reports that price.
  if (pump) oracle.simulator.control.pump({ venue: 'kraken', pair: PAIR }, 2);
  // Mango's move: take the pumped value out. Closing realizes the PnL at the block's price …
  const closed = await settle([
    { trader: attacker, payload: { kind: 'close', market: 0, limitPrice: 0n, expiry: 2_000_000_000n } },
  ]);
  expect(closed.reasons).toEqual([undefined]);
  const fill = closed.events.find((event) => event.eventName === 'OrderFilled');
  const realizedPnl = (fill!.args as { realizedPnl: bigint }).realizedPnl;
  // … and all the collateral is withdrawn.
  const collateral = accountView(harness.model, attacker.address).collateral;
  const withdrawn = await settle([{ trader: attacker, payload: { kind: 'withdraw', amount: collateral } }]);
  expect(withdrawn.reasons).toEqual([undefined]);
  const paidOut = accountView(harness.model, attacker.address).claimable;
  expect(await harness.read<bigint>('claimableOf', [attacker.address])).toBe(paidOut);
  return { heights, realizedPnl, paidOut };
}

describe('a Mango-style pump of one venue', () => {
  it('moves no settlement price and makes no profit (venues quoting the market exactly)', async () => {
    const [honest, pumped] = await Promise.all([run(false, 0), run(true, 0)]);
    // The pump is real: Kraken quotes twice the market from the second height on …
    expect(pumped.heights[1]!.kraken).toBe(2n * honest.heights[1]!.kraken);
    // … yet every certified price is the honest one, and so is every account.
    expect(pumped.heights.map((height) => height.price)).toEqual(
      honest.heights.map((height) => height.price),
    );
    for (const height of pumped.heights) expect(height.price).toBe(height.honestLow);
    expect(pumped.realizedPnl).toBe(honest.realizedPnl);
    expect(pumped.paidOut).toBe(honest.paidOut);
    // Had the close settled at Kraken's price, the pump would have paid 2 ETH × the pump.
    const naive = (SIZE * (pumped.heights[1]!.kraken - pumped.heights[0]!.price)) / SCALE;
    expect(naive).toBeGreaterThan(USD(5_000));
  });

  it('moves the settlement price at most within the honest venues’ spread (default simulator spread)', async () => {
    const [honest, pumped] = await Promise.all([run(false), run(true)]);
    expect(pumped.heights[1]!.kraken).toBeGreaterThan((19n * pumped.heights[1]!.honestHigh) / 10n);
    for (const [i, height] of pumped.heights.entries()) {
      // Same seed, same ticks: the honest venues quote the same in both runs.
      expect([height.honestLow, height.honestHigh]).toEqual([
        honest.heights[i]!.honestLow,
        honest.heights[i]!.honestHigh,
      ]);
      expect(height.price).toBeGreaterThanOrEqual(height.honestLow);
      expect(height.price).toBeLessThanOrEqual(height.honestHigh);
    }
    // The pump's gain: at most the position × the honest venues' spread at the close, never
    // anything of the pumped quote.
    const close = pumped.heights[1]!;
    const spreadBound = (SIZE * (close.honestHigh - close.honestLow)) / SCALE + 1n;
    expect(pumped.realizedPnl - honest.realizedPnl).toBeLessThanOrEqual(spreadBound);
    expect(pumped.paidOut - honest.paidOut).toBeLessThanOrEqual(spreadBound);
    expect(spreadBound).toBeLessThan(USD(5));
  });
});
