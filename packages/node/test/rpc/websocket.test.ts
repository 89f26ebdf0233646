import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRpcMetrics } from '../../src/rpc/metrics.ts';
import {
  hash,
  makeBlock,
  makeInclusion,
  StubBackend,
  settle,
  startServer,
  type TestServer,
  TestSocket,
} from './helpers.ts';

let server: TestServer;
let backend: StubBackend;

beforeAll(async () => {
  backend = new StubBackend();
  server = await startServer({ backend });
});
afterAll(() => server.server.stop());

async function open(): Promise<TestSocket> {
  return TestSocket.open(server.address.webSocketUrl);
}

describe('JSON-RPC over WebSocket', () => {
  test('serves the same methods, batches included', async () => {
    const socket = await open();
    expect((await socket.call('synod_status')).result).toMatchObject({ networkId: 7 });
    socket.send([
      { jsonrpc: '2.0', id: 'x', method: 'synod_getBlockByHeight', params: [1] },
      { jsonrpc: '2.0', id: 'y', method: 'nope' },
    ]);
    const batch = (await socket.next(Array.isArray as never)) as unknown as {
      id: string;
      error?: { code: number };
    }[];
    expect(batch.map((item) => item.id).sort()).toEqual(['x', 'y']);
    expect(batch.find((item) => item.id === 'y')?.error?.code).toBe(-32601);
    await socket.close();
  });
});

describe('subscriptions', () => {
  test('newBlocks delivers a summary per block until unsubscribed', async () => {
    const socket = await open();
    const { result: id } = await socket.call('synod_subscribe', ['newBlocks']);
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    backend.blocks.emit(makeBlock(4));
    backend.blocks.emit(makeBlock(5));
    const first = await socket.next((message) => message.method === 'synod_subscription');
    expect(first).toEqual({
      jsonrpc: '2.0',
      method: 'synod_subscription',
      params: {
        subscription: id,
        result: {
          hash: hash(4),
          header: expect.objectContaining({ height: 4 }),
          certificate: { round: 0, signature: `0x${'09'.repeat(96)}` },
        },
      },
    });
    const second = await socket.next((message) => message.method === 'synod_subscription');
    expect(second).toMatchObject({ params: { subscription: id, result: { hash: hash(5) } } });

    expect((await socket.call('synod_unsubscribe', [id])).result).toBe(true);
    expect((await socket.call('synod_unsubscribe', [id])).result).toBe(false);
    backend.blocks.emit(makeBlock(6));
    await settle();
    expect(socket.notifications(id as string)).toEqual([]);
    await socket.close();
  });

  test('transactionFinality delivers once, then the subscription ends by itself', async () => {
    const socket = await open();
    const txId = hash(0x42);
    const { result: id } = await socket.call('synod_subscribe', ['transactionFinality', txId]);
    backend.finalized.emit(hash(0x43), makeInclusion(hash(0x43)));
    backend.finalized.emit(txId, makeInclusion(txId, 9));
    backend.finalized.emit(txId, makeInclusion(txId, 10));
    const notification = await socket.next((message) => message.method === 'synod_subscription');
    expect(notification).toMatchObject({
      params: {
        subscription: id,
        result: {
          status: 'finalized',
          height: 9,
          index: 0,
          blockHash: hash(9),
          proof: [txId],
          header: { height: 9 },
        },
      },
    });
    await settle();
    expect(socket.notifications(id as string)).toEqual([]);
    expect((await socket.call('synod_unsubscribe', [id])).result).toBe(false);
    await socket.close();
  });

  test('a transaction already final when subscribing is delivered right after the response', async () => {
    const txId = hash(0x51);
    backend.transactionStatuses.set(txId, { status: 'finalized', ...makeInclusion(txId, 2) });
    const socket = await open();
    socket.send({ jsonrpc: '2.0', id: 1, method: 'synod_subscribe', params: ['transactionFinality', txId] });
    const response = await socket.next(() => true);
    expect(response).toMatchObject({ id: 1, result: expect.any(String) });
    const notification = await socket.next(() => true);
    expect(notification).toMatchObject({
      method: 'synod_subscription',
      params: { subscription: response.result, result: { status: 'finalized', height: 2 } },
    });
    await socket.close();
  });

  test('prices: all feeds, or one feed by filter', async () => {
    const socket = await open();
    const { result: all } = await socket.call('synod_subscribe', ['prices']);
    const { result: one } = await socket.call('synod_subscribe', { topic: 'prices', filter: hash(0xfe) });
    backend.prices.emit({ feedId: hash(0xfd), answer: 1n, height: 7, timestampMs: 70 });
    backend.prices.emit({ feedId: hash(0xfe), answer: 10n ** 30n, height: 7, timestampMs: 70 });
    await socket.next(
      (m) => m.method === 'synod_subscription' && (m.params as { subscription: string }).subscription === one,
    );
    await settle();
    expect(socket.notifications(all as string)).toEqual([
      { feedId: hash(0xfd), answer: '1', height: 7, timestampMs: 70 },
      { feedId: hash(0xfe), answer: '1000000000000000000000000000000', height: 7, timestampMs: 70 },
    ]);
    await socket.close();
  });

  test('topic filters are checked: transactionFinality needs a txId, newBlocks takes none', async () => {
    const socket = await open();
    const missing = await socket.call('synod_subscribe', ['transactionFinality']);
    expect(missing.error).toMatchObject({ code: -32602, data: { param: 'filter' } });
    const extra = await socket.call('synod_subscribe', ['newBlocks', hash(1)]);
    expect(extra.error).toMatchObject({ code: -32602, data: { param: 'filter' } });
    await socket.close();
  });

  test('closing a socket drops its subscriptions from the server', async () => {
    const register = new Registry();
    const metrics = createRpcMetrics(register);
    const own = await startServer({ backend: new StubBackend(), metrics });
    const live = async () =>
      (await metrics.subscriptions.get()).values.reduce((total, sample) => total + sample.value, 0);
    try {
      const socket = await TestSocket.open(own.address.webSocketUrl);
      await socket.call('synod_subscribe', ['newBlocks']);
      await socket.call('synod_subscribe', ['transactionFinality', hash(0x99)]);
      await socket.call('synod_subscribe', ['prices', hash(0x98)]);
      expect(await live()).toBe(3);
      await socket.close();
      await settle();
      expect(await live()).toBe(0);
      expect((await metrics.websocketConnections.get()).values[0]?.value).toBe(0);
    } finally {
      await own.server.stop();
    }
  });
});
