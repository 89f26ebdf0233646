import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import * as lp from 'it-length-prefixed';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  MalformedResponseError,
  MessageTooLargeError,
  PeerUnreachableError,
  ProtocolNotSupportedError,
  RemoteError,
  RequestAbortedError,
  RequestHandlerError,
  RequestTimeoutError,
} from '../../src/p2p/errors.ts';
import { defineReqRespProtocol } from '../../src/p2p/reqresp/protocol.ts';
import { echoProtocol, echoResponses, type Note, noteCodec } from './fixtures/notes.ts';
import { startTestNode, type TestNode } from './helpers.ts';

/** Same wire protocol as `echo`, but a server that may answer with bigger chunks than clients accept. */
const bigEchoServer = defineReqRespProtocol<Note, Note>({
  name: 'big-echo',
  requestCodec: noteCodec,
  responseCodec: noteCodec,
  maxResponseChunkBytes: noteCodec.maxBytes,
});
const bigEchoClient = defineReqRespProtocol<Note, Note>({
  name: 'big-echo',
  requestCodec: noteCodec,
  responseCodec: noteCodec,
  maxResponseChunkBytes: 256,
});
const slowProtocol = defineReqRespProtocol<Note, Note>({
  name: 'slow',
  requestCodec: noteCodec,
  responseCodec: noteCodec,
  timeoutMs: 300,
});
const limitedProtocol = defineReqRespProtocol<Note, Note>({
  name: 'limited',
  requestCodec: noteCodec,
  responseCodec: noteCodec,
  rateLimit: { perSecond: 0.01, burst: 2 },
});
const pickyProtocol = defineReqRespProtocol<Note, Note>({
  name: 'picky',
  requestCodec: noteCodec,
  responseCodec: noteCodec,
  maxRequestBytes: 64,
});
const garbageProtocol = defineReqRespProtocol<Note, Note>({
  name: 'garbage',
  requestCodec: noteCodec,
  responseCodec: noteCodec,
});
const unservedProtocol = defineReqRespProtocol<Note, Note>({
  name: 'unserved',
  requestCodec: noteCodec,
  responseCodec: noteCodec,
});

let client: TestNode;
let server: TestNode;
let slowHandlerAborted: Promise<void>;

beforeAll(async () => {
  [client, server] = await Promise.all([startTestNode(), startTestNode()]);
  await server.node.reqResp.handle(echoProtocol, (request) => echoResponses(request));
  await server.node.reqResp.handle(bigEchoServer, (request) => [
    { height: 0, text: request.text.repeat(100) },
  ]);
  let resolveAborted!: () => void;
  slowHandlerAborted = new Promise((resolve) => {
    resolveAborted = resolve;
  });
  await server.node.reqResp.handle(
    slowProtocol,
    (_request, { signal }) =>
      new Promise<Note[]>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          resolveAborted();
          reject(signal.reason);
        });
      }),
  );
  await server.node.reqResp.handle(limitedProtocol, (request) => [request]);
  await server.node.reqResp.handle(pickyProtocol, (request) => {
    if (request.height > 100) throw new RequestHandlerError('RESOURCE_UNAVAILABLE', 'pruned');
    if (request.height === 13) throw new Error('handler bug');
    return [request];
  });
  // A byzantine server: status OK followed by bytes that are no Note.
  await server.node.libp2p.handle(garbageProtocol.id, async (stream) => {
    stream.send(lp.encode.single(new Uint8Array([0, 1, 13, 0xff])));
    await stream.close();
  });
  await client.node.dial(server.address());
}, 20_000);

afterAll(async () => {
  await Promise.all([client?.node.stop(), server?.node.stop()]);
});

