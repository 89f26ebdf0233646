import { SYSTEM_TIMERS, type Timers } from '@synod/protocol';
import type { Logger } from 'pino';
import {
  L1_DEFAULT_RETRY_MAX_DELAY_MS,
  L1_DEFAULT_RETRY_MIN_DELAY_MS,
  L1_DEFAULT_TICK_INTERVAL_MS,
} from './constants.ts';
import { type L1ErrorCode, l1ErrorCode } from './errors.ts';
import type { L1Metrics } from './metrics.ts';
import type { L1Call, L1CallOwner, L1Sender } from './sender.ts';

/**
 * The loop that shares one Ethereum account among the jobs sending from it (docs/operations.md
 * "L1 settlement", "One account, several jobs"): the header submitter and one batch relayer per
 * settled namespace.
 *
 * Each round: every job plans from the store (no L1 needed); the transaction in flight, if any,
 * is followed (receipt, fee bump, cancellation); when none is in flight, the jobs are asked in
 * turn, starting after the one that sent last, for a call due now, and the first one due is
 * sent. So one transaction is in flight at a time, and a job with work always gets the next
 * slot after each other job with work has had one: no job can starve another.
 *
 * A failed step is recorded against its job (the transaction in flight counts as its owner's),
 * which then waits with exponential backoff while the others go on: a misconfigured batch
 * contract does not delay the headers.
 */

/** A failure as status reports it. */
export interface L1Failure {
  code: L1ErrorCode;
  message: string;
  atMs: number;
}

/** What the scheduler gives its jobs. */
export interface L1JobContext {
  nowMs(): number;
  /**
   * When L1 became reachable again after an outage (0 if it never was unreachable): takeover
   * clocks restart there, so the rotation, not a race, decides who sends first.
   */
  reachableSinceMs(): number;
  /** A read from L1 succeeded. */
  markReachable(): void;
}

/** One kind of work sent from the account. */
export interface L1Job<C extends L1Call = L1Call> extends L1CallOwner<C> {
  /** For logs: `headers`, `batches 0x…`. */
  readonly name: string;
  /**
   * Store-only planning (works with L1 down). Runs every round, also while a transaction is in
   * flight; does nothing before the job resumed from L1.
   */
  plan(): Promise<void>;
  /** Reads L1 (resuming from it the first time) and returns the call due now, if any. */
  next(): Promise<C | undefined>;
  /** The next takeover deadline this job waits for (unix ms), if any. */
  wakeAtMs(): number | undefined;
  /** The node finalized `height`: true if the job has something to plan. */
  wantsRound(height: number): boolean;
  /** A step of this job failed (status, metrics); already counted in synod_l1_submit_errors_total. */
  failed(failure: L1Failure): void;
  /** After each round (gauges). */
  afterRound?(): void;
}

export interface L1SchedulerOptions {
  sender: L1Sender;
  /** Loop period: read L1, check the pending transaction, send what is due. */
  tickIntervalMs?: number;
  /** Backoff of a failing job: min, doubled per consecutive failure up to max. */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  timers?: Timers;
  nowMs: () => number;
  metrics?: L1Metrics;
  logger?: Logger;
}

interface Backoff {
  failures: number;
  retryAtMs: number;
}

export class L1Scheduler {
  readonly #p: L1SchedulerOptions;
  readonly #sender: L1Sender;
  readonly #jobs: L1Job[] = [];
  readonly #tickIntervalMs: number;
  readonly #retryMinDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #timers: Timers;
  readonly #backoff = new Map<L1Job, Backoff>();
  readonly context: L1JobContext;

  #running = false;
  #reachable = true;
  #reachableSinceMs = 0;
  #lastError: L1Failure | undefined;
  /** Index of the job asked first in the next round that may send. */
  #turn = 0;
  #timer: unknown;
  #round: Promise<void> | undefined;
  #roundRequested = false;

  constructor(parameters: L1SchedulerOptions) {
    this.#p = parameters;
    this.#sender = parameters.sender;
    this.#tickIntervalMs = parameters.tickIntervalMs ?? L1_DEFAULT_TICK_INTERVAL_MS;
    this.#retryMinDelayMs = parameters.retryMinDelayMs ?? L1_DEFAULT_RETRY_MIN_DELAY_MS;
    this.#retryMaxDelayMs = parameters.retryMaxDelayMs ?? L1_DEFAULT_RETRY_MAX_DELAY_MS;
    this.#timers = parameters.timers ?? SYSTEM_TIMERS;
    this.context = {
      nowMs: parameters.nowMs,
      reachableSinceMs: () => this.#reachableSinceMs,
      markReachable: () => this.#setReachable(true),
    };
  }

  /** Adds a job (before start). Jobs take turns in the order they were added. */
  add(job: L1Job): void {
    this.#jobs.push(job as unknown as L1Job);
  }

  get running(): boolean {
    return this.#running;
  }

  /** The last L1 round succeeded (reads and sends; false after RPC_UNAVAILABLE). */
  get reachable(): boolean {
    return this.#reachable;
  }

