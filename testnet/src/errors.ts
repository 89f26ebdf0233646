import { CodedError, type CodedErrorOptions } from '@synod/protocol';

/**
 * The testnet's operating errors, on the CodedError base every package shares (@synod/protocol):
 * a bounded `code`, a `name` per class, the message as written. Bugs are never caught.
 */

/** A command line that cannot be run as written (`pnpm testnet`, `pnpm testnet:ctl`): exit 2 with usage. */
export class UsageError extends CodedError<'USAGE'> {
  override readonly name = 'UsageError';
  constructor(message: string, options?: CodedErrorOptions) {
    super('USAGE', message, options);
  }
}

/** The testnet cannot be set up as asked (a conflicting .testnet/, a failed DKG, a bad committee). */
export class SetupError extends CodedError<'SETUP_FAILED'> {
  override readonly name = 'SetupError';
  constructor(message: string, options?: CodedErrorOptions) {
    super('SETUP_FAILED', message, options);
  }
}

/** A `synod` command the testnet ran (init, dkg) failed; its output is in `logPath`. */
export class SynodCommandError extends CodedError<'COMMAND_FAILED'> {
  override readonly name = 'SynodCommandError';
  readonly logPath: string;
  constructor(message: string, logPath: string) {
    super('COMMAND_FAILED', `${message}; see ${logPath}`);
    this.logPath = logPath;
  }
}

/** A condition did not hold within its time limit (waitUntil). */
export class TimeoutError extends CodedError<'TIMEOUT'> {
  override readonly name = 'TimeoutError';
  constructor(message: string, options?: CodedErrorOptions) {
    super('TIMEOUT', message, options);
  }
}

/** A control action that the validator's state does not allow (pause a paused node, start a running one). */
export class NodeStateError extends CodedError<'INVALID_STATE'> {
  override readonly name = 'NodeStateError';
  constructor(message: string, options?: CodedErrorOptions) {
    super('INVALID_STATE', message, options);
  }
}

/** Why a call to a node's JSON-RPC failed, as the testnet sees it. */
export type RpcErrorCode =
  /** No HTTP answer (connection refused, timeout). */
  | 'UNREACHABLE'
  /** A non-2xx HTTP status (`rpcCode` holds it). */
  | 'HTTP_STATUS'
  /** The node answered with a JSON-RPC error (`rpcCode` holds its numeric code). */
  | 'RPC_ERROR'
  /** A batch answer that is not an array. */
  | 'BAD_RESPONSE'
  /** A batch answer without an entry for one of the calls. */
  | 'MISSING';

export class RpcError extends CodedError<RpcErrorCode> {
  override readonly name = 'RpcError';
  /** The HTTP status (HTTP_STATUS) or the JSON-RPC error code (RPC_ERROR, BAD_RESPONSE from an error object). */
  readonly rpcCode: number | undefined;
  constructor(code: RpcErrorCode, message: string, rpcCode?: number) {
    super(code, message);
    this.rpcCode = rpcCode;
  }
}

/** Why the control endpoint refused or could not serve a request; `status` is its HTTP status (0: no testnet). */
export type ControlErrorCode = 'UNREACHABLE' | 'INVALID_REQUEST' | 'CONFLICT' | 'TOO_LARGE' | 'HTTP_STATUS';

function controlErrorCode(status: number): ControlErrorCode {
  switch (status) {
    case 0:
      return 'UNREACHABLE';
    case 400:
      return 'INVALID_REQUEST';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'TOO_LARGE';
    default:
      return 'HTTP_STATUS';
  }
}

export class ControlError extends CodedError<ControlErrorCode> {
  override readonly name = 'ControlError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(controlErrorCode(status), message);
    this.status = status;
  }
}
