import { createServer } from 'node:net';

/**
 * Port plan of a testnet, all offsets from one base port so that a second testnet (or a test) only
 * needs another `--base-port`, and so that every port can be read off: anvil P, the price
 * simulator P+1, the control endpoint P+2, the dashboard P+3; node i's p2p address P+100+i
 * (the one in the genesis), RPC P+200+i, metrics P+300+i; behind the link proxies it really listens
 * on P+400+i, and node i dials node j through the proxy on P+1000+100i+j; node i's price sources
 * go through the proxy on P+500+i to the simulator.
 */

/** The runner's control endpoint (HTTP, control.ts). */
const CONTROL_OFFSET = 2;
/** The web dashboard (@synod/dashboard). */
const DASHBOARD_OFFSET = 3;
/** Offsets of the per-node port blocks; each block holds MAX_NODES ports. */
const P2P_OFFSET = 100;
const RPC_OFFSET = 200;
const METRICS_OFFSET = 300;
const P2P_LISTEN_OFFSET = 400;
/** Node i's price sources (the simulator) through the proxy on SOURCES_PROXY_OFFSET + i. */
const SOURCES_PROXY_OFFSET = 500;
/** Link proxy of node i dialing node j: PROXY_OFFSET + 100·i + j (one block of 100 per dialer). */
const PROXY_OFFSET = 1_000;
/** The blocks are 100 apart, so at most 100 nodes; far more than a laptop runs. */
export const MAX_NODES = 100;

/** Highest offset of a plan of `nodes` nodes (the last link proxy, node n−1 dialing n−2; with one node, its sources proxy). */
function highestOffset(nodes: number): number {
  return nodes < 2 ? SOURCES_PROXY_OFFSET + nodes - 1 : PROXY_OFFSET + (nodes - 1) * MAX_NODES + (nodes - 2);
}

/** Highest base port whose whole plan for `nodes` nodes stays below 65536. */
export function maxBasePort(nodes: number): number {
  return 65_535 - highestOffset(nodes);
}

/** Highest base port of any plan: a 1-node testnet's. `--base-port` is checked against the node count too. */
export const MAX_BASE_PORT = maxBasePort(1);

export interface NodePorts {
  /** The node's p2p address in the genesis; where it listens without link proxies. */
  p2p: number;
  /** Where it listens behind the link proxies (nothing listens on `p2p` then). */
  p2pListen: number;
  /** Behind the link proxies: the proxy its price sources reach the simulator through. */
  sourcesProxy: number;
  rpc: number;
  metrics: number;
}

export interface PortPlan {
  base: number;
  anvil: number;
  simulator: number;
  control: number;
  dashboard: number;
  nodes: NodePorts[];
}

export function planPorts(basePort: number, nodes: number): PortPlan {
  if (!Number.isSafeInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new RangeError(`node count ${nodes} outside 1..${MAX_NODES}`);
  }
  if (!Number.isSafeInteger(basePort) || basePort < 1 || basePort > maxBasePort(nodes)) {
    throw new RangeError(`base port ${basePort} outside 1..${maxBasePort(nodes)} for ${nodes} nodes`);
  }
  return {
    base: basePort,
    anvil: basePort,
    simulator: basePort + 1,
    control: basePort + CONTROL_OFFSET,
    dashboard: basePort + DASHBOARD_OFFSET,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      p2p: basePort + P2P_OFFSET + i,
      p2pListen: basePort + P2P_LISTEN_OFFSET + i,
      sourcesProxy: basePort + SOURCES_PROXY_OFFSET + i,
      rpc: basePort + RPC_OFFSET + i,
      metrics: basePort + METRICS_OFFSET + i,
    })),
  };
}

/** The port of the link proxy through which node `from` dials node `to`. */
export function proxyPort(plan: PortPlan, from: number, to: number): number {
  const count = plan.nodes.length;
  if (from === to || from < 0 || to < 0 || from >= count || to >= count) {
    throw new RangeError(`no link proxy from node ${from} to node ${to} in a ${count}-node plan`);
  }
  return plan.base + PROXY_OFFSET + from * MAX_NODES + to;
}

/** Every ordered pair (from, to) of distinct nodes: one link proxy each. */
export function orderedPairs(nodes: number): [from: number, to: number][] {
  const pairs: [number, number][] = [];
  for (let from = 0; from < nodes; from++)
    for (let to = 0; to < nodes; to++) if (from !== to) pairs.push([from, to]);
  return pairs;
}

/** Every port of a plan, in a stable order. */
export function allPorts(plan: PortPlan): number[] {
  return [
    plan.anvil,
    plan.simulator,
    plan.control,
    plan.dashboard,
    ...plan.nodes.flatMap((node) => [node.p2p, node.rpc, node.metrics, node.p2pListen, node.sourcesProxy]),
    ...orderedPairs(plan.nodes.length).map(([from, to]) => proxyPort(plan, from, to)),
  ];
}

/** Ports probed at once by busyPorts. */
const PORT_CHECK_BATCH = 256;

/** True when nothing listens on 127.0.0.1:port (we can bind it). */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The ports of the plan that something else already holds (a previous testnet still running?). */
export async function busyPorts(plan: PortPlan): Promise<number[]> {
  const ports = allPorts(plan);
  const busy: number[] = [];
  // In slices: a 100-node plan has ~10,000 ports, more than a process may open at once.
  for (let start = 0; start < ports.length; start += PORT_CHECK_BATCH) {
    const slice = ports.slice(start, start + PORT_CHECK_BATCH);
    const free = await Promise.all(slice.map((port) => isPortFree(port)));
    busy.push(...slice.filter((_, i) => !free[i]));
  }
  return busy;
}

/**
 * Where test and benchmark testnets look for a free port plan: below Linux's ephemeral range
 * (net.ipv4.ip_local_port_range, 32768–60999 by default). A plan inside it can lose a port to an
 * outgoing connection's local port between the check and the listen (seen: a node's metrics port
 * taken by one, EADDRINUSE at start).
 */
export const TEST_BASE_PORTS = { from: 10_000, to: 30_000 } as const;

/**
 * A random base port in TEST_BASE_PORTS whose whole plan for `nodes` nodes is free now, not one of
 * `avoid` (plans handed out before, maybe not listening yet).
 */
export async function findFreeBasePort(nodes: number, avoid: Set<number> = new Set()): Promise<number> {
  const slots = Math.floor((TEST_BASE_PORTS.to - TEST_BASE_PORTS.from) / 100);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = TEST_BASE_PORTS.from + Math.floor(Math.random() * slots) * 100;
    if (avoid.has(base)) continue;
    if ((await busyPorts(planPorts(base, nodes))).length === 0) {
      avoid.add(base);
      return base;
    }
  }
  throw new Error('no free port range for a test testnet');
}
