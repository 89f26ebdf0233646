import { keccak256, toHex } from 'viem';
import { expect } from 'vitest';
import { TEST_NETWORK, type TestNode } from './server.ts';

/** The quick start's price on the test node: set before it runs, checked in its output. */
export function prepareQuickstartNode(node: TestNode): void {
  node.chain.setPrice(keccak256(toHex('ETH/USD')), 3_512_25000000n);
  node.chain.startAutoBlocks(50);
}

/** The environment examples/quickstart.ts reads, pointed at `node`. */
export function quickstartEnv(node: TestNode): Record<string, string> {
  return {
    SYNOD_RPC_URL: node.url,
    SYNOD_NETWORK_ID: String(TEST_NETWORK.networkId),
    SYNOD_CHAIN_ID: String(TEST_NETWORK.chainId),
    SYNOD_INBOX: TEST_NETWORK.inbox,
    SYNOD_GROUP_PUBLIC_KEY: node.groupPublicKey,
  };
}

/** What a successful quick start prints: finality, both offline checks, the verified price. */
export function expectQuickstartOutput(stdout: string): void {
  expect(stdout).toMatch(/finalized at height \d+, position 0/);
  expect(stdout).toContain('certificate verifies: true');
  expect(stdout).toContain('transaction included: true');
  expect(stdout).toContain('ETH/USD: 3512.25 at height');
}
