import type { Clock } from '../sources/types.ts';

/** The venues the simulator speaks: the source kinds, each under its own path prefix. */
export type SimulatedVenue = 'coinbase' | 'kraken' | 'binance';

export const SIMULATED_VENUES: readonly SimulatedVenue[] = ['coinbase', 'kraken', 'binance'];

export interface SimulatedPairOptions {
  /** `ETH/USD`. */
  pair: string;
  /** Decimal string, e.g. `"3000.00"`. */
  initialPrice: string;
  /**
   * Market names per venue. Defaults from `BASE/QUOTE`: Coinbase `BASE-QUOTE`, Kraken and
   * Binance `BASEQUOTE`.
   */
  symbols?: Partial<Record<SimulatedVenue, string>>;
  /** The key Kraken files the answer under (`XXBTZUSD` for `XBTUSD`). Default: the Kraken symbol. */
  krakenResultKey?: string;
}

/** What a `garbage` switch makes a venue answer (all with HTTP 200). */
export type GarbageKind =
  /** An HTML error page: MALFORMED. */
  | 'not-json'
  /** The ticker without its price field: MALFORMED. */
  | 'missing-field'
  /** The ticker of another market (Binance `symbol`, Kraken result key); Coinbase, whose answer names no market, sends a `time` that is not RFC 3339 instead: MALFORMED. */
  | 'wrong-symbol'
  /** The price in exponent notation (`3.0001e3`): MALFORMED. */
  | 'exponent'
  /** A negative price: ABSURD. */
  | 'negative'
  /** A zero price: ABSURD. */
  | 'zero'
  /** A price of 10^20: ABSURD. */
  | 'absurd'
  /** A valid ticker padded past 128 KiB, sent chunked (no content-length): TOO_LARGE. */
  | 'oversize';

export const GARBAGE_KINDS: readonly GarbageKind[] = [
  'not-json',
  'missing-field',
  'wrong-symbol',
  'exponent',
  'negative',
  'zero',
  'absurd',
  'oversize',
];

/** Which sources a switch applies to: one venue, one pair, both, or (empty) every source. */
export interface SourceSelector {
  venue?: SimulatedVenue;
  pair?: string;
}

/** The faults of one (venue, pair) source. */
export interface SourceFaults {
  /** Multiplier on the venue's price, in ppm (1.2 → 1_200_000). */
  pumpPpm?: bigint;
  /** Frozen at this tick's price and this venue time. */
  frozen?: { price: bigint; timeMs: number; tick: number };
  garbage?: GarbageKind;
  delayMs?: number;
  down?: boolean;
}

export interface SimulatorControl {
  /** Multiplies the selected sources' prices by `factor` (> 0, ≤ 1000): a thin-market pump. */
  pump(selector: SourceSelector, factor: number): void;
  /** The selected sources keep their current price and venue time (Coinbase turns STALE). */
  freeze(selector: SourceSelector): void;
  /** The selected sources answer garbage of the given kind (default `not-json`). */
  garbage(selector: SourceSelector, kind?: GarbageKind): void;
  /** The selected sources answer after `delayMs` (0 clears). */
  slow(selector: SourceSelector, delayMs: number): void;
  /** The selected sources answer HTTP 500. */
  down(selector: SourceSelector): void;
  /** Clears every fault of the selected sources (all, by default); frozen ones jump to the market. */
  reset(selector?: SourceSelector): void;
  /**
   * Moves the pair's market (true) price by `factor` from now on, on every venue: 0.7 = a 30%
   * crash, 1.5 = a 50% spike (in [0.001, 1000]; crashes compound). Not a venue fault: `reset`
   * keeps it, the walk goes on from the new level, frozen sources keep their frozen price.
   */
  crash(pair: string, factor: number): void;
  /** Moves the market `ticks` ticks forward (on top of `tickMs` time-driven ticks). */
  advance(ticks?: number): void;
  /** The current market tick. */
  tick(): number;
  /** The price (8 decimals) the venue serves for the pair now, faults included. */
  priceOf(pair: string, venue: SimulatedVenue): bigint;
  /** The market price (8 decimals) of the pair now, before venue spread and faults. */
  marketPrice(pair: string): bigint;
  /** A JSON-ready snapshot (also `GET /state`). */
  state(): SimulatorState;
}

export interface SimulatorState {
  seed: string;
  tick: number;
  pairs: {
    pair: string;
    marketPrice: string;
    /** The product of the `crash` factors, when not 1. */
    crashFactor?: number;
    venues: { venue: SimulatedVenue; symbol: string; price: string; faults: Record<string, unknown> }[];
  }[];
}

export interface PriceSimulatorOptions {
  /** Seeds the random walks and venue spreads: same seed + same tick → same prices. */
  seed: number | string;
  pairs: readonly SimulatedPairOptions[];
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default `127.0.0.1`: the simulator is for local tests and testnets only. */
  host?: string;
  /** Venues served. Default all three. */
  venues?: readonly SimulatedVenue[];
  /** One market tick per `tickMs` of `now` since start; 0 for `control.advance` only. Default 1,000. */
  tickMs?: number;
  /** Largest step of the walk per tick, in ppm. Default 1,000 (0.1%). */
  maxStepPpm?: number;
  /** Largest deviation of an honest venue from the market, in ppm. Default 200 (0.02%). */
  spreadPpm?: number;
  /** Default `Date.now`. Drives ticks and Coinbase `time`. */
  now?: Clock;
}

export interface PriceSimulator {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Base URL per venue (`${url}/coinbase`, ...): a source's `baseUrl`. */
  urls: Record<SimulatedVenue, string>;
  port: number;
  control: SimulatorControl;
  /** Closes the server and every connection, and cancels delayed answers. */
  stop(): Promise<void>;
}
