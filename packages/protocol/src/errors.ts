/** What every coded error takes besides its code and message. */
export interface CodedErrorOptions {
  /** The error this one wraps (kept as `cause`, never shown to RPC clients). */
  readonly cause?: unknown;
}

/**
 * The one base of operating errors in every package (protocol, oracle, node, testnet): a bounded
 * `code` that callers switch on and metrics label, a `name` per class (each subclass declares its
 * own, so it survives minification and reads in logs), the message exactly as the subclass builds
 * it, and an optional `cause`. Bugs are assertions (`assert`) and are never caught.
 *
 * @example
 * ```ts
 * export class StorageError extends CodedError<StorageErrorCode> {
 *   override readonly name = 'StorageError';
 * }
 * throw new StorageError('CORRUPT', 'block 12 does not decode');
 * ```
 */
export abstract class CodedError<Code extends string = string> extends Error {
  abstract override readonly name: string;
  readonly code: Code;
  constructor(code: Code, message: string, options?: CodedErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Operating errors of the protocol package: a CodedError whose message starts with its code
 * (`TRUNCATED: …`).
 */
export abstract class SynodProtocolError<Code extends string = string> extends CodedError<Code> {
  constructor(code: Code, message: string, options?: CodedErrorOptions) {
    super(code, `${code}: ${message}`, options);
  }
}

export type DecodeErrorCode =
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'FIELD_TOO_LARGE'
  | 'MESSAGE_TOO_LARGE'
  | 'LIST_TOO_LONG'
  | 'UNKNOWN_VERSION'
  | 'UNKNOWN_TYPE'
  | 'INVALID_VALUE';

/** A message that is not the canonical encoding of a valid value. */
export class DecodeError extends SynodProtocolError<DecodeErrorCode> {
  override readonly name = 'DecodeError';
}

/** Bugs: an invariant of our own code does not hold. Never caught. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
