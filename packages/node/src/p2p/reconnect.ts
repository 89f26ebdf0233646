import { assert, type Timers } from '@synod/protocol';
import type { Logger } from 'pino';
import {
  DIAL_TIMEOUT_MS,
  MAX_KNOWN_PEERS,
  RECONNECT_MAX_ATTEMPTS_KNOWN_PEER,
  RECONNECT_MAX_DELAY_MS,
  RECONNECT_MIN_DELAY_MS,
} from './constants.ts';
import type { P2pMetrics } from './metrics.ts';

/** The real clock's timers; handles are unref'd so a pending reconnect never keeps a process alive. */
export const systemTimers: Timers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * Exponential backoff with "equal jitter": the ceiling doubles per failed attempt up to
 * `maxDelayMs`, and the delay is drawn uniformly from [ceiling/2, ceiling]. The floor at half
 * the ceiling prevents hot loops; the jitter spreads the redials of a whole committee after a
 * network partition heals, so they do not all land on one node in the same millisecond.
 */
export function reconnectDelayMs(
  attempt: number,
  minDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  assert(Number.isInteger(attempt) && attempt >= 0, `attempt ${attempt} must be a non-negative integer`);
  assert(minDelayMs > 0 && maxDelayMs >= minDelayMs, `bad reconnect bounds ${minDelayMs}..${maxDelayMs}`);
  // 2^31 already exceeds any sane ceiling; capping the exponent keeps the arithmetic finite.
  const ceilingMs = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt, 31));
  const sample = random();
  assert(sample >= 0 && sample < 1, `random() returned ${sample}, expected [0, 1)`);
  return Math.round(ceilingMs / 2 + (sample * ceilingMs) / 2);
}

/** What the reconnector needs from the node: stubbed in unit tests, libp2p in the node. */
export interface ReconnectDialer {
  /** Dials a peer; multiaddrs are given for persistent peers, otherwise the peer store's are used. */
  dial(peerId: string, multiaddrs: readonly string[], options: { signal: AbortSignal }): Promise<void>;
  isConnected(peerId: string): boolean;
  /** False for peers that must not be dialed now (e.g. banned for a low score). */
  mayDial(peerId: string): boolean;
}

export interface ReconnectorOptions {
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly dialTimeoutMs?: number;
  readonly maxAttemptsKnownPeer?: number;
  readonly maxKnownPeers?: number;
}

export interface ReconnectorDeps {
  readonly dialer: ReconnectDialer;
  readonly timers?: Timers;
  /** Uniform in [0, 1). */
  readonly random?: () => number;
  readonly metrics?: P2pMetrics | undefined;
  readonly logger?: Logger | undefined;
}

interface Target {
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  /** Persistent (bootstrap) peers are retried forever; known peers up to maxAttemptsKnownPeer. */
  readonly persistent: boolean;
  /** Failed dials since the last successful connection. */
  failures: number;
  timer: unknown;
  dialing: boolean;
}

/**
 * Keeps the node connected to its bootstrap peers and to peers it has met: when one of them
 * disconnects (or a dial fails) it is redialed after `reconnectDelayMs(failures)`.
 */
export class Reconnector {
  private readonly dialer: ReconnectDialer;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly metrics: P2pMetrics | undefined;
  private readonly logger: Logger | undefined;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly dialTimeoutMs: number;
  private readonly maxAttemptsKnownPeer: number;
  private readonly maxKnownPeers: number;
  private readonly targets = new Map<string, Target>();
  private abort: AbortController | undefined;

  constructor(options: ReconnectorOptions, deps: ReconnectorDeps) {
    this.dialer = deps.dialer;
    this.timers = deps.timers ?? systemTimers;
    this.random = deps.random ?? Math.random;
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.minDelayMs = options.minDelayMs ?? RECONNECT_MIN_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? RECONNECT_MAX_DELAY_MS;
    this.dialTimeoutMs = options.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
    this.maxAttemptsKnownPeer = options.maxAttemptsKnownPeer ?? RECONNECT_MAX_ATTEMPTS_KNOWN_PEER;
    this.maxKnownPeers = options.maxKnownPeers ?? MAX_KNOWN_PEERS;
    assert(this.minDelayMs > 0 && this.maxDelayMs >= this.minDelayMs, 'reconnect delays: 0 < min ≤ max');
  }

