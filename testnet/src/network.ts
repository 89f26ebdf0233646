import { existsSync } from 'node:fs';
import type { TestnetOptions } from './args.ts';
import { p2pRealAddress, TESTNET_FEEDS } from './config.ts';
import { TimeoutError } from './errors.ts';
import { SIMULATOR_SCRIPT } from './layout.ts';
import { proxyPort } from './ports.ts';
import type { ManagedProcess, ProcessSupervisor } from './processes.ts';
import type { Progress } from './progress.ts';
import { LinkMesh } from './proxy.ts';
import { createNodeRpc, type NodeRpc, type NodeStatus } from './rpc.ts';
import type { TestnetSetup } from './setup.ts';
import { spawnSynodStart, spawnTestNode } from './synod.ts';
import { waitUntil } from './wait.ts';

/** The simulator answers within a second of starting; 20 s covers a loaded machine. */
const SIMULATOR_READY_TIMEOUT_MS = 20_000;
/** Keystore decryption (scrypt, ~1 s) and p2p start-up happen before the RPC listens. */
const NODE_RPC_READY_TIMEOUT_MS = 60_000;
/** Consensus needs a quorum connected; the first block follows within seconds. */
const FIRST_BLOCK_TIMEOUT_MS = 60_000;
/** Poll of the first block: short, since it is the headline start-up number. */
const FIRST_BLOCK_POLL_MS = 50;
/** A fixed seed: two runs of a testnet see the same simulated market. */
export const SIMULATOR_SEED = '9';

export interface RunningNode {
  index: number;
  /** The node's current process: a restart (validators.ts) replaces it. */
  process: ManagedProcess;
  /** Starts the node again, the way it was started (`synod start`, or the test entry). */
  spawn(): ManagedProcess;
  rpc: NodeRpc;
  rpcUrl: string;
  metricsUrl: string;
  /** Where the node really listens (with /p2p/<peerId>); behind link proxies, not its genesis address. */
  p2pAddress: string;
  byzantine: boolean;
  /** Its wall clock's offset (`--clock-offset`); 0 for none. */
  clockOffsetMs: number;
}

export interface RunningNetwork {
  simulator: ManagedProcess | undefined;
  nodes: RunningNode[];
  /** The link proxies between the nodes (undefined without `linkProxies`). */
  links: LinkMesh | undefined;
}

/** The simulator as a child process (packages/oracle/scripts/simulator.ts), on the planned port. */
export async function startSimulator(
  setup: TestnetSetup,
  supervisor: ProcessSupervisor,
  signal?: AbortSignal,
  options: { flatPrices?: boolean } = {},
): Promise<ManagedProcess | undefined> {
  if (!existsSync(SIMULATOR_SCRIPT)) return undefined;
  const child = supervisor.spawn(
    'simulator',
    process.execPath,
    [
      SIMULATOR_SCRIPT,
      '--seed',
      SIMULATOR_SEED,
      '--port',
      String(setup.plan.simulator),
      ...TESTNET_FEEDS.flatMap((feed) => ['--pair', `${feed.pair}=${feed.initialPrice}`]),
      // Flat: no walk, no spread between venues (ticks go on, so quotes stay fresh).
      ...(options.flatPrices === true ? ['--max-step-ppm', '0', '--spread-ppm', '0'] : []),
    ],
    { logPath: setup.layout.simulatorLog },
  );
  await waitUntil(
    async () => {
      if (!child.isRunning()) throw new Error(`the price simulator exited; see ${child.logPath}`);
      try {
        return (await fetch(`${setup.simulatorUrl}/state`, { signal: AbortSignal.timeout(1_000) })).ok;
      } catch {
        return false;
      }
    },
    { timeoutMs: SIMULATOR_READY_TIMEOUT_MS, what: `the price simulator on ${setup.simulatorUrl}`, signal },
  );
  return child;
}

/** Byzantine nodes are the last K: node 0 stays honest, and the status line follows it. */
export function isByzantineIndex(
  index: number,
  options: Pick<TestnetOptions, 'nodes' | 'byzantine'>,
): boolean {
  return index >= options.nodes - options.byzantine;
}

