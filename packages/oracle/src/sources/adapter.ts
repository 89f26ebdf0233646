import { SourceError } from './errors.ts';
import type { SourceConfig, SourceKind } from './types.ts';

/** What a venue's ticker answer says, before scaling and staleness checks. */
export interface VenueTicker {
  /** The price field as found (`parseDecimalPrice` checks it is a decimal string). */
  price: unknown;
  /** The venue's own timestamp of that price, if its format has one. */
  venueTimeMs?: number;
}

/** One exchange ticker format. Pure: no I/O, so each format is testable on fixtures. */
export interface SourceAdapter {
  kind: SourceKind;
  /** The venue's public ticker URL for `source.symbol` under `source.baseUrl`. */
  requestUrl(source: SourceConfig): string;
  /**
   * Checks the shape of a parsed JSON answer and picks out the price and timestamp.
   * @throws SourceError MALFORMED
   */
  parse(body: unknown, source: SourceConfig): VenueTicker;
}

export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new SourceError('MALFORMED', `${what} is not a JSON object`);
  return value;
}

/** RFC 3339 with a mandatory offset, up to nanoseconds (Coinbase sends microseconds). */
const RFC3339_PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 timestamp in unix ms (sub-millisecond digits truncated).
 * @throws SourceError MALFORMED
 */
export function parseRfc3339(value: unknown, what: string): number {
  if (typeof value !== 'string') throw new SourceError('MALFORMED', `${what} is missing or not a string`);
  const match = RFC3339_PATTERN.exec(value);
  if (match === null)
    throw new SourceError('MALFORMED', `${what} ${JSON.stringify(value.slice(0, 40))} is not RFC 3339`);
  const [, dateTime, fraction = '', offset] = match;
  const ms = Date.parse(`${dateTime}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`);
  if (!Number.isSafeInteger(ms)) throw new SourceError('MALFORMED', `${what} ${value} is not a valid date`);
  return ms;
}
