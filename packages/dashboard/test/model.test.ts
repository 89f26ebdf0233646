import { toFunctionSelector } from 'viem';
import { describe, expect, test } from 'vitest';
import { chartSvg, niceTicks } from '../app/chart.ts';
import {
  abiSignedWord,
  abiWord,
  type BlockOrdering,
  deviationBps,
  escapeHtml,
  fairnessTable,
  finalityLatencies,
  formatOffset,
  observationPlace,
  observedSpread,
  percentile,
  SELECTORS,
  scaled,
  TimeWindow,
} from '../app/model.ts';

const tx = (
  position: number,
  firstSeen: [number, number][],
  fairTimestampMs: number,
  extra: Partial<BlockOrdering['transactions'][number]> = {},
): BlockOrdering['transactions'][number] => ({
  index: position,
  txId: `0x${String(position).padStart(64, '0')}`,
  sender: `0x${'a'.repeat(40)}`,
  nonce: String(position),
  namespace: `0x${'0'.repeat(64)}`,
  source: 'fair',
  envelopeTxId: null,
  fairTimestampMs,
  effectiveTimestampMs: fairTimestampMs,
  firstSeen: firstSeen.map(([validatorIndex, firstSeenMs]) => ({ validatorIndex, firstSeenMs })),
  ...extra,
});

function ordering(transactions: BlockOrdering['transactions']): BlockOrdering {
  return {
    height: 7,
    blockHash: `0x${'b'.repeat(64)}`,
    timestampMs: 1_000,
    epoch: 0,
    proposerIndex: 1,
    signerCount: 4,
    faultTolerance: 1,
    // The page reads the decoded fields; the raw extensions are for the SDK's verification.
    validators: [0, 1, 2, 3].map((validatorIndex) => ({
      validatorIndex,
      timestampMs: 1_000,
      reported: 1,
      extension: '0x',
    })),
    transactions,
    unordered: [],
    unorderedTotal: 0,
    finalizedEarlier: 0,
    prices: [],
  };
}

describe('fairness table', () => {
  test('each cell is the first-seen time minus the fair timestamp; the (f+1)-th earliest is decisive', () => {
    // f = 1: the fair timestamp is the 2nd smallest report (110). Validator 3 did not report it.
    const table = fairnessTable(
      ordering([
        tx(
          0,
          [
            [0, 120],
            [1, 100],
            [2, 110],
          ],
          110,
        ),
      ]),
    );
    expect(table.validators).toEqual([0, 1, 2, 3]);
    const [row] = table.rows;
    expect(row!.cells.map((cell) => cell.offsetMs)).toEqual([10, -10, 0, undefined]);
    expect(row!.cells.map((cell) => cell.decisive)).toEqual([false, false, true, false]);
    expect(row!.reports).toBe(3);
  });

  test('equal reports: only one cell is marked decisive', () => {
    const table = fairnessTable(
      ordering([
        tx(
          0,
          [
            [0, 100],
            [1, 100],
            [2, 100],
          ],
          100,
        ),
      ]),
    );
    expect(table.rows[0]!.cells.filter((cell) => cell.decisive)).toHaveLength(1);
  });

  test('a revealed plaintext has no decisive report; a held-back nonce shows its delay', () => {
    const table = fairnessTable(
      ordering([
        tx(0, [], 1_000, { source: 'revealed' }),
        tx(
          1,
          [
            [0, 100],
            [1, 100],
          ],
          100,
          { effectiveTimestampMs: 140 },
        ),
      ]),
    );
    expect(table.rows[0]!.cells.every((cell) => !cell.decisive && cell.offsetMs === undefined)).toBe(true);
    expect(table.rows[1]!.heldBackMs).toBe(40);
  });

  test('finality latency runs from the earliest report; revealed plaintexts (no report) are skipped', () => {
    const latencies = finalityLatencies(
      ordering([
        tx(
          0,
          [
            [0, 120],
            [1, 100],
            [2, 110],
          ],
          110,
        ),
        tx(1, [], 1_000, { source: 'revealed' }),
      ]),
      600,
    );
    expect(latencies).toEqual([500]);
  });
});

