// The page's arithmetic, free of the DOM so that it runs (and is tested) in Node as well:
// percentiles, the fairness table, the price range check, L1 ABI words, formatting.

import type { RpcBlockOrdering } from '@synod/protocol/pure';
import type { Hex } from './types.ts';

/** Nearest-rank percentile (p in 0..100) of `values`; undefined when empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Keeps the points of the last `spanMs` (by their time), in time order whatever order they
 * arrive in (a backfill runs while new blocks arrive), for live charts.
 */
export class TimeWindow<T extends { atMs: number }> {
  readonly #spanMs: number;
  readonly #points: T[] = [];
  constructor(spanMs: number) {
    this.#spanMs = spanMs;
  }
  push(point: T): void {
    let at = this.#points.length;
    while (at > 0 && this.#points[at - 1]!.atMs > point.atMs) at--;
    this.#points.splice(at, 0, point);
    const oldest = this.#points.at(-1)!.atMs - this.#spanMs;
    while (this.#points.length > 0 && this.#points[0]!.atMs < oldest) this.#points.shift();
  }
  get points(): readonly T[] {
    return this.#points;
  }
}

/** synod_getBlockOrdering's answer (docs/rpc.md), the wire type the node and the SDK share. */
export type BlockOrdering = RpcBlockOrdering;

export interface FairnessCell {
  /** firstSeen − fair timestamp, ms; undefined when this validator did not report it. */
  offsetMs: number | undefined;
  /** This report is the (f+1)-th earliest: the one that set the fair timestamp. */
  decisive: boolean;
}

export interface FairnessRow {
  position: number;
  txId: Hex;
  sender: Hex;
  nonce: string;
  source: 'fair' | 'revealed';
  fairTimestampMs: number;
  /** effective − fair: how long a lower nonce of the same sender held it back (0 mostly). */
  heldBackMs: number;
  /** By validator index, one per column of `fairnessTable().validators`. */
  cells: FairnessCell[];
  reports: number;
}

/**
 * The fairness view of a block: a row per transaction in block order, a column per validator
 * whose extension the block derives from, each cell the validator's first-seen time relative to
 * the transaction's fair timestamp. The decisive cell is the (f+1)-th earliest report, the one
 * the fair timestamp equals (docs/consensus.md "Fair block content").
 */
export function fairnessTable(ordering: BlockOrdering): { validators: number[]; rows: FairnessRow[] } {
  const validators = ordering.validators.map((v) => v.validatorIndex).sort((a, b) => a - b);
  const rows = ordering.transactions.map((tx): FairnessRow => {
    const byValidator = new Map(tx.firstSeen.map((report) => [report.validatorIndex, report.firstSeenMs]));
    const sorted = tx.firstSeen.map((report) => report.firstSeenMs).sort((a, b) => a - b);
    const f = ordering.faultTolerance;
    const decisiveValue = tx.source === 'fair' ? sorted[f] : undefined;
    // Several validators can report the same time: only the first of them in index order is marked.
    let marked = false;
    const cells = validators.map((index): FairnessCell => {
      const seen = byValidator.get(index);
      if (seen === undefined) return { offsetMs: undefined, decisive: false };
      const decisive = !marked && seen === decisiveValue;
      if (decisive) marked = true;
      return { offsetMs: seen - tx.fairTimestampMs, decisive };
    });
    return {
      position: tx.index,
      txId: tx.txId,
      sender: tx.sender,
      nonce: tx.nonce,
      source: tx.source,
      fairTimestampMs: tx.fairTimestampMs,
      heldBackMs: tx.effectiveTimestampMs - tx.fairTimestampMs,
      cells,
      reports: tx.firstSeen.length,
    };
  });
  return { validators, rows };
}

/** Submission-to-finality estimate of each fair transaction: the earliest first-seen report to `finalizedAtMs`. */
export function finalityLatencies(ordering: BlockOrdering, finalizedAtMs: number): number[] {
  const latencies: number[] = [];
  for (const tx of ordering.transactions) {
    if (tx.firstSeen.length === 0) continue;
    const first = Math.min(...tx.firstSeen.map((report) => report.firstSeenMs));
    latencies.push(Math.max(0, finalizedAtMs - first));
  }
  return latencies;
}

/** An observation's distance from the block's median, in basis points to 0.01 (bigint arithmetic, truncated); undefined without a median. */
export function deviationBps(price: string, median: string | null): number | undefined {
  if (median === null || BigInt(median) === 0n) return undefined;
  return Number(((BigInt(price) - BigInt(median)) * 1_000_000n) / BigInt(median)) / 100;
}

/** Observations further than this from the median are flagged on the page (the testnet's manipulator moves them 4%). */
export const OUTLIER_BPS = 100;

/**
 * How the page shows an observation: 'outlier' when more than OUTLIER_BPS from the median;
 * else 'trimmed' when outside [low, high] (an extreme the median ignores, normal for honest
 * spread); else 'inside'. 'unknown' without a median.
 */
export function observationPlace(
  price: string,
  feed: { median: string | null; low: string | null; high: string | null },
): 'inside' | 'trimmed' | 'outlier' | 'unknown' {
  const deviation = deviationBps(price, feed.median);
  if (deviation === undefined || feed.low === null || feed.high === null) return 'unknown';
  if (Math.abs(deviation) > OUTLIER_BPS) return 'outlier';
  const value = BigInt(price);
  return value < BigInt(feed.low) || value > BigInt(feed.high) ? 'trimmed' : 'inside';
}

/** The lowest and highest observation of a block's feed, undefined when none. */
export function observedSpread(
  observations: readonly { price: string }[],
): { min: string; max: string } | undefined {
  if (observations.length === 0) return undefined;
  let min = BigInt(observations[0]!.price);
  let max = min;
  for (const { price } of observations) {
    const value = BigInt(price);
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min: min.toString(), max: max.toString() };
}

/** A fixed-point decimal string as a number (for charts and display; precision ≈ 15 digits). */
export function scaled(answer: string, decimals: number): number {
  const value = BigInt(answer);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(decimals);
  const whole = Number(abs / unit);
  const fraction = Number(abs % unit) / Number(unit);
  return (negative ? -1 : 1) * (whole + fraction);
}

// ---------------------------------------------------------------------------------------------
// L1: the few view calls the page makes, ABI-encoded by hand (no arguments; static returns).

/** 4-byte selectors (test/model.test.ts checks them against viem's toFunctionSelector). */
export const SELECTORS = {
  latestHeight: '0xe405bbc3',
  latestRoundData: '0xfeaf968c',
  decimals: '0x313ce567',
  lastSettledHeight: '0xdfa80a62',
} as const;

/** The 32-byte word `index` of an ABI-encoded return value, as an unsigned bigint. */
export function abiWord(data: string, index: number): bigint {
  const hex = data.startsWith('0x') ? data.slice(2) : data;
  const word = hex.slice(index * 64, (index + 1) * 64);
  if (word.length !== 64) throw new Error(`ABI return too short: word ${index} of ${hex.length / 2} bytes`);
  return BigInt(`0x${word}`);
}

/** The word as a two's-complement int256. */
export function abiSignedWord(data: string, index: number): bigint {
  const value = abiWord(data, index);
  return value >= 1n << 255n ? value - (1n << 256n) : value;
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function shortHex(hex: string, head = 6, tail = 4): string {
  return hex.length <= 2 + head + tail ? hex : `${hex.slice(0, 2 + head)}…${hex.slice(-tail)}`;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}

export function formatOffset(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms === 0 ? '±0' : `${ms > 0 ? '+' : '−'}${formatMs(Math.abs(ms))}`;
}

export function formatNumber(value: number, digits = 2): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Text for HTML: the page builds its markup from strings, every value through this. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
