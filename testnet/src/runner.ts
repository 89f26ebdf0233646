import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Address } from 'viem';
import type { TestnetOptions } from './args.ts';
import { ChainFollower } from './follower.ts';
import { postedToL1 } from './l1.ts';
import { type TestnetLayout, testnetLayout } from './layout.ts';
import { LoadGenerator, loadValidUntil, senderCount, TransactionFactory } from './load.ts';
import { assertRunning, type RunningNetwork, type RunningNode, startNetwork } from './network.ts';
import { type ManagedProcess, ProcessSupervisor } from './processes.ts';
import { createProgress, type Progress } from './progress.ts';
import { formatStatusLine, formatTable } from './report.ts';
import { setupTestnet, type TestnetSetup } from './setup.ts';
import {
  checkSafety,
  computeSummary,
  formatSummary,
  healthProblems,
  type TestnetSummary,
} from './summary.ts';
import { sleep } from './wait.ts';

/** The live status line is refreshed this often. */
const STATUS_INTERVAL_MS = 1_000;
/** Without a TTY the status is a plain line this often, so logs of CI runs stay short. */
const STATUS_LINE_INTERVAL_MS = 10_000;
/** Finalized tx/s in the status line: the rate over this window. */
const STATUS_TPS_WINDOW_MS = 5_000;
/** After the load stops, acknowledged transactions have this long to be finalized before they count as lost. */
export const DRAIN_TIMEOUT_MS = 15_000;
/** An open-ended load keeps this many seconds of signed transactions ahead of the sender. */
const LOAD_PREPARE_AHEAD_S = 30;

export interface RunnerIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdout is a terminal: the status line is redrawn in place. */
  isTty: boolean;
}

export interface RunTestnetContext {
  io: RunnerIo;
  /** Aborted by SIGINT/SIGTERM: stop everything and return. */
  signal: AbortSignal;
  /** When the command started (unix ms): the start-up time is measured from it. */
  startedAtMs: number;
  layout?: TestnetLayout;
  supervisor?: ProcessSupervisor;
  /** Tests and tools that look at the running network beyond the summary (end-to-end checks). */
  inspector?: RunInspector;
}

/** Hooks into a run, each while every process is up. A hook that throws fails the run. */
export interface RunInspector {
  /** Once the first block is finalized, before the load starts. */
  started?(network: RunningNetwork, setup: TestnetSetup): void;
  /** With --json, after the drain and the summary (healthy or not), before anything is stopped. */
  beforeStop?(network: RunningNetwork, summary: TestnetSummary): Promise<void>;
}

export const ExitCode = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Stop order: nodes (and the simulator, DKG or init) before anvil, which they post to. */
const STOP_ORDER = [(child: ManagedProcess) => child.name !== 'anvil'];

/**
 * `pnpm testnet`: set up (or reuse) the testnet, start it, show where everything is, then either
 * show a live status until Ctrl-C / --duration, or (--json) run headless and print the summary.
 * Always stops every child before returning. Returns the exit code.
 */
