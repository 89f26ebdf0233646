import { MAX_SOURCE_PRICE_CHARS, MAX_SOURCE_PRICE_INTEGER_DIGITS } from '../constants.ts';
import { SourceError } from './errors.ts';

/** A plain decimal: optional minus, digits, optional fraction. No exponent, no `+`, no `.5`/`5.`. */
const DECIMAL_PATTERN = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/**
 * A venue's decimal price string as a fixed-point bigint with `decimals` fraction digits, in
 * exact integer arithmetic (never through a float, which cannot hold most decimal prices).
 *
 * Rounding, when the string has more fraction digits than `decimals`: to nearest, ties up
 * (prices are positive, so "up" is away from zero). `3000.123456785` at 8 decimals →
 * `300012345679`. Fewer digits are padded exactly.
 *
 * @throws SourceError MALFORMED: not a string, longer than `MAX_SOURCE_PRICE_CHARS`, or not a plain
 *   decimal (exponents, `NaN`, `Infinity`, signs other than a leading `-`, spaces, JSON numbers).
 * @throws SourceError ABSURD: negative, zero or rounding to zero, or more than
 *   `MAX_SOURCE_PRICE_INTEGER_DIGITS` integer digits.
 */
export function parseDecimalPrice(text: unknown, decimals: number): bigint {
  // Venues send prices as JSON strings precisely so that no client parses them as floats; a
  // JSON number here means the answer is not the format we speak.
  if (typeof text !== 'string') throw new SourceError('MALFORMED', `price is a ${typeof text}, not a string`);
  if (text.length > MAX_SOURCE_PRICE_CHARS) {
    throw new SourceError(
      'MALFORMED',
      `price has ${text.length} characters, at most ${MAX_SOURCE_PRICE_CHARS}`,
    );
  }
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null)
    throw new SourceError('MALFORMED', `price ${JSON.stringify(text)} is not a plain decimal`);
  const [, sign, integerDigits = '', fractionDigits = ''] = match;
  const integerPart = integerDigits.replace(/^0+(?=.)/, '');
  if (integerPart.length > MAX_SOURCE_PRICE_INTEGER_DIGITS) {
    throw new SourceError('ABSURD', `price ${text} exceeds 10^${MAX_SOURCE_PRICE_INTEGER_DIGITS}`);
  }
  let scaled: bigint;
  if (fractionDigits.length <= decimals) {
    scaled = BigInt(integerPart + fractionDigits.padEnd(decimals, '0'));
  } else {
    scaled = BigInt(integerPart + fractionDigits.slice(0, decimals));
    // The first dropped digit decides: ≥ 5 rounds up (ties up); the rest cannot change that.
    if (fractionDigits.charCodeAt(decimals) >= '5'.charCodeAt(0)) scaled += 1n;
  }
  if (sign === '-' && (scaled !== 0n || /[1-9]/.test(fractionDigits))) {
    throw new SourceError('ABSURD', `price ${text} is negative`);
  }
  if (scaled === 0n) {
    throw new SourceError('ABSURD', `price ${text} is zero at ${decimals} decimals`);
  }
  return scaled;
}

/**
 * A non-negative fixed-point value as a decimal string with exactly `displayDecimals` fraction
 * digits, truncating extra digits (the simulator prints venue prices with this).
 */
export function formatFixedPoint(value: bigint, decimals: number, displayDecimals = decimals): string {
  if (value < 0n) throw new Error(`assertion failed: formatFixedPoint of negative ${value}`);
  const digits = value.toString().padStart(decimals + 1, '0');
  const integerPart = digits.slice(0, digits.length - decimals);
  const fraction = digits
    .slice(digits.length - decimals)
    .padEnd(displayDecimals, '0')
    .slice(0, displayDecimals);
  return displayDecimals === 0 ? integerPart : `${integerPart}.${fraction}`;
}
