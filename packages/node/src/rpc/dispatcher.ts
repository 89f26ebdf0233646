import type { Logger } from 'pino';
import type { SynodRpcBackend } from './backend.ts';
import type { MethodContext } from './defineMethod.ts';
import { RpcError, toRpcError } from './errors.ts';
import { isRpcMethodName, RPC_METHODS } from './methods.ts';
import type { RpcMetrics } from './metrics.ts';
import type { SocketSubscriptions } from './subscriptions.ts';

/**
 * JSON-RPC 2.0 request processing, independent of the transport: parse, validate the request
 * object, dispatch to the registry with a deadline, map failures to error objects, serialize.
 * Responses are produced as JSON text so their size can be bounded before anything is sent.
 */

export type JsonRpcId = string | number | null;
export type Transport = 'http' | 'ws';

export interface DispatcherOptions {
  backend: SynodRpcBackend;
  maxBatchSize: number;
  maxResponseBytes: number;
  requestTimeoutMs: number;
  metrics?: RpcMetrics | undefined;
  logger?: Logger | undefined;
}

/** Per message: where the calls come from and what runs once the response is written. */
export interface DispatchContext {
  transport: Transport;
  /** The WebSocket's subscriptions; undefined over HTTP. */
  subscriptions: SocketSubscriptions | undefined;
  /** Aborts when the connection closes or the server stops. */
  signal: AbortSignal;
  /** Callbacks registered by handlers via afterResponse; the transport runs them after writing. */
  afterResponse: (() => void)[];
}

/** The result of parsing a message: the payload, or the error response to send instead. */
export type ParsedMessage = { ok: true; payload: unknown } | { ok: false; response: string };

export function errorResponse(id: JsonRpcId, error: RpcError): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: error.toJSON() });
}

function isValidId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

export class Dispatcher {
  readonly #options: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /** Parses message text; invalid JSON is a PARSE_ERROR response with id null. */
  parse(text: string): ParsedMessage {
    try {
      return { ok: true, payload: JSON.parse(text) };
    } catch {
      this.#countError('unknown', 'PARSE_ERROR');
      return {
        ok: false,
        response: errorResponse(null, new RpcError('PARSE_ERROR', 'the body is not valid JSON')),
      };
    }
  }

