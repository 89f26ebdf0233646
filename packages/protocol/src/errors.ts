/**
 * Operating errors of the protocol package. Each class has a bounded `code` so callers (gossip
 * validation, RPC, metrics) can switch on it; bugs are assertions and are never caught.
 */
export abstract class SynodProtocolError<Code extends string = string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
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
