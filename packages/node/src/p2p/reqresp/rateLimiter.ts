import { assert } from '@synod/protocol';

/**
 * Token buckets keyed by (protocol, peer): each key holds up to `burst` tokens, refilled at
 * `perSecond`; a request takes one. The map is bounded: the least recently used key is evicted
 * first, which at worst hands a forgotten peer a fresh burst.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly maxBuckets: number;
  private readonly now: () => number;

  constructor(init: { perSecond: number; burst: number; maxBuckets: number; now: () => number }) {
    assert(init.perSecond > 0 && init.burst >= 1 && init.maxBuckets >= 1, 'rate limiter: positive limits');
    this.perSecond = init.perSecond;
    this.burst = init.burst;
    this.maxBuckets = init.maxBuckets;
    this.now = init.now;
  }

  /** Takes one token for `key`; false when the bucket is empty (the request must be refused). */
  tryTake(key: string): boolean {
    const nowMs = this.now();
    const bucket = this.buckets.get(key);
    let tokens: number;
    if (bucket === undefined) {
      tokens = this.burst;
      if (this.buckets.size >= this.maxBuckets) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
    } else {
      const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
      tokens = Math.min(this.burst, bucket.tokens + (elapsedMs * this.perSecond) / 1000);
      // Re-insert so Map order is least-recently-used first.
      this.buckets.delete(key);
    }
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, updatedMs: nowMs });
    return allowed;
  }

  /** Tracked keys (bounded by maxBuckets). */
  get size(): number {
    return this.buckets.size;
  }
}
