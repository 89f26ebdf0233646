import type { TransactionErrorCode } from '../tx/errors.ts';

/**
 * The error table of the Synod JSON-RPC, shared by the node (which answers with it) and the SDK
 * (which maps each row to an error class). Every error a client can see has a stable numeric
 * code (`error.code`) and a stable symbolic name (`error.data.code`); the symbolic name is what
 * SDKs switch on and what the node's `synod_rpc_errors_total{code}` metric counts.
 *
 * - -32700 … -32603: the JSON-RPC 2.0 spec's own errors.
 * - -32004 … -32009: server policy (rate limit, subscription caps, timeouts, availability).
 * - -32010 … -32019: a transaction rejected by its own content (TransactionError).
 * - -32020 … -32029: a transaction rejected by the mempool's state (the node's MempoolError).
 *
 * TRANSACTION_ERRORS is typed by TransactionErrorCode, so a code added there without a row here
 * does not compile; the node checks its MempoolErrorCode against MEMPOOL_ERRORS the same way.
 * Codes are never reused or renumbered. docs/openrpc.json lists them per method.
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

/** A transaction rejected for its own content (TransactionErrorCode). */
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

/** A valid transaction the mempool will not take in its current state (the node's MempoolErrorCode). */
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
} as const satisfies Record<string, RpcErrorDefinition>;

/** Errors a node's backend may raise that clients see as themselves (everything but the JSON-RPC ones). */
export const APPLICATION_ERRORS = {
  ...SERVER_ERRORS,
  ...TRANSACTION_ERRORS,
  ...MEMPOOL_ERRORS,
} as const satisfies Record<string, RpcErrorDefinition>;

/** The full table, keyed by symbolic name (`error.data.code`). */
export const RPC_ERRORS = { ...PROTOCOL_ERRORS, ...APPLICATION_ERRORS } as const satisfies Record<
  string,
  RpcErrorDefinition
>;

/** Symbolic name of an RPC error: `error.data.code` of every error response. */
export type RpcErrorName = keyof typeof RPC_ERRORS;
/** The application errors' names (what a node backend may throw as an Error's `code`). */
export type ApplicationErrorName = keyof typeof APPLICATION_ERRORS;

/** The `error` member of a JSON-RPC response from a Synod node. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  /** `code` is always set by a Synod node; other members are details (`reason`, `param`, `retryAfterMs`…). */
  data: { code: RpcErrorName; [key: string]: unknown };
}
