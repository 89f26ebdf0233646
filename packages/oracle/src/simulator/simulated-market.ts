import { formatFixedPoint, parseDecimalPrice } from '../sources/decimal.ts';
import type { SourceError } from '../sources/errors.ts';
import type { Clock } from '../sources/types.ts';
import { serverErrorAnswer, tickerAnswer, unknownSymbolAnswer, type VenueAnswer } from './formats.ts';
import { PPM, RandomWalk, SIMULATOR_DECIMALS, venueQuote } from './market.ts';
import {
  GARBAGE_KINDS,
  type GarbageKind,
  SIMULATED_VENUES,
  type SimulatedPairOptions,
  type SimulatedVenue,
  type SimulatorControl,
  type SimulatorState,
  type SourceFaults,
  type SourceSelector,
} from './types.ts';

/** Defaults of the simulated market; see `PriceSimulatorOptions`. */
export const DEFAULT_SIMULATOR_TICK_MS = 1_000;
export const DEFAULT_SIMULATOR_MAX_STEP_PPM = 1_000;
export const DEFAULT_SIMULATOR_SPREAD_PPM = 200;
/** Pairs per simulator: bounds the state and the `/state` answer. */
export const MAX_SIMULATED_PAIRS = 64;
/** Longest `slow` delay: one minute, past every source timeout. */
export const MAX_SIMULATOR_DELAY_MS = 60_000;
/** Largest pump factor: 1000×, far past any circuit breaker bound. */
const MAX_PUMP_FACTOR = 1_000;
/** Largest `crash` factor (a spike of 1000×); the smallest is 1/1000 (a 99.9% crash). */
const MAX_CRASH_FACTOR = 1_000;
/** Largest `advance` in one call: bounds the walk's work per control request. */
const MAX_ADVANCE_TICKS = 1_000_000;

interface PairState {
  pair: string;
  walk: RandomWalk;
  symbols: Record<SimulatedVenue, string>;
  krakenResultKey: string;
  faults: Map<SimulatedVenue, SourceFaults>;
  /** The market level set by `crash`: the walk's price × levelPpm / 10⁶ (10⁶ = no crash). */
  levelPpm: bigint;
}

export interface SimulatedMarketOptions {
  seed: string;
  pairs: readonly SimulatedPairOptions[];
  venues: readonly SimulatedVenue[];
  tickMs: number;
  maxStepPpm: number;
  spreadPpm: number;
  now: Clock;
}

/**
 * The simulator's market and its fault switches, without the HTTP server: what each venue
 * answers for each request. Deterministic given the seed, the tick and the switches.
 */
export class SimulatedMarket implements SimulatorControl {
  readonly seed: string;
  readonly venues: readonly SimulatedVenue[];
  readonly #options: SimulatedMarketOptions;
  readonly #pairs = new Map<string, PairState>();
  /** Per venue, market name (and Kraken result key) → pair. */
  readonly #bySymbol = new Map<SimulatedVenue, Map<string, PairState>>();
  readonly #startMs: number;
  #manualTicks = 0;