  /** Calls a payload makes (what it is charged against the rate limit): 1, or a batch's length. */
  callCount(payload: unknown): number {
    return Array.isArray(payload) ? Math.max(1, Math.min(payload.length, this.#options.maxBatchSize)) : 1;
  }

  /** The id to answer a payload with when it is refused as a whole (e.g. rate limited). */
  responseIdOf(payload: unknown): JsonRpcId {
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
      const id = (payload as { id?: unknown }).id;
      if (isValidId(id)) return id;
    }
    return null;
  }

  /** Refuses a whole payload with one error (counted in metrics under method "unknown"). */
  refuse(payload: unknown, error: RpcError): string {
    this.#countError('unknown', error.code);
    return errorResponse(this.responseIdOf(payload), error);
  }

  /**
   * Serves a parsed payload: one request or a batch. Resolves to the response text, or
   * undefined when nothing is to be sent (notifications only).
   */
  async handle(payload: unknown, context: DispatchContext): Promise<string | undefined> {
    if (!Array.isArray(payload)) {
      const response = await this.#handleOne(payload, context);
      if (response !== undefined && response.length > this.#options.maxResponseBytes) {
        return this.#tooLarge(payload);
      }
      return response;
    }
    if (payload.length === 0) {
      return this.refuse(payload, new RpcError('INVALID_REQUEST', 'empty batch'));
    }
    if (payload.length > this.#options.maxBatchSize) {
      return this.refuse(
        payload,
        new RpcError(
          'INVALID_REQUEST',
          `batch of ${payload.length} exceeds the maximum ${this.#options.maxBatchSize}`,
          {
            maxBatchSize: this.#options.maxBatchSize,
          },
        ),
      );
    }
    const responses = await Promise.all(payload.map((request) => this.#handleOne(request, context)));
    // One byte budget for the whole batch: items past it are replaced by RESPONSE_TOO_LARGE.
    let totalBytes = 2;
    const kept: string[] = [];
    responses.forEach((response, i) => {
      if (response === undefined) return;
      let text = response;
      if (totalBytes + text.length + 1 > this.#options.maxResponseBytes) text = this.#tooLarge(payload[i]);
      totalBytes += text.length + 1;
      kept.push(text);
    });
    return kept.length === 0 ? undefined : `[${kept.join(',')}]`;
  }

  #tooLarge(request: unknown): string {
    return this.refuse(
      request,
      new RpcError('RESPONSE_TOO_LARGE', `over ${this.#options.maxResponseBytes} bytes`, {
        maxBytes: this.#options.maxResponseBytes,
      }),
    );
  }

  async #handleOne(request: unknown, context: DispatchContext): Promise<string | undefined> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return this.refuse(request, new RpcError('INVALID_REQUEST', 'a request must be an object'));
    }
    const object = request as Record<string, unknown>;
    const isNotification = !Object.hasOwn(object, 'id');
    const id = object.id;
    if (!isNotification && !isValidId(id)) {
      return this.refuse(request, new RpcError('INVALID_REQUEST', 'id must be a string, a number or null'));
    }
    const responseId: JsonRpcId = isNotification ? null : (id as JsonRpcId);
    const invalid = (detail: string): string => {
      this.#countError('unknown', 'INVALID_REQUEST');
      return errorResponse(responseId, new RpcError('INVALID_REQUEST', detail));
    };
    if (object.jsonrpc !== '2.0') return invalid('jsonrpc must be "2.0"');
    if (typeof object.method !== 'string') return invalid('method must be a string');
    const params = object.params;
    if (params !== undefined && (typeof params !== 'object' || params === null)) {
      return invalid('params must be an array or an object');
    }
    const method = object.method;
    const label = isRpcMethodName(method) ? method : 'unknown';
    const startedMs = performance.now();
    let response: string;
    try {
      if (!isRpcMethodName(method)) {
        throw new RpcError('METHOD_NOT_FOUND', `${method.length > 64 ? `${method.slice(0, 64)}…` : method}`);
      }
      const result = await this.#callWithDeadline(method, params, context);
      response = JSON.stringify({ jsonrpc: '2.0', id: responseId, result: result ?? null });
    } catch (thrown) {
      const error = toRpcError(thrown);
      if (error.code === 'INTERNAL_ERROR') {
        this.#options.logger?.error({ err: thrown, method }, 'rpc call failed');
      }
      this.#countError(label, error.code);
      response = errorResponse(responseId, error);
    } finally {
      this.#options.metrics?.requestSeconds.observe(
        { method: label, transport: context.transport },
        (performance.now() - startedMs) / 1000,
      );
    }
    return isNotification ? undefined : response;
  }

  async #callWithDeadline(
    method: keyof typeof RPC_METHODS,
    params: unknown,
    context: DispatchContext,
  ): Promise<unknown> {
    const timeoutMs = this.#options.requestTimeoutMs;
    const deadline = new AbortController();
    const signal = AbortSignal.any([deadline.signal, context.signal]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new RpcError('TIMEOUT', `no result within ${timeoutMs} ms`, { timeoutMs });
        deadline.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const methodContext: MethodContext = {
      backend: this.#options.backend,
      signal,
      subscriptions: context.subscriptions,
      afterResponse: (callback) => {
        context.afterResponse.push(callback);
      },
    };
    try {
      return await Promise.race([RPC_METHODS[method].call(params, methodContext), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #countError(method: string, code: RpcError['code']): void {
    this.#options.metrics?.errorsTotal.inc({ method, code });
  }
}
