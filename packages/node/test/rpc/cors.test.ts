import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { CORS_MAX_AGE_SECONDS, CorsPolicy, checkCorsOrigin } from '../../src/rpc/cors.ts';
import { post, StubBackend, startServer, type TestServer } from './helpers.ts';

/** CORS of the HTTP RPC, over real HTTP: preflights and the headers of every answer. */

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.net';
const STATUS_CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'synod_status' });

const preflight = (url: string, origin: string) =>
  post(url, '', {
    method: 'OPTIONS',
    contentType: null,
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    },
  });
const fromOrigin = (url: string, origin: string, contentType = 'application/json') =>
  post(url, STATUS_CALL, { headers: { Origin: origin }, contentType });

const servers: TestServer[] = [];
let closed: TestServer;
let listed: TestServer;
let any: TestServer;
beforeAll(async () => {
  closed = await startServer({ backend: new StubBackend() });
  listed = await startServer({ backend: new StubBackend(), corsOrigins: [APP, 'http://localhost:5173'] });
  any = await startServer({ backend: new StubBackend(), corsOrigins: ['*'] });
  servers.push(closed, listed, any);
});
afterAll(() => Promise.all(servers.map((server) => server.server.stop())));

describe('CORS over HTTP', () => {
  test('off by default: no CORS headers, and a preflight is refused like any non-POST', async () => {
    const answer = await fromOrigin(closed.address.url, APP);
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers.vary).toBeUndefined();
    const refused = await preflight(closed.address.url, APP);
    expect(refused.status).toBe(405);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('a listed origin gets its preflight answered: POST, content-type, max age', async () => {
    const answer = await preflight(listed.address.url, APP);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
      vary: 'Origin',
    });
    expect((await preflight(listed.address.url, 'http://localhost:5173')).status).toBe(204);
  });

  test('a listed origin’s calls carry Access-Control-Allow-Origin (its own), Vary and exposed Retry-After', async () => {
    const answer = await fromOrigin(listed.address.url, APP);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ result: { networkId: 7 } });
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-expose-headers': 'Retry-After',
      vary: 'Origin',
    });
  });

  test('another origin gets no CORS headers (its preflight fails, so the browser never sends the call)', async () => {
    const refused = await preflight(listed.address.url, OTHER);
    expect(refused.status).toBe(405);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const answer = await fromOrigin(listed.address.url, OTHER);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers.vary).toBe('Origin');
    // An origin differing only by scheme, port or a trailing slash is another origin.
    for (const near of ['http://app.example.com', 'https://app.example.com:8443', `${APP}/`]) {
      expect((await preflight(listed.address.url, near)).status, near).toBe(405);
    }
  });

  test('the content-type check stays: a listed origin’s text/plain POST is 415, readable by the page', async () => {
    const answer = await fromOrigin(listed.address.url, APP, 'text/plain');
    expect(answer.status).toBe(415);
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(answer.body).toMatchObject({ error: { code: -32600 } });
  });

  test('* allows any origin with a literal *, and needs no Vary', async () => {
    const answer = await preflight(any.address.url, OTHER);
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers.vary).toBeUndefined();
    const call = await fromOrigin(any.address.url, 'null');
    expect(call.headers['access-control-allow-origin']).toBe('*');
    // Requests without Origin (curl, servers) are answered as always.
    expect((await post(any.address.url, STATUS_CALL)).status).toBe(200);
  });
});

describe('CORS origins in config', () => {
  test('accepts * and serialized origins; refuses paths, trailing slashes, other schemes, uppercase', () => {
    for (const good of ['*', APP, 'http://localhost:5173', 'http://127.0.0.1:3000', 'https://[::1]:8443']) {
      expect(checkCorsOrigin(good), good).toBeUndefined();
    }
    for (const bad of [
      `${APP}/`,
      `${APP}/app`,
      'https://App.example.com',
      'ftp://x.example',
      'app.example.com',
      '',
    ]) {
      expect(checkCorsOrigin(bad), bad).toBeDefined();
    }
    expect(() => new CorsPolicy([`${APP}/`])).toThrow('invalid CORS origin');
  });

  test('rpc.corsOrigins defaults to none and loads from env, flags and file', () => {
    expect(loadConfig({ env: {}, argv: [] }).config.rpc.corsOrigins).toEqual([]);
    expect(
      loadConfig({ env: { SYNOD_RPC_CORS_ORIGINS: `${APP}, http://localhost:5173` }, argv: [] }).config.rpc
        .corsOrigins,
    ).toEqual([APP, 'http://localhost:5173']);
    expect(loadConfig({ env: {}, argv: ['--rpc.corsOrigins', '*'] }).config.rpc.corsOrigins).toEqual(['*']);
    expect(() =>
      loadConfig({
        env: {},
        argv: [],
        file: { path: '/c.json', text: JSON.stringify({ rpc: { corsOrigins: [`${APP}/x`] } }) },
      }),
    ).toThrow(ConfigError);
  });
});
