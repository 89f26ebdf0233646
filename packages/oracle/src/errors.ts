import { CodedError, type CodedErrorOptions } from '@synod/protocol';

/**
 * Operating errors of the oracle package. One class with a bounded `code`, so callers (vote
 * extension verification, proposal checks, RPC, metrics) can switch on it and count it; bugs are
 * assertions (see `assert`) and are never caught.
 */
export type OracleErrorCode =
  /** A feed configuration is out of range (see `validateFeedConfigs`). */
  | 'INVALID_CONFIG'
  /** Two feed configurations share one feedId. */
  | 'DUPLICATE_FEED'
  /** An observation names a feed that is not configured. */
  | 'UNKNOWN_FEED'
  /** One validator's observation list names a feed twice. */
  | 'DUPLICATE_OBSERVATION'
  /** An observed price is not a bigint in the int256 range. */
  | 'INVALID_PRICE'
  /** Fewer than 2f+1 observation lists (vote extensions) were given. */
  | 'INSUFFICIENT_OBSERVATIONS'
  /** More lists or entries than the named bounds allow. */
  | 'TOO_MANY_OBSERVATIONS'
  /** f, height or timestamp is invalid or goes backwards against the feed state. */
  | 'INVALID_ROUND';

export class OracleError extends CodedError<OracleErrorCode> {
  override readonly name = 'OracleError';
  constructor(code: OracleErrorCode, message: string, options?: CodedErrorOptions) {
    super(code, `${code}: ${message}`, options);
  }
}

/** Bugs: an invariant of our own code does not hold. Never caught. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
