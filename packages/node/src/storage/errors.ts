import { CodedError, type CodedErrorOptions } from '@synod/protocol';

/**
 * Operating errors of the store. Each has a bounded `code` that callers switch on and metrics
 * label. Bugs (a caller breaking a documented precondition such as a negative height) are
 * assertions and are never caught.
 */
export type StorageErrorCode =
  /** A stored value does not decode, or decodes to something other than its key says. */
  | 'CORRUPT'
  /** The data directory belongs to another network (domain stored at creation differs). */
  | 'WRONG_NETWORK'
  /** The data directory was written by an unknown schema version. */
  | 'SCHEMA_MISMATCH'
  /** commitBlock of a block that is not the child of the latest stored block. */
  | 'NOT_NEXT_BLOCK'
  /** commitBlock of a block whose bodies do not match its header, or that repeats a finalized txId. */
  | 'INVALID_BLOCK'
  /** appendVote of a different vote for a (height, round, kind) already signed: never persisted. */
  | 'CONFLICTING_VOTE'
  /** A value or a list over its bound (see constants.ts). */
  | 'TOO_LARGE'
  /** The store was closed. */
  | 'CLOSED'
  /** LevelDB failed (disk full, permissions, locked by another process…); see `cause`. */
  | 'IO';

export class StorageError extends CodedError<StorageErrorCode> {
  override readonly name = 'StorageError';
  constructor(code: StorageErrorCode, message: string, options?: CodedErrorOptions) {
    super(code, `${code}: ${message}`, options);
  }
}
