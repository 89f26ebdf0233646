import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { LINK_UP, LinkMesh, LinkProxy } from '../src/proxy.ts';
import { waitUntil } from '../src/wait.ts';

/** Real sockets on 127.0.0.1: a target server, a proxy in front of it, clients dialing the proxy. */

interface Target {
  server: Server;
  port: number;
  /** Every connection the target accepted, with what it received. */
  accepted: { socket: Socket; received: () => string }[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A target that records what it receives and answers `pong:<data>` to each chunk. */
async function startTarget(): Promise<Target> {
  const accepted: Target['accepted'] = [];
  const server = createServer((socket) => {
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      socket.write(`pong:${chunk.toString()}`);
    });
    socket.on('error', () => {});
    accepted.push({ socket, received: () => received });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const { socket } of accepted) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { server, port: (server.address() as { port: number }).port, accepted };
}

async function startProxy(targetPort: number): Promise<LinkProxy> {
  const proxy = new LinkProxy({ listenPort: 0, targetPort });
  await proxy.start();
  cleanups.push(() => proxy.close());
  return proxy;
}

interface Client {
  socket: Socket;
  received: () => string;
  /** 'error code' or 'closed' once the socket is gone. */
  ended: () => string | undefined;
}

/** Dials without waiting for the connection (a cut link may reset it before or after it completes). */
function dialRaw(port: number): Client {
  const socket = createConnection({ port, host: '127.0.0.1' });
  let received = '';
  let ended: string | undefined;
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', (error: NodeJS.ErrnoException) => (ended ??= error.code ?? 'error'));
  socket.on('close', () => (ended ??= 'closed'));
  cleanups.push(() => void socket.destroy());
  return { socket, received: () => received, ended: () => ended };
}

async function dial(port: number): Promise<Client> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  let received = '';
  let ended: string | undefined;
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', (error: NodeJS.ErrnoException) => (ended ??= error.code ?? 'error'));
  socket.on('close', () => (ended ??= 'closed'));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  cleanups.push(() => void socket.destroy());
  return { socket, received: () => received, ended: () => ended };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LinkProxy', () => {
  test('up: forwards bytes both ways', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target.port);
    const client = await dial(proxy.port);
    client.socket.write('ping');
    await waitUntil(() => client.received() === 'pong:ping', { timeoutMs: 2_000, what: 'the answer' });
    expect(target.accepted).toHaveLength(1);
    expect(target.accepted[0]!.received()).toBe('ping');
    expect(proxy.stats()).toMatchObject({ connections: 1, accepted: 1, bytesForward: 4, bytesBackward: 9 });
  });

  test('cut: resets live connections and refuses new ones; heal accepts again', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target.port);
    const live = await dial(proxy.port);
    live.socket.write('a');
    await waitUntil(() => live.received() === 'pong:a', { timeoutMs: 2_000, what: 'the answer' });

    proxy.set({ mode: 'cut', delayMs: 0 });
    await waitUntil(() => live.ended() !== undefined, {
      timeoutMs: 2_000,
      what: 'the live connection to end',
    });
    expect(live.ended()).toBe('ECONNRESET');
    // The target's side is reset too.
    await waitUntil(() => target.accepted[0]!.socket.destroyed, {
      timeoutMs: 2_000,
      what: 'the target side',
    });

    const refused = dialRaw(proxy.port); // a reset, during or right after the handshake
    refused.socket.write('b');
    await waitUntil(() => refused.ended() !== undefined, { timeoutMs: 2_000, what: 'the reset' });
    expect(refused.ended()).toBe('ECONNRESET');
    expect(refused.received()).toBe('');
    expect(target.accepted).toHaveLength(1); // never dialed
    expect(proxy.stats()).toMatchObject({ connections: 0, reset: 2 });

    proxy.set(LINK_UP);
    const again = await dial(proxy.port);
    again.socket.write('c');
    await waitUntil(() => again.received() === 'pong:c', { timeoutMs: 2_000, what: 'the answer after heal' });
  });

  test('blackhole: holds bytes silently both ways, new connections are held; heal delivers them in order', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target.port);
    const live = await dial(proxy.port);
    live.socket.write('1');
    await waitUntil(() => live.received() === 'pong:1', { timeoutMs: 2_000, what: 'the answer' });

    proxy.set({ mode: 'blackhole', delayMs: 0 });
    live.socket.write('2');
    target.accepted[0]!.socket.write('push');
    const held = await dial(proxy.port);
    held.socket.write('3');
    await sleep(400);
    // Nothing moved, nobody was told.
    expect(target.accepted[0]!.received()).toBe('1');
    expect(live.received()).toBe('pong:1');
    expect(target.accepted).toHaveLength(1);
    expect(live.ended()).toBeUndefined();
    expect(held.ended()).toBeUndefined();
    expect(proxy.stats().connections).toBe(2);

    proxy.set(LINK_UP);
    await waitUntil(() => target.accepted[0]!.received() === '12', {
      timeoutMs: 2_000,
      what: 'the held bytes',
    });
    await waitUntil(() => live.received() === 'pong:1pushpong:2', { timeoutMs: 2_000, what: 'both answers' });
    // The connection opened during the blackhole reaches the target now.
    await waitUntil(() => held.received() === 'pong:3', { timeoutMs: 2_000, what: 'the held connection' });
    expect(target.accepted).toHaveLength(2);
  });

  test('delay: adds at least N ms per direction and keeps the order of chunks', async () => {
    const delayMs = 150;
    const target = await startTarget();
    const proxy = await startProxy(target.port);
    const client = await dial(proxy.port);
    client.socket.write('warm');
    await waitUntil(() => client.received() === 'pong:warm', { timeoutMs: 2_000, what: 'the answer' });

    proxy.set({ mode: 'up', delayMs });
    const sentAt = Date.now();
    client.socket.write('x');
    let forwardMs: number | undefined;
    await waitUntil(
      () => {
        if (forwardMs === undefined && target.accepted[0]!.received().endsWith('x'))
          forwardMs = Date.now() - sentAt;
        return client.received().endsWith('pong:x');
      },
      { timeoutMs: 3_000, what: 'the delayed answer', intervalMs: 5 },
    );
    const roundTripMs = Date.now() - sentAt;
    expect(forwardMs).toBeGreaterThanOrEqual(delayMs);
    expect(roundTripMs).toBeGreaterThanOrEqual(2 * delayMs);

    // Many small writes: every byte arrives, in order.
    const numbers = Array.from({ length: 200 }, (_, i) => `${i},`);
    for (const piece of numbers) client.socket.write(piece);
    await waitUntil(() => target.accepted[0]!.received() === `warmx${numbers.join('')}`, {
      timeoutMs: 3_000,
      what: 'every chunk, in order',
    });
    await waitUntil(() => client.received().endsWith('199,'), { timeoutMs: 3_000, what: 'the answers' });

    // Lifting the delay releases what waits for it at once.
    client.socket.write('z');
    await sleep(20);
    proxy.set(LINK_UP);
    const healedAt = Date.now();
    client.socket.write('y');
    await waitUntil(
      () => target.accepted[0]!.received().endsWith('zy') && client.received().endsWith('pong:y'),
      {
        timeoutMs: 2_000,
        what: 'the undelayed answer',
      },
    );
    expect(Date.now() - healedAt).toBeLessThan(delayMs);
  });

  test('a target that is down: the dialer gets a reset, as dialing it directly', async () => {
    const target = await startTarget();
    const port = target.port;
    await new Promise<void>((resolve) => target.server.close(() => resolve()));
    const proxy = await startProxy(port);
    const client = await dial(proxy.port);
    await waitUntil(() => client.ended() !== undefined, { timeoutMs: 2_000, what: 'the reset' });
    expect(client.ended()).toBe('ECONNRESET');
    expect(proxy.stats().connections).toBe(0);
  });

  test('a FIN is passed on after the bytes before it', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target.port);
    proxy.set({ mode: 'up', delayMs: 50 });
    const client = await dial(proxy.port);
    client.socket.end('last');
    await waitUntil(() => client.ended() === 'closed', { timeoutMs: 3_000, what: 'the close' });
    expect(target.accepted[0]!.received()).toBe('last');
    expect(client.received()).toBe('pong:last');
    await waitUntil(() => proxy.stats().connections === 0, {
      timeoutMs: 2_000,
      what: 'the proxy to forget it',
    });
  });

  test('refuses a delay out of range', async () => {
    const proxy = new LinkProxy({ listenPort: 0, targetPort: 1 });
    expect(() => proxy.set({ mode: 'up', delayMs: -1 })).toThrow(RangeError);
    expect(() => proxy.set({ mode: 'up', delayMs: 1.5 })).toThrow(RangeError);
  });
});

