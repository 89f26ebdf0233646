import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type RunningDashboard, startDashboard } from '@synod/dashboard';
import { type Address, type Hex, hexToBytes } from 'viem';
import type { TestnetOptions } from './args.ts';
import { type ControlEndpointFile, ControlServer, TestnetControl } from './control.ts';
import { testnetDashboardConfig } from './dashboard.ts';
import { certifiedEquivocators } from './evidence.ts';
import { ChainFollower } from './follower.ts';
import { postedToL1 } from './l1.ts';
import { type TestnetLayout, testnetLayout } from './layout.ts';
import {
  LoadGenerator,
  loadValidUntil,
  MixedTransactionSource,
  senderCount,
  TransactionFactory,
  type TransactionSource,
} from './load.ts';
import { type RunningNetwork, type RunningNode, startNetwork } from './network.ts';
import {
  briefError,
  fundPerpsAccounts,
  lpVaultDeposit,
  PERPS_LOAD_EVERY,
  type PerpsAccounts,
  PerpsOrderFactory,
  perpsAccounts,
  perpsL1Stats,
  type RunningKeeper,
  startPerpsKeeper,
} from './perps.ts';
import { type ManagedProcess, ProcessSupervisor } from './processes.ts';
import { createProgress, type Progress } from './progress.ts';
import { formatStatusLine, formatTable } from './report.ts';
import { createNetworkRpc, createNodeRpc, type NodeRpc, STATUS_PROBE_TIMEOUT_MS } from './rpc.ts';
import { setupTestnet, type TestnetSetup } from './setup.ts';
import {
  checkSafety,
  computeSummary,
  formatSummary,
  healthProblems,
  type TestnetSummary,
} from './summary.ts';
import { type NodeRuntimeStatus, ValidatorSet } from './validators.ts';
import { sleep } from './wait.ts';

