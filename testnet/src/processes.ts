import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Every child process of a testnet (anvil, the price simulator, `synod` init/dkg/start) is started
 * here and stopped here, so that Ctrl-C leaves none behind. Children run in their own process group
 * (`detached`): the terminal's Ctrl-C reaches only the runner, which then stops each child exactly
 * once with SIGTERM (a second signal makes `synod` exit without its graceful shutdown), and SIGKILL
 * after a grace period.
 */

/** How long a child may take to stop after SIGTERM before SIGKILL: a node closes its store and p2p. */
export const STOP_GRACE_MS = 5_000;
/** Output kept in memory from a command whose stdout we read (init/dkg print a few KiB). */
const MAX_CAPTURED_STDOUT_BYTES = 1024 * 1024;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** When it was spawned, unix ms. */
  readonly startedAtMs: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** Stdout so far when spawned with `captureStdout` (it also goes to the log). */
  stdout(): string;
  isRunning(): boolean;
}

export interface SpawnOptions {
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep stdout in memory too (for commands that print JSON). */
  captureStdout?: boolean;
}

export class ProcessSupervisor {
  readonly #children = new Set<ManagedProcess>();
  readonly #onChange: ((running: ManagedProcess[]) => void) | undefined;
  #stopping: Promise<void> | undefined;

  /** `onChange` hears of every start and exit (the runner keeps .testnet/processes.json with it). */
  constructor(options: { onChange?: (running: ManagedProcess[]) => void } = {}) {
    this.#onChange = options.onChange;
  }

  /** Pids of the children still running. */
  pids(): number[] {
    return [...this.#children].filter((child) => child.isRunning()).map((child) => child.pid);
  }

  running(): ManagedProcess[] {
    return [...this.#children].filter((child) => child.isRunning());
  }

  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions): ManagedProcess {
    if (this.#stopping !== undefined) throw new Error(`cannot start ${name}: the testnet is stopping`);
    mkdirSync(dirname(options.logPath), { recursive: true });
    const logFd = openSync(options.logPath, 'a');
    writeSync(logFd, `\n=== ${new Date().toISOString()} ${name}: ${command} ${args.join(' ')}\n`);
    let child: ChildProcess;
    const startedAtMs = Date.now();
    try {
      child = spawn(command, [...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', options.captureStdout === true ? 'pipe' : logFd, logFd],
        detached: true,
      });
    } catch (error) {
      closeSync(logFd);
      throw error;
    }
    let captured = '';
    let exitInfo: ExitInfo | undefined;
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolve(exitInfo);
      });
      child.once('error', () => {
        exitInfo ??= { code: null, signal: null };
        resolve(exitInfo);
      });
    });
    if (options.captureStdout === true) {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (captured.length < MAX_CAPTURED_STDOUT_BYTES) captured += chunk.toString('utf8');
        try {
          writeSync(logFd, chunk);
        } catch {
          // The log is best effort; the captured copy is what the runner reads.
        }
      });
      // The fd stays open while stdout is piped into it.
      void exited.then(() => closeSync(logFd));
    } else {
      closeSync(logFd);
    }
    if (child.pid === undefined) {
      // spawn failed (ENOENT…): 'error' follows; report it through `exited`.
      const failed: ManagedProcess = {
        name,
        pid: -1,
        logPath: options.logPath,
        startedAtMs,
        child,
        exited,
        stdout: () => captured,
        isRunning: () => false,
      };
      return failed;
    }
    const managed: ManagedProcess = {
      name,
      pid: child.pid,
      logPath: options.logPath,
      startedAtMs,
      child,
      exited,
      stdout: () => captured,
      isRunning: () => exitInfo === undefined,
    };
    this.#children.add(managed);
    this.#onChange?.(this.running());
    void exited.then(() => {
      this.#children.delete(managed);
      this.#onChange?.(this.running());
    });
    return managed;
  }

  /**
   * Stops children group by group (each group in parallel): SIGTERM, then SIGKILL after `graceMs`.
   * Groups let the nodes stop before anvil, which they post to. Children not named in any group are
   * stopped with the last one. Idempotent; a later call waits for the first.
   */
  stopAll(options: { graceMs?: number; order?: readonly ((child: ManagedProcess) => boolean)[] } = {}) {
    this.#stopping ??= (async () => {
      const graceMs = options.graceMs ?? STOP_GRACE_MS;
      const groups = options.order ?? [];
      const done = new Set<ManagedProcess>();
      for (const belongs of [...groups, () => true]) {
        const group = [...this.#children].filter((child) => !done.has(child) && belongs(child));
        for (const child of group) done.add(child);
        await Promise.all(group.map((child) => stopProcess(child, graceMs)));
      }
    })();
    return this.#stopping;
  }

  /** Last resort when the runner itself is exiting: SIGKILL, synchronously, whatever still runs. */
  killAllNow(): void {
    for (const child of this.#children) {
      if (child.isRunning()) signalProcess(child.pid, 'SIGKILL');
    }
  }
}

/** Sends a signal; false when the process is already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
export async function stopProcess(child: ManagedProcess, graceMs: number = STOP_GRACE_MS): Promise<void> {
  if (!child.isRunning()) return;
  signalProcess(child.pid, 'SIGTERM');
  // A paused child (SIGSTOP, `pnpm testnet:ctl pause`) handles the SIGTERM only once continued.
  signalProcess(child.pid, 'SIGCONT');
  const timer = setTimeout(() => signalProcess(child.pid, 'SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** True while a process with this pid exists (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
