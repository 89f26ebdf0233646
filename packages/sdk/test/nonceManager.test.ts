import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNonceManager, createSynodClient, getNextNonce, http, sendTransaction } from '../src/index.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

const address = '0x00000000000000000000000000000000000000a1';

describe('createNonceManager', () => {
  it('hands out increasing nonces to concurrent callers, starting at the source', async () => {
    const manager = createNonceManager({ source: () => 5n });
    const nonces = await Promise.all(
      Array.from({ length: 4 }, () => manager.consume({ address, networkId: 1 })),
    );
    expect(nonces).toEqual([5n, 6n, 7n, 8n]);
    expect(await manager.consume({ address, networkId: 2 })).toBe(5n); // per network
  });

  it('gives back only the latest nonce, and can be set', async () => {
    const manager = createNonceManager();
    await manager.consume({ address, networkId: 1 });
    const second = await manager.consume({ address, networkId: 1 });
    manager.release({ address, networkId: 1, nonce: second });
    expect(await manager.consume({ address, networkId: 1 })).toBe(1n);
    manager.release({ address, networkId: 1, nonce: 0n }); // not the latest: ignored
    expect(await manager.consume({ address, networkId: 1 })).toBe(2n);
    manager.set({ address, networkId: 1, nonce: 40n });
    expect(await manager.consume({ address, networkId: 1 })).toBe(40n);
  });

  it('asks the source again after it failed', async () => {
    let calls = 0;
    const manager = createNonceManager({
      source: () => {
        calls++;
        if (calls === 1) throw new Error('store offline');
        return 3n;
      },
    });
    await expect(manager.consume({ address, networkId: 1 })).rejects.toThrow('store offline');
    expect(await manager.consume({ address, networkId: 1 })).toBe(3n);
  });
});

describe('nonces from the node (synod_getNextNonce)', () => {
  const namespace = keccak256(toHex('nonce-test'));
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });
  const newClient = () => createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
  const nodeReads = () => node.chain.calls.filter((call) => call === 'getNextNonce').length;

  it('getNextNonce counts finalized and pending transactions', async () => {
    const client = newClient();
    const account = privateKeyToAccount(`0x${'1a'.repeat(32)}`);
    expect(await getNextNonce(client, { address: account.address })).toBe(0n);
    await sendTransaction(client, { account, namespace, payload: '0x01', nonce: 0n });
    await sendTransaction(client, { account, namespace, payload: '0x02', nonce: 1n });
    node.chain.produceBlock();
    await sendTransaction(client, { account, namespace, payload: '0x03', nonce: 2n });
    expect(await client.getNextNonce({ address: account.address })).toBe(3n);
  });

  it('a new client starts where the node stands, then counts locally for concurrent sends', async () => {
    const account = privateKeyToAccount(`0x${'1b'.repeat(32)}`);
    // Another process (an earlier run of the app) used nonces 0..2; 3 is pending.
    const earlier = newClient();
    for (const nonce of [0n, 1n, 2n]) {
      await sendTransaction(earlier, { account, namespace, payload: '0x01', nonce });
    }
    node.chain.produceBlock();
    await sendTransaction(earlier, { account, namespace, payload: '0x02', nonce: 3n });

    const client = newClient();
    const reads = nodeReads();
    const sent = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        sendTransaction(client, { account, namespace, payload: toHex(i, { size: 1 }) }),
      ),
    );
    expect(sent.map(({ transaction }) => transaction.nonce)).toEqual([4n, 5n, 6n, 7n, 8n]);
    expect(nodeReads() - reads).toBe(1); // one read for the address, then local counting
    expect(await getNextNonce(client, { address: account.address })).toBe(9n);
  });

  it('a custom source replaces the node, and consume without a client starts at 0', async () => {
    const account = privateKeyToAccount(`0x${'1c'.repeat(32)}`);
    const client = createSynodClient({
      transport: http(node.url),
      network: TEST_NETWORK,
      nonceManager: createNonceManager({ source: () => 0n }),
    });
    const reads = nodeReads();
    const { transaction } = await sendTransaction(client, { account, namespace, payload: '0x01' });
    expect(transaction.nonce).toBe(0n);
    expect(nodeReads()).toBe(reads);
    expect(await createNonceManager().consume({ address: account.address, networkId: 7 })).toBe(0n);
  });
});
