import { MAX_RETRY_DELAY_MS } from '../constants.ts';
import { isRetryableRpcError, RpcRequestError } from '../errors/rpc.ts';
import { TransportError } from '../errors/transport.ts';

/**
 * Whether a failed attempt may be retried: network-level failures (no response, 429, 5xx at the
 * HTTP layer, a closed socket) and the node's RATE_LIMITED / UNAVAILABLE answers. Never an
 * application error (a rejected transaction stays rejected), a timeout, or a verification failure.
 */
export function shouldRetry(error: unknown): boolean {
  if (error instanceof RpcRequestError) return isRetryableRpcError(error);
  if (error instanceof TransportError) return error.retryable;
  return false;
}

/** The node's requested delay, when the error carries one. */
function requestedDelayMs(error: unknown): number | undefined {
  if (error instanceof RpcRequestError) return error.retryAfterMs;
  if (error instanceof TransportError && 'retryAfterMs' in error) {
    const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
    return typeof value === 'number' ? value : undefined;
  }
  return undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WithRetryOptions {
  retryCount: number;
  retryDelayMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or `retryCount` retries
 * are spent. Backoff is retryDelayMs · 2^retry, or the node's Retry-After when it gives one; a
 * requested delay above MAX_RETRY_DELAY_MS is not waited for (the error is thrown).
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: WithRetryOptions): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (retry >= options.retryCount || !shouldRetry(error) || options.signal?.aborted) throw error;
      const requested = requestedDelayMs(error);
      if (requested !== undefined && requested > MAX_RETRY_DELAY_MS) throw error;
      await sleep(requested ?? options.retryDelayMs * 2 ** retry, options.signal);
    }
  }
}

/** Parses Retry-After (delta seconds or an HTTP date) into ms; undefined if absent or invalid. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
