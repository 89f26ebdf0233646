import type { TransactionErrorCode } from '@synod/protocol';
import type { MempoolErrorCode } from '../mempool/errors.ts';

/**
 * JSON-RPC errors of the Synod RPC. Every error a client can see has a stable numeric code and
 * a stable symbolic name in `error.data.code`; the symbolic name is what SDKs switch on and
 * what the `synod_rpc_errors_total{code}` metric counts.
 *
 * - -32700 … -32603: the JSON-RPC 2.0 spec's own errors.
 * - -32004 … -32009: server policy (rate limit, subscription caps, timeouts, availability).
 * - -32010 … -32019: a transaction rejected by its own content (@synod/protocol TransactionError).
 * - -32020 … -32029: a transaction rejected by the mempool's state (MempoolError).
 *
 * The transaction and mempool tables are typed by TransactionErrorCode and MempoolErrorCode:
 * a code added there without a row here does not compile. Codes are never reused or renumbered. docs/openrpc.json lists them per method.
 */

/** One row of the error table. */
export interface RpcErrorDefinition {
  /** JSON-RPC `error.code`. */
  readonly code: number;
  /** JSON-RPC `error.message`: short, stable, lowercase. */
  readonly message: string;
  /** What it means and what a client should do. */
  readonly description: string;
}

/** The errors of the JSON-RPC 2.0 specification. */
export const PROTOCOL_ERRORS = {
  PARSE_ERROR: {
    code: -32700,
    message: 'parse error',
    description: 'The request is not valid JSON. The response id is null.',
  },
  INVALID_REQUEST: {
    code: -32600,
    message: 'invalid request',
    description: 'Not a JSON-RPC 2.0 request object (or an empty or oversized batch, or an oversized body).',
  },
  METHOD_NOT_FOUND: {
    code: -32601,
    message: 'method not found',
    description: 'No such method. rpc.discover lists the methods.',
  },
  INVALID_PARAMS: {
    code: -32602,
    message: 'invalid params',
    description: 'A parameter is missing, extra or of the wrong type; data.param names it.',
  },
  INTERNAL_ERROR: {
    code: -32603,
    message: 'internal error',
    description: 'The node failed to serve the call (a bug); details are in the node log only.',
  },
} as const satisfies Record<string, RpcErrorDefinition>;

/** Server policy errors: the request was fine, the server will not serve it now. */
export const SERVER_ERRORS = {
  RESPONSE_TOO_LARGE: {
    code: -32004,
    message: 'response too large',
    description:
      'The result (or the batch so far) exceeds the response size limit; ask for less (e.g. without includeTransactions, or in smaller batches).',
  },
  RATE_LIMITED: {
    code: -32005,
    message: 'rate limited',
    description:
      'This client IP exceeded its calls per second (a batch counts each call). Retry after data.retryAfterMs; over HTTP the status is 429.',
  },
  TOO_MANY_SUBSCRIPTIONS: {
    code: -32006,
    message: 'too many subscriptions',
    description: 'This WebSocket holds the maximum number of subscriptions; unsubscribe first.',
  },
  SUBSCRIPTIONS_UNSUPPORTED: {
    code: -32007,
    message: 'subscriptions need a websocket',
    description: 'synod_subscribe and synod_unsubscribe are only available over WebSocket.',
  },
  TIMEOUT: {
    code: -32008,
    message: 'request timed out',
    description: 'The node did not answer within its request timeout; the call may still take effect.',
  },
  UNAVAILABLE: {
    code: -32009,
    message: 'node unavailable',
    description: 'The node is starting, syncing or stopping and cannot serve this call; retry later.',
  },
} as const satisfies Record<string, RpcErrorDefinition>;

