/** Poll interval of waitUntil: fast enough that start-up is not padded, slow enough not to spin. */
import { TimeoutError } from './errors.ts';
export const WAIT_POLL_INTERVAL_MS = 100;

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
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

/**
 * Calls `check` every `intervalMs` until it returns true. A check that throws fails the wait (it
 * means "this will never become true", e.g. the process exited); TimeoutError after `timeoutMs`.
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; what: string; intervalMs?: number; signal?: AbortSignal | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await check()) return;
    if (Date.now() >= deadline)
      throw new TimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await sleep(options.intervalMs ?? WAIT_POLL_INTERVAL_MS, options.signal);
  }
}
