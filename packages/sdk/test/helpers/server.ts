import type { NetworkDomain } from '@synod/protocol';
import { bytesToHex } from 'viem';
import { TestChain, type TestChainOptions } from './chain.ts';
import { createRpcServer, type RpcServer, type RpcServerLimits } from './node.ts';

/** The network every test signs for (unless it deploys its own inbox on anvil). */
export const TEST_NETWORK: NetworkDomain = {
  networkId: 7,
  chainId: 31337,
  inbox: '0x00000000000000000000000000000000000000aa',
};

export interface TestNode {
  chain: TestChain;
  server: RpcServer;
  url: string;
  webSocketUrl: string;
  /** The committee's group key as hex (what an app pins). */
  groupPublicKey: `0x${string}`;
  stop(): Promise<void>;
}

/** Starts the node's real JSON-RPC server on 127.0.0.1 over a TestChain. */
export async function startTestNode(
  options: Partial<TestChainOptions> & { limits?: Partial<RpcServerLimits> } = {},
): Promise<TestNode> {
  const chain = new TestChain({ domain: options.domain ?? TEST_NETWORK, ...options });
  const server = createRpcServer({ backend: chain, host: '127.0.0.1', port: 0, limits: options.limits });
  const address = await server.start();
  return {
    chain,
    server,
    url: address.url,
    webSocketUrl: address.webSocketUrl,
    groupPublicKey: bytesToHex(chain.committee.groupPublicKey),
    async stop() {
      chain.stopAutoBlocks();
      await server.stop();
    },
  };
}