/** A transaction rejected for its own content (TransactionErrorCode of @synod/protocol). */
export const TRANSACTION_ERRORS = {
  MALFORMED: {
    code: -32010,
    message: 'malformed transaction',
    description:
      'The transaction bytes are not a canonical encoding, or a field has the wrong shape; data.reason says which.',
  },
  PAYLOAD_TOO_LARGE: {
    code: -32011,
    message: 'payload too large',
    description: 'The payload exceeds MAX_TX_PAYLOAD_BYTES.',
  },
  WRONG_NETWORK: {
    code: -32012,
    message: 'wrong network',
    description: "The transaction's networkId is not this network's.",
  },
  EXPIRED: {
    code: -32013,
    message: 'transaction expired',
    description: 'validUntil is in the past; sign a new transaction.',
  },
  BAD_SIGNATURE: {
    code: -32014,
    message: 'bad signature',
    description: 'The signature is malformed or no public key can be recovered from it.',
  },
  HIGH_S: {
    code: -32015,
    message: 'non-canonical signature',
    description: 'The signature has a high s value (a malleated copy); normalise it to low s.',
  },
  SIGNER_MISMATCH: {
    code: -32016,
    message: 'signer mismatch',
    description:
      'The signature does not recover the sender (wrong key, or signed for another chain id or inbox).',
  },
} as const satisfies Record<TransactionErrorCode, RpcErrorDefinition>;

/** A valid transaction the mempool will not take in its current state (MempoolErrorCode). */
export const MEMPOOL_ERRORS = {
  NONCE_USED: {
    code: -32020,
    message: 'nonce already used',
    description: "The sender's nonce is already finalized or held by another pending transaction.",
  },
  NONCE_TOO_FAR_AHEAD: {
    code: -32021,
    message: 'nonce too far ahead',
    description:
      "The nonce leaves too large a gap after the sender's next nonce; send the missing ones first.",
  },
  SENDER_FULL: {
    code: -32022,
    message: 'sender queue full',
    description: 'The sender has the maximum number of pending transactions; wait for some to finalize.',
  },
  MEMPOOL_FULL: {
    code: -32023,
    message: 'mempool full',
    description: 'The mempool is at its byte or count limit; retry later.',
  },
  DUPLICATE_NONCE: {
    code: -32024,
    message: 'nonce already pending',
    description:
      'Another transaction of this sender with this nonce is pending; the first one stays (no replacement). Resubmitting the same transaction is not an error: it returns its txId.',
  },
} as const satisfies Record<Exclude<MempoolErrorCode, TransactionErrorCode>, RpcErrorDefinition>;

/** Errors a backend may throw (as `error.code`) that clients see as themselves. */
export const APPLICATION_ERRORS = {
  ...SERVER_ERRORS,
  ...TRANSACTION_ERRORS,
  ...MEMPOOL_ERRORS,
} as const satisfies Record<string, RpcErrorDefinition>;

/** The full table, keyed by symbolic name. */
export const RPC_ERRORS = { ...PROTOCOL_ERRORS, ...APPLICATION_ERRORS } as const satisfies Record<
  string,
  RpcErrorDefinition
>;

export type RpcErrorName = keyof typeof RPC_ERRORS;
/** Codes a SynodRpcBackend may throw (an Error with `code` set to one of these). */
export type ApplicationErrorName = keyof typeof APPLICATION_ERRORS;

/** The `error` member of a JSON-RPC response. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data: { code: RpcErrorName; [key: string]: unknown };
}

/**
 * An error to return to the client. Thrown by method handlers and validators; the dispatcher
 * turns it into the response's `error`. `data` holds extra details (never a stack trace).
 *
 * @example
 * ```ts
 * throw new RpcError('INVALID_PARAMS', 'txId must be a 32-byte 0x-hex string', { param: 'txId' });
 * ```
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: RpcErrorName;
  readonly data: Record<string, unknown>;
  constructor(
    code: RpcErrorName,
    detail?: string,
    data: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(
      detail === undefined ? RPC_ERRORS[code].message : `${RPC_ERRORS[code].message}: ${detail}`,
      options,
    );
    this.code = code;
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
export class RpcBackendError extends Error {
  override readonly name = 'RpcBackendError';
  readonly code: ApplicationErrorName;
  readonly data: Record<string, unknown>;
  constructor(code: ApplicationErrorName, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
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
