import { CodedError, type CodedErrorOptions } from '@synod/protocol';
import {
  APPLICATION_ERRORS,
  type ApplicationErrorName,
  type JsonRpcErrorObject,
  MEMPOOL_ERRORS,
  RPC_ERRORS,
  type RpcErrorDefinition,
  type RpcErrorName,
  TRANSACTION_ERRORS,
} from '@synod/protocol/pure';
import type { MempoolErrorCode } from '../mempool/errors.ts';

/**
 * JSON-RPC errors of the Synod RPC. The table (numeric code, message, description per symbolic
 * name) is @synod/protocol's rpc/errors.ts, shared with the SDK; this module raises and maps them.
 */
export {
  APPLICATION_ERRORS,
  type ApplicationErrorName,
  type JsonRpcErrorObject,
  MEMPOOL_ERRORS,
  PROTOCOL_ERRORS,
  RPC_ERRORS,
  type RpcErrorDefinition,
  type RpcErrorName,
  SERVER_ERRORS,
  TRANSACTION_ERRORS,
} from '@synod/protocol/pure';

/**
 * The row of each mempool rejection code. Typed by MempoolErrorCode, so a code the mempool gains
 * without a row in the shared table does not compile.
 */
export const MEMPOOL_REJECTIONS: Readonly<Record<MempoolErrorCode, RpcErrorDefinition>> = {
  ...TRANSACTION_ERRORS,
  ...MEMPOOL_ERRORS,
};

/**
 * An error to return to the client. Thrown by method handlers and validators; the dispatcher
 * turns it into the response's `error`. `data` holds extra details (never a stack trace).
 *
 * @example
 * ```ts
 * throw new RpcError('INVALID_PARAMS', 'txId must be a 32-byte 0x-hex string', { param: 'txId' });
 * ```
 */
export class RpcError extends CodedError<RpcErrorName> {
  override readonly name = 'RpcError';
  readonly data: Record<string, unknown>;
  constructor(
    code: RpcErrorName,
    detail?: string,
    data: Record<string, unknown> = {},
    options?: CodedErrorOptions,
  ) {
    super(
      code,
      detail === undefined ? RPC_ERRORS[code].message : `${RPC_ERRORS[code].message}: ${detail}`,
      options,
    );
    this.data = data;
  }

  /** The numeric JSON-RPC code. */
  get rpcCode(): number {
    return RPC_ERRORS[this.code].code;
  }

  toJSON(): JsonRpcErrorObject {
    return { code: this.rpcCode, message: this.message, data: { ...this.data, code: this.code } };
  }
}

/**
 * Error a backend throws to report an application error, e.g. `new RpcBackendError('UNAVAILABLE',
 * 'syncing')`. Any Error whose `code` is an ApplicationErrorName works the same (the mempool's and
 * the protocol's errors are mapped by their code); other errors become INTERNAL_ERROR.
 */
export class RpcBackendError extends CodedError<ApplicationErrorName> {
  override readonly name = 'RpcBackendError';
  readonly data: Record<string, unknown>;
  constructor(code: ApplicationErrorName, message: string, data: Record<string, unknown> = {}) {
    super(code, message);
    this.data = data;
  }
}

function isApplicationErrorName(code: unknown): code is ApplicationErrorName {
  return typeof code === 'string' && Object.hasOwn(APPLICATION_ERRORS, code);
}

/**
 * Maps anything a handler threw to an RpcError: RpcErrors pass through; errors carrying a known
 * application `code` keep it (with their message as data.reason); everything else is
 * INTERNAL_ERROR with no detail (the caller logs the original).
 */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof Error && isApplicationErrorName((error as { code?: unknown }).code)) {
    const code = (error as Error & { code: ApplicationErrorName }).code;
    const extra = (error as { data?: unknown }).data;
    const data = typeof extra === 'object' && extra !== null ? { ...(extra as Record<string, unknown>) } : {};
    return new RpcError(code, undefined, { ...data, reason: error.message }, { cause: error });
  }
  return new RpcError('INTERNAL_ERROR', undefined, {}, { cause: error });
}
