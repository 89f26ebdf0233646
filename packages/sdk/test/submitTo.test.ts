import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSynodClient, getTransactionStatus, http, RpcRequestError } from '../src/index.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

const namespace = keccak256(toHex('submit-to'));
let a: TestNode;
let b: TestNode;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestNode(), startTestNode()]);
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
});

const account = (seed: number) => privateKeyToAccount(`0x${seed.toString(16).padStart(2, '0').repeat(32)}`);

describe('sendTransaction with submitTo (several nodes at once)', () => {
  it('submits to every node: both mempools hold the transaction (these test nodes do not gossip)', async () => {
    const client = createSynodClient({
      transport: http(a.url),
      submitTo: [http(b.url)],
      network: TEST_NETWORK,
    });
    const { txId } = await client.sendTransaction({ account: account(0x31), namespace, payload: '0x01' });
    const onB = createSynodClient({ transport: http(b.url), network: TEST_NETWORK });
    // The extra submission runs alongside the first: it lands within a few ms.
    for (let i = 0; i < 50 && (await getTransactionStatus(onB, { txId })).status !== 'pending'; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await client.getTransactionStatus({ txId })).status).toBe('pending');
    expect((await getTransactionStatus(onB, { txId })).status).toBe('pending');
  });

  it('resolves when any node admits it: its own node down, another up', async () => {
    const down = await startTestNode();
    await down.stop();
    const client = createSynodClient({
      transport: http(down.url, { retryCount: 0, timeoutMs: 1_000 }),
      submitTo: [http(b.url)],
      network: TEST_NETWORK,
    });
    // An explicit nonce: the automatic one would be asked of the client's (down) node.
    const { txId } = await client.sendTransaction({
      account: account(0x32),
      namespace,
      payload: '0x02',
      nonce: 0n,
    });
    const onB = createSynodClient({ transport: http(b.url), network: TEST_NETWORK });
    expect((await getTransactionStatus(onB, { txId })).status).toBe('pending');
  });

  it("fails only when every node refuses, with its own node's error, and frees the nonce", async () => {
    const client = createSynodClient({
      transport: http(a.url),
      submitTo: [http(b.url)],
      network: TEST_NETWORK,
    });
    const signer = account(0x33);
    // validUntil in the past: every node refuses it.
    const error = await client
      .sendTransaction({ account: signer, namespace, payload: '0x03', validUntil: 1n })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RpcRequestError);
    // The nonce was freed: the next transaction takes nonce 0 again.
    const { transaction } = await client.sendTransaction({ account: signer, namespace, payload: '0x04' });
    expect(transaction.nonce).toBe(0n);
  });
});