export async function runTestnet(options: TestnetOptions, context: RunTestnetContext): Promise<number> {
  const { io, signal } = context;
  const layout = context.layout ?? testnetLayout();
  const supervisor = context.supervisor ?? new ProcessSupervisor({ onChange: processListWriter(layout) });
  const humanOut = options.json ? io.stderr : io.stdout;
  const progress = createProgress({
    write: humanOut,
    isTty: io.isTty && !options.json,
    startedAtMs: context.startedAtMs,
  });
  let follower: ChainFollower | undefined;
  let load: LoadGenerator | undefined;
  let upAndRunning = false;
  try {
    const setup = await setupTestnet(options, { supervisor, layout, progress, signal });
    const domain = {
      networkId: setup.state.networkId,
      chainId: setup.state.chainId,
      inbox: setup.state.deployment.inbox.toLowerCase() as Address,
    };
    // Signing runs while the nodes start (they are other processes).
    const factory = new TransactionFactory({
      senders: senderCount(options.loadTps),
      domain,
      validUntilS: loadValidUntil(options.durationS ?? LOAD_PREPARE_AHEAD_S * 2),
    });
    const loadCount = Math.ceil(options.loadTps * (options.durationS ?? LOAD_PREPARE_AHEAD_S));
    const prepared = factory.next(loadCount);
    prepared.catch(() => {}); // awaited below; a failure surfaces there

    const network = await startNetwork(setup, options, supervisor, progress, signal);
    upAndRunning = true;
    humanOut(formatTable(setup, network.nodes, network.simulator !== undefined));
    humanOut(`Logs of every process: ${layout.logs}/ (node-<i>.log, anvil.log, simulator.log)\n`);

    context.inspector?.started?.(network, setup);
    const followed = network.nodes.find((node) => !node.byzantine)!;
    const startHeight = network.firstHeight;
    follower = new ChainFollower({ rpc: followed.rpc, fromHeight: startHeight });
    follower.start();
    const l1StartBlock = await setup.l1.publicClient.getBlockNumber();

    if (options.loadTps > 0) {
      load = new LoadGenerator({
        transactions: await prepared,
        ratePerSecond: options.loadTps,
        targets: network.nodes.filter((node) => !node.byzantine).map((node) => node.rpc),
      });
      load.start();
      humanOut(
        `Load: ${options.loadTps} tx/s from ${senderCount(options.loadTps)} senders, round-robin to the honest nodes\n`,
      );
    }
    if (!options.json) {
      humanOut(
        options.durationS === undefined ? 'Press Ctrl-C to stop.\n' : `Running for ${options.durationS} s.\n`,
      );
    }
    await liveStatus({ options, io, signal, setup, network, follower, load, factory });
    if (signal.aborted && !options.json) return ExitCode.ok;
    if (signal.aborted) return ExitCode.interrupted;

    if (!options.json) return ExitCode.ok;
    const summary = await drainAndSummarize({
      options,
      setup,
      network,
      follower,
      load,
      startHeight,
      l1StartBlock,
      progress,
    });
    io.stdout(`${formatSummary(summary)}\n`);
    await context.inspector?.beforeStop?.(network, summary);
    const problems = healthProblems(summary);
    if (problems.length > 0) {
      io.stderr(`pnpm testnet: unhealthy run: ${problems.join('; ')}\n`);
      return ExitCode.failure;
    }
    return ExitCode.ok;
  } catch (error) {
    if (signal.aborted) {
      humanOut('\nInterrupted.\n');
      return upAndRunning && !options.json ? ExitCode.ok : ExitCode.interrupted;
    }
    io.stderr(`\npnpm testnet: ${(error as Error).message ?? String(error)}\n`);
    io.stderr(`Logs: ${layout.logs}/\n`);
    return ExitCode.failure;
  } finally {
    follower?.stop();
    await load?.stop();
    if (supervisor.running().length > 0) {
      humanOut(
        `${io.isTty && !options.json ? '\n' : ''}Stopping ${supervisor.running().length} processes…\n`,
      );
    }
    await supervisor.stopAll({ order: STOP_ORDER });
    await rm(layout.processes, { force: true });
    humanOut(`Stopped. Data kept in ${layout.root} (--reset to start over).\n`);
  }
}

/**
 * Keeps `processes.json` (name, pid, log of every running child) current, so that whoever finds a
 * testnet whose runner was killed knows what to stop. Synchronous: it runs from exit handlers too.
 */
export function processListWriter(layout: TestnetLayout): (running: ManagedProcess[]) => void {
  return (running) => {
    try {
      if (running.length === 0) rmSync(layout.processes, { force: true });
      else {
        mkdirSync(dirname(layout.processes), { recursive: true });
        writeFileSync(
          layout.processes,
          `${JSON.stringify(
            running.map((child) => ({ name: child.name, pid: child.pid, log: child.logPath })),
            null,
            2,
          )}\n`,
        );
      }
    } catch {
      // Best effort: the list is a convenience, the supervisor holds the truth.
    }
  };
}

