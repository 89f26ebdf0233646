import { SimRequestError } from './errors.ts';
import type { Random } from './random.ts';
import type { Scenario } from './scenario.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * The simulated network (docs/consensus.md "Simulator"): every message between two processes
 * takes latency + jitter (independent per message, so messages reorder), and during the safety
 * phase may be lost or duplicated, and is cut while a partition separates the two validators.
 * After the heal (the liveness phase) every message arrives within δ = latency + jitter. A
 * message in flight to a process that crashed meanwhile is lost with it.
 *
 * Consensus gossip, body and block requests all go through `send` and `request`; only client
 * transactions take `gossipDelayMs` (a node's re-gossip of pending transactions makes their
 * dissemination reliable, so the model delivers them to every node, after the heal if cut off).
 */

/** One end of a link: a simulated process. */
export interface SimEndpoint {
  readonly validatorIndex: number;
  /** Bumped by each crash: a message sent to an earlier incarnation is lost. */
  readonly incarnation: number;
  /** False while crashed (or never started). */
  readonly up: boolean;
}

export class SimNetwork {
  readonly #scenario: Scenario;
  readonly #random: Random;
  readonly #scheduler: Scheduler;
  #faultsActive = true;

  constructor(scenario: Scenario, random: Random, scheduler: Scheduler) {
    this.#scenario = scenario;
    this.#random = random;
    this.#scheduler = scheduler;
  }

  /** The liveness phase begins: no more loss, duplication or partition. */
  heal(): void {
    this.#faultsActive = false;
  }

  /** Whether a partition separates validators `a` and `b` now. */
  separated(a: number, b: number): boolean {
    const partition = this.#partitionNow();
    return partition?.some((group) => group.includes(a) !== group.includes(b)) ?? false;
  }

  /** One-way delay of one message: latency + jitter. */
  delayMs(): number {
    return this.#scenario.latencyMs + this.#random.int(0, this.#scenario.jitterMs);
  }

  /**
   * One message from `from` to `to`: `deliver` runs at `to` after the delay, unless the message is
   * lost, cut by a partition, or `to` crashed meanwhile; sometimes it runs twice (duplication).
   */
  send(from: SimEndpoint, to: SimEndpoint, deliver: () => void): void {
    if (this.separated(from.validatorIndex, to.validatorIndex)) return;
    if (this.#faultsActive && this.#random.chance(this.#scenario.lossRate)) return;
    const copies = this.#faultsActive && this.#random.chance(this.#scenario.duplicateRate) ? 2 : 1;
    const incarnation = to.incarnation;
    for (let i = 0; i < copies; i++) {
      this.#scheduler.after(this.delayMs(), () => {
        if (to.up && to.incarnation === incarnation) deliver();
      });
    }
  }

  /**
   * A request from `from` to `to` and its response, each a message of `send` (either may be
   * lost). `serve` runs at `to` and answers (undefined: no answer). Rejects when `signal` aborts
   * first (the requester's deadline, on its own timers); a response to a crashed requester is lost.
   */
  request<T>(
    from: SimEndpoint,
    to: SimEndpoint,
    serve: () => Promise<T | undefined>,
    signal: AbortSignal,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) {
        reject(new SimRequestError('ABORTED', 'aborted'));
        return;
      }
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        reject(new SimRequestError('TIMEOUT', 'no response before the deadline'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.send(from, to, () => {
        void serve().then((answer) => {
          if (answer === undefined) return;
          this.send(to, from, () => {
            if (done) return;
            done = true;
            signal.removeEventListener('abort', onAbort);
            resolve(answer);
          });
        });
      });
    });
  }

  /**
   * When a transaction a client submits now at validator `entry` reaches validator `to`: after
   * one delay, or after the heal plus one delay when a partition separates the two now (it is
   * never lost). The side of the partition the client reached has it at once.
   */
  gossipDelayMs(entry: number, to: number): number {
    const nowMs = this.#scheduler.nowMs;
    const episode = this.#scenario.partitions[0];
    const healMs = this.separated(entry, to) && episode !== undefined ? episode.endMs : nowMs;
    return Math.max(this.delayMs(), healMs - nowMs + this.delayMs());
  }

  #partitionNow(): number[][] | null {
    if (!this.#faultsActive) return null;
    const nowMs = this.#scheduler.nowMs;
    const episode = this.#scenario.partitions[0];
    return episode !== undefined && nowMs >= episode.startMs && nowMs < episode.endMs ? episode.groups : null;
  }
}
