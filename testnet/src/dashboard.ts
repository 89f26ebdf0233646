import { type DashboardConfig, webSocketUrl } from '@synod/dashboard';
import type { Hex } from 'viem';
import { feedIdOf, TESTNET_FEEDS } from './config.ts';
import type { RunningNode } from './network.ts';
import type { TestnetSetup } from './setup.ts';

/**
 * What the testnet's dashboard shows: every node's RPC, and on L1 the inbox, the feeds' adapters
 * and the clearinghouse (a SynodBatchSettlement of the perps namespace).
 */
export function testnetDashboardConfig(setup: TestnetSetup, nodes: readonly RunningNode[]): DashboardConfig {
  const { deployment, perps } = setup.state;
  return {
    title: `Synod testnet · ${nodes.length} nodes`,
    pollIntervalMs: 1_000,
    nodes: nodes.map((node) => ({
      name: `node-${node.index}${node.byzantine ? ' (byzantine)' : ''}`,
      rpcUrl: node.rpcUrl,
      wsUrl: webSocketUrl(node.rpcUrl),
    })),
    l1: {
      rpcUrl: setup.l1.rpcUrl,
      chainId: setup.state.chainId,
      inbox: deployment.inbox,
      adapters: TESTNET_FEEDS.flatMap((feed) => {
        const feedId = feedIdOf(feed.pair) as Hex;
        const address = deployment.adapters[feedId];
        return address === undefined ? [] : [{ feedId, address }];
      }),
      settlements: [
        { name: 'Clearinghouse (perps)', address: perps.clearinghouse, namespace: perps.namespace },
      ],
    },
  };
}