  /** A bootstrap peer: dialed at start and redialed forever. */
  addPersistentPeer(peerId: string, multiaddrs: readonly string[]): void {
    assert(multiaddrs.length > 0, `persistent peer ${peerId} needs an address`);
    this.clearTimer(this.targets.get(peerId));
    this.targets.set(peerId, {
      peerId,
      multiaddrs,
      persistent: true,
      failures: 0,
      timer: undefined,
      dialing: false,
    });
    if (this.abort !== undefined) this.schedule(peerId, 0);
  }

  /** A peer we connected to: redialed (by its peer-store addresses) if it drops, within limits. */
  rememberPeer(peerId: string): void {
    if (this.targets.has(peerId)) return;
    if (this.targets.size >= this.maxKnownPeers && !this.evictOneKnownPeer()) return;
    this.targets.set(peerId, {
      peerId,
      multiaddrs: [],
      persistent: false,
      failures: 0,
      timer: undefined,
      dialing: false,
    });
  }

  /** Forget a non-persistent peer (e.g. it was banned). */
  forgetPeer(peerId: string): void {
    const target = this.targets.get(peerId);
    if (target === undefined || target.persistent) return;
    this.clearTimer(target);
    this.targets.delete(peerId);
  }

  /** Dials every persistent peer now. */
  start(): void {
    if (this.abort !== undefined) return;
    this.abort = new AbortController();
    for (const target of this.targets.values()) {
      if (target.persistent) this.schedule(target.peerId, 0);
    }
  }

  /** Cancels pending redials and aborts dials in flight. */
  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    for (const target of this.targets.values()) this.clearTimer(target);
  }

  onConnected(peerId: string): void {
    const target = this.targets.get(peerId);
    if (target === undefined) return;
    target.failures = 0;
    this.clearTimer(target);
  }

  onDisconnected(peerId: string): void {
    const target = this.targets.get(peerId);
    if (target === undefined || this.abort === undefined) return;
    this.schedule(peerId, reconnectDelayMs(target.failures, this.minDelayMs, this.maxDelayMs, this.random));
  }

  /** Peers currently waiting for a redial (for status and tests). */
  pendingPeers(): string[] {
    return [...this.targets.values()].filter((t) => t.timer !== undefined).map((t) => t.peerId);
  }

  private schedule(peerId: string, delayMs: number): void {
    const target = this.targets.get(peerId);
    if (target === undefined || target.dialing) return;
    this.clearTimer(target);
    target.timer = this.timers.setTimeout(() => {
      target.timer = undefined;
      void this.attempt(target);
    }, delayMs);
  }

  private async attempt(target: Target): Promise<void> {
    const abort = this.abort;
    if (abort === undefined || this.targets.get(target.peerId) !== target) return;
    if (this.dialer.isConnected(target.peerId)) {
      target.failures = 0;
      return;
    }
    if (!this.dialer.mayDial(target.peerId)) {
      // Banned for now: try again at the ceiling rather than dropping a bootstrap peer for good.
      this.schedule(target.peerId, this.maxDelayMs);
      return;
    }
    target.dialing = true;
    try {
      await this.dialer.dial(target.peerId, target.multiaddrs, {
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(this.dialTimeoutMs)]),
      });
      target.failures = 0;
      this.metrics?.reconnectAttemptsTotal.inc({ outcome: 'success' });
      this.logger?.debug({ peer: target.peerId }, 'reconnected');
    } catch (error) {
      this.metrics?.reconnectAttemptsTotal.inc({ outcome: 'failure' });
      target.failures += 1;
      if (abort.signal.aborted) return;
      if (!target.persistent && target.failures >= this.maxAttemptsKnownPeer) {
        this.logger?.info({ peer: target.peerId, failures: target.failures }, 'giving up on known peer');
        this.targets.delete(target.peerId);
        return;
      }
      const delayMs = reconnectDelayMs(target.failures, this.minDelayMs, this.maxDelayMs, this.random);
      this.logger?.debug(
        { peer: target.peerId, failures: target.failures, delayMs, err: error },
        'redial failed',
      );
      target.dialing = false;
      this.schedule(target.peerId, delayMs);
      return;
    } finally {
      target.dialing = false;
    }
  }

  private evictOneKnownPeer(): boolean {
    for (const target of this.targets.values()) {
      if (!target.persistent && target.timer === undefined && !target.dialing) {
        this.targets.delete(target.peerId);
        return true;
      }
    }
    return false;
  }

  private clearTimer(target: Target | undefined): void {
    if (target?.timer === undefined) return;
    this.timers.clearTimeout(target.timer);
    target.timer = undefined;
  }
}
