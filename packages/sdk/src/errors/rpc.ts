import { RPC_ERRORS, type RpcErrorName } from '../internal/protocol.ts';
import { BaseError } from './base.ts';

/**
 * One class per error code of the Synod JSON-RPC: the table the node answers with is
 * @synod/protocol's RPC_ERRORS (docs/openrpc.json lists them per method), and each class takes
 * its numeric code from it. A response's `error.data.code` (the symbolic name) picks the class;
 * the numeric code is the fallback. RPC_ERROR_CLASSES is typed by RpcErrorName, so a code added
 * to the shared table without a class here does not compile.
 */

/** Symbolic names of every RPC error (`error.data.code`), from the shared table. */
export type { RpcErrorName };

/** The `error` member of a JSON-RPC response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: { code?: string; [key: string]: unknown } | undefined;
}

export interface RpcRequestErrorParameters {
  /** The JSON-RPC method that failed. */
  method: string;
  /** Where it was sent. */
  url: string;
  error: RpcErrorObject;
  /** HTTP status, when over HTTP. */
  status?: number | undefined;
  /** From `Retry-After` (HTTP) when the body does not carry data.retryAfterMs. */
  retryAfterMs?: number | undefined;
}

interface RpcErrorClassInfo {
  name: string;
  code: number;
  dataCode: RpcErrorName | undefined;
  shortMessage: string;
}

/**
 * An error the node answered with. Subclasses name each code; `data` holds the node's details
 * (`reason`, `param`, `retryAfterMs`…), `retryAfterMs` how long the node asked us to wait.
 */
export class RpcRequestError extends BaseError {
  /** JSON-RPC `error.code`. */
  readonly code: number;
  /** JSON-RPC `error.data.code`, the node's symbolic name. */
  readonly dataCode: RpcErrorName | undefined;
  readonly data: Readonly<Record<string, unknown>>;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(parameters: RpcRequestErrorParameters, info?: RpcErrorClassInfo) {
    const { error } = parameters;
    const data = error.data ?? {};
    const reason = typeof data.reason === 'string' ? data.reason : undefined;
    super(info?.shortMessage ?? 'The node answered with an error.', {
      name: info?.name ?? 'RpcRequestError',
      details:
        reason === undefined || error.message.includes(reason)
          ? error.message
          : `${error.message}: ${reason}`,
      docsPath: '#rpc-errors',
      metaMessages: [
        `URL: ${parameters.url}`,
        `Method: ${parameters.method}`,
        `Code: ${error.code} (${data.code ?? '?'})`,
      ],
    });
    this.code = info?.code ?? error.code;
    this.dataCode =
      info?.dataCode ?? (typeof data.code === 'string' ? (data.code as RpcErrorName) : undefined);
    this.data = data;
    this.method = parameters.method;
    this.url = parameters.url;
    this.status = parameters.status;
    const fromData = typeof data.retryAfterMs === 'number' ? data.retryAfterMs : undefined;
    this.retryAfterMs = fromData ?? parameters.retryAfterMs;
  }
}

function rpcErrorClass<const Name extends string, const DataCode extends RpcErrorName>(
  name: Name,
  dataCode: DataCode,
  shortMessage: string,
) {
  const code = RPC_ERRORS[dataCode].code;
  const info: RpcErrorClassInfo = { name, code, dataCode, shortMessage };
  return class extends RpcRequestError {
    static readonly code: (typeof RPC_ERRORS)[DataCode]['code'] = code;
    static readonly dataCode: DataCode = dataCode;
    declare readonly name: Name;
    declare readonly dataCode: DataCode;
    constructor(parameters: RpcRequestErrorParameters) {
      super(parameters, info);
    }
  };
}

// JSON-RPC 2.0's own errors. ------------------------------------------------------------------

/** -32700: the node could not parse the request (a bug of the SDK or of a proxy). */
export const ParseRpcError = rpcErrorClass(
  'ParseRpcError',
  'PARSE_ERROR',
  'The node could not parse the request.',
);
export type ParseRpcError = InstanceType<typeof ParseRpcError>;
/** -32600: not a valid JSON-RPC request (or an oversized body or batch). */
export const InvalidRequestRpcError = rpcErrorClass(
  'InvalidRequestRpcError',
  'INVALID_REQUEST',
  'The request is not a valid JSON-RPC request.',
);
export type InvalidRequestRpcError = InstanceType<typeof InvalidRequestRpcError>;
/** -32601: the node does not have this method (an older node?). */
export const MethodNotFoundRpcError = rpcErrorClass(
  'MethodNotFoundRpcError',
  'METHOD_NOT_FOUND',
  'The node does not support this method.',
);
export type MethodNotFoundRpcError = InstanceType<typeof MethodNotFoundRpcError>;
/** -32602: a parameter is missing or has the wrong type; `data.param` names it. */
export const InvalidParamsRpcError = rpcErrorClass(
  'InvalidParamsRpcError',
  'INVALID_PARAMS',
  'A parameter is missing or invalid.',
);
export type InvalidParamsRpcError = InstanceType<typeof InvalidParamsRpcError>;
/** -32603: the node failed (a node bug; details are only in its log). */
export const InternalRpcError = rpcErrorClass(
  'InternalRpcError',
  'INTERNAL_ERROR',
  'The node failed to serve the request.',
);
export type InternalRpcError = InstanceType<typeof InternalRpcError>;

