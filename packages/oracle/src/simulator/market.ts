import { hashToU32, randomU32, symmetricInt } from './random.ts';

/** The simulator keeps prices with 8 decimals, Bitcoin's satoshi; venues print fewer or as many. */
export const SIMULATOR_DECIMALS = 8;

/** Parts per million in one whole. */
export const PPM = 1_000_000n;

/**
 * One pair's market: a geometric random walk with a bounded step. At each tick the price is
 * multiplied by (10⁶ + s)/10⁶ with s uniform in [−maxStepPpm, maxStepPpm], in bigint
 * fixed-point (floor), never below one unit. The price at tick t is a function of
 * (seed, pair, initial price, maxStepPpm, t) only. Ticks only move forward.
 */
export class RandomWalk {
  readonly #key: number;
  readonly #maxStepPpm: number;
  #tick = 0;
  #price: bigint;

  constructor(seed: string, pair: string, initialPrice: bigint, maxStepPpm: number) {
    if (initialPrice <= 0n) throw new Error(`assertion failed: initial price ${initialPrice} ≤ 0`);
    this.#key = hashToU32(`${seed}\u0000walk\u0000${pair}`);
    this.#maxStepPpm = maxStepPpm;
    this.#price = initialPrice;
  }

  get tick(): number {
    return this.#tick;
  }

  get price(): bigint {
    return this.#price;
  }

  /** Advances to `tick` (no-op if already there or past it) and returns the price there. */
  advanceTo(tick: number): bigint {
    while (this.#tick < tick) {
      this.#tick += 1;
      const stepPpm = symmetricInt(randomU32(this.#key, this.#tick), this.#maxStepPpm);
      const next = (this.#price * (PPM + BigInt(stepPpm))) / PPM;
      this.#price = next < 1n ? 1n : next;
    }
    return this.#price;
  }
}

/**
 * Each honest venue quotes the market with its own small deviation (venues never agree to the
 * last digit): uniform in [−spreadPpm, spreadPpm], drawn per (seed, pair, venue, tick).
 */
export function venueQuote(
  marketPrice: bigint,
  seed: string,
  pair: string,
  venue: string,
  tick: number,
  spreadPpm: number,
): bigint {
  const key = hashToU32(`${seed}\u0000spread\u0000${pair}\u0000${venue}`);
  const offsetPpm = symmetricInt(randomU32(key, tick), spreadPpm);
  const quoted = (marketPrice * (PPM + BigInt(offsetPpm))) / PPM;
  return quoted < 1n ? 1n : quoted;
}