describe('request/response', { timeout: 15_000 }, () => {
  test('round-trips a request and its response chunks', async () => {
    const responses = await client.node.reqResp.request(server.node.peerId, echoProtocol, {
      height: 3,
      text: 'abc',
    });
    expect(responses).toEqual([
      { height: 0, text: 'ABC' },
      { height: 1, text: 'ABC' },
      { height: 2, text: 'ABC' },
    ]);
    const metric = await server.registry.getSingleMetric('synod_reqresp_requests_total')?.get();
    expect(metric?.values).toContainEqual(
      expect.objectContaining({ labels: { protocol: 'echo', direction: 'inbound', result: 'OK' }, value: 1 }),
    );
  });

  test('times out when the server does not answer, and the server handler sees its stream abort', async () => {
    const started = Date.now();
    const error = await client.node.reqResp
      .request(server.node.peerId, slowProtocol, { height: 1, text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as RequestTimeoutError).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    // The server-side handler is bounded too: its signal fires at the latest at the handler timeout.
    await slowHandlerAborted;
  });

  test("the caller's signal aborts a request", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      client.node.reqResp.request(
        server.node.peerId,
        slowProtocol,
        { height: 1, text: 'x' },
        { signal: controller.signal },
      ),
    ).rejects.toBeInstanceOf(RequestAbortedError);
  });

  test('rejects a response chunk larger than the client cap without buffering it', async () => {
    const error = await client.node.reqResp
      .request(server.node.peerId, bigEchoClient, { height: 1, text: 'abcdefgh' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).code).toBe('RESPONSE_TOO_LARGE');
    // The same request with the server's (larger) cap succeeds: the cap, not the server, failed it.
    const [response] = await client.node.reqResp.request(server.node.peerId, bigEchoServer, {
      height: 1,
      text: 'abcdefgh',
    });
    expect(response?.text.length).toBe(800);
  });

  test('fails with UNSUPPORTED_PROTOCOL for a protocol the peer does not serve', async () => {
    const error = await client.node.reqResp
      .request(server.node.peerId, unservedProtocol, { height: 1, text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolNotSupportedError);
    expect((error as ProtocolNotSupportedError).code).toBe('UNSUPPORTED_PROTOCOL');
  });

  test('fails with PEER_UNREACHABLE for a peer with no known address', async () => {
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    await expect(
      client.node.reqResp.request(stranger, echoProtocol, { height: 1, text: 'x' }),
    ).rejects.toBeInstanceOf(PeerUnreachableError);
  });

  test('a malformed response is a MalformedResponseError', async () => {
    await expect(
      client.node.reqResp.request(server.node.peerId, garbageProtocol, { height: 1, text: 'x' }),
    ).rejects.toBeInstanceOf(MalformedResponseError);
  });

  test('an oversized request is refused by the client, and by the server if a client sends one anyway', async () => {
    const request = { height: 1, text: 'y'.repeat(100) };
    await expect(
      client.node.reqResp.request(server.node.peerId, pickyProtocol, request),
    ).rejects.toMatchObject({
      name: 'MessageTooLargeError',
      code: 'REQUEST_TOO_LARGE',
    });
    const lenient = { ...pickyProtocol, maxRequestBytes: noteCodec.maxBytes };
    const error = await client.node.reqResp
      .request(server.node.peerId, lenient, request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).remoteCode).toBe('INVALID_REQUEST');
  });

  test('handler errors map to bounded statuses', async () => {
    await expect(
      client.node.reqResp.request(server.node.peerId, pickyProtocol, { height: 101, text: '' }),
    ).rejects.toMatchObject({
      remoteCode: 'RESOURCE_UNAVAILABLE',
      message: expect.stringContaining('pruned'),
    });
    // An unexpected handler failure does not leak its message.
    const error = (await client.node.reqResp
      .request(server.node.peerId, pickyProtocol, { height: 13, text: '' })
      .catch((e: unknown) => e)) as RemoteError;
    expect(error.remoteCode).toBe('SERVER_ERROR');
    expect(error.message).not.toContain('handler bug');
  });

  test('rate-limits each peer per protocol', async () => {
    const request = { height: 1, text: 'r' };
    await client.node.reqResp.request(server.node.peerId, limitedProtocol, request);
    await client.node.reqResp.request(server.node.peerId, limitedProtocol, request);
    await expect(
      client.node.reqResp.request(server.node.peerId, limitedProtocol, request),
    ).rejects.toMatchObject({
      remoteCode: 'RATE_LIMITED',
    });
    // Other protocols are unaffected.
    await expect(
      client.node.reqResp.request(server.node.peerId, echoProtocol, request),
    ).resolves.toHaveLength(1);
  });
});
