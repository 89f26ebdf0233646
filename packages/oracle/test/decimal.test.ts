import { describe, expect, it } from 'vitest';
import { formatFixedPoint, parseDecimalPrice, SourceError, type SourceErrorCode } from '../src/index.ts';

function codeOf(run: () => unknown): SourceErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SourceError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseDecimalPrice', () => {
  it('scales a decimal string exactly, padding missing fraction digits', () => {
    expect(parseDecimalPrice('3000.12', 8)).toBe(300_012_000_000n);
    expect(parseDecimalPrice('3000', 8)).toBe(300_000_000_000n);
    expect(parseDecimalPrice('0.00000001', 8)).toBe(1n);
    expect(parseDecimalPrice('007.5', 2)).toBe(750n);
    expect(parseDecimalPrice('12.5', 0)).toBe(13n);
  });

  it('rounds extra fraction digits to nearest, ties up', () => {
    expect(parseDecimalPrice('3000.123456785', 8)).toBe(300_012_345_679n);
    expect(parseDecimalPrice('3000.123456784999', 8)).toBe(300_012_345_678n);
    expect(parseDecimalPrice('1.005', 2)).toBe(101n);
    expect(parseDecimalPrice('1.0049999', 2)).toBe(100n);
    expect(parseDecimalPrice('0.999', 2)).toBe(100n);
  });

  it('refuses what is not a plain decimal string as MALFORMED', () => {
    for (const text of [
      '3e3',
      '3.0001e3',
      'NaN',
      'Infinity',
      '',
      ' 1',
      '1 ',
      '+1',
      '.5',
      '5.',
      '1,000.00',
      '0x10',
    ]) {
      expect(
        codeOf(() => parseDecimalPrice(text, 8)),
        text,
      ).toBe('MALFORMED');
    }
    expect(codeOf(() => parseDecimalPrice(3000.12, 8))).toBe('MALFORMED');
    expect(codeOf(() => parseDecimalPrice(null, 8))).toBe('MALFORMED');
    expect(codeOf(() => parseDecimalPrice(`1.${'0'.repeat(70)}`, 8))).toBe('MALFORMED');
  });

  it('refuses zero, negative and absurdly large prices as ABSURD', () => {
    for (const text of ['0', '0.00', '-0', '-3000.12', '-0.000000001', '1000000000000000', '0.000000004']) {
      expect(
        codeOf(() => parseDecimalPrice(text, 8)),
        text,
      ).toBe('ABSURD');
    }
    expect(parseDecimalPrice('999999999999999.99', 2)).toBe(99_999_999_999_999_999n);
  });
});

describe('formatFixedPoint', () => {
  it('prints with the requested fraction digits, truncating', () => {
    expect(formatFixedPoint(300_012_345_678n, 8)).toBe('3000.12345678');
    expect(formatFixedPoint(300_012_345_678n, 8, 5)).toBe('3000.12345');
    expect(formatFixedPoint(1n, 8)).toBe('0.00000001');
    expect(formatFixedPoint(5n, 0)).toBe('5');
  });
});
