import { NodeStateError } from './errors.ts';
import { type ExitInfo, type ManagedProcess, signalProcess, stopProcess } from './processes.ts';
import { DEFAULT_RESTART_POLICY, RestartBackoff, type RestartPolicy } from './restart.ts';

/**
 * The validators of a running testnet, kept alive: a validator that exits (a crash, a SIGKILL from
 * outside) is reported and, by default, started again after the back-off of restart.ts while the
 * others keep running. The control interface (control.ts) kills, stops, pauses, resumes and
 * restarts them through here; a node it killed or stopped stays down until it is asked to start it
 * again (or the kill asked for the restart policy).
 */

/** What ValidatorSet needs of a node: its current process and how to start another. */
export interface SupervisedNode {
  readonly index: number;
  process: ManagedProcess;
  spawn(): ManagedProcess;
}

/**
 * - `running`: the process is alive (its RPC may still be starting);
 * - `paused`: alive but stopped with SIGSTOP;
 * - `restarting`: exited, a restart is scheduled (`restartInMs`);
 * - `stopped`: killed or stopped through the control interface: stays down until started;
 * - `exited`: exited and not restarted (`--no-restart`).
 */
export type NodeState = 'running' | 'paused' | 'restarting' | 'stopped' | 'exited';

export interface NodeRuntimeStatus {
  name: string;
  index: number;
  state: NodeState;
  /** The running process's pid; null when there is none. */
  pid: number | null;
  /** Exits of this node while the testnet ran (any cause), restarts, and crashes among the exits. */
  exits: number;
  restarts: number;
  crashes: number;
  /** When `restarting`: how long until the restart. */
  restartInMs: number | null;
  /** The last exit: how (exit code or signal) and what caused it. */
  lastExit: { code: number | null; signal: string | null; cause: ExitCause; atMs: number } | null;
  logPath: string;
}

/**
 * - `control`: asked for through the control interface (kill, stop, restart);
 * - `signal`: killed by a signal from outside (SIGKILL, SIGTERM…): an injected fault;
 * - `crash`: the node exited on its own with a non-zero code (a fatal error): a bug.
 */
export type ExitCause = 'control' | 'signal' | 'crash';

export interface ValidatorTotals {
  exits: number;
  restarts: number;
  crashes: number;
}

export interface ValidatorSetOptions {
  /** Restart validators that exit on their own or by an outside signal (default true). */
  restart?: boolean;
  policy?: RestartPolicy;
  /** One line per event (exit, restart, control action), for the runner's output. */
  onEvent?: (message: string) => void;
  nowMs?: () => number;
}

interface Runtime {
  node: SupervisedNode;
  backoff: RestartBackoff;
  paused: boolean;
  /** Set by a control action before it signals the process: what its exit means. */
  expectedExit: { action: string; afterwards: 'stay-down' | 'start-now' | 'policy' } | undefined;
  desiredDown: boolean;
  restartTimer: NodeJS.Timeout | undefined;
  restartAtMs: number | undefined;
  exits: number;
  restarts: number;
  crashes: number;
  lastExit: NodeRuntimeStatus['lastExit'];
}