describe('arithmetic', () => {
  test('nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  test('a time window drops what is older than its span', () => {
    const window = new TimeWindow<{ atMs: number }>(1_000);
    for (const atMs of [0, 500, 1_000, 1_600]) window.push({ atMs });
    expect(window.points.map((point) => point.atMs)).toEqual([1_000, 1_600]);
    // Late arrivals take their place in time; one older than the span is dropped at once.
    window.push({ atMs: 1_200 });
    window.push({ atMs: 100 });
    expect(window.points.map((point) => point.atMs)).toEqual([1_000, 1_200, 1_600]);
  });

  test('observations against the median and the trimmed range, as bigints (no float rounding at 18 decimals)', () => {
    const feed = {
      median: '3000000000000000000005',
      low: '3000000000000000000000',
      high: '3000000000000000000010',
    };
    expect(observationPlace('3000000000000000000005', feed)).toBe('inside');
    // Outside [low, high] by a hair: an extreme the median ignores, not an outlier.
    expect(observationPlace('3000000000000000000011', feed)).toBe('trimmed');
    expect(observationPlace('2999999999999999999999', feed)).toBe('trimmed');
    // +4% (the testnet's price manipulator): flagged.
    expect(observationPlace('3120000000000000000000', feed)).toBe('outlier');
    expect(deviationBps('3120000000000000000000', '3000000000000000000000')).toBe(400);
    expect(deviationBps('2970000000000000000000', '3000000000000000000000')).toBe(-100);
    expect(deviationBps('3009548800', '3009299000')).toBe(0.83);
    expect(observationPlace('1', { median: null, low: null, high: null })).toBe('unknown');
    expect(observedSpread([{ price: '5' }, { price: '-2' }, { price: '9' }])).toEqual({
      min: '-2',
      max: '9',
    });
    expect(observedSpread([])).toBeUndefined();
  });

  test('fixed-point answers to numbers', () => {
    expect(scaled('3001170000000000000000', 18)).toBeCloseTo(3001.17, 10);
    expect(scaled('-150000000', 8)).toBe(-1.5);
  });

  test('the L1 selectors are the contracts’ functions', () => {
    expect(SELECTORS).toEqual({
      latestHeight: toFunctionSelector('latestHeight()'),
      latestRoundData: toFunctionSelector('latestRoundData()'),
      decimals: toFunctionSelector('decimals()'),
      lastSettledHeight: toFunctionSelector('lastSettledHeight()'),
    });
  });

  test('ABI words, unsigned and signed', () => {
    const data = `0x${'0'.repeat(63)}5${'f'.repeat(64)}`;
    expect(abiWord(data, 0)).toBe(5n);
    expect(abiSignedWord(data, 1)).toBe(-1n);
    expect(() => abiWord(data, 2)).toThrow(/too short/);
  });

  test('formatting and escaping', () => {
    expect(formatOffset(undefined)).toBe('—');
    expect(formatOffset(0)).toBe('±0');
    expect(formatOffset(-12)).toBe('−12 ms');
    expect(formatOffset(12_500)).toBe('+12.5 s');
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    );
  });
});

describe('charts', () => {
  test('a line per series through its points, scaled into the plot', () => {
    const svg = chartSvg(
      [
        {
          name: 'a',
          color: '#000',
          points: [
            { x: 0, y: 0 },
            { x: 10, y: 10 },
          ],
        },
        { name: 'b<', color: '#111', points: [{ x: 5, y: 5 }] },
      ],
      { width: 200, height: 100, xLabel: String, yLabel: String },
    );
    const path = /data-series="a" d="([^"]+)"/.exec(svg)![1]!;
    const points = path.match(/[ML][\d.]+,[\d.]+/g)!;
    expect(points).toHaveLength(2);
    // The first point is left of and below the second (SVG y grows downwards).
    const [x0, y0] = points[0]!.slice(1).split(',').map(Number);
    const [x1, y1] = points[1]!.slice(1).split(',').map(Number);
    expect(x0!).toBeLessThan(x1!);
    expect(y0!).toBeGreaterThan(y1!);
    expect(svg).toContain('data-series="b&lt;"');
    expect(svg).toContain('<circle');
  });

  test('ticks are round numbers inside the range, integers for integer data', () => {
    expect(niceTicks(2, 3.1, true)).toEqual([2, 3]);
    expect(niceTicks(0, 10, true)).toEqual([0, 5, 10]);
    expect(niceTicks(0, 1.1, false)).toEqual([0, 0.5, 1]);
    expect(niceTicks(2995.52, 2996.01, false)).toEqual([2995.6, 2995.8, 2996]);
    expect(niceTicks(0, 438, false)).toEqual([0, 200, 400]);
  });

  test('no points: the empty message instead of a plot', () => {
    const svg = chartSvg([{ name: 'a', color: '#000', points: [] }], {
      xLabel: String,
      yLabel: String,
      empty: 'nothing <yet>',
    });
    expect(svg).toContain('nothing &lt;yet&gt;');
    expect(svg).not.toContain('<path');
  });

  test('bars start at zero', () => {
    const svg = chartSvg(
      [
        {
          name: 'n',
          color: '#000',
          bars: true,
          points: [
            { x: 1, y: 4 },
            { x: 2, y: 0 },
          ],
        },
      ],
      {
        width: 200,
        height: 100,
        xLabel: String,
        yLabel: String,
        fromZero: true,
      },
    );
    expect(svg.match(/<rect/g)).toHaveLength(2);
    expect(svg).toMatch(/height="0\.0"/);
  });
});
