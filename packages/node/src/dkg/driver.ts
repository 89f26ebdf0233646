import {
  assert,
  type DkgConfig,
  type DkgInput,
  type DkgMessage,
  type DkgOutput,
  type DkgPhase,
  type DkgPublicOutcome,
  type DkgResult,
  type DkgSecrets,
  type DkgState,
  dkgInit,
  dkgStep,
  MAX_DKG_PARTICIPANTS,
  SYSTEM_TIMERS,
  type Timers,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { DkgSessionError } from './errors.ts';

/**
 * Runs the pure DKG state machine (`dkgInit`/`dkgStep` of @synod/protocol) with real timers and
 * a transport: it carries out `broadcast` outputs, arms a timer on every `phaseStarted` and feeds
 * `phaseTimeout` when it fires, and settles `result` on `finished` or `failed`.
 *
 * A phase also ends as soon as every participant's message for it is held (drand's "fast sync"):
 * waiting longer cannot change the outcome of that phase, and a healthy committee then finishes
 * in a few round trips instead of the sum of the timeouts. Timeouts only matter when someone is
 * missing or misbehaving.
 */

export interface DkgPhaseTimeouts {
  readonly dealMs: number;
  readonly responseMs: number;
  readonly justificationMs: number;
}

export interface DkgDriverOptions {
  readonly config: DkgConfig;
  readonly secrets: DkgSecrets;
  readonly timeouts: DkgPhaseTimeouts;
}

export interface DkgDriverDeps {
  /** Sends a message to every participant (gossip). Failures are logged; gossip has no acks anyway. */
  readonly broadcast: (message: DkgMessage, bytes: Uint8Array) => Promise<unknown> | undefined;
  readonly timers?: Timers;
  readonly logger?: Logger | undefined;
}

/**
 * Messages held before `start()` (a peer that dealt before we were ready): at most one deal,
 * response and justification per participant, plus slack for duplicates. Beyond it, drop.
 */
export const MAX_BUFFERED_DKG_MESSAGES = 4 * MAX_DKG_PARTICIPANTS;

/** How a session ended for us: with a share, or (a reshare's leaving dealer) with the public outcome only. */
export type DkgEnd = { kind: 'share'; result: DkgResult } | { kind: 'handedOver'; outcome: DkgPublicOutcome };

export class DkgDriver {
  /** Resolves with the key share (or a leaving dealer's hand-over), or rejects with DkgSessionError FAILED / ABORTED. */
  readonly result: Promise<DkgEnd>;
  private readonly options: DkgDriverOptions;
  private readonly deps: DkgDriverDeps;
  private readonly timers: Timers;
  private state: DkgState | undefined;
  private readonly buffered: DkgMessage[] = [];
  private timer: unknown;
  private settled = false;
  private resolveResult!: (end: DkgEnd) => void;
  private rejectResult!: (error: Error) => void;

  constructor(options: DkgDriverOptions, deps: DkgDriverDeps) {
    this.options = options;
    this.deps = deps;
    this.timers = deps.timers ?? SYSTEM_TIMERS;
    this.result = new Promise<DkgEnd>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The caller may only look at `result` after start(); never an unhandled rejection meanwhile.
    this.result.catch(() => {});
  }

  /** The current phase ('idle' before start). */
  get phase(): DkgPhase | 'idle' {
    return this.state?.phase ?? 'idle';
  }

  /** Deals our share of the key. Throws DkgError INVALID_CONFIG if the session parameters are unusable. */
  start(): void {
    assert(this.state === undefined, 'DKG driver started twice');
    const { state, outputs } = dkgInit(this.options.config, this.options.secrets);
    this.state = state;
    this.deps.logger?.info(
      { participants: this.options.config.participants.length, threshold: this.options.config.threshold },
      'DKG started: deal broadcast',
    );
    this.carryOut(outputs);
    for (const message of this.buffered.splice(0)) this.apply(message);
    this.endPhasesThatAreComplete();
  }

  /** A message from the network (already decoded). Held until start(). */
  receive(message: DkgMessage): void {
    if (this.settled) return;
    if (this.state === undefined) {
      if (this.buffered.length < MAX_BUFFERED_DKG_MESSAGES) this.buffered.push(message);
      return;
    }
    this.apply(message);
    this.endPhasesThatAreComplete();
  }

  /** Cancels the timer and rejects `result` (if still pending) with ABORTED. */
  stop(reason = 'stopped'): void {
    this.clearTimer();
    this.settle(() => this.rejectResult(new DkgSessionError('ABORTED', `DKG aborted: ${reason}`)));
  }

  private apply(input: DkgInput): void {
    if (this.settled || this.state === undefined) return;
    const transition = dkgStep(this.state, input);
    this.state = transition.state;
    this.carryOut(transition.outputs);
  }

  /** Ends the current phase early when nothing more can arrive for it (see the class comment). */
  private endPhasesThatAreComplete(): void {
    for (;;) {
      const state = this.state;
      if (state === undefined || this.settled || !isPhaseComplete(state)) return;
      this.deps.logger?.debug({ phase: state.phase }, 'DKG phase complete before its timeout');
      this.apply({ type: 'phaseTimeout', phase: state.phase });
    }
  }

  private carryOut(outputs: readonly DkgOutput[]): void {
    const logger = this.deps.logger;
    for (const output of outputs) {
      switch (output.type) {
        case 'broadcast':
          Promise.resolve(this.deps.broadcast(output.message, output.bytes)).catch((error: unknown) =>
            logger?.warn({ err: error, message: output.message.type }, 'DKG broadcast failed'),
          );
          break;
        case 'phaseStarted':
          this.armTimer(output.phase);
          logger?.info({ phase: output.phase }, 'DKG phase started');
          break;
        case 'rejected':
          // DUPLICATE and LATE are normal under gossip; the rest point at a misbehaving participant.
          if (output.code === 'DUPLICATE' || output.code === 'LATE') {
            logger?.debug({ code: output.code, sender: output.senderIndex }, 'DKG message dropped');
          } else {
            logger?.warn({ code: output.code, sender: output.senderIndex }, 'DKG message rejected');
          }
          break;
        case 'equivocation':
          logger?.warn({ dealer: output.dealerIndex }, 'DKG dealer signed two different deals: excluded');
          break;
        case 'finished':
          this.clearTimer();
          this.settle(() => this.resolveResult({ kind: 'share', result: output.result }));
          break;
        case 'handedOver':
          this.clearTimer();
          this.settle(() => this.resolveResult({ kind: 'handedOver', outcome: output.outcome }));
          break;
        case 'failed':
          this.clearTimer();
          this.settle(() =>
            this.rejectResult(
              new DkgSessionError(
                'FAILED',
                `DKG failed: ${output.error.message}; excluded dealers: ${
                  output.excluded.map((entry) => `${entry.dealerIndex} (${entry.reason})`).join(', ') ||
                  'none'
                }`,
                { cause: output.error },
              ),
            ),
          );
          break;
      }
    }
  }

  private armTimer(phase: 'deal' | 'response' | 'justification'): void {
    this.clearTimer();
    const { dealMs, responseMs, justificationMs } = this.options.timeouts;
    const delayMs = phase === 'deal' ? dealMs : phase === 'response' ? responseMs : justificationMs;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.deps.logger?.info({ phase }, 'DKG phase timed out');
      this.apply({ type: 'phaseTimeout', phase });
      this.endPhasesThatAreComplete();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(action: () => void): void {
    if (this.settled) return;
    this.settled = true;
    action();
  }
}

/**
 * Whether every message the current phase waits for is held: every dealer's deal; all n responses; a
 * revealed share for every complaint. Equivocations and late messages do not matter here: the
 * state machine handles them in any phase.
 */
export function isPhaseComplete(state: DkgState): boolean {
  const n = state.config.participants.length;
  // In a reshare the deals (and justifications) come from the previous committee.
  const dealers = state.config.reshare?.dealers.length ?? n;
  switch (state.phase) {
    case 'deal':
      return state.deals.size === dealers;
    case 'response':
      return state.responders.size === n;
    case 'justification':
      return [...state.complaints].every(([dealer, accusers]) =>
        [...accusers].every((accuser) => state.revealed.get(dealer)?.has(accuser) === true),
      );
    default:
      return false;
  }
}
