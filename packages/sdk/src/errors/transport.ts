import { BaseError } from './base.ts';

/** A request that never got a JSON-RPC answer: network failure, bad HTTP status, closed socket. */
export class TransportError extends BaseError {
  readonly url: string;
  /** Whether the transports retry it (network failures and 429/503 statuses are retried). */
  readonly retryable: boolean;
  constructor(
    shortMessage: string,
    parameters: {
      url: string;
      retryable: boolean;
      cause?: unknown;
      details?: string;
      name?: string;
      metaMessages?: string[];
    },
  ) {
    super(shortMessage, {
      cause: parameters.cause,
      details: parameters.details,
      name: parameters.name ?? 'TransportError',
      docsPath: '#transporterror',
      metaMessages: [`URL: ${parameters.url}`, ...(parameters.metaMessages ?? [])],
    });
    this.url = parameters.url;
    this.retryable = parameters.retryable;
  }
}

/** An HTTP request that failed below JSON-RPC: no connection, or a status without a JSON-RPC body. */
export class HttpRequestError extends TransportError {
  declare readonly name: 'HttpRequestError';
  /** HTTP status, undefined when no response arrived. */
  readonly status: number | undefined;
  /** From the Retry-After header, when the server sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(parameters: {
    url: string;
    method: string;
    status?: number | undefined;
    retryAfterMs?: number | undefined;
    body?: string | undefined;
    cause?: unknown;
  }) {
    const status = parameters.status;
    super(status === undefined ? 'HTTP request failed.' : `HTTP request failed with status ${status}.`, {
      url: parameters.url,
      name: 'HttpRequestError',
      // No response (connection refused or reset), 429 and 5xx may succeed on a later try.
      retryable: status === undefined || status === 429 || status === 502 || status === 503 || status === 504,
      cause: parameters.cause,
      details: parameters.body?.slice(0, 512),
      metaMessages: [`Method: ${parameters.method}`],
    });
    this.status = status;
    this.retryAfterMs = parameters.retryAfterMs;
  }
}

/** A WebSocket that could not open or closed while a request was in flight. */
export class WebSocketRequestError extends TransportError {
  declare readonly name: 'WebSocketRequestError';
  constructor(parameters: { url: string; reason: string; method?: string; cause?: unknown }) {
    super('WebSocket request failed.', {
      url: parameters.url,
      name: 'WebSocketRequestError',
      retryable: true,
      cause: parameters.cause,
      details: parameters.reason,
      metaMessages: parameters.method === undefined ? [] : [`Method: ${parameters.method}`],
    });
  }
}

/**
 * A deadline passed: one request (`timeoutMs` of the transport) or a wait (waitForFinality's
 * `timeoutMs`). Not retried: for a submission the node may still have taken it, and resending is
 * the caller's decision (resubmitting the same signed transaction is safe: the node answers its txId).
 */
export class TimeoutError extends BaseError {
  declare readonly name: 'TimeoutError';
  readonly timeoutMs: number;
  constructor(parameters: { timeoutMs: number; what: string; url?: string; details?: string }) {
    super(`${parameters.what} timed out after ${parameters.timeoutMs} ms.`, {
      name: 'TimeoutError',
      docsPath: '#timeouterror',
      details: parameters.details,
      metaMessages: parameters.url === undefined ? [] : [`URL: ${parameters.url}`],
    });
    this.timeoutMs = parameters.timeoutMs;
  }
}
