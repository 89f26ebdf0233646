import {
  createFeedSourceConfig,
  type FeedSourceConfig,
  type FeedSourceConfigInput,
  type SourceConfigInput,
} from '../src/index.ts';
import { type PriceSimulator, startPriceSimulator } from '../src/simulator/index.ts';
import { ETH } from './helpers.ts';

export const SEED = 20_240_601;
export const START_MS = 1_700_000_000_000;

/** A clock tests move by hand, shared by the simulator (Coinbase `time`) and the sources. */
export function manualClock(startMs = START_MS): { now: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

/** The simulator on 127.0.0.1 with ETH/USD and BTC/USD, market moved by `control.advance` only. */
export function startTestSimulator(now: () => number, seed: number | string = SEED): Promise<PriceSimulator> {
  return startPriceSimulator({
    seed,
    pairs: [
      { pair: 'ETH/USD', initialPrice: '3000.00' },
      // Kraken files XBTUSD under XXBTZUSD, as the real one does.
      {
        pair: 'BTC/USD',
        initialPrice: '60000.00',
        symbols: { kraken: 'XBTUSD', binance: 'BTCUSDT' },
        krakenResultKey: 'XXBTZUSD',
      },
    ],
    tickMs: 0,
    now,
  });
}

/** One source per venue of the simulator for ETH/USD. */
export function ethSources(
  simulator: PriceSimulator,
  overrides: Partial<SourceConfigInput> = {},
): SourceConfigInput[] {
  return [
    { id: 'coinbase', kind: 'coinbase', baseUrl: simulator.urls.coinbase, symbol: 'ETH-USD', ...overrides },
    { id: 'kraken', kind: 'kraken', baseUrl: simulator.urls.kraken, symbol: 'ETHUSD', ...overrides },
    { id: 'binance', kind: 'binance', baseUrl: simulator.urls.binance, symbol: 'ETHUSD', ...overrides },
  ];
}

/** ETH/USD at 8 decimals from the simulator's three venues. */
export function ethFeed(
  simulator: PriceSimulator,
  overrides: Partial<FeedSourceConfigInput> = {},
  sourceOverrides: Partial<SourceConfigInput> = {},
): FeedSourceConfig {
  return createFeedSourceConfig({
    feedId: ETH,
    decimals: 8,
    pair: 'ETH/USD',
    sources: ethSources(simulator, sourceOverrides),
    ...overrides,
  });
}