  /** The last failure of any job. */
  get lastError(): L1Failure | undefined {
    return this.#lastError;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#requestRound(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  /** The node finalized `height`: run a round now if a job has something to plan. */
  onFinalized(height: number): void {
    if (!this.#running) return;
    if (this.#jobs.some((job) => job.wantsRound(height))) this.#requestRound(0);
  }

  // -------------------------------------------------------------------------------------------
  // Loop

  /** Runs a round after `delayMs`, or right after the current one if one is running. */
  #requestRound(delayMs: number): void {
    if (!this.#running) return;
    if (this.#round !== undefined) {
      if (delayMs === 0) this.#roundRequested = true;
      return;
    }
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#round = this.#runRound().finally(() => {
        this.#round = undefined;
        const again = this.#roundRequested;
        this.#roundRequested = false;
        this.#requestRound(again ? 0 : this.#nextDelayMs());
      });
    }, delayMs);
  }

  /** The tick, or sooner: the next takeover deadline or the end of a job's backoff. */
  #nextDelayMs(): number {
    const nowMs = this.#p.nowMs();
    let delayMs = this.#tickIntervalMs;
    const deadlines = [
      ...this.#jobs.map((job) => job.wakeAtMs()),
      ...[...this.#backoff.values()].map((backoff) => backoff.retryAtMs),
    ];
    for (const deadline of deadlines) {
      if (deadline !== undefined && deadline > nowMs) delayMs = Math.min(delayMs, deadline - nowMs);
    }
    return Math.max(0, delayMs);
  }

  /** True while `job` waits out its backoff. */
  #backingOff(job: L1Job): boolean {
    const backoff = this.#backoff.get(job);
    return backoff !== undefined && backoff.retryAtMs > this.#p.nowMs();
  }

  async #runRound(): Promise<void> {
    // Store-only: runs while a job backs off, so backlogs stay current through an outage.
    for (const job of this.#jobs) {
      try {
        await job.plan();
      } catch (error) {
        // A store-side failure: reported, but it sets no L1 backoff, which would stop this
        // account from following its transaction in flight (and so every job's sending).
        this.#fail(job, error, { backoff: false });
      }
    }
    const owner = this.#sender.pendingOwner as L1Job | undefined;
    if (owner !== undefined && !this.#backingOff(owner)) {
      try {
        await this.#sender.checkPending();
        this.#backoff.delete(owner);
      } catch (error) {
        this.#fail(owner, error);
      }
    }
    if (this.#sender.pendingOwner === undefined) await this.#sendNext();
    for (const job of this.#jobs) job.afterRound?.();
  }

  /** Asks the jobs in turn for a call due now; sends the first one. */
  async #sendNext(): Promise<void> {
    const count = this.#jobs.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#turn + i) % count;
      const job = this.#jobs[index]!;
      if (this.#backingOff(job)) continue;
      try {
        const call = await job.next();
        const sent = call !== undefined && (await this.#sender.send(job, call));
        this.#backoff.delete(job);
        if (sent) {
          this.#turn = (index + 1) % count;
          return;
        }
      } catch (error) {
        // L1 is down for every job alike: the others would only wait for the same timeout.
        if (this.#fail(job, error) === 'RPC_UNAVAILABLE') return;
      }
    }
  }

  #fail(job: L1Job, error: unknown, options: { backoff: boolean } = { backoff: true }): L1ErrorCode {
    const code = l1ErrorCode(error);
    const backoff = this.#backoff.get(job) ?? { failures: 0, retryAtMs: 0 };
    let delayMs = 0;
    if (options.backoff) {
      backoff.failures++;
      const exponent = Math.min(backoff.failures - 1, 30);
      delayMs = Math.min(this.#retryMaxDelayMs, this.#retryMinDelayMs * 2 ** exponent);
      backoff.retryAtMs = this.#p.nowMs() + delayMs;
      this.#backoff.set(job, backoff);
    }
    const message =
      error instanceof Error
        ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
        : String(error);
    const failure: L1Failure = { code, message, atMs: this.#p.nowMs() };
    this.#lastError = failure;
    this.#p.metrics?.submitErrorsTotal.inc({ code });
    if (code === 'RPC_UNAVAILABLE') this.#setReachable(false);
    if (code === 'NONCE_TOO_LOW' || code === 'NONCE_TOO_HIGH') this.#sender.resyncNonce();
    job.failed(failure);
    this.#p.logger?.warn(
      { job: job.name, code, err: message, failures: backoff.failures, retryInMs: delayMs },
      'L1 round failed; retrying with backoff',
    );
    return code;
  }

  #setReachable(reachable: boolean): void {
    if (reachable && !this.#reachable) {
      this.#reachableSinceMs = this.#p.nowMs();
      this.#p.logger?.info('L1 reachable again');
    }
    this.#reachable = reachable;
    this.#p.metrics?.reachable.set(reachable ? 1 : 0);
  }
}
