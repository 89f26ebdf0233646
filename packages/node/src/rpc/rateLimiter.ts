import { MAX_RATE_LIMITED_CLIENTS } from './constants.ts';

/**
 * Token buckets per client key (the client IP): `burst` tokens, refilled at `perSecond`. A call
 * costs one token, so a batch of n costs n. At most `maxClients` buckets are kept: the least
 * recently used is forgotten first (Map iteration order is insertion order, and each use
 * re-inserts). The clock is injected so tests can move time.
 */
export class ClientRateLimiter {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #maxClients: number;
  readonly #nowMs: () => number;
  readonly #buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(options: { perSecond: number; burst: number; nowMs: () => number; maxClients?: number }) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) {
      throw new Error(`assertion failed: rate limit needs perSecond > 0 and burst >= 1`);
    }
    this.#perSecond = options.perSecond;
    this.#burst = options.burst;
    this.#nowMs = options.nowMs;
    this.#maxClients = options.maxClients ?? MAX_RATE_LIMITED_CLIENTS;
  }

  /**
   * Takes `cost` tokens if the client has them. Returns 0 when allowed, else the milliseconds
   * until it would be (nothing is taken then). A cost above the burst can never be paid: it is
   * refused with the time to refill the whole bucket.
   */
  take(client: string, cost = 1): number {
    const bucket = this.#refill(client);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    const missing = Math.min(cost, this.#burst) - bucket.tokens;
    return Math.max(1, Math.ceil((missing * 1000) / this.#perSecond));
  }

  /** Whether the client has at least one token (checked before reading a request body). */
  hasTokens(client: string): boolean {
    return this.#refill(client).tokens >= 1;
  }

  get trackedClients(): number {
    return this.#buckets.size;
  }

  #refill(client: string) {
    const now = this.#nowMs();
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      bucket = { tokens: this.#burst, updatedMs: now };
    } else {
      this.#buckets.delete(client);
      const elapsedMs = Math.max(0, now - bucket.updatedMs);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (elapsedMs * this.#perSecond) / 1000);
      bucket.updatedMs = now;
    }
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > this.#maxClients) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    return bucket;
  }
}
