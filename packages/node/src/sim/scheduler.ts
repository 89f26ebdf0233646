import { setImmediate } from 'node:timers';
import type { Timers } from '@synod/protocol';

/**
 * The simulator's virtual time: a queue of events by (time, insertion order), so the schedule is
 * a pure function of the seed, and timers on it for the code under test. Nothing here reads the
 * wall clock or arms a real timer; the only real-time primitive is `settle()`, a barrier that
 * waits until the promises an event started have run to completion (see runner.ts).
 */

/** Events per run: a guard against a livelock in our own code (a run uses a few tens of thousands). */
export const MAX_EVENTS_PER_RUN = 2_000_000;

interface QueuedEvent {
  atMs: number;
  sequence: number;
  run: () => void;
}

export class Scheduler {
  readonly #items: QueuedEvent[] = [];
  #sequence = 0;
  #nowMs = 0;
  #events = 0;

  /** Virtual ms since the start of the run. */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Events run so far. */
  get eventCount(): number {
    return this.#events;
  }

  /** Runs `run` at virtual time `atMs` (never before now), after everything already queued for that time. */
  at(atMs: number, run: () => void): void {
    if (!(atMs >= this.#nowMs) || !Number.isFinite(atMs))
      throw new Error(`simulator assertion failed: event at ${atMs} ms, now is ${this.#nowMs} ms`);
    const items = this.#items;
    items.push({ atMs, sequence: this.#sequence++, run });
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.#nowMs + delayMs, run);
  }

  /**
   * Timers for code under test (Timers). A timer fires only while `alive()` holds: the
   * timers of a crashed process die with it.
   */
  timers(alive: () => boolean): Timers {
    return {
      setTimeout: (callback, delayMs) => {
        const handle = { cancelled: false };
        this.after(Math.max(0, Math.ceil(delayMs)), () => {
          if (!handle.cancelled && alive()) callback();
        });
        return handle;
      },
      clearTimeout: (handle) => {
        if (handle !== undefined) (handle as { cancelled: boolean }).cancelled = true;
      },
    };
  }

  /** Runs the next event (advancing the virtual time to it); false when the queue is empty or past `untilMs`. */
  runNext(untilMs = Number.POSITIVE_INFINITY): boolean {
    const top = this.#items[0];
    if (top === undefined || top.atMs > untilMs) return false;
    this.#pop();
    this.#nowMs = top.atMs;
    this.#events += 1;
    if (this.#events > MAX_EVENTS_PER_RUN)
      throw new Error(`simulator assertion failed: over ${MAX_EVENTS_PER_RUN} events`);
    top.run();
    return true;
  }

  #pop(): void {
    const items = this.#items;
    const last = items.pop()!;
    if (items.length === 0) return;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
      if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
      if (smallest === index) break;
      [items[index], items[smallest]] = [items[smallest]!, items[index]!];
      index = smallest;
    }
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
}

/**
 * Resolves once every promise continuation queued so far, and every one those queue, has run:
 * the driver's awaits on its (in-memory) store and network finish before the next event. The
 * order of continuations is JavaScript's, fixed by the order of the events, so a run stays a
 * function of its seed; no real timer or I/O is ever pending in a run.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