// Server policy. ------------------------------------------------------------------------------

/** -32004: the answer is larger than the node sends; ask for less. */
export const ResponseTooLargeError = rpcErrorClass(
  'ResponseTooLargeError',
  'RESPONSE_TOO_LARGE',
  'The response exceeds the node’s size limit.',
);
export type ResponseTooLargeError = InstanceType<typeof ResponseTooLargeError>;
/** -32005 (HTTP 429): over this client's calls per second; retried after `retryAfterMs`. */
export const RateLimitedError = rpcErrorClass(
  'RateLimitedError',
  'RATE_LIMITED',
  'Rate limited by the node.',
);
export type RateLimitedError = InstanceType<typeof RateLimitedError>;
/** -32006: this WebSocket holds the most subscriptions the node allows. */
export const TooManySubscriptionsError = rpcErrorClass(
  'TooManySubscriptionsError',
  'TOO_MANY_SUBSCRIPTIONS',
  'Too many subscriptions on this connection.',
);
export type TooManySubscriptionsError = InstanceType<typeof TooManySubscriptionsError>;
/** -32007: subscriptions need the webSocket transport. */
export const SubscriptionsUnsupportedError = rpcErrorClass(
  'SubscriptionsUnsupportedError',
  'SUBSCRIPTIONS_UNSUPPORTED',
  'Subscriptions need a WebSocket transport.',
);
export type SubscriptionsUnsupportedError = InstanceType<typeof SubscriptionsUnsupportedError>;
/** -32008: the node did not answer within its own deadline; the call may still take effect. */
export const NodeTimeoutError = rpcErrorClass(
  'NodeTimeoutError',
  'TIMEOUT',
  'The node timed out serving the request.',
);
export type NodeTimeoutError = InstanceType<typeof NodeTimeoutError>;
/** -32009 (HTTP 503 at the door): the node is starting, syncing or stopping; retried. */
export const NodeUnavailableError = rpcErrorClass(
  'NodeUnavailableError',
  'UNAVAILABLE',
  'The node is unavailable.',
);
export type NodeUnavailableError = InstanceType<typeof NodeUnavailableError>;

// A transaction rejected for its content. -----------------------------------------------------

/** -32010: not a canonical transaction encoding; `data.reason` says which field. */
export const MalformedTransactionError = rpcErrorClass(
  'MalformedTransactionError',
  'MALFORMED',
  'The transaction is malformed.',
);
export type MalformedTransactionError = InstanceType<typeof MalformedTransactionError>;
/** -32011: the payload is over MAX_TX_PAYLOAD_BYTES. */
export const PayloadTooLargeError = rpcErrorClass(
  'PayloadTooLargeError',
  'PAYLOAD_TOO_LARGE',
  'The transaction payload is too large.',
);
export type PayloadTooLargeError = InstanceType<typeof PayloadTooLargeError>;
/** -32012: signed for another network id than the node's. */
export const WrongNetworkError = rpcErrorClass(
  'WrongNetworkError',
  'WRONG_NETWORK',
  'The transaction is for another network.',
);
export type WrongNetworkError = InstanceType<typeof WrongNetworkError>;
/** -32013: validUntil has passed; sign a new transaction. */
export const TransactionExpiredError = rpcErrorClass(
  'TransactionExpiredError',
  'EXPIRED',
  'The transaction has expired.',
);
export type TransactionExpiredError = InstanceType<typeof TransactionExpiredError>;
/** -32014: no public key can be recovered from the signature. */
export const BadSignatureError = rpcErrorClass(
  'BadSignatureError',
  'BAD_SIGNATURE',
  'The transaction signature is invalid.',
);
export type BadSignatureError = InstanceType<typeof BadSignatureError>;
/** -32015: high-s signature (the SDK always normalises, so only raw submissions see this). */
export const NonCanonicalSignatureError = rpcErrorClass(
  'NonCanonicalSignatureError',
  'HIGH_S',
  'The transaction signature is not canonical (high s).',
);
export type NonCanonicalSignatureError = InstanceType<typeof NonCanonicalSignatureError>;
/** -32016: the signature does not recover the sender (wrong key, chain id or inbox). */
export const SignerMismatchError = rpcErrorClass(
  'SignerMismatchError',
  'SIGNER_MISMATCH',
  'The signature does not recover the sender.',
);
export type SignerMismatchError = InstanceType<typeof SignerMismatchError>;