describe('LinkMesh', () => {
  test('a link is both directions; partition separates a group; healAll restores every link', () => {
    const mesh = new LinkMesh({
      nodes: 4,
      proxyPort: (from, to) => 40_000 + from * 10 + to,
      targetPort: (to) => to,
    });
    mesh.set(1, 2, { mode: 'cut', delayMs: 0 });
    expect(mesh.proxy(1, 2).condition.mode).toBe('cut');
    expect(mesh.proxy(2, 1).condition.mode).toBe('cut');
    mesh.set(0, 3, { mode: 'up', delayMs: 200 });
    expect(mesh.proxy(3, 0).condition).toEqual({ mode: 'up', delayMs: 200 });

    mesh.partition([2], 'blackhole');
    const modes = Object.fromEntries(mesh.status().map((link) => [`${link.a}-${link.b}`, link.mode]));
    expect(modes).toEqual({
      '0-1': 'up',
      '0-2': 'blackhole',
      '0-3': 'up',
      '1-2': 'blackhole',
      '1-3': 'up',
      '2-3': 'blackhole',
    });
    mesh.partition([0, 1]);
    expect(mesh.condition(0, 1).mode).toBe('up');
    expect(mesh.condition(1, 3).mode).toBe('cut');
    expect(mesh.condition(3, 2).mode).toBe('blackhole'); // outside the group: as it was

    mesh.healAll();
    expect(mesh.status().every((link) => link.mode === 'up' && link.delayMs === 0)).toBe(true);
    expect(mesh.status()).toHaveLength(6);
  });

  test("a node's price sources: down refuses its connections to the simulator, up restores them; others unaffected", async () => {
    const simulator = await startTarget();
    const free = await Promise.all([0, 1].map(() => freePort()));
    const mesh = new LinkMesh({
      nodes: 2,
      proxyPort: () => 0,
      targetPort: () => 1,
      sourcesProxyPort: (node) => free[node]!,
      sourcesTargetPort: simulator.port,
    });
    await mesh.start();
    cleanups.push(() => mesh.close());
    expect(mesh.hasSources).toBe(true);
    const ask = async (node: number): Promise<string> => {
      const client = dialRaw(free[node]!);
      client.socket.write('tick');
      await waitUntil(() => client.received() !== '' || client.ended() !== undefined, {
        timeoutMs: 2_000,
        what: 'an answer or a reset',
      });
      return client.received() || `ended: ${client.ended()}`;
    };
    expect(await ask(0)).toBe('pong:tick');
    mesh.setSources(0, { mode: 'cut', delayMs: 0 });
    expect(mesh.sourcesDown()).toEqual([0]);
    expect(await ask(0)).toMatch(/^ended/);
    expect(await ask(1)).toBe('pong:tick');
    mesh.healAll();
    expect(mesh.sourcesDown()).toEqual([]);
    expect(await ask(0)).toBe('pong:tick');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
