import type { NodeRpc, RpcBlock } from './rpc.ts';

/**
 * Follows the finalized chain of one (honest) node: every block, in height order, with the time
 * the runner learned of it. A WebSocket `newBlocks` subscription gives the time to the millisecond
 * (latency percentiles need it); a slow poll fills any gap and covers a node without WebSocket.
 */

/** Poll interval behind the subscription: only a safety net. */
const FOLLOW_POLL_INTERVAL_MS = 500;
/** Blocks fetched per catch-up request (one JSON-RPC batch). */
const FOLLOW_BATCH_BLOCKS = 100;
/** Blocks remembered for the status line's rate and the summary; a 1 h run at 10 blocks/s fits. */
export const MAX_FOLLOWED_BLOCKS = 100_000;

export interface FollowedBlock {
  height: number;
  hash: string;
  transactionIds: string[];
  prices: { feedId: string; answer: string }[];
  /** When the runner learned the block was final (notification or poll), unix ms. */
  observedAtMs: number;
}

export interface ChainFollowerOptions {
  rpc: NodeRpc;
  /** Blocks above this height are reported. */
  fromHeight: number;
  onBlock?: (block: FollowedBlock) => void;
  nowMs?: () => number;
}

export class ChainFollower {
  readonly #rpc: NodeRpc;
  readonly #onBlock: ((block: FollowedBlock) => void) | undefined;
  readonly #nowMs: () => number;
  readonly blocks: FollowedBlock[] = [];

  /** The JSON-RPC endpoint of the node it follows. */
  get rpcUrl(): string {
    return this.#rpc.url;
  }
  readonly latestPrices = new Map<string, string>();
  #height: number;
  #target: number;
  #seenAtMs = new Map<number, number>();
  #running: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #socket: WebSocket | undefined;
  #stopped = false;
  lastError: unknown;

  constructor(options: ChainFollowerOptions) {
    this.#rpc = options.rpc;
    this.#onBlock = options.onBlock;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#height = options.fromHeight;
    this.#target = options.fromHeight;
  }

  /** Highest height reported so far. */
  get height(): number {
    return this.#height;
  }

  start(): void {
    this.#timer = setInterval(() => void this.poll(), FOLLOW_POLL_INTERVAL_MS);
    this.#subscribe();
    void this.poll();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#socket?.close();
  }

  /** Asks the node for its finalized height and catches up to it. */
  async poll(): Promise<void> {
    try {
      const status = await this.#rpc.status();
      this.#advance(status.finalizedHeight, this.#nowMs());
    } catch (error) {
      this.lastError = error;
    }
    await this.#running;
  }

  #subscribe(): void {
    if (typeof WebSocket !== 'function') return;
    const url = `${this.#rpc.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      socket.send(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'synod_subscribe', params: ['newBlocks'] }),
      );
    });
    socket.addEventListener('message', (event) => {
      const observedAtMs = this.#nowMs();
      try {
        const message = JSON.parse(String(event.data)) as {
          method?: string;
          params?: { result?: { header?: { height?: number } } };
        };
        const height = message.params?.result?.header?.height;
        if (message.method === 'synod_subscription' && typeof height === 'number') {
          this.#advance(height, observedAtMs);
        }
      } catch {
        // Not ours to fix: the poll covers whatever a bad frame hid.
      }
    });
    // Errors and closes fall back to the poll.
    socket.addEventListener('error', () => {});
  }

  #advance(height: number, observedAtMs: number): void {
    if (height <= this.#target) return;
    for (let h = this.#target + 1; h <= height; h++) this.#seenAtMs.set(h, observedAtMs);
    this.#target = height;
    this.#running ??= this.#catchUp().finally(() => {
      this.#running = undefined;
    });
  }

  async #catchUp(): Promise<void> {
    while (!this.#stopped && this.#height < this.#target) {
      const heights: number[] = [];
      for (let h = this.#height + 1; h <= this.#target && heights.length < FOLLOW_BATCH_BLOCKS; h++)
        heights.push(h);
      let blocks: (RpcBlock | null)[];
      try {
        blocks = await this.#rpc.blocksByHeight(heights);
      } catch (error) {
        this.lastError = error;
        return;
      }
      for (const [i, block] of blocks.entries()) {
        const height = heights[i]!;
        if (block === null) return; // not stored yet: the next poll retries
        const followed: FollowedBlock = {
          height,
          hash: block.hash,
          transactionIds: block.transactionIds,
          prices: block.prices ?? [],
          observedAtMs: this.#seenAtMs.get(height) ?? this.#nowMs(),
        };
        this.#seenAtMs.delete(height);
        this.#height = height;
        for (const price of followed.prices) this.latestPrices.set(price.feedId, price.answer);
        this.blocks.push(followed);
        if (this.blocks.length > MAX_FOLLOWED_BLOCKS) this.blocks.shift();
        this.#onBlock?.(followed);
      }
    }
  }

  /** Finalized transactions per second over the last `windowMs`. */
  transactionsPerSecond(windowMs: number): number {
    const since = this.#nowMs() - windowMs;
    let count = 0;
    for (let i = this.blocks.length - 1; i >= 0 && this.blocks[i]!.observedAtMs >= since; i--) {
      count += this.blocks[i]!.transactionIds.length;
    }
    return count / (windowMs / 1000);
  }
}
