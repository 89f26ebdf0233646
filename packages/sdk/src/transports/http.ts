import { DEFAULT_RETRY_COUNT, DEFAULT_RETRY_DELAY_MS, DEFAULT_TIMEOUT_MS } from '../constants.ts';
import { type RpcErrorObject, rpcErrorFromResponse } from '../errors/rpc.ts';
import { HttpRequestError, TimeoutError } from '../errors/transport.ts';
import type { SynodRpcMethod } from '../types/rpc.ts';
import type { RequestArguments, RequestOptions, SynodRequestFn, Transport } from './createTransport.ts';
import { parseRetryAfter, withRetry } from './retry.ts';

export interface HttpTransportConfig {
  /** Retries of a retryable failure. Default DEFAULT_RETRY_COUNT (3). */
  retryCount?: number;
  /** First backoff delay in ms, doubled per retry. Default DEFAULT_RETRY_DELAY_MS (150). */
  retryDelayMs?: number;
  /** Deadline of one attempt in ms. Default DEFAULT_TIMEOUT_MS (12 s). */
  timeoutMs?: number;
  /** A fetch implementation (default: the global fetch of Node ≥ 18 and browsers). */
  fetch?: typeof fetch;
  /** Extra headers on every request (e.g. an API key of a hosted node). */
  headers?: Record<string, string>;
}

export type HttpTransport = Transport<'http', { url: string }>;

/**
 * JSON-RPC over HTTP POST with retries (network errors, 429 RATE_LIMITED honouring Retry-After,
 * 503/UNAVAILABLE) and a per-attempt deadline through AbortSignal. Application errors (a
 * rejected transaction) are never retried. Uses the global fetch: no Node-only import.
 *
 * @example
 * ```ts
 * const client = createSynodClient({
 *   transport: http('http://127.0.0.1:8645/', { retryCount: 5, timeoutMs: 5_000 }),
 *   network: { networkId: 1, chainId: 31337, inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
 * });
 * ```
 */
export function http(url: string, config: HttpTransportConfig = {}): HttpTransport {
  const retryCount = config.retryCount ?? DEFAULT_RETRY_COUNT;
  const retryDelayMs = config.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return () => {
    let nextId = 1;
    const fetchFn = config.fetch ?? globalThis.fetch.bind(globalThis);

    async function attempt(
      method: SynodRpcMethod,
      params: unknown,
      options: RequestOptions,
    ): Promise<unknown> {
      const deadlineMs = options.timeoutMs ?? timeoutMs;
      const timeout = AbortSignal.timeout(deadlineMs);
      const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
      const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params });
      const fail = (cause: unknown): never => {
        if (options.signal?.aborted) throw options.signal.reason;
        if (timeout.aborted) throw new TimeoutError({ timeoutMs: deadlineMs, what: `${method}`, url });
        throw new HttpRequestError({ url, method, cause });
      };
      let response: Response;
      let text: string;
      try {
        response = await fetchFn(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...config.headers },
          body,
          signal,
        });
        text = await response.text();
      } catch (cause) {
        return fail(cause);
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'));
      let json: { result?: unknown; error?: RpcErrorObject } | undefined;
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        json = undefined;
      }
      if (json?.error !== undefined && typeof json.error === 'object' && json.error !== null) {
        throw rpcErrorFromResponse({ method, url, error: json.error, status: response.status, retryAfterMs });
      }
      if (!response.ok || json === undefined || !('result' in json)) {
        throw new HttpRequestError({ url, method, status: response.status, retryAfterMs, body: text });
      }
      return json.result;
    }

    const request = (<Method extends SynodRpcMethod>(
      args: RequestArguments<Method>,
      options: RequestOptions = {},
    ) =>
      withRetry(() => attempt(args.method, args.params, options), {
        retryCount: options.retryCount ?? retryCount,
        retryDelayMs,
        signal: options.signal,
      })) as SynodRequestFn;

    return {
      config: { key: 'http', name: 'HTTP JSON-RPC', type: 'http', url, retryCount, retryDelayMs, timeoutMs },
      request,
      value: { url },
    };
  };
}
