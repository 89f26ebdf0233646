import { afterEach, describe, expect, test } from 'vitest';
import { encodeBlock } from '../../src/rpc/encoding.ts';
import { ClientRateLimiter } from '../../src/rpc/rateLimiter.ts';
import type { RpcServer } from '../../src/rpc/server.ts';
import {
  call,
  makeBlock,
  post,
  StubBackend,
  settle,
  startServer,
  type TestServer,
  TestSocket,
} from './helpers.ts';

const started: RpcServer[] = [];
async function start(options: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(options);
  started.push(server.server);
  return server;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

const status = (id: number) => ({ jsonrpc: '2.0', id, method: 'synod_status' });

describe('body size', () => {
  test('a declared Content-Length over the limit is 413 / -32600 before the body is read', async () => {
    const { address } = await start({ backend: new StubBackend(), limits: { maxBodyBytes: 1024 } });
    const response = await post(address.url, JSON.stringify({ ...status(1), pad: 'x'.repeat(4096) }));
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ id: null, error: { code: -32600, data: { maxBodyBytes: 1024 } } });
  });

  test('a chunked body is counted while streaming and refused once over the limit', async () => {
    const backend = new StubBackend();
    const { address } = await start({ backend, limits: { maxBodyBytes: 1024 * 1024 } });
    const response = await post(
      address.url,
      JSON.stringify({ ...status(1), pad: 'x'.repeat(8 * 1024 * 1024) }),
      {
        chunked: true,
      },
    );
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: { code: -32600 } });
    expect(backend.calls).toEqual([]);
  });

  test('a body just under the limit is served', async () => {
    const { address } = await start({ backend: new StubBackend(), limits: { maxBodyBytes: 1024 } });
    const body = JSON.stringify(status(1));
    const response = await post(
      address.url,
      `${body.slice(0, -1)},"pad":"${'x'.repeat(1000 - body.length)}"}`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ result: { networkId: 7 } });
  });
});

describe('rate limit per client IP (token bucket, injected clock)', () => {
  test('calls past the burst are 429 / -32005 until the clock refills the bucket', async () => {
    let nowMs = 0;
    const { address } = await start({
      backend: new StubBackend(),
      limits: { rateLimitPerSecond: 2, rateLimitBurst: 3 },
      nowMs: () => nowMs,
    });
    for (let i = 0; i < 3; i++) expect((await post(address.url, JSON.stringify(status(i)))).status).toBe(200);
    const limited = await post(address.url, JSON.stringify(status(9)));
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body).toMatchObject({
      error: { code: -32005, message: 'rate limited', data: { code: 'RATE_LIMITED' } },
    });
    nowMs += 500; // one token back
    expect((await post(address.url, JSON.stringify(status(10)))).status).toBe(200);
    expect((await post(address.url, JSON.stringify(status(11)))).status).toBe(429);
  });

  test('a batch is charged one token per call', async () => {
    let nowMs = 0;
    const { address } = await start({
      backend: new StubBackend(),
      limits: { rateLimitPerSecond: 1, rateLimitBurst: 5 },
      nowMs: () => nowMs,
    });
    const batch = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => status(i)));
    expect((await post(address.url, batch(4))).status).toBe(200);
    const refused = await post(address.url, batch(2));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ id: null, error: { code: -32005, data: { retryAfterMs: 1000 } } });
    nowMs += 1000;
    expect((await post(address.url, batch(2))).status).toBe(200);
  });

  test('over WebSocket a limited call is answered -32005 with its id and the socket stays open', async () => {
    let nowMs = 0;
    const { address } = await start({
      backend: new StubBackend(),
      limits: { rateLimitPerSecond: 1, rateLimitBurst: 2 },
      nowMs: () => nowMs,
    });
    const socket = await TestSocket.open(address.webSocketUrl);
    expect((await socket.call('synod_status')).result).toBeDefined();
    expect((await socket.call('synod_status')).result).toBeDefined();
    const limited = await socket.call('synod_status');
    expect(limited.error).toMatchObject({ code: -32005, data: { code: 'RATE_LIMITED' } });
    nowMs += 1000;
    expect((await socket.call('synod_status')).result).toBeDefined();
    await socket.close();
  });

  test('the limiter forgets the least recently seen clients beyond its cap', () => {
    const limiter = new ClientRateLimiter({ perSecond: 1, burst: 1, nowMs: () => 0, maxClients: 2 });
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1000);
    limiter.take('b');
    limiter.take('c');
    expect(limiter.trackedClients).toBe(2);
    expect(limiter.take('a')).toBe(0); // forgotten, so a full bucket again
  });
});