  constructor(options: SimulatedMarketOptions) {
    this.#options = options;
    this.seed = options.seed;
    this.venues = options.venues;
    check(
      options.pairs.length >= 1 && options.pairs.length <= MAX_SIMULATED_PAIRS,
      `1..${MAX_SIMULATED_PAIRS} pairs`,
    );
    check(
      options.venues.length >= 1 && options.venues.every((v) => SIMULATED_VENUES.includes(v)),
      'unknown venue',
    );
    check(Number.isSafeInteger(options.tickMs) && options.tickMs >= 0, 'tickMs must be an integer ≥ 0');
    check(isIntegerIn(options.maxStepPpm, 0, 100_000), 'maxStepPpm must be an integer in 0..100000 (10%)');
    check(isIntegerIn(options.spreadPpm, 0, 100_000), 'spreadPpm must be an integer in 0..100000 (10%)');
    for (const venue of SIMULATED_VENUES) this.#bySymbol.set(venue, new Map());
    for (const pairInit of options.pairs) {
      const { pair } = pairInit;
      const [base, quote] = pair.split('/');
      check(
        base !== undefined && quote !== undefined && base !== '' && quote !== '',
        `pair ${pair} is not BASE/QUOTE`,
      );
      check(!this.#pairs.has(pair), `pair ${pair} twice`);
      let initialPrice: bigint;
      try {
        initialPrice = parseDecimalPrice(pairInit.initialPrice, SIMULATOR_DECIMALS);
      } catch (error) {
        throw new Error(
          `pair ${pair}: initialPrice ${pairInit.initialPrice}: ${(error as SourceError).detail}`,
        );
      }
      const symbols: Record<SimulatedVenue, string> = {
        coinbase: pairInit.symbols?.coinbase ?? `${base}-${quote}`,
        kraken: pairInit.symbols?.kraken ?? `${base}${quote}`,
        binance: pairInit.symbols?.binance ?? `${base}${quote}`,
      };
      const state: PairState = {
        pair,
        walk: new RandomWalk(options.seed, pair, initialPrice, options.maxStepPpm),
        symbols,
        krakenResultKey: pairInit.krakenResultKey ?? symbols.kraken,
        faults: new Map(),
        levelPpm: PPM,
      };
      this.#pairs.set(pair, state);
      for (const venue of SIMULATED_VENUES) {
        const names = venue === 'kraken' ? [symbols.kraken, state.krakenResultKey] : [symbols[venue]];
        for (const name of names) {
          const taken = this.#bySymbol.get(venue)!.get(name);
          check(taken === undefined || taken === state, `${venue} symbol ${name} names two pairs`);
          this.#bySymbol.get(venue)!.set(name, state);
        }
      }
    }
    this.#startMs = options.now();
  }

  /** The answer of `venue` to a ticker request for `symbol`, and how long to wait before it. */
  answer(venue: SimulatedVenue, symbol: string): { answer: VenueAnswer; delayMs: number } {
    const state = this.#bySymbol.get(venue)?.get(symbol);
    if (state === undefined) return { answer: unknownSymbolAnswer(venue), delayMs: 0 };
    const faults = state.faults.get(venue) ?? {};
    const delayMs = faults.delayMs ?? 0;
    if (faults.down === true) return { answer: serverErrorAnswer(), delayMs };
    const tick = this.tick();
    const price = this.#venuePrice(state, venue, tick);
    const answer = tickerAnswer({
      venue,
      symbol: state.symbols[venue],
      resultKey: state.krakenResultKey,
      price,
      timeMs: faults.frozen?.timeMs ?? this.#options.now(),
      tradeId: (faults.frozen?.tick ?? tick) + 1,
      garbage: faults.garbage,
    });
    return { answer, delayMs };
  }

  tick(): number {
    const { tickMs, now } = this.#options;
    const timeTicks = tickMs > 0 ? Math.max(0, Math.floor((now() - this.#startMs) / tickMs)) : 0;
    return this.#manualTicks + timeTicks;
  }

  advance(ticks = 1): void {
    check(isIntegerIn(ticks, 0, MAX_ADVANCE_TICKS), `ticks must be an integer in 0..${MAX_ADVANCE_TICKS}`);
    this.#manualTicks += ticks;
  }

  marketPrice(pair: string): bigint {
    return this.#marketAt(this.#pair(pair), this.tick());
  }

  crash(pair: string, factor: number): void {
    check(
      Number.isFinite(factor) && factor >= 1 / MAX_CRASH_FACTOR && factor <= MAX_CRASH_FACTOR,
      `crash factor must be in [${1 / MAX_CRASH_FACTOR}, ${MAX_CRASH_FACTOR}]`,
    );
    const state = this.#pair(pair);
    const next = (state.levelPpm * BigInt(Math.round(factor * 1e6))) / PPM;
    check(next >= 1n, 'the crash leaves the market level at 0');
    state.levelPpm = next;
  }

  priceOf(pair: string, venue: SimulatedVenue): bigint {
    return this.#venuePrice(this.#pair(pair), venue, this.tick());
  }

  pump(selector: SourceSelector, factor: number): void {
    check(
      Number.isFinite(factor) && factor > 0 && factor <= MAX_PUMP_FACTOR,
      `factor must be in (0, ${MAX_PUMP_FACTOR}]`,
    );
    const pumpPpm = BigInt(Math.round(factor * 1e6));
    check(pumpPpm >= 1n, 'factor rounds to 0 ppm');
    this.#update(selector, (faults) => {
      faults.pumpPpm = pumpPpm;
    });
  }

  freeze(selector: SourceSelector): void {
    const tick = this.tick();
    const timeMs = this.#options.now();
    this.#update(selector, (faults, state, venue) => {
      if (faults.frozen !== undefined) return;
      faults.frozen = { price: this.#honestPrice(state, venue, tick), timeMs, tick };
    });
  }

  garbage(selector: SourceSelector, kind: GarbageKind = 'not-json'): void {
    check(GARBAGE_KINDS.includes(kind), `garbage kind must be one of ${GARBAGE_KINDS.join(', ')}`);
    this.#update(selector, (faults) => {
      faults.garbage = kind;
    });
  }

  slow(selector: SourceSelector, delayMs: number): void {
    check(
      isIntegerIn(delayMs, 0, MAX_SIMULATOR_DELAY_MS),
      `delayMs must be an integer in 0..${MAX_SIMULATOR_DELAY_MS}`,
    );
    this.#update(selector, (faults) => {
      if (delayMs === 0) delete faults.delayMs;
      else faults.delayMs = delayMs;
    });
  }

  down(selector: SourceSelector): void {
    this.#update(selector, (faults) => {
      faults.down = true;
    });
  }

  reset(selector: SourceSelector = {}): void {
    this.#update(selector, (faults) => {
      for (const key of Object.keys(faults)) delete faults[key as keyof SourceFaults];
    });
  }

  state(): SimulatorState {
    const tick = this.tick();
    return {
      seed: this.seed,
      tick,
      pairs: [...this.#pairs.values()].map((state) => ({
        pair: state.pair,
        marketPrice: formatFixedPoint(this.#marketAt(state, tick), SIMULATOR_DECIMALS),
        ...(state.levelPpm === PPM ? {} : { crashFactor: Number(state.levelPpm) / 1e6 }),
        venues: this.venues.map((venue) => {
          const faults = state.faults.get(venue) ?? {};
          const shown: Record<string, unknown> = {};
          if (faults.pumpPpm !== undefined) shown.pumpFactor = Number(faults.pumpPpm) / 1e6;
          if (faults.frozen !== undefined) shown.frozenAtTick = faults.frozen.tick;
          if (faults.garbage !== undefined) shown.garbage = faults.garbage;
          if (faults.delayMs !== undefined) shown.delayMs = faults.delayMs;
          if (faults.down === true) shown.down = true;
          return {
            venue,
            symbol: state.symbols[venue],
            price: formatFixedPoint(this.#venuePrice(state, venue, tick), SIMULATOR_DECIMALS),
            faults: shown,
          };
        }),
      })),
    };
  }

  /** The market price at `tick`: the walk's, times the crash level. */
  #marketAt(state: PairState, tick: number): bigint {
    const price = (state.walk.advanceTo(tick) * state.levelPpm) / PPM;
    return price < 1n ? 1n : price;
  }

  /** The venue's price without faults. */
  #honestPrice(state: PairState, venue: SimulatedVenue, tick: number): bigint {
    const market = this.#marketAt(state, tick);
    return venueQuote(market, this.seed, state.pair, venue, tick, this.#options.spreadPpm);
  }

  #venuePrice(state: PairState, venue: SimulatedVenue, tick: number): bigint {
    const faults = state.faults.get(venue);
    const honest = faults?.frozen?.price ?? this.#honestPrice(state, venue, tick);
    if (faults?.pumpPpm === undefined) return honest;
    const pumped = (honest * faults.pumpPpm) / PPM;
    return pumped < 1n ? 1n : pumped;
  }

  #pair(pair: string): PairState {
    const state = this.#pairs.get(pair);
    check(state !== undefined, `unknown pair ${pair}`);
    return state;
  }

  #update(
    selector: SourceSelector,
    apply: (faults: SourceFaults, state: PairState, venue: SimulatedVenue) => void,
  ): void {
    check(
      selector.venue === undefined || this.venues.includes(selector.venue),
      `venue ${selector.venue} is not served`,
    );
    const pairs = selector.pair === undefined ? [...this.#pairs.values()] : [this.#pair(selector.pair)];
    const venues = selector.venue === undefined ? this.venues : [selector.venue];
    for (const state of pairs) {
      for (const venue of venues) {
        const faults = state.faults.get(venue) ?? {};
        apply(faults, state, venue);
        if (Object.keys(faults).length === 0) state.faults.delete(venue);
        else state.faults.set(venue, faults);
      }
    }
  }
}

/** Invalid simulator configuration or control input: a plain Error (the simulator is a test tool). */
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`price simulator: ${message}`);
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
