import { keccak256, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlockSummary,
  createSynodClient,
  http,
  type Price,
  VerificationError,
  watchBlocks,
  watchPrices,
  webSocket,
} from '../src/index.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';
import { countingWebSocket } from './helpers/webSocket.ts';

const ETH_USD = keccak256(toHex('ETH/USD'));
const BTC_USD = keccak256(toHex('BTC/USD'));

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.stop();
});

/** Resolves once `predicate` holds, polling every 10 ms for up to 5 s. */
async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchBlocks', () => {
  it('delivers each block over a WebSocket subscription, verified, until unwatched', async () => {
    const socket = countingWebSocket();
    const client = createSynodClient({
      transport: webSocket(node.webSocketUrl, { WebSocket: socket.WebSocket }),
      network: TEST_NETWORK,
    });
    const blocks: BlockSummary[] = [];
    const errors: Error[] = [];
    const unwatch = watchBlocks(client, {
      onBlock: (block) => blocks.push(block),
      onError: (e) => errors.push(e),
    });
    await until(() => socket.subscribed() === 1);
    const start = node.chain.height;
    for (let i = 0; i < 3; i++) node.chain.produceBlock();
    await until(() => blocks.length === 3);
    expect(blocks.map((block) => block.header.height)).toEqual([start + 1, start + 2, start + 3]);
    unwatch();
    await settle();
    node.chain.produceBlock();
    await settle();
    expect(blocks).toHaveLength(3);
    expect(errors).toEqual([]);
    await client.transport.value.close();
  });

  it('polls over HTTP and fills gaps by height, in order', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    node.chain.produceBlock();
    const heights: number[] = [];
    const unwatch = watchBlocks(client, {
      onBlock: (block) => heights.push(block.header.height),
      pollingIntervalMs: 200,
    });
    await settle(50);
    const start = node.chain.height;
    for (let i = 0; i < 4; i++) node.chain.produceBlock(); // all between two polls
    await until(() => heights.length === 4);
    expect(heights).toEqual([start + 1, start + 2, start + 3, start + 4]);
    unwatch();
  });

  it('stops at a block whose certificate fails and reports VerificationError', async () => {
    const socket = countingWebSocket();
    const client = createSynodClient({
      transport: webSocket(node.webSocketUrl, { WebSocket: socket.WebSocket }),
      network: TEST_NETWORK,
      committee: { epoch: 0, groupPublicKey: `0x${'a0'.repeat(48)}` }, // not the committee's key
    });
    const blocks: BlockSummary[] = [];
    const errors: Error[] = [];
    const unwatch = watchBlocks(client, {
      onBlock: (block) => blocks.push(block),
      onError: (e) => errors.push(e),
    });
    await until(() => socket.subscribed() === 1);
    node.chain.produceBlock();
    node.chain.produceBlock();
    await until(() => errors.length > 0);
    await settle();
    expect(blocks).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(VerificationError);
    unwatch();
    await client.transport.value.close();
  });
});

describe('watchPrices', () => {
  it('delivers a feed’s prices over a WebSocket subscription', async () => {
    const socket = countingWebSocket();
    const client = createSynodClient({
      transport: webSocket(node.webSocketUrl, { WebSocket: socket.WebSocket }),
      network: TEST_NETWORK,
    });
    const prices: Price[] = [];
    const unwatch = watchPrices(client, { feedId: ETH_USD, onPrice: (price) => prices.push(price) });
    await until(() => socket.subscribed() === 1);
    node.chain.setPrice(ETH_USD, 100n);
    node.chain.setPrice(BTC_USD, 200n);
    node.chain.produceBlock();
    node.chain.setPrice(ETH_USD, 101n);
    node.chain.produceBlock();
    await until(() => prices.length === 2);
    expect(prices.map((price) => price.answer)).toEqual([100n, 101n]);
    expect(prices.every((price) => price.feedId === ETH_USD)).toBe(true);
    unwatch();
    await client.transport.value.close();
  });

  it('polls every feed over HTTP', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const prices: Price[] = [];
    const unwatch = watchPrices(client, { onPrice: (price) => prices.push(price), pollingIntervalMs: 50 });
    await settle();
    node.chain.setPrice(ETH_USD, 102n);
    node.chain.produceBlock();
    await until(() => prices.length === 2);
    expect(new Set(prices.map((price) => price.feedId))).toEqual(new Set([ETH_USD, BTC_USD]));
    unwatch();
  });
});

describe('webSocket reconnection', () => {
  it('re-subscribes after the node restarts and fills the missed blocks', async () => {
    const restartable = await startTestNode();
    const port = new URL(restartable.url).port;
    const socket = countingWebSocket();
    const client = createSynodClient({
      transport: webSocket(restartable.webSocketUrl, {
        reconnect: { attempts: 20, delayMs: 100 },
        WebSocket: socket.WebSocket,
      }),
      network: TEST_NETWORK,
    });
    const heights: number[] = [];
    const unwatch = watchBlocks(client, { onBlock: (block) => heights.push(block.header.height) });
    await until(() => socket.subscribed() === 1);
    restartable.chain.produceBlock();
    await until(() => heights.length === 1);
    await restartable.server.stop();
    restartable.chain.produceBlock(); // missed while disconnected
    const { createRpcServer } = await import('./helpers/node.ts');
    const again = createRpcServer({ backend: restartable.chain, host: '127.0.0.1', port: Number(port) });
    await again.start();
    await until(() => socket.subscribed() === 2); // re-subscribed after the reconnect
    restartable.chain.produceBlock();
    await until(() => heights.length === 3);
    expect(heights).toEqual([1, 2, 3]);
    unwatch();
    await client.transport.value.close();
    await again.stop();
  });
});
