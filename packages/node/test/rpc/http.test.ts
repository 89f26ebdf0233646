import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodedTransaction, MempoolStubError } from './fixtures.ts';
import { call, hash, post, StubBackend, startServer, type TestServer } from './helpers.ts';

let server: TestServer;
let backend: StubBackend;
let url: string;

beforeAll(async () => {
  backend = new StubBackend();
  server = await startServer({ backend });
  url = server.address.url;
});
afterAll(() => server.server.stop());

const rpcError = (body: unknown) =>
  (body as { error: { code: number; message: string; data: Record<string, unknown> } }).error;

describe('JSON-RPC over HTTP: requests and results', () => {
  test('a call returns its result with the request id', async () => {
    const response = await call(url, 'synod_status');
    expect(response).toMatchObject({
      jsonrpc: '2.0',
      result: { networkId: 7, finalizedHeight: 3, peers: 3 },
    });
    expect(typeof response.id).toBe('number');
  });

  test('params are accepted by position and by name, and string ids are echoed', async () => {
    const byPosition = await post(
      url,
      JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'synod_getBlockByHeight', params: [2, true] }),
    );
    const byName = await post(
      url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'b',
        method: 'synod_getBlockByHeight',
        params: { height: 2, includeTransactions: true },
      }),
    );
    expect(byPosition.body).toMatchObject({ id: 'a', result: { hash: hash(2), header: { height: 2 } } });
    expect((byName.body as { result: unknown }).result).toEqual(
      (byPosition.body as { result: unknown }).result,
    );
  });

  test('bigints are decimal strings, bytes lowercase hex, heights numbers; missing is null', async () => {
    const block = (await call(url, 'synod_getBlockByHeight', ['latest'])).result as Record<string, unknown>;
    expect(block).toMatchObject({
      hash: hash(3),
      header: { height: 3, timestampMs: 1_700_000_000_003 },
      certificate: { round: 0, signature: `0x${'09'.repeat(96)}` },
      prices: [{ feedId: hash(0xfe), answer: '2500000000000000000000' }],
      transactionIds: [],
    });
    expect(block).not.toHaveProperty('transactions');
    expect((await call(url, 'synod_getBlockByHeight', [99])).result).toBeNull();
    expect((await call(url, 'synod_getBlock', [hash(0xee)])).result).toBeNull();
    expect((await call(url, 'synod_getPrice', [hash(0xfe)])).result).toEqual({
      feedId: hash(0xfe),
      answer: '123456789000000000000',
      height: 3,
      timestampMs: 1,
    });
    expect((await call(url, 'synod_getCommittee')).result).toMatchObject({
      epoch: 0,
      threshold: 3,
      members: [{ index: 0, peerId: '12D3KooWtest', address: null }],
    });
    expect((await call(url, 'synod_getCommittee', [null])).result).toMatchObject({ epoch: 0 });
    expect((await call(url, 'synod_getTransactionStatus', [hash(1)])).result).toEqual({ status: 'unknown' });
  });

  test('a block ordering encodes nonces and prices as decimal strings; an unfinalized height is null', async () => {
    const ordering = (await call(url, 'synod_getBlockOrdering', [3])).result as Record<string, unknown>;
    expect(ordering).toMatchObject({
      height: 3,
      blockHash: hash(3),
      faultTolerance: 1,
      transactions: [
        { index: 0, nonce: '4', source: 'fair', envelopeTxId: null },
        {
          index: 1,
          nonce: '5',
          firstSeen: expect.arrayContaining([{ validatorIndex: 2, firstSeenMs: expect.any(Number) }]),
        },
      ],
      unordered: [{ txId: hash(0x73), fairTimestampMs: null }],
      prices: [
        {
          answer: '2500000000000000000000',
          low: '2500000000000000000000',
          high: '2501000000000000000000',
          observations: expect.arrayContaining([{ validatorIndex: 3, price: '9999000000000000000000' }]),
        },
      ],
    });
    expect(
      (await call(url, 'synod_getBlockOrdering', { height: 3 })).result,
      'by name as by position',
    ).toEqual(ordering);
    expect((await call(url, 'synod_getBlockOrdering', [4])).result).toBeNull();
  });

  test('hex params of either case are accepted and normalised to lowercase', async () => {
    const upper = `0x${'FE'.repeat(32)}`;
    expect((await call(url, 'synod_getPrice', [upper])).result).toMatchObject({ feedId: hash(0xfe) });
  });
});