/** `synod start` on every honest node, the byzantine entry on the last K, then waits until each RPC answers. */
export async function startNodes(
  setup: TestnetSetup,
  options: TestnetOptions,
  supervisor: ProcessSupervisor,
  signal?: AbortSignal,
): Promise<RunningNode[]> {
  const nodes = setup.plan.nodes.map((ports, index): RunningNode => {
    const byzantine = isByzantineIndex(index, options);
    const clockOffsetMs = options.clockOffsets?.find((offset) => offset.node === index)?.offsetMs ?? 0;
    const where = {
      index,
      dataDir: setup.layout.nodeDir(index),
      passwordFile: setup.layout.passwordFile,
      logPath: setup.layout.nodeLog(index),
    };
    const strategy = byzantine ? options.strategy : undefined;
    const spawn = () =>
      strategy !== undefined || clockOffsetMs !== 0
        ? spawnTestNode(supervisor, {
            ...where,
            strategy,
            clockOffsetMs: clockOffsetMs === 0 ? undefined : clockOffsetMs,
          })
        : spawnSynodStart(supervisor, where);
    const rpcUrl = `http://127.0.0.1:${ports.rpc}/`;
    return {
      index,
      process: spawn(),
      spawn,
      rpc: createNodeRpc(rpcUrl),
      rpcUrl,
      metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
      p2pAddress: `${p2pRealAddress(ports, options.linkProxies === true)}/p2p/${setup.state.participants[index]!.peerId}`,
      byzantine,
      clockOffsetMs,
    };
  });
  await Promise.all(
    nodes.map((node) =>
      waitUntil(
        async () => {
          assertRunning(node);
          try {
            await node.rpc.status();
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: NODE_RPC_READY_TIMEOUT_MS, what: `node-${node.index}'s RPC on ${node.rpcUrl}`, signal },
      ),
    ),
  );
  return nodes;
}

export function assertRunning(node: RunningNode): void {
  if (!node.process.isRunning()) {
    throw new Error(`node-${node.index} exited; see ${node.process.logPath}`);
  }
}

/** Waits until an honest node reports a finalized height above `aboveHeight`; returns it. */
export async function waitForFinalizedBlock(
  nodes: readonly RunningNode[],
  aboveHeight: number,
  signal?: AbortSignal,
): Promise<number> {
  const honest = nodes.filter((node) => !node.byzantine);
  let height = 0;
  let statuses: (NodeStatus | undefined)[] = [];
  await waitUntil(
    async () => {
      for (const node of nodes) assertRunning(node);
      statuses = await Promise.all(honest.map((node) => node.rpc.status().catch(() => undefined)));
      height = Math.max(...statuses.map((status) => status?.finalizedHeight ?? 0));
      return height > aboveHeight;
    },
    {
      timeoutMs: FIRST_BLOCK_TIMEOUT_MS,
      what: 'a finalized block',
      intervalMs: FIRST_BLOCK_POLL_MS,
      signal,
    },
  ).catch((error: unknown) => {
    if (!(error instanceof TimeoutError)) throw error;
    // Say where consensus is stuck: the first thing to look at in the node logs.
    const where = statuses
      .map((status, i) =>
        status === undefined
          ? `node-${honest[i]!.index} unreachable`
          : `node-${honest[i]!.index} at height ${status.consensusHeight} round ${status.consensusRound} (${status.peers} peers)`,
      )
      .join(', ');
    throw new TimeoutError(`${error.message}: ${where}`);
  });
  return height;
}

/**
 * The link proxies of a testnet (proxy.ts): node i dials node j on P+1000+100i+j, forwarded to
 * j's real listen port P+400+j. Listening when this resolves.
 */
export async function startLinkProxies(setup: TestnetSetup): Promise<LinkMesh> {
  const mesh = new LinkMesh({
    nodes: setup.plan.nodes.length,
    proxyPort: (from, to) => proxyPort(setup.plan, from, to),
    targetPort: (to) => setup.plan.nodes[to]!.p2pListen,
    sourcesProxyPort: (node) => setup.plan.nodes[node]!.sourcesProxy,
    sourcesTargetPort: setup.plan.simulator,
  });
  await mesh.start();
  return mesh;
}

/**
 * Progress-reporting wrapper: simulator, link proxies (with `linkProxies`), nodes, first block.
 * Whoever gets the network closes `links` after stopping the nodes; on failure this closes them.
 */
export async function startNetwork(
  setup: TestnetSetup,
  options: TestnetOptions,
  supervisor: ProcessSupervisor,
  progress: Progress,
  signal?: AbortSignal,
): Promise<RunningNetwork & { firstHeight: number }> {
  progress.start('starting the price simulator');
  const simulator = await startSimulator(setup, supervisor, signal, {
    flatPrices: options.flatPrices === true,
  });
  if (simulator === undefined) progress.note(`no price simulator (${SIMULATOR_SCRIPT} is missing)`);
  else progress.done(`price simulator on ${setup.simulatorUrl}`);

  let links: LinkMesh | undefined;
  if (options.linkProxies === true) {
    progress.start('starting the link proxies');
    links = await startLinkProxies(setup);
    const pairs = options.nodes * (options.nodes - 1);
    progress.done(`${pairs} link proxies (node i dials node j on ${setup.plan.base}+1000+100i+j)`);
  }
  try {
    progress.start(`starting ${options.nodes} nodes`);
    const nodes = await startNodes(setup, options, supervisor, signal);
    progress.done(`${options.nodes} nodes answer on their RPC`);

    progress.start('waiting for the first finalized block');
    const before = await Promise.all(nodes.map((node) => node.rpc.status().catch(() => undefined)));
    const startHeight = Math.max(0, ...before.map((status) => status?.finalizedHeight ?? 0));
    const firstHeight = await waitForFinalizedBlock(nodes, startHeight, signal);
    progress.done(
      `height ${firstHeight} finalized, ${progress.elapsedS().toFixed(1)} s after the command (before this step: ${progress.breakdown()})`,
    );
    return { simulator, nodes, links, firstHeight };
  } catch (error) {
    // The nodes are the supervisor's to stop; the proxies are ours.
    await links?.close();
    throw error;
  }
}
