import type { Client } from '../clients/createClient.ts';
import { MAX_BACKFILL_BLOCKS } from '../constants.ts';
import { BaseError } from '../errors/base.ts';
import { sleep } from '../transports/retry.ts';
import type { BlockSummary } from '../types/synod.ts';
import { assertCertified } from '../utils/assertVerified.ts';
import { decodeBlockSummary } from '../utils/decode.ts';
import { subscribeOf } from '../utils/subscriptions.ts';
import { getBlock } from './getBlock.ts';

export interface WatchBlocksParameters {
  /** Called once per finalized block, in height order, with no height skipped. */
  onBlock: (block: BlockSummary) => void;
  /** Called on failures; watching goes on (polling retries, the socket reconnects). */
  onError?: ((error: Error) => void) | undefined;
  /**
   * Verify each block's certificate under the committee key before delivering it (default true,
   * ~25 ms each). A block that fails goes to onError, and watching stops at it.
   */
  verify?: boolean | undefined;
  /** Also deliver the latest block at start (default false: only blocks after it). */
  emitOnBegin?: boolean | undefined;
  /** Over HTTP, how often to ask for the latest block. Default: the client's (250 ms). */
  pollingIntervalMs?: number | undefined;
  /** Force polling even over a WebSocket (default: subscribe when the transport can). */
  poll?: boolean | undefined;
}

/** Stops watching. */
export type WatchBlocksReturnType = () => void;
export type WatchBlocksErrorType = never;

/** A gap longer than MAX_BACKFILL_BLOCKS: watching resumes from the newest block. */
export class BlockGapError extends BaseError {
  declare readonly name: 'BlockGapError';
  constructor(fromHeight: number, toHeight: number) {
    super(`Skipped blocks ${fromHeight}..${toHeight}.`, {
      name: 'BlockGapError',
      docsPath: '#blockgaperror',
      details: `more than ${MAX_BACKFILL_BLOCKS} blocks were missed (disconnected?); fetch them with getBlock if needed`,
    });
  }
}

/**
 * Calls `onBlock` for every newly finalized block, in order. Over a WebSocket it subscribes to
 * `newBlocks`; over HTTP it polls the latest height. Gaps (a reconnect, a slow poll) are filled
 * by height, so no block is skipped. Each block is verified (certificate under the committee
 * key, hash) unless `verify: false`.
 *
 * RPC methods: `synod_subscribe` ('newBlocks') over WebSocket, else `synod_getBlockByHeight`
 * ('latest', then by height for gaps).
 *
 * @example
 * ```ts
 * const unwatch = watchBlocks(client, {
 *   onBlock: (block) => console.log(`height ${block.header.height}: ${block.header.txCount} txs`),
 *   onError: console.error,
 * });
 * // later
 * unwatch();
 * ```
 */
export function watchBlocks(client: Client, parameters: WatchBlocksParameters): WatchBlocksReturnType {
  const verify = parameters.verify ?? true;
  const onError = (error: unknown) =>
    parameters.onError?.(error instanceof Error ? error : new Error(String(error)));
  const stopped = new AbortController();
  let lastHeight: number | undefined;
  let failed = false;
  // Blocks are handled one at a time, in arrival order (verification and gap filling are async).
  let queue: Promise<void> = Promise.resolve();

  const deliver = async (block: BlockSummary) => {
    if (verify) await assertCertified(client, block);
    if (stopped.signal.aborted) return;
    lastHeight = block.header.height;
    parameters.onBlock(block);
  };

  const handle = async (block: BlockSummary) => {
    if (stopped.signal.aborted || failed) return;
    const height = block.header.height;
    if (lastHeight !== undefined && height <= lastHeight) return; // seen (a reconnect replays nothing, polls do)
    if (lastHeight !== undefined && height > lastHeight + 1) {
      const from = lastHeight + 1;
      if (height - from > MAX_BACKFILL_BLOCKS) {
        onError(new BlockGapError(from, height - 1));
      } else {
        for (let missing = from; missing < height && !stopped.signal.aborted; missing++) {
          const filled = await getBlock(client, { height: missing, signal: stopped.signal });
          if (filled !== null) await deliver(filled);
        }
      }
    }
    await deliver(block);
  };

  const enqueue = (block: BlockSummary) => {
    queue = queue
      .then(() => handle(block))
      .catch((error: unknown) => {
        if (stopped.signal.aborted) return;
        // A block that fails verification stops the watch: later blocks would chain on a lie.
        if (error instanceof BaseError && error.name === 'VerificationError') failed = true;
        onError(error);
      });
  };

  const subscribe = parameters.poll === true ? undefined : subscribeOf(client);
  if (subscribe !== undefined) {
    let unsubscribe: (() => Promise<void>) | undefined;
    const begin = async () => {
      if (parameters.emitOnBegin === true) {
        const latest = await getBlock(client, { height: 'latest' });
        if (latest !== null) enqueue(latest);
      }
    };
    subscribe({
      topic: 'newBlocks',
      onData: (result) => {
        try {
          enqueue(decodeBlockSummary(result));
        } catch (error) {
          onError(error);
        }
      },
      onError,
    }).then((subscription) => {
      if (stopped.signal.aborted) void subscription.unsubscribe();
      else unsubscribe = () => subscription.unsubscribe();
      return begin();
    }, onError);
    return () => {
      stopped.abort();
      void unsubscribe?.();
    };
  }

  const pollingIntervalMs = parameters.pollingIntervalMs ?? client.pollingIntervalMs;
  void (async () => {
    let first = true;
    while (!stopped.signal.aborted) {
      try {
        const latest = await getBlock(client, { height: 'latest', signal: stopped.signal });
        if (latest !== null) {
          if (first && parameters.emitOnBegin !== true) lastHeight = latest.header.height;
          else enqueue(latest);
          first = false;
        }
      } catch (error) {
        if (!stopped.signal.aborted) onError(error);
      }
      await queue;
      try {
        await sleep(pollingIntervalMs, stopped.signal);
      } catch {
        return;
      }
    }
  })();
  return () => stopped.abort();
}
