import type { RpcStatus } from '@synod/protocol/pure';
import { rpcCall } from '../app/rpc.ts';
import type { DashboardConfig, DashboardL1 } from '../app/types.ts';
import { DashboardError } from './server.ts';

export interface ConfigFromNodesOptions {
  /** The nodes' JSON-RPC URLs (http://host:port/); their WebSocket is the same port's /ws. */
  rpcUrls: string[];
  /** An L1 JSON-RPC URL; the inbox and chain id come from the first node's synod_status. */
  l1RpcUrl?: string;
  /** Chainlink-style adapters and settlement contracts to read on L1 (none by default). */
  adapters?: DashboardL1['adapters'];
  settlements?: DashboardL1['settlements'];
  title?: string;
  pollIntervalMs?: number;
}

/** The WebSocket of a node's RPC URL: same host and port, path /ws. */
export function webSocketUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/ws';
  return url.toString();
}

/**
 * A dashboard config for running nodes: asks the first node that answers for its status (network
 * and L1 facts). Throws DashboardError('INVALID_CONFIG') when none answers.
 */
export async function configFromNodes(options: ConfigFromNodesOptions): Promise<DashboardConfig> {
  let status: RpcStatus | undefined;
  const failures: string[] = [];
  for (const rpcUrl of options.rpcUrls) {
    try {
      status = await rpcCall<RpcStatus>(rpcUrl, 'synod_status', [], 5_000);
      break;
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (status === undefined) {
    throw new DashboardError('INVALID_CONFIG', `no node answered synod_status:\n  ${failures.join('\n  ')}`);
  }
  const config: DashboardConfig = {
    title: options.title ?? `Synod network ${status.networkId}`,
    nodes: options.rpcUrls.map((rpcUrl) => ({
      name: new URL(rpcUrl).host,
      rpcUrl,
      wsUrl: webSocketUrl(rpcUrl),
    })),
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
  };
  if (options.l1RpcUrl !== undefined) {
    config.l1 = {
      rpcUrl: options.l1RpcUrl,
      chainId: status.chainId,
      inbox: status.inbox,
      adapters: options.adapters ?? [],
      settlements: options.settlements ?? [],
    };
  }
  return config;
}