describe('JSON-RPC over HTTP: spec errors', () => {
  test('malformed JSON is -32700 with id null', async () => {
    const response = await post(url, '{"jsonrpc":"2.0","id":1,"method":');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, data: { code: 'PARSE_ERROR' } },
    });
  });

  test.each([
    ['a bare number', 1, null],
    ['a missing jsonrpc', { id: 1, method: 'synod_status' }, 1],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 2, method: 'synod_status' }, 2],
    ['a numeric method', { jsonrpc: '2.0', id: 3, method: 7 }, 3],
    ['an object id', { jsonrpc: '2.0', id: { x: 1 }, method: 'synod_status' }, null],
    ['string params', { jsonrpc: '2.0', id: 4, method: 'synod_status', params: 'x' }, 4],
  ])('an invalid request object (%s) is -32600', async (_name, request, id) => {
    const response = await post(url, JSON.stringify(request));
    expect(response.body).toMatchObject({ id, error: { code: -32600, data: { code: 'INVALID_REQUEST' } } });
  });

  test('an unknown method is -32601', async () => {
    const response = await call(url, 'eth_blockNumber');
    expect(rpcError(response)).toMatchObject({ code: -32601, data: { code: 'METHOD_NOT_FOUND' } });
  });

  test.each([
    ['a wrong type', 'synod_getTransactionStatus', [42], 'txId'],
    ['a short hash', 'synod_getTransactionStatus', ['0x1234'], 'txId'],
    ['non-hex', 'synod_getTransactionStatus', [`0x${'zz'.repeat(32)}`], 'txId'],
    ['a missing param', 'synod_getTransactionStatus', [], 'txId'],
    ['an extra positional param', 'synod_getPrice', [hash(1), 5], 1],
    ['an unknown named param', 'synod_getPrice', { feedId: hash(1), extra: true }, 'extra'],
    ['a negative height', 'synod_getBlockByHeight', [-1], 'height'],
    ['a fractional height', 'synod_getBlockByHeight', [1.5], 'height'],
    ['a non-boolean flag', 'synod_getBlock', [hash(1), 'yes'], 'includeTransactions'],
    ['a null required param', 'synod_getPrice', [null], 'feedId'],
    ['an oversized transaction', 'synod_sendTransaction', [`0x${'00'.repeat(9000)}`], 'transaction'],
    ['an unknown topic', 'synod_subscribe', ['logs'], 'topic'],
    ['a short namespace', 'synod_getNamespaceBatch', ['0x1234', 1], 'namespace'],
    ['height 0', 'synod_getNamespaceBatch', [hash(1), 0], 'height'],
    ['a negative afterHeight', 'synod_getNextNamespaceBatch', [hash(1), -1], 'afterHeight'],
    ['an anchor not above the height', 'synod_getHeaderProof', [5, 5], 'anchorHeight'],
    ['evidence of height 0', 'synod_getEvidence', [0], 'height'],
    ['the ordering of height 0', 'synod_getBlockOrdering', [0], 'height'],
    ['the ordering of "latest"', 'synod_getBlockOrdering', ['latest'], 'height'],
    ['the ordering of a fractional height', 'synod_getBlockOrdering', [2.5], 'height'],
    ['the ordering of a hash', 'synod_getBlockOrdering', [hash(3)], 'height'],
    ['an ordering with an extra param', 'synod_getBlockOrdering', [3, true], 1],
  ])('invalid params (%s) are -32602 naming the param', async (_name, method, params, param) => {
    const error = rpcError(await call(url, method, params));
    expect(error).toMatchObject({ code: -32602, data: { code: 'INVALID_PARAMS', param } });
    expect(error.message).toContain(String(param));
  });

  test('subscriptions over HTTP are -32007', async () => {
    const error = rpcError(await call(url, 'synod_subscribe', ['newBlocks']));
    expect(error).toMatchObject({ code: -32007, data: { code: 'SUBSCRIPTIONS_UNSUPPORTED' } });
  });

  test('wrong HTTP method, path or content type are refused before any call', async () => {
    expect((await post(url, '', { method: 'GET' })).status).toBe(405);
    expect((await post(url, '{}', { path: '/nope' })).status).toBe(404);
    const form = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'synod_status' }), {
      contentType: 'text/plain',
    });
    expect(form.status).toBe(415);
    expect(form.body).toMatchObject({ error: { code: -32600 } });
  });
});

