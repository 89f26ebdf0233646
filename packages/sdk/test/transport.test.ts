import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSynodClient,
  getStatus,
  HttpRequestError,
  http,
  MempoolFullError,
  RateLimitedError,
  TimeoutError,
  webSocket,
} from '../src/index.ts';
import { parseRetryAfter } from '../src/transports/retry.ts';
import { RpcBackendError } from './helpers/node.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

/** A fetch that records the HTTP status of every attempt. */
function recordingFetch() {
  const statuses: (number | 'error')[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    try {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    } catch (error) {
      statuses.push('error');
      throw error;
    }
  };
  return { statuses, fetch: fetchFn };
}

let node: TestNode;
beforeAll(async () => {
  // One call per 100 ms, no burst: the second call in a row is rate limited.
  node = await startTestNode({ limits: { rateLimitPerSecond: 10, rateLimitBurst: 1 } });
});
afterAll(async () => {
  await node.stop();
});

describe('http transport', () => {
  it('retries 429 RATE_LIMITED after the delay the node asks for, then succeeds', async () => {
    const recorder = recordingFetch();
    const client = createSynodClient({
      transport: http(node.url, { fetch: recorder.fetch }),
      network: TEST_NETWORK,
    });
    for (let i = 0; i < 3; i++) await getStatus(client);
    expect(recorder.statuses).toContain(429);
    expect(recorder.statuses.filter((status) => status === 200)).toHaveLength(3);
  });

  it('gives up with RateLimitedError when retries are off', async () => {
    const client = createSynodClient({ transport: http(node.url, { retryCount: 0 }), network: TEST_NETWORK });
    await getStatus(client).catch(() => undefined);
    const error = await getStatus(client).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBeGreaterThan(0);
  });

  it('retries UNAVAILABLE until the node serves', async () => {
    const recorder = recordingFetch();
    const client = createSynodClient({
      transport: http(node.url, { fetch: recorder.fetch, retryDelayMs: 120 }),
      network: TEST_NETWORK,
    });
    let attempts = 0;
    const original = node.chain.status;
    node.chain.status = async (options) => {
      if (++attempts <= 2) throw new RpcBackendError('UNAVAILABLE', 'syncing');
      return original(options);
    };
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await getStatus(client)).networkId).toBe(TEST_NETWORK.networkId);
    expect(attempts).toBe(3);
    node.chain.status = original;
  });

  it('does not retry MEMPOOL_FULL: the backend sees exactly one call', async () => {
    const { privateKeyToAccount } = await import('viem/accounts');
    const client = createSynodClient({
      transport: http(node.url, { retryDelayMs: 150 }),
      network: TEST_NETWORK,
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    node.chain.sendErrors.push(new RpcBackendError('MEMPOOL_FULL', 'full'));
    const before = node.chain.calls.filter((call) => call === 'sendTransaction').length;
    const error = await client
      .sendTransaction({
        account: privateKeyToAccount(`0x${'1f'.repeat(32)}`),
        namespace: `0x${'11'.repeat(32)}`,
        payload: '0x01',
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(MempoolFullError);
    expect(node.chain.calls.filter((call) => call === 'sendTransaction').length - before).toBe(1);
  });

  it('times out an attempt with TimeoutError (AbortSignal), without retrying it', async () => {
    const recorder = recordingFetch();
    const client = createSynodClient({
      transport: http(node.url, { timeoutMs: 200, fetch: recorder.fetch }),
      network: TEST_NETWORK,
    });
    const original = node.chain.status;
    node.chain.status = () => new Promise(() => {});
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = performance.now();
    const error = await getStatus(client).catch((e) => e);
    node.chain.status = original;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(recorder.statuses).toEqual(['error']);
  });

  it('retries network failures, then fails with HttpRequestError', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const recorder = recordingFetch();
    const client = createSynodClient({
      transport: http(`http://127.0.0.1:${port}/`, {
        retryCount: 2,
        retryDelayMs: 10,
        fetch: recorder.fetch,
      }),
      network: TEST_NETWORK,
    });
    const error = await getStatus(client).catch((e) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error.retryable).toBe(true);
    expect(recorder.statuses).toEqual(['error', 'error', 'error']);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('webSocket transport', () => {
  it('answers requests and times them out with TimeoutError', async () => {
    const client = createSynodClient({
      transport: webSocket(node.webSocketUrl, { timeoutMs: 200 }),
      network: TEST_NETWORK,
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await getStatus(client)).chainId).toBe(TEST_NETWORK.chainId);
    const original = node.chain.status;
    node.chain.status = () => new Promise(() => {});
    await new Promise((resolve) => setTimeout(resolve, 150));
    const error = await getStatus(client).catch((e) => e);
    node.chain.status = original;
    expect(error).toBeInstanceOf(TimeoutError);
    await client.transport.value.close();
  });
});