/** The live status line is refreshed this often. */
const STATUS_INTERVAL_MS = 1_000;
/** Without a TTY the status is a plain line this often, so logs of CI runs stay short. */
const STATUS_LINE_INTERVAL_MS = 10_000;
/** Finalized tx/s in the status line: the rate over this window. */
const STATUS_TPS_WINDOW_MS = 5_000;
/** After the load stops, acknowledged transactions have this long to be finalized before they count as lost. */
export const DRAIN_TIMEOUT_MS = 15_000;
/** After the drain, the keeper has this long to settle every batch up to the drained height. */
export const KEEPER_DRAIN_TIMEOUT_MS = 30_000;
/** The LP's vault deposit must be finalized within this long before the load starts. */
const VAULT_DEPOSIT_TIMEOUT_MS = 30_000;
/** Keeper errors are reported at most this often (with how many there were meanwhile). */
const KEEPER_ERROR_REPORT_MS = 5_000;
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
  /**
   * Once the first block is finalized, before the load starts; `control` drives the running
   * testnet; `perps` are the run's LP and traders (fresh accounts each run).
   */
  started?(network: RunningNetwork, setup: TestnetSetup, control: TestnetControl, perps: PerpsAccounts): void;
  /**
   * A fault scenario, run once the load started: the live phase ends when it resolves (or at
   * --duration / the signal, whichever comes first), then the run drains and summarizes as usual.
   * If it rejects, the run fails with its error.
   */
  scenario?(network: RunningNetwork, setup: TestnetSetup, control: TestnetControl): Promise<void>;
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
  let network: RunningNetwork | undefined;
  let validators: ValidatorSet | undefined;
  let control: ControlServer | undefined;
  let dashboard: RunningDashboard | undefined;
  let keeper: RunningKeeper | undefined;
  const crashTimers: ReturnType<typeof setTimeout>[] = [];
  const tty = io.isTty && !options.json;
  /** An event while the testnet runs (a node exits, a link is cut): one line, above the status line. */
  const event = (message: string) =>
    humanOut(`${tty ? '\r\x1b[K' : ''}[${progress.elapsedS().toFixed(1).padStart(5)} s] ! ${message}\n`);
  try {
    const setup = await setupTestnet(options, { supervisor, layout, progress, signal });
    const domain = {
      networkId: setup.state.networkId,
      chainId: setup.state.chainId,
      inbox: setup.state.deployment.inbox.toLowerCase() as Address,
    };
    // Signing runs while the nodes start (they are other processes).
    const validUntilS =
      options.durationS === undefined
        ? () => loadValidUntil(LOAD_PREPARE_AHEAD_S * 2)
        : loadValidUntil(options.durationS);
    // The run's LP and traders, deposited on L1 while the nodes start.
    const perps = setup.state.perps;
    const accounts = perpsAccounts();
    const funded = options.loadTps > 0 ? fundPerpsAccounts(setup.l1, perps, accounts) : Promise.resolve();
    funded.catch(() => {}); // awaited below; a failure surfaces there
    const factory: TransactionSource = new MixedTransactionSource(
      new TransactionFactory({ senders: senderCount(options.loadTps), domain, validUntilS }),
      new PerpsOrderFactory({
        domain,
        namespace: perps.namespace,
        accounts,
        validUntilS,
        encryptTo:
          setup.committee.encryption === undefined
            ? undefined
            : hexToBytes(setup.committee.encryption.publicKey),
      }),
      PERPS_LOAD_EVERY,
    );
    const loadCount = Math.ceil(options.loadTps * (options.durationS ?? LOAD_PREPARE_AHEAD_S));
    const prepared = factory.next(loadCount);
    prepared.catch(() => {}); // awaited below; a failure surfaces there

    const started = await startNetwork(setup, options, supervisor, progress, signal);
    network = started;
    upAndRunning = true;

    // From here on a validator that exits is reported (and restarted), not fatal.
    const running = started;
    validators = new ValidatorSet(running.nodes, { restart: options.restart ?? true, onEvent: event });
    const probes = running.nodes.map((node) =>
      createNodeRpc(node.rpcUrl, { timeoutMs: STATUS_PROBE_TIMEOUT_MS }),
    );
    control = new ControlServer(
      { validators, links: running.links, rpc: (index) => probes[index]!, onEvent: event },
      { port: setup.plan.control },
    );
    const controlUrl = await control.start();
    const endpoint: ControlEndpointFile = {
      url: controlUrl,
      pid: process.pid,
      nodes: options.nodes,
      basePort: options.basePort,
      linkProxies: running.links !== undefined,
      startedAt: new Date().toISOString(),
    };
    await writeFile(layout.control, `${JSON.stringify(endpoint, null, 2)}\n`);
    const controlClient = new TestnetControl(controlUrl);
    dashboard = await startDashboard({
      config: testnetDashboardConfig(setup, running.nodes),
      port: setup.plan.dashboard,
    });

    humanOut(
      formatTable(setup, running.nodes, running.simulator !== undefined, {
        controlUrl,
        dashboardUrl: dashboard.url,
        linkProxies: running.links !== undefined,
      }),
    );
    humanOut(`Logs of every process: ${layout.logs}/ (node-<i>.log, anvil.log, simulator.log)\n`);

    context.inspector?.started?.(running, setup, controlClient, accounts);
    const honest = running.nodes.filter((node) => !node.byzantine);
    const startHeight = running.firstHeight;
    // The chain as the most advanced honest node has it: any one node may be down or cut off.
    const finalizedTxIds = new Set<string>();
    follower = new ChainFollower({
      rpc: createNetworkRpc(honest.map((node) => node.rpcUrl)),
      fromHeight: startHeight,
      onBlock: (block) => {
        for (const txId of block.transactionIds) finalizedTxIds.add(txId);
      },
    });
    follower.start();
    const l1StartBlock = await setup.l1.publicClient.getBlockNumber();

    // The keeper settles the clearinghouse's namespace for as long as the testnet runs.
    const followerRef = follower;
    let keeperErrors = 0;
    let lastKeeperReportMs = 0;
    keeper = await startPerpsKeeper({
      l1: setup.l1,
      perps,
      domain,
      groupPublicKey: setup.committee.groupPublicKey as Hex,
      nodeRpcUrls: honest.map((node) => node.rpcUrl),
      finalizedHeight: () => followerRef.height,
      onError: (error) => {
        keeperErrors++;
        if (Date.now() - lastKeeperReportMs < KEEPER_ERROR_REPORT_MS) return;
        lastKeeperReportMs = Date.now();
        event(`keeper: ${briefError(error)}${keeperErrors > 1 ? ` (${keeperErrors} errors so far)` : ''}`);
      },
    });
    humanOut(`Keeper: settling the clearinghouse ${perps.clearinghouse} (namespace ${perps.namespace})\n`);

    if (options.loadTps > 0) {
      await funded;
      // The vault backs the traders' positions: the LP's deposit is final before the first order.
      const deposit = await lpVaultDeposit(
        accounts,
        domain,
        perps.namespace,
        typeof validUntilS === 'bigint' ? validUntilS : validUntilS(),
      );
      await submitAndAwaitFinality(
        deposit,
        honest.map((node) => node.rpc),
        finalizedTxIds,
        signal,
      );
      humanOut(
        `Perps: ${accounts.traders.length} traders and an LP deposited on L1; the vault deposit is final\n`,
      );
    }

    if (options.loadTps > 0) {
      load = new LoadGenerator({
        transactions: await prepared,
        ratePerSecond: options.loadTps,
        targets: honest.map((node) => node.rpc),
        // A careful client: what a node failed to take, or took and did not get finalized, goes to another.
        isFinalized: (txId) => finalizedTxIds.has(txId),
      });
      load.start();
      humanOut(
        `Load: ${options.loadTps} tx/s from ${senderCount(options.loadTps)} senders, round-robin to the honest nodes; 1 in ${PERPS_LOAD_EVERY} is a perp order of ${accounts.traders.length} traders\n`,
      );
    }
    if (!options.json) {
      humanOut(
        options.durationS === undefined ? 'Press Ctrl-C to stop.\n' : `Running for ${options.durationS} s.\n`,
      );
    }
    const liveStartedAtMs = Date.now();
    const crashErrors: unknown[] = [];
    for (const crash of options.priceCrashes ?? []) {
      crashTimers.push(
        setTimeout(() => {
          const body = { action: 'crash', pair: crash.pair, factor: crash.factor };
          fetch(`${setup.simulatorUrl}/control`, { method: 'POST', body: JSON.stringify(body) })
            .then(async (response) => {
              if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
              event(`price crash: ${crash.pair} × ${crash.factor} on every venue`);
            })
            .catch((error: unknown) => {
              crashErrors.push(error);
              event(`price crash ${crash.pair} × ${crash.factor} failed: ${(error as Error).message}`);
            });
        }, crash.atS * 1000),
      );
    }
    let scenario: { done: boolean; error?: unknown } | undefined;
    if (context.inspector?.scenario !== undefined) {
      const state: { done: boolean; error?: unknown } = { done: false };
      scenario = state;
      context.inspector.scenario(running, setup, controlClient).then(
        () => {
          state.done = true;
        },
        (error: unknown) => {
          state.error = error ?? new Error('the scenario failed');
          state.done = true;
        },
      );
    }
    await liveStatus({
      options,
      io,
      signal,
      setup,
      network: running,
      validators,
      probes,
      follower,
      load,
      factory,
      until: () => scenario?.done === true,
    });
    if (scenario?.error !== undefined) throw scenario.error;
    if (crashErrors.length > 0) {
      throw new Error(`the price simulator refused a --price-crash: ${(crashErrors[0] as Error).message}`);
    }
    if (signal.aborted && !options.json) return ExitCode.ok;
    if (signal.aborted) return ExitCode.interrupted;

    if (!options.json) return ExitCode.ok;
    const liveS = Math.round((Date.now() - liveStartedAtMs) / 100) / 10;
    const summary = await drainAndSummarize({
      options,
      // A scenario that ended the run early: its real length.
      durationS: scenario?.done === true ? liveS : (options.durationS ?? 0),
      setup,
      network: running,
      validators,
      follower,
      load,
      startHeight,
      l1StartBlock,
      progress,
      keeper,
      perpsAccounts: [accounts.lp.address, ...accounts.traders.map((trader) => trader.signer.address)],
    });
    io.stdout(`${formatSummary(summary)}\n`);
    await context.inspector?.beforeStop?.(running, summary);
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
    for (const timer of crashTimers) clearTimeout(timer);
    await keeper?.stop();
    follower?.stop();
    await load?.close();
    // No more restarts or control requests while everything stops.
    validators?.close();
    await control?.close();
    await dashboard?.close();
    await rm(layout.control, { force: true });
    if (supervisor.running().length > 0) {
      humanOut(`${tty ? '\n' : ''}Stopping ${supervisor.running().length} processes…\n`);
    }
    await supervisor.stopAll({ order: STOP_ORDER });
    await network?.links?.close();
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
  validators: ValidatorSet;
  /** Short-timeout RPC clients of the nodes (a paused node must not hold the status line up). */
  probes: readonly NodeRpc[];
  follower: ChainFollower;
  load: LoadGenerator | undefined;
  factory: TransactionSource;
  /** Ends the live phase early (a scenario finished). */
  until: () => boolean;
}): Promise<void> {
  const { options, io, signal, network, validators, follower, load, factory } = parameters;
  const endAtMs =
    options.durationS === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.durationS * 1000;
  let lastLineAtMs = 0;
  let refilling: Promise<void> | undefined;
  const tty = io.isTty && !options.json;
  // Poll often when a scenario may end the phase; the status line still changes once a second.
  const intervalMs = options.json ? STATUS_INTERVAL_MS / 5 : STATUS_INTERVAL_MS;
  let lastStatusAtMs = 0;
  while (!signal.aborted && Date.now() < endAtMs && !parameters.until()) {
    await sleep(Math.min(intervalMs, Math.max(0, endAtMs - Date.now())), signal).catch(() => {});
    if (signal.aborted || parameters.until()) break;
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
    if (options.json || Date.now() - lastStatusAtMs < STATUS_INTERVAL_MS - 50) continue;
    lastStatusAtMs = Date.now();
    const runtimes = validators.status();
    const statuses = await Promise.all(
      runtimes.map((runtime, i) =>
        runtime.state === 'running' ? parameters.probes[i]!.status().catch(() => undefined) : undefined,
      ),
    );
    const line = formatStatusLine({
      height: follower.height,
      tps: follower.transactionsPerSecond(STATUS_TPS_WINDOW_MS),
      prices: follower.latestPrices,
      nodesUp: statuses.filter((status) => status !== undefined).length,
      nodes: network.nodes.length,
      nodeNotes: runtimes.flatMap((runtime, i) => nodeNote(runtime, statuses[i] !== undefined)),
      links: network.links === undefined ? undefined : linkSummary(network.links.status()),
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

/** Why a node is not up, for the status line; nothing for a node that answers. */
function nodeNote(runtime: NodeRuntimeStatus, answers: boolean): string[] {
  switch (runtime.state) {
    case 'running':
      return answers ? [] : [`${runtime.name} not answering`];
    case 'restarting':
      return [`${runtime.name} restarting in ${Math.ceil((runtime.restartInMs ?? 0) / 1000)} s`];
    default:
      return [`${runtime.name} ${runtime.state}`];
  }
}

/** `2 cut, 1 delayed` for the status line; empty when every link is plainly up. */
function linkSummary(links: readonly { mode: string; delayMs: number }[]): string {
  const counts = new Map<string, number>();
  for (const link of links) {
    const kind = link.mode === 'up' ? (link.delayMs > 0 ? 'delayed' : undefined) : link.mode;
    if (kind !== undefined) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
}

/**
 * anvil or the price simulator exiting ends the run with an error naming its log: every node
 * depends on them. A validator exiting does not (validators.ts reports and restarts it).
 */
function checkChildren(network: RunningNetwork, setup: TestnetSetup): void {
  if (network.simulator !== undefined && !network.simulator.isRunning()) {
    throw new Error(`the price simulator exited; see ${network.simulator.logPath}`);
  }
  if (!setup.l1.process.isRunning()) throw new Error(`anvil exited; see ${setup.l1.process.logPath}`);
}

async function drainAndSummarize(parameters: {
  options: TestnetOptions;
  durationS: number;
  setup: TestnetSetup;
  network: RunningNetwork;
  validators: ValidatorSet;
  follower: ChainFollower;
  load: LoadGenerator | undefined;
  startHeight: number;
  l1StartBlock: bigint;
  progress: Progress;
  keeper: RunningKeeper;
  /** The run's LP and traders (compared even if the model has nothing of them). */
  perpsAccounts: readonly Address[];
}): Promise<TestnetSummary> {
  const { options, setup, network, follower, load, progress, keeper } = parameters;
  progress.start('draining');
  load?.flushTail();
  await load?.stop();
  const submissions = load?.submissions ?? new Map();
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  // An encrypted transaction is drained when its plaintext is final (two blocks after its envelope).
  const pending = new Set(
    [...submissions].filter(([, s]) => s.acknowledged).map(([txId]) => load?.reveals.get(txId) ?? txId),
  );
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
  // Every running node should have what the followed node has; give laggards the same drain budget.
  const endHeight = follower.height;
  const honest = network.nodes.filter(
    (node) => !node.byzantine && parameters.validators.isRunning(node.index),
  );
  while (Date.now() < deadline) {
    const statuses = await Promise.all(honest.map((node) => node.rpc.status().catch(() => undefined)));
    if (statuses.every((status) => (status?.finalizedHeight ?? 0) >= endHeight)) break;
    await sleep(100);
  }
  await load?.close();
  progress.done(`drained: ${pending.size} acknowledged transactions still pending`);
  // Where the senders of lost transactions are stuck, so that an unhealthy run can be diagnosed.
  if (pending.size > 0 && load !== undefined) {
    const finalized = new Set(follower.blocks.flatMap((block) => block.transactionIds));
    for (const line of load.explainUnfinalized((txId) => finalized.has(txId))) progress.note(line);
  }

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
  progress.start('waiting for the keeper to settle every batch');
  const keeperDeadline = Date.now() + KEEPER_DRAIN_TIMEOUT_MS;
  const settledUpTo = () => {
    const step = keeper.lastStep;
    return step?.status === 'up-to-date' ? (step.latestHeight ?? -1) : -1;
  };
  const stepBefore = keeper.lastStep;
  // A step that started before the drain ended may report an older height: wait for a fresh one.
  while (Date.now() < keeperDeadline && (keeper.lastStep === stepBefore || settledUpTo() < endHeight)) {
    await sleep(100);
  }
  const caughtUp = settledUpTo() >= endHeight;
  let differences: string[] | undefined;
  try {
    differences = await keeper.stopAndCompare(parameters.perpsAccounts);
  } catch (error) {
    progress.note(`comparing the clearinghouse with the keeper's model failed: ${(error as Error).message}`);
  }
  const perpsStats = await perpsL1Stats(
    setup.l1.publicClient,
    setup.state.perps.clearinghouse,
    parameters.l1StartBlock,
  );
  progress.done(
    `keeper ${caughtUp ? 'settled every batch' : `did not catch up within ${KEEPER_DRAIN_TIMEOUT_MS / 1000} s`}: ${perpsStats.ordersSettledL1} orders settled on L1, ${perpsStats.ordersRejected} rejected, ${perpsStats.liquidations} liquidations; L1 ${differences === undefined ? 'not compared' : differences.length === 0 ? 'matches the model' : 'differs from the model'}`,
  );
  if (keeper.errors > 0) progress.note(`keeper: ${keeper.errors} errors, the last: ${keeper.lastError}`);
  for (const difference of differences ?? []) progress.note(`L1 ≠ model: ${difference}`);
  const posted = await postedToL1(setup.l1, setup.state.deployment, parameters.l1StartBlock).catch(() => ({
    headers: 0,
    prices: 0,
    equivocations: 0,
  }));
  return computeSummary({
    nodes: options.nodes,
    byzantine: options.byzantine,
    durationS: parameters.durationS,
    startHeight: parameters.startHeight,
    endHeight,
    submissions,
    reveals: load?.reveals,
    resubmitted: load?.resubmitted ?? 0,
    blocks: follower.blocks,
    headersPostedL1: posted.headers,
    pricesPostedL1: posted.prices,
    equivocationsRecordedL1: posted.equivocations,
    equivocatorsInBlocks: (
      await certifiedEquivocators(follower.rpcUrl, setup.committee).catch(() => new Set<number>())
    ).size,
    safety,
    validators: parameters.validators.totals(),
    perps: { ...perpsStats, lagHeights: keeper.lagHeights, differences },
  });
}

/**
 * Sends one transaction to the first node that takes it and waits until the followed chain has
 * it finalized (resending to the next node every few seconds).
 */
async function submitAndAwaitFinality(
  transaction: { txId: string; encoded: Hex },
  targets: readonly NodeRpc[],
  finalized: ReadonlySet<string>,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + VAULT_DEPOSIT_TIMEOUT_MS;
  let attempt = 0;
  let lastError = 'not finalized';
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const target = targets[attempt++ % targets.length]!;
    const [answer] = await target
      .sendRawTransactions([transaction.encoded])
      .catch((error: unknown) => [{ ok: false as const, error: { message: (error as Error).message } }]);
    if (answer !== undefined && !answer.ok) lastError = answer.error.message;
    const resendAt = Date.now() + 3_000;
    while (Date.now() < Math.min(resendAt, deadline)) {
      if (finalized.has(transaction.txId)) return;
      await sleep(100, signal).catch(() => {});
      signal.throwIfAborted();
    }
  }
  throw new Error(
    `the LP's vault deposit ${transaction.txId} was not finalized within ${VAULT_DEPOSIT_TIMEOUT_MS / 1000} s (${lastError})`,
  );
}
