import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configFromNodes, webSocketUrl } from '../src/discover.ts';
import { checkDashboardConfig, DashboardError } from '../src/server.ts';

/** A node's RPC as far as discovery reads it: synod_status. */
let server: Server;
let rpcUrl: string;
const calls: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const request = JSON.parse(body) as { id: number; method: string };
      calls.push(request.method);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: request.id,
          result: { networkId: 42, chainId: 31_337, inbox: `0x${'ab'.repeat(20)}` },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rpcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a config for running nodes', () => {
  test('the WebSocket is the same host and port, path /ws', () => {
    expect(webSocketUrl('http://10.0.0.2:8645/')).toBe('ws://10.0.0.2:8645/ws');
    expect(webSocketUrl('https://rpc.example.com/')).toBe('wss://rpc.example.com/ws');
  });

  test('network and L1 facts from the first node that answers; one that does not is skipped', async () => {
    const unreachable = 'http://127.0.0.1:1/';
    const config = await configFromNodes({
      rpcUrls: [unreachable, rpcUrl],
      l1RpcUrl: 'http://127.0.0.1:8545',
    });
    expect(calls).toContain('synod_status');
    expect(config.title).toBe('Synod network 42');
    expect(config.nodes.map((node) => node.wsUrl)).toEqual(['ws://127.0.0.1:1/ws', webSocketUrl(rpcUrl)]);
    expect(config.l1).toEqual({
      rpcUrl: 'http://127.0.0.1:8545',
      chainId: 31_337,
      inbox: `0x${'ab'.repeat(20)}`,
      adapters: [],
      settlements: [],
    });
    expect(() => checkDashboardConfig(config)).not.toThrow();
    // Without an L1 URL, no L1 panel.
    expect((await configFromNodes({ rpcUrls: [rpcUrl] })).l1).toBeUndefined();
  });

  test('no node answers: an INVALID_CONFIG error naming each one', async () => {
    const error = await configFromNodes({ rpcUrls: ['http://127.0.0.1:1/'] }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DashboardError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' });
    expect((error as Error).message).toMatch(
      /no node answered synod_status:\n {2}synod_status at http:\/\/127\.0\.0\.1:1\/: /,
    );
  });
});