function describeExit(info: ExitInfo): string {
  if (info.signal !== null) return `killed by ${info.signal}`;
  return info.code === null ? 'failed to start' : `exited with code ${info.code}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export class ValidatorSet {
  readonly #runtimes: Runtime[];
  readonly #restart: boolean;
  readonly #onEvent: (message: string) => void;
  readonly #nowMs: () => number;
  #closed = false;

  constructor(nodes: readonly SupervisedNode[], options: ValidatorSetOptions = {}) {
    this.#restart = options.restart ?? true;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#nowMs = options.nowMs ?? Date.now;
    const policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.#runtimes = nodes.map((node) => ({
      node,
      backoff: new RestartBackoff(policy),
      paused: false,
      expectedExit: undefined,
      desiredDown: false,
      restartTimer: undefined,
      restartAtMs: undefined,
      exits: 0,
      restarts: 0,
      crashes: 0,
      lastExit: null,
    }));
    for (const runtime of this.#runtimes) this.#watch(runtime, runtime.node.process);
  }

  get size(): number {
    return this.#runtimes.length;
  }

  /** The runner is stopping: no more restarts, exits are no longer counted. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const runtime of this.#runtimes) this.#cancelRestart(runtime);
  }

  /** The node's process is alive and not paused. */
  isRunning(index: number): boolean {
    const runtime = this.#runtime(index);
    return runtime.node.process.isRunning() && !runtime.paused;
  }

  status(): NodeRuntimeStatus[] {
    return this.#runtimes.map((runtime) => this.#status(runtime));
  }

  nodeStatus(index: number): NodeRuntimeStatus {
    return this.#status(this.#runtime(index));
  }

  totals(): ValidatorTotals {
    const totals = { exits: 0, restarts: 0, crashes: 0 };
    for (const runtime of this.#runtimes) {
      totals.exits += runtime.exits;
      totals.restarts += runtime.restarts;
      totals.crashes += runtime.crashes;
    }
    return totals;
  }

  /**
   * SIGKILL. The node stays down until `start`/`restart`, unless `restart` asks for the restart
   * policy (as if it had died on its own). Resolves once it has exited.
   */
  async kill(index: number, options: { restart?: boolean } = {}): Promise<NodeRuntimeStatus> {
    const runtime = this.#runningRuntime(index, 'kill');
    runtime.expectedExit = {
      action: 'killed (SIGKILL)',
      afterwards: options.restart === true ? 'policy' : 'stay-down',
    };
    const child = runtime.node.process;
    signalProcess(child.pid, 'SIGKILL');
    await child.exited;
    return this.#status(runtime);
  }

  /** SIGTERM (graceful), SIGKILL after the grace period; otherwise as `kill`. */
  async stop(index: number, options: { restart?: boolean } = {}): Promise<NodeRuntimeStatus> {
    const runtime = this.#runningRuntime(index, 'stop');
    runtime.expectedExit = {
      action: 'stopped (SIGTERM)',
      afterwards: options.restart === true ? 'policy' : 'stay-down',
    };
    await stopProcess(runtime.node.process);
    return this.#status(runtime);
  }

  /** SIGSTOP: the process freezes (its sockets stay open, nothing answers). */
  pause(index: number): NodeRuntimeStatus {
    const runtime = this.#runningRuntime(index, 'pause');
    if (runtime.paused) throw new NodeStateError(`node-${index} is already paused`);
    signalProcess(runtime.node.process.pid, 'SIGSTOP');
    runtime.paused = true;
    this.#onEvent(`node-${index} paused (SIGSTOP)`);
    return this.#status(runtime);
  }

  /** SIGCONT. */
  resume(index: number): NodeRuntimeStatus {
    const runtime = this.#runningRuntime(index, 'resume');
    if (!runtime.paused) throw new NodeStateError(`node-${index} is not paused`);
    signalProcess(runtime.node.process.pid, 'SIGCONT');
    runtime.paused = false;
    this.#onEvent(`node-${index} resumed (SIGCONT)`);
    return this.#status(runtime);
  }

  /** Stops the node gracefully if it runs, then starts it at once (resets its back-off). */
  async restart(index: number): Promise<NodeRuntimeStatus> {
    const runtime = this.#open(index);
    runtime.backoff.reset();
    const child = runtime.node.process;
    if (child.isRunning()) {
      runtime.expectedExit = { action: 'stopped for a restart', afterwards: 'start-now' };
      await stopProcess(child);
      return this.#status(runtime);
    }
    this.#cancelRestart(runtime);
    this.#spawn(runtime, 'started (control)');
    return this.#status(runtime);
  }

  /** Starts a node that is down (stopped, exited, or waiting for its restart). */
  start(index: number): NodeRuntimeStatus {
    const runtime = this.#open(index);
    if (runtime.node.process.isRunning()) throw new NodeStateError(`node-${index} is already running`);
    runtime.backoff.reset();
    this.#cancelRestart(runtime);
    this.#spawn(runtime, 'started (control)');
    return this.#status(runtime);
  }

  #runtime(index: number): Runtime {
    const runtime = this.#runtimes[index];
    if (runtime === undefined)
      throw new RangeError(`no node-${index} in a ${this.#runtimes.length}-node testnet`);
    return runtime;
  }

  #open(index: number): Runtime {
    if (this.#closed) throw new NodeStateError('the testnet is stopping');
    return this.#runtime(index);
  }

  #runningRuntime(index: number, action: string): Runtime {
    const runtime = this.#open(index);
    if (!runtime.node.process.isRunning()) {
      throw new NodeStateError(
        `cannot ${action} node-${index}: it is not running (${this.#status(runtime).state})`,
      );
    }
    return runtime;
  }

  #status(runtime: Runtime): NodeRuntimeStatus {
    const { node } = runtime;
    const alive = node.process.isRunning();
    let state: NodeState;
    if (alive) state = runtime.paused ? 'paused' : 'running';
    else if (runtime.restartAtMs !== undefined) state = 'restarting';
    else state = runtime.desiredDown ? 'stopped' : 'exited';
    return {
      name: `node-${node.index}`,
      index: node.index,
      state,
      pid: alive ? node.process.pid : null,
      exits: runtime.exits,
      restarts: runtime.restarts,
      crashes: runtime.crashes,
      restartInMs:
        runtime.restartAtMs === undefined ? null : Math.max(0, runtime.restartAtMs - this.#nowMs()),
      lastExit: runtime.lastExit,
      logPath: node.process.logPath,
    };
  }

  #watch(runtime: Runtime, child: ManagedProcess): void {
    void child.exited.then((info) => this.#exited(runtime, child, info));
  }

  #exited(runtime: Runtime, child: ManagedProcess, info: ExitInfo): void {
    if (this.#closed || runtime.node.process !== child) return;
    const name = `node-${runtime.node.index}`;
    const uptimeMs = this.#nowMs() - child.startedAtMs;
    runtime.paused = false;
    runtime.exits++;
    const expected = runtime.expectedExit;
    runtime.expectedExit = undefined;
    const how = describeExit(info);
    let cause: ExitCause;
    if (expected !== undefined) cause = 'control';
    else if (info.signal !== null) cause = 'signal';
    else cause = info.code === 0 ? 'signal' : 'crash';
    runtime.lastExit = { code: info.code, signal: info.signal, cause, atMs: this.#nowMs() };
    if (cause === 'crash') runtime.crashes++;

    if (expected !== undefined) {
      if (expected.afterwards === 'start-now') {
        this.#spawn(runtime, 'restarted (control)');
        return;
      }
      if (expected.afterwards === 'stay-down') {
        runtime.desiredDown = true;
        this.#onEvent(`${name} ${expected.action} by the control interface; it stays down until started`);
        return;
      }
    }
    const where = `see ${child.logPath}`;
    if (!this.#restart && expected === undefined) {
      this.#onEvent(`${name} ${how} after ${seconds(uptimeMs)}; not restarted (--no-restart); ${where}`);
      return;
    }
    const delayMs = runtime.backoff.nextDelayMs(uptimeMs);
    runtime.restartAtMs = this.#nowMs() + delayMs;
    runtime.restartTimer = setTimeout(() => {
      runtime.restartTimer = undefined;
      runtime.restartAtMs = undefined;
      if (this.#closed) return;
      this.#spawn(runtime, `restarted (attempt ${runtime.backoff.attempt})`);
    }, delayMs);
    const what = expected === undefined ? how : `${expected.action} by the control interface`;
    this.#onEvent(`${name} ${what} after ${seconds(uptimeMs)}; restarting in ${seconds(delayMs)}; ${where}`);
  }

  #spawn(runtime: Runtime, what: string): void {
    let child: ManagedProcess;
    try {
      child = runtime.node.spawn();
    } catch (error) {
      // The supervisor is stopping (the testnet is shutting down): nothing to restart.
      this.#onEvent(`node-${runtime.node.index} not started: ${(error as Error).message}`);
      return;
    }
    runtime.node.process = child;
    runtime.desiredDown = false;
    runtime.paused = false;
    runtime.restarts++;
    this.#watch(runtime, child);
    this.#onEvent(`node-${runtime.node.index} ${what}: pid ${child.pid}`);
  }

  #cancelRestart(runtime: Runtime): void {
    if (runtime.restartTimer !== undefined) clearTimeout(runtime.restartTimer);
    runtime.restartTimer = undefined;
    runtime.restartAtMs = undefined;
  }
}
