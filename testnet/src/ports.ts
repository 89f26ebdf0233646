import { createServer } from 'node:net';

/**
 * Port plan of a testnet, all offsets from one base port so that a second testnet (or a test) only
 * needs another `--base-port`, and so that node i's ports can be read off: p2p P+100+i, RPC P+200+i,
 * metrics P+300+i.
 */

/** Offsets of the per-node port blocks; each block holds MAX_NODES ports. */
const P2P_OFFSET = 100;
const RPC_OFFSET = 200;
const METRICS_OFFSET = 300;
/** The blocks are 100 apart, so at most 100 nodes; far more than a laptop runs. */
export const MAX_NODES = 100;
/** Highest base port whose whole plan (up to METRICS_OFFSET + MAX_NODES) stays below 65536. */
export const MAX_BASE_PORT = 65_535 - METRICS_OFFSET - MAX_NODES;

export interface NodePorts {
  p2p: number;
  rpc: number;
  metrics: number;
}

export interface PortPlan {
  anvil: number;
  simulator: number;
  nodes: NodePorts[];
}

export function planPorts(basePort: number, nodes: number): PortPlan {
  if (!Number.isSafeInteger(basePort) || basePort < 1 || basePort > MAX_BASE_PORT) {
    throw new RangeError(`base port ${basePort} outside 1..${MAX_BASE_PORT}`);
  }
  if (!Number.isSafeInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new RangeError(`node count ${nodes} outside 1..${MAX_NODES}`);
  }
  return {
    anvil: basePort,
    simulator: basePort + 1,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      p2p: basePort + P2P_OFFSET + i,
      rpc: basePort + RPC_OFFSET + i,
      metrics: basePort + METRICS_OFFSET + i,
    })),
  };
}

/** Every port of a plan, in a stable order. */
export function allPorts(plan: PortPlan): number[] {
  return [plan.anvil, plan.simulator, ...plan.nodes.flatMap((node) => [node.p2p, node.rpc, node.metrics])];
}

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
  const free = await Promise.all(ports.map((port) => isPortFree(port)));
  return ports.filter((_, i) => !free[i]);
}
