import { describe, expect, test } from 'vitest';
import { feedIdOf } from '../src/config.ts';
import { formatPrice, formatStatusLine } from '../src/report.ts';

describe('status line', () => {
  test('shows height, finalized rate, prices, nodes and load on one line', () => {
    const line = formatStatusLine({
      height: 42,
      tps: 19.96,
      prices: new Map([[feedIdOf('ETH/USD'), '300012345678']]),
      nodesUp: 4,
      nodes: 4,
      load: { sent: 200, rejected: 0 },
    });
    expect(line).toBe(
      'height 42 · 20.0 tx/s finalized · ETH/USD 3000.12 · BTC/USD - · 4/4 nodes up · load sent 200',
    );
    expect(line).not.toContain('\n');
  });

  test('prices round to cents', () => {
    expect(formatPrice('300012500000')).toBe('3000.13');
    expect(formatPrice('5')).toBe('0.00');
  });
});
