/**
 * "Prices within the honest range" (issue #9 §4), for the byzantine runs and the fault campaign: the honest
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
  /**
   * Nodes whose samples must cover a price's window for it to be checked (default: all of them).
   * With n − 1 of n honest nodes, the lower median of the extensions still lies within the range
   * of the covered ones whatever the missing node signed: a node down or cut off during a fault
   * leaves a gap in its samples, not a hole in the check.
   */
  minCovered?: number;
  /**
   * A node whose samples leave a gap longer than this anywhere in a price's window does not cover
   * it (default: no limit): the observation it signed may have come and gone in the gap. The
   * observer changes its observation about once a second.
   */
  maxSampleGapMs?: number;
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
  minCovered: number = nodes.length,
  maxSampleGapMs: number = Number.POSITIVE_INFINITY,
): { min: bigint; max: bigint } | undefined {
  let min: bigint | undefined;
  let max: bigint | undefined;
  let covered = 0;
  for (const node of nodes) {
    const own = samples.filter((sample) => sample.node === node && sample.feedId === feedId);
    if (own.length === 0 || Math.max(...own.map((sample) => sample.sampledAtMs)) < toMs) continue;
    // A gap in this node's samples around the window may hide the observation it signed.
    const times = [...new Set(own.map((sample) => sample.sampledAtMs))].sort((a, b) => a - b);
    const before = times.findLastIndex((t) => t <= fromMs);
    const after = times.findIndex((t) => t >= toMs);
    if (before < 0 || after < 0) continue;
    let gapped = false;
    for (let i = before; i < after; i++) if (times[i + 1]! - times[i]! > maxSampleGapMs) gapped = true;
    if (gapped) continue;
    const byTime = new Map<number, bigint>();
    for (const sample of own) byTime.set(sample.observedAtMs, sample.price);
    const sequence = [...byTime].sort((a, b) => a[0] - b[0]);
    if (sequence[0]![0] > fromMs) continue;
    covered++;
    sequence.forEach(([observedAtMs, price], i) => {
      const next = sequence[i + 1];
      if (observedAtMs > toMs || (next !== undefined && next[0] <= fromMs)) return;
      if (min === undefined || price < min) min = price;
      if (max === undefined || price > max) max = price;
    });
  }
  if (covered < minCovered) return undefined;
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
      options.minCovered,
      options.maxSampleGapMs,
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

/** Observation samples the sampler reads from synod_status. */
interface StatusOracle {
  oracle?: { feedId: string; observation: { price: string | null; observedAtMs: number } | null }[];
}

async function rpc<T>(url: string, method: string, params: unknown[] = [], timeoutMs = 5_000): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await response.json()) as { result?: T; error?: { message: string } };
  if (answer.error !== undefined) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result as T;
}

/**
 * Samples the observations of the given nodes (index → RPC URL) from synod_status every
 * `intervalMs` into `samples`, until the returned function is called (it resolves once stopped).
 * Each node is sampled on its own, so a node that does not answer (down, paused, slow under
 * load) leaves a gap in its own samples only.
 */
export function sampleObservations(
  nodes: ReadonlyMap<number, string>,
  samples: ObservationSample[],
  intervalMs = 300,
): () => Promise<void> {
  let running = true;
  const loops = [...nodes].map(async ([index, url]) => {
    while (running) {
      const started = Date.now();
      try {
        const status = await rpc<StatusOracle>(url, 'synod_status', [], Math.max(intervalMs, 1_000));
        const sampledAtMs = Date.now();
        for (const feed of status.oracle ?? []) {
          if (feed.observation?.price === null || feed.observation === null) continue;
          samples.push({
            node: index,
            feedId: feed.feedId,
            observedAtMs: feed.observation.observedAtMs,
            price: BigInt(feed.observation.price),
            sampledAtMs,
          });
        }
      } catch {
        // Down or slow: a gap in this node's samples, which the check accounts for.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))));
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

interface BlockAnswer {
  header: { height: number; timestampMs: number };
  prices: { feedId: string; answer: string }[];
}

/** Every finalized price of heights from..to, read from one node. */
export async function finalizedPrices(
  rpcUrl: string,
  from: number,
  to: number,
): Promise<FinalizedPriceSample[]> {
  const prices: FinalizedPriceSample[] = [];
  for (let height = from; height <= to; height++) {
    const block = await rpc<BlockAnswer | null>(rpcUrl, 'synod_getBlockByHeight', [height, false]);
    if (block === null) continue;
    for (const price of block.prices)
      prices.push({
        height,
        blockTimeMs: Number(block.header.timestampMs),
        feedId: price.feedId,
        answer: BigInt(price.answer),
      });
  }
  return prices;
}