// A transaction the mempool will not take now. ------------------------------------------------

/** -32020: the nonce is finalized or held by another pending transaction. */
export const NonceUsedError = rpcErrorClass('NonceUsedError', 'NONCE_USED', 'The nonce was already used.');
export type NonceUsedError = InstanceType<typeof NonceUsedError>;
/** -32021: too large a gap after the sender's next nonce; send the missing ones first. */
export const NonceTooFarAheadError = rpcErrorClass(
  'NonceTooFarAheadError',
  'NONCE_TOO_FAR_AHEAD',
  'The nonce is too far ahead.',
);
export type NonceTooFarAheadError = InstanceType<typeof NonceTooFarAheadError>;
/** -32022: the sender has the most pending transactions allowed; wait for some to finalize. */
export const SenderQueueFullError = rpcErrorClass(
  'SenderQueueFullError',
  'SENDER_FULL',
  'The sender has too many pending transactions.',
);
export type SenderQueueFullError = InstanceType<typeof SenderQueueFullError>;
/** -32023: the node's mempool is full; retry later (not retried automatically: it is the app's call). */
export const MempoolFullError = rpcErrorClass(
  'MempoolFullError',
  'MEMPOOL_FULL',
  'The node’s mempool is full.',
);
export type MempoolFullError = InstanceType<typeof MempoolFullError>;
/** -32024: another transaction of this sender with this nonce is pending (no replacement). */
export const DuplicateNonceError = rpcErrorClass(
  'DuplicateNonceError',
  'DUPLICATE_NONCE',
  'Another transaction with this nonce is pending.',
);
export type DuplicateNonceError = InstanceType<typeof DuplicateNonceError>;

/** Every class by symbolic name: the mapping `rpcErrorFromResponse` uses. */
export const RPC_ERROR_CLASSES = {
  PARSE_ERROR: ParseRpcError,
  INVALID_REQUEST: InvalidRequestRpcError,
  METHOD_NOT_FOUND: MethodNotFoundRpcError,
  INVALID_PARAMS: InvalidParamsRpcError,
  INTERNAL_ERROR: InternalRpcError,
  RESPONSE_TOO_LARGE: ResponseTooLargeError,
  RATE_LIMITED: RateLimitedError,
  TOO_MANY_SUBSCRIPTIONS: TooManySubscriptionsError,
  SUBSCRIPTIONS_UNSUPPORTED: SubscriptionsUnsupportedError,
  TIMEOUT: NodeTimeoutError,
  UNAVAILABLE: NodeUnavailableError,
  MALFORMED: MalformedTransactionError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  WRONG_NETWORK: WrongNetworkError,
  EXPIRED: TransactionExpiredError,
  BAD_SIGNATURE: BadSignatureError,
  HIGH_S: NonCanonicalSignatureError,
  SIGNER_MISMATCH: SignerMismatchError,
  NONCE_USED: NonceUsedError,
  NONCE_TOO_FAR_AHEAD: NonceTooFarAheadError,
  SENDER_FULL: SenderQueueFullError,
  MEMPOOL_FULL: MempoolFullError,
  DUPLICATE_NONCE: DuplicateNonceError,
} as const satisfies { [Name in RpcErrorName]: { readonly dataCode: Name } };

const CLASSES_BY_CODE = new Map<number, (typeof RPC_ERROR_CLASSES)[RpcErrorName]>(
  Object.values(RPC_ERROR_CLASSES).map((errorClass) => [errorClass.code, errorClass]),
);

/** The typed error for a JSON-RPC error response: by data.code, then by numeric code. */
export function rpcErrorFromResponse(parameters: RpcRequestErrorParameters): RpcRequestError {
  const dataCode = parameters.error.data?.code;
  const byName =
    typeof dataCode === 'string' && Object.hasOwn(RPC_ERROR_CLASSES, dataCode)
      ? RPC_ERROR_CLASSES[dataCode as RpcErrorName]
      : undefined;
  const errorClass = byName ?? CLASSES_BY_CODE.get(parameters.error.code);
  return errorClass === undefined ? new RpcRequestError(parameters) : new errorClass(parameters);
}

/** Errors the transports retry: the node asked us to come back later. */
export function isRetryableRpcError(error: RpcRequestError): boolean {
  return error.dataCode === 'RATE_LIMITED' || error.dataCode === 'UNAVAILABLE';
}