describe('WebSocket bounds', () => {
  test('subscriptions past the per-socket cap are -32006', async () => {
    const { address } = await start({ backend: new StubBackend(), limits: { maxSubscriptionsPerSocket: 2 } });
    const socket = await TestSocket.open(address.webSocketUrl);
    const first = await socket.call('synod_subscribe', ['newBlocks']);
    await socket.call('synod_subscribe', ['prices']);
    const third = await socket.call('synod_subscribe', ['prices']);
    expect(third.error).toMatchObject({ code: -32006, data: { code: 'TOO_MANY_SUBSCRIPTIONS', max: 2 } });
    expect((await socket.call('synod_unsubscribe', [first.result])).result).toBe(true);
    expect((await socket.call('synod_subscribe', ['prices'])).result).toMatch(/^0x[0-9a-f]{32}$/);
    await socket.close();
  });

  test('a message over the size limit closes the socket with 1009', async () => {
    const { address } = await start({
      backend: new StubBackend(),
      limits: { maxWebSocketMessageBytes: 1024 },
    });
    const socket = await TestSocket.open(address.webSocketUrl);
    socket.send({ ...status(1), pad: 'x'.repeat(2048) });
    expect(await socket.waitClosed()).toBe(1009);
  });

  test('connections past the cap are refused at the upgrade (503)', async () => {
    const { server, address } = await start({
      backend: new StubBackend(),
      limits: { maxWebSocketConnections: 1 },
    });
    const first = await TestSocket.open(address.webSocketUrl);
    await expect(TestSocket.open(address.webSocketUrl)).rejects.toThrow(/503/);
    expect(server.openConnections.webSocket).toBe(1);
    await first.close();
    await settle();
    const again = await TestSocket.open(address.webSocketUrl);
    await again.close();
  });

  test('malformed JSON and binary frames get an error and keep the socket open', async () => {
    const { address } = await start({ backend: new StubBackend() });
    const socket = await TestSocket.open(address.webSocketUrl);
    socket.send('{oops');
    expect(await socket.next(() => true)).toMatchObject({ id: null, error: { code: -32700 } });
    socket.ws.send(Buffer.from(JSON.stringify(status(1))), { binary: true });
    expect(await socket.next(() => true)).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await socket.call('synod_status')).result).toBeDefined();
    await socket.close();
  });

  test('upgrades on other paths are refused', async () => {
    const { address } = await start({ backend: new StubBackend() });
    await expect(TestSocket.open(`${address.url.replace('http', 'ws')}nope`)).rejects.toThrow(/404/);
    const root = await TestSocket.open(address.url.replace('http', 'ws'));
    await root.close();
  });
});

describe('response size', () => {
  test('a response over the cap is -32004, and a batch shares one budget', async () => {
    const blockBytes = JSON.stringify({
      jsonrpc: '2.0',
      id: 100,
      result: encodeBlock(makeBlock(1), false),
    }).length;
    const { address } = await start({
      backend: new StubBackend(),
      limits: { maxResponseBytes: blockBytes + 50 },
    });
    const single = await call(address.url, 'synod_getBlockByHeight', [1]);
    expect(single.error).toBeUndefined();
    const batch = await post(
      address.url,
      JSON.stringify(
        [1, 2, 3].map((height) => ({
          jsonrpc: '2.0',
          id: height,
          method: 'synod_getBlockByHeight',
          params: [height],
        })),
      ),
    );
    const items = batch.body as { id: number; result?: unknown; error?: { code: number } }[];
    expect(items.filter((item) => item.result !== undefined)).toHaveLength(1);
    expect(items.filter((item) => item.error?.code === -32004)).toHaveLength(2);
  });
});

describe('stop()', () => {
  test('closes every HTTP and WebSocket connection and leaves no open handle', async () => {
    const handles = () => process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
    await settle(50);
    const before = handles();
    const backend = new StubBackend();
    const { server, address } = await startServer({ backend });
    const socket = await TestSocket.open(address.webSocketUrl);
    await socket.call('synod_subscribe', ['newBlocks']);
    expect((await call(address.url, 'synod_status')).result).toBeDefined();
    await server.stop();
    expect(await socket.waitClosed()).toBe(1001);
    expect(server.openConnections).toEqual({ http: 0, webSocket: 0 });
    expect(backend.blocks.listeners.size).toBe(0);
    await settle(50);
    expect(handles()).toBe(before);
    await expect(post(address.url, JSON.stringify(status(1)))).rejects.toThrow(/ECONNREFUSED/);
  });
});