async function liveStatus(parameters: {
  options: TestnetOptions;
  io: RunnerIo;
  signal: AbortSignal;
  setup: TestnetSetup;
  network: RunningNetwork;
  follower: ChainFollower;
  load: LoadGenerator | undefined;
  factory: TransactionFactory;
}): Promise<void> {
  const { options, io, signal, network, follower, load, factory } = parameters;
  const endAtMs =
    options.durationS === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.durationS * 1000;
  let lastLineAtMs = 0;
  let refilling: Promise<void> | undefined;
  const tty = io.isTty && !options.json;
  while (!signal.aborted && Date.now() < endAtMs) {
    await sleep(Math.min(STATUS_INTERVAL_MS, Math.max(0, endAtMs - Date.now())), signal).catch(() => {});
    if (signal.aborted) break;
    checkChildren(network, parameters.setup);
    if (
      load !== undefined &&
      options.durationS === undefined &&
      refilling === undefined &&
      load.remaining < options.loadTps * LOAD_PREPARE_AHEAD_S
    ) {
      const loadRef = load;
      refilling = factory
        .next(Math.ceil(options.loadTps * LOAD_PREPARE_AHEAD_S))
        .then((more) => loadRef.append(more))
        .finally(() => {
          refilling = undefined;
        });
    }
    if (options.json) continue;
    const statuses = await Promise.all(network.nodes.map((node) => node.rpc.status().catch(() => undefined)));
    const line = formatStatusLine({
      height: follower.height,
      tps: follower.transactionsPerSecond(STATUS_TPS_WINDOW_MS),
      prices: follower.latestPrices,
      nodesUp: statuses.filter((status) => status !== undefined).length,
      nodes: network.nodes.length,
      load: load === undefined ? undefined : { sent: load.sent, rejected: load.rejected },
    });
    if (tty) io.stdout(`\r\x1b[K${line}`);
    else if (Date.now() - lastLineAtMs >= STATUS_LINE_INTERVAL_MS) {
      io.stdout(`${line}\n`);
      lastLineAtMs = Date.now();
    }
  }
  if (tty) io.stdout('\n');
}

/** A child that exits while the testnet runs ends the run with an error naming its log. */
function checkChildren(network: RunningNetwork, setup: TestnetSetup): void {
  for (const node of network.nodes) assertRunning(node);
  if (network.simulator !== undefined && !network.simulator.isRunning()) {
    throw new Error(`the price simulator exited; see ${network.simulator.logPath}`);
  }
  if (!setup.l1.process.isRunning()) throw new Error(`anvil exited; see ${setup.l1.process.logPath}`);
}

async function drainAndSummarize(parameters: {
  options: TestnetOptions;
  setup: TestnetSetup;
  network: RunningNetwork;
  follower: ChainFollower;
  load: LoadGenerator | undefined;
  startHeight: number;
  l1StartBlock: bigint;
  progress: Progress;
}): Promise<TestnetSummary> {
  const { options, setup, network, follower, load, progress } = parameters;
  progress.start('draining');
  load?.flushTail();
  await load?.stop();
  const submissions = load?.submissions ?? new Map();
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  const pending = new Set([...submissions].filter(([, s]) => s.acknowledged).map(([txId]) => txId));
  const forget = (transactionIds: readonly string[]) => {
    for (const txId of transactionIds) pending.delete(txId);
  };
  let scanned = 0;
  while (Date.now() < deadline) {
    await follower.poll();
    for (; scanned < follower.blocks.length; scanned++) forget(follower.blocks[scanned]!.transactionIds);
    if (pending.size === 0) break;
    await sleep(100);
  }
  for (const node of network.nodes) assertRunning(node);
  // Every node should have what the followed node has; give laggards the same drain budget.
  const endHeight = follower.height;
  const honest = network.nodes.filter((node) => !node.byzantine);
  while (Date.now() < deadline) {
    const statuses = await Promise.all(honest.map((node) => node.rpc.status().catch(() => undefined)));
    if (statuses.every((status) => (status?.finalizedHeight ?? 0) >= endHeight)) break;
    await sleep(100);
  }
  progress.done(`drained: ${pending.size} acknowledged transactions still pending`);

  progress.start("comparing every node's blocks");
  const safety = await checkSafety(
    network.nodes.map((node: RunningNode) => node.rpc),
    parameters.startHeight + 1,
    endHeight,
  );
  progress.done(
    `compared ${safety.heightsCompared} heights across ${network.nodes.length} nodes: ${safety.violations} conflicts`,
  );
  for (const example of safety.examples) progress.note(`safety violation at ${example}`);
  const posted = await postedToL1(setup.l1, setup.state.deployment, parameters.l1StartBlock).catch(() => ({
    headers: 0,
    prices: 0,
  }));
  return computeSummary({
    nodes: options.nodes,
    byzantine: options.byzantine,
    durationS: options.durationS ?? 0,
    startHeight: parameters.startHeight,
    endHeight,
    submissions,
    blocks: follower.blocks,
    headersPostedL1: posted.headers,
    pricesPostedL1: posted.prices,
    safety,
  });
}
