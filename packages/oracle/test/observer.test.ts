import type { Timers } from '@synod/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createObserver, type FeedObservation } from '../src/index.ts';
import type { PriceSimulator } from '../src/simulator/index.ts';
import { ethFeed, manualClock, startTestSimulator } from './sources-helpers.ts';

/** Timers that fire only when the test says so. */
function manualTimers(): Timers & { pending: () => number[]; fire: () => void } {
  const queue = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  return {
    setTimeout(callback, ms) {
      next += 1;
      queue.set(next, { callback, ms });
      return next;
    },
    clearTimeout(handle) {
      queue.delete(handle as number);
    },
    pending: () => [...queue.values()].map((t) => t.ms),
    fire() {
      const [id, timer] = [...queue.entries()][0]!;
      queue.delete(id);
      timer.callback();
    },
  };
}

/** Resolves once `predicate` holds, polling the event loop (HTTP to the simulator is real). */
async function until(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const clock = manualClock();
let simulator: PriceSimulator;

beforeAll(async () => {
  simulator = await startTestSimulator(clock.now);
});
afterAll(() => simulator.stop());
beforeEach(() => simulator.control.reset());

describe('Observer', () => {
  it('polls at start, then intervalMs after each poll, and stops', async () => {
    const timers = manualTimers();
    const seen: FeedObservation[] = [];
    const feed = ethFeed(simulator);
    const observer = createObserver({
      feeds: [feed],
      intervalMs: 1_000,
      now: clock.now,
      timers,
      onObservation: (observation) => seen.push(observation),
    });
    expect(observer.latestObservations()).toEqual([]);
    observer.start();
    observer.start(); // idempotent
    await until(() => timers.pending().length === 1);
    expect(seen).toHaveLength(1);
    expect(timers.pending()).toEqual([1_000]);
    const first = observer.latestObservations();
    expect(first).toEqual([seen[0]!.observation]);

    simulator.control.advance(50);
    timers.fire();
    await until(() => seen.length === 2 && timers.pending().length === 1);
    expect(observer.latestObservations()).toEqual([seen[1]!.observation]);
    expect(observer.status()).toEqual([seen[1]]);

    await observer.stop();
    expect(observer.running).toBe(false);
    expect(timers.pending()).toEqual([]);
  });

  it('omits a feed from the vote extension once its observation is older than sourceMaxAgeMs', async () => {
    const feed = ethFeed(simulator);
    const observer = createObserver({ feeds: [feed], now: clock.now, timers: manualTimers() });
    await observer.pollOnce();
    expect(observer.latestObservations()).toHaveLength(1);
    clock.advance(feed.sourceMaxAgeMs);
    expect(observer.latestObservations()).toHaveLength(1);
    clock.advance(1);
    expect(observer.latestObservations()).toEqual([]);
    expect(observer.status()).toHaveLength(1); // status still shows the last poll
  });

  it('a feed with every source down is omitted, and its status says why', async () => {
    const feed = ethFeed(simulator);
    simulator.control.down({});
    const observer = createObserver({ feeds: [feed], now: clock.now, timers: manualTimers() });
    await observer.pollOnce();
    expect(observer.latestObservations()).toEqual([]);
    const [status] = observer.status();
    expect(status?.reason).toBe('too-few-sources');
    expect(status?.sources.map((s) => s.lastErrorCode)).toEqual([
      'HTTP_STATUS',
      'HTTP_STATUS',
      'HTTP_STATUS',
    ]);
  });

  it('stop aborts requests in flight and keeps the previous view', async () => {
    const feed = ethFeed(simulator, {}, { timeoutMs: 5_000 });
    const observer = createObserver({ feeds: [feed], now: clock.now, timers: manualTimers() });
    await observer.pollOnce();
    const before = observer.status();
    simulator.control.slow({}, 4_000);
    observer.start();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await observer.stop();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(observer.status()).toEqual(before);
    // The cancelled requests were not held against the venues: no backoff after a restart.
    simulator.control.reset();
    const [again] = await observer.pollOnce();
    expect(again?.usedSourceIds).toEqual(['coinbase', 'kraken', 'binance']);
  });

  it('refuses an invalid feed configuration', () => {
    const feed = ethFeed(simulator);
    expect(() => createObserver({ feeds: [feed, feed] })).toThrow(/DUPLICATE_FEED/);
  });
});