describe('JSON-RPC over HTTP: batches and notifications', () => {
  test('a batch answers each request by id, omits notifications, and isolates errors', async () => {
    const response = await post(
      url,
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'synod_status' },
        { jsonrpc: '2.0', method: 'synod_status' },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
        { jsonrpc: '2.0', id: 3, method: 'synod_getBlockByHeight', params: [1] },
        7,
      ]),
    );
    const body = response.body as { id: unknown; result?: unknown; error?: { code: number } }[];
    expect(body).toHaveLength(4);
    expect(body.find((r) => r.id === 1)?.result).toMatchObject({ networkId: 7 });
    expect(body.find((r) => r.id === 2)?.error?.code).toBe(-32601);
    expect(body.find((r) => r.id === 3)?.result).toMatchObject({ hash: hash(1) });
    expect(body.find((r) => r.id === null)?.error?.code).toBe(-32600);
  });

  test('an empty batch is a single -32600 object', async () => {
    const response = await post(url, '[]');
    expect(response.body).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringContaining('empty') },
    });
  });

  test('a batch over the cap is a single -32600 object', async () => {
    const request = Array.from({ length: 101 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'synod_status' }));
    const response = await post(url, JSON.stringify(request));
    expect(response.body).toMatchObject({ id: null, error: { code: -32600, data: { maxBatchSize: 100 } } });
  });

  test('a notification runs but gets no response (204), alone or as a whole batch', async () => {
    const before = backend.calls.filter((c) => c === 'status').length;
    const single = await post(url, JSON.stringify({ jsonrpc: '2.0', method: 'synod_status' }));
    expect(single.status).toBe(204);
    expect(single.text).toBe('');
    const batch = await post(
      url,
      JSON.stringify([
        { jsonrpc: '2.0', method: 'synod_status' },
        { jsonrpc: '2.0', method: 'unknown_method' },
      ]),
    );
    expect(batch.status).toBe(204);
    expect(backend.calls.filter((c) => c === 'status').length).toBe(before + 2);
  });

  test('id null is a request, not a notification', async () => {
    const response = await post(url, JSON.stringify({ jsonrpc: '2.0', id: null, method: 'synod_status' }));
    expect(response.body).toMatchObject({ id: null, result: { networkId: 7 } });
  });
});

describe('backend errors', () => {
  test('a mempool error code maps to its JSON-RPC code with data.code and the reason', async () => {
    const failing = new StubBackend();
    failing.sendTransaction = async () => {
      throw new MempoolStubError('NONCE_USED', 'nonce 5 of 0xabc is already used');
    };
    const { server: rejecting, address } = await startServer({ backend: failing });
    try {
      const error = rpcError(await call(address.url, 'synod_sendTransaction', [await encodedTransaction()]));
      expect(error).toEqual({
        code: -32020,
        message: 'nonce already used',
        data: { code: 'NONCE_USED', reason: 'nonce 5 of 0xabc is already used' },
      });
    } finally {
      await rejecting.stop();
    }
  });

  test('an unexpected backend failure is -32603 without its message or stack', async () => {
    const failing = new StubBackend();
    failing.status = async () => {
      throw new Error('database exploded at /secret/path');
    };
    const { server: broken, address } = await startServer({ backend: failing });
    try {
      const response = await post(
        address.url,
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'synod_status' }),
      );
      expect(response.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32603, message: 'internal error', data: { code: 'INTERNAL_ERROR' } },
      });
      expect(response.text).not.toContain('secret');
    } finally {
      await broken.stop();
    }
  });

  test('a call that outlives the request timeout is -32008 and its signal aborts', async () => {
    const slow = new StubBackend();
    let aborted = false;
    slow.status = (options) =>
      new Promise((_, reject) => {
        options.signal.addEventListener('abort', () => {
          aborted = true;
          reject(options.signal.reason);
        });
      });
    const { server: stalled, address } = await startServer({
      backend: slow,
      limits: { requestTimeoutMs: 50 },
    });
    try {
      const error = rpcError(await call(address.url, 'synod_status'));
      expect(error).toMatchObject({ code: -32008, data: { code: 'TIMEOUT', timeoutMs: 50 } });
      expect(aborted).toBe(true);
    } finally {
      await stalled.stop();
    }
  });
});
