import { CodedError } from '@synod/protocol';

/**
 * Why one source gave no usable price. A bounded code, so the health tracker, `synod_status` and
 * the metrics (one counter per code) can switch on it; the message carries the detail for logs.
 * An operating error: it marks the source unhealthy for a backoff period and never reaches the
 * node as an exception (`observeFeed` catches exactly this class; anything else is a bug).
 */
export type SourceErrorCode =
  /** No complete answer within the source's timeout (connect, headers and body together). */
  | 'TIMEOUT'
  /** The venue answered with a non-2xx status (500s, rate limits, unknown symbol on Coinbase/Binance). */
  | 'HTTP_STATUS'
  /** Not JSON, a missing or mistyped field, a wrong symbol, a price that is not a plain decimal, or a venue error. */
  | 'MALFORMED'
  /** The venue's own timestamp is older than the feed's `sourceMaxAgeMs`. */
  | 'STALE'
  /** A well-formed price that cannot be a price: zero, negative, or above the sanity bound. */
  | 'ABSURD'
  /** The request failed before any answer: connection refused, DNS, reset, aborted. */
  | 'UNREACHABLE'
  /** The body exceeds the byte cap (`DEFAULT_SOURCE_MAX_BODY_BYTES` unless configured). */
  | 'TOO_LARGE';

export const SOURCE_ERROR_CODES: readonly SourceErrorCode[] = [
  'TIMEOUT',
  'HTTP_STATUS',
  'MALFORMED',
  'STALE',
  'ABSURD',
  'UNREACHABLE',
  'TOO_LARGE',
];

export class SourceError extends CodedError<SourceErrorCode> {
  override readonly name = 'SourceError';
  /** The source that failed, when known (set by `fetchSourceQuote`). */
  readonly sourceId: string | undefined;
  /** The message without code and source, for status pages. */
  readonly detail: string;
  constructor(code: SourceErrorCode, detail: string, options?: { cause?: unknown; sourceId?: string }) {
    super(
      code,
      `${code}: ${options?.sourceId === undefined ? '' : `${options.sourceId}: `}${detail}`,
      options,
    );
    this.detail = detail;
    this.sourceId = options?.sourceId;
  }

  /** The same error, attributed to a source. */
  withSource(sourceId: string): SourceError {
    return new SourceError(this.code, this.detail, { cause: this.cause, sourceId });
  }
}
