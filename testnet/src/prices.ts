/**
 * "Prices within the honest range" (issue #9 §4), for the byzantine end-to-end tests: the honest
 * nodes' own observations are sampled from `synod_status` (oracle[].observation) while the
 * testnet runs, and every finalized price is checked against the observations the honest nodes
 * could have signed into the extensions it was computed from (those current around its block time).
 * Pure: samples and blocks in, violations out.
 */

/** One honest node's observation of one feed, as synod_status reported it. */
export interface ObservationSample {
  node: number;
  feedId: string;
  /** When the node's observer produced it (its observation.observedAtMs). */
  observedAtMs: number;
  price: bigint;
  /** When the test read it. */
  sampledAtMs: number;
}

/** A finalized price and the time of its block. */
export interface FinalizedPriceSample {
  height: number;
  blockTimeMs: number;
  feedId: string;
  answer: bigint;
}

export interface PriceRangeOptions {
  /**
   * Extensions are signed around the block time (it is their lower median): observations current
   * from `beforeMs` before it to `afterMs` after it count as possibly signed.
   */
  beforeMs: number;
  afterMs: number;
  /** Slack in basis points on both ends: a sample the test missed moves the edge by one tick at most. */
  toleranceBps: bigint;
}

export const DEFAULT_PRICE_RANGE: PriceRangeOptions = { beforeMs: 3_000, afterMs: 1_000, toleranceBps: 10n };

export interface PriceCheck {
  /** Prices whose window the samples cover, checked. */
  checked: number;
  /** Prices outside every honest observation of their window, for the failure message. */
  violations: string[];
}

/**
 * The honest observations of `feedId` current at some time in [fromMs, toMs]; undefined when
 * some node's samples do not cover the window (its observation at fromMs or its last sample
 * before toMs is unknown).
 */
export function honestRange(
  samples: readonly ObservationSample[],
  nodes: readonly number[],
  feedId: string,
  fromMs: number,
  toMs: number,
): { min: bigint; max: bigint } | undefined {
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (const node of nodes) {
    const own = samples.filter((sample) => sample.node === node && sample.feedId === feedId);
    if (own.length === 0 || Math.max(...own.map((sample) => sample.sampledAtMs)) < toMs) return undefined;
    const byTime = new Map<number, bigint>();
    for (const sample of own) byTime.set(sample.observedAtMs, sample.price);
    const sequence = [...byTime].sort((a, b) => a[0] - b[0]);
    if (sequence[0]![0] > fromMs) return undefined;
    sequence.forEach(([observedAtMs, price], i) => {
      const next = sequence[i + 1];
      if (observedAtMs > toMs || (next !== undefined && next[0] <= fromMs)) return;
      if (min === undefined || price < min) min = price;
      if (max === undefined || price > max) max = price;
    });
  }
  return min === undefined || max === undefined ? undefined : { min, max };
}

/** Checks every finalized price against the honest observations around its block time. */
export function checkHonestPrices(
  finalized: readonly FinalizedPriceSample[],
  samples: readonly ObservationSample[],
  honestNodes: readonly number[],
  options: PriceRangeOptions = DEFAULT_PRICE_RANGE,
): PriceCheck {
  let checked = 0;
  const violations: string[] = [];
  for (const price of finalized) {
    const range = honestRange(
      samples,
      honestNodes,
      price.feedId,
      price.blockTimeMs - options.beforeMs,
      price.blockTimeMs + options.afterMs,
    );
    if (range === undefined) continue;
    checked++;
    const low = range.min - (range.min * options.toleranceBps) / 10_000n;
    const high = range.max + (range.max * options.toleranceBps) / 10_000n;
    if (price.answer < low || price.answer > high) {
      violations.push(
        `height ${price.height} feed ${price.feedId.slice(0, 10)}…: ${price.answer} outside the honest [${range.min}, ${range.max}]`,
      );
    }
  }
  return { checked, violations };
}
