import { createServer, type Server } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenError, listening } from '../../src/assembly/errors.ts';
import { createMetricsServer } from '../../src/metrics/server.ts';

/** `synod start` names the listener and the config key when a port cannot be bound. */

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function takenPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('listening', () => {
  it('turns a port in use into ListenError ADDRESS_IN_USE naming the config key', async () => {
    const port = await takenPort();
    const metrics = createMetricsServer({ register: new Registry(), host: '127.0.0.1', port });
    const error = await listening(`metrics on 127.0.0.1:${port}`, 'metrics.port', metrics.start()).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ListenError);
    expect(error).toMatchObject({ code: 'ADDRESS_IN_USE' });
    expect((error as Error).message).toBe(
      `metrics on 127.0.0.1:${port}: cannot listen, the address is in use (another process, or another node on this machine?); change metrics.port`,
    );
    expect((error as Error).cause).toMatchObject({ code: 'EADDRINUSE' });
  });

  it('finds the socket error in a cause chain or a wrapped message (as libp2p reports it)', async () => {
    const wrapped = new Error('could not start transports', {
      cause: Object.assign(new Error('listen failed'), { code: 'EADDRNOTAVAIL' }),
    });
    await expect(listening('p2p', 'p2p.listenAddresses', Promise.reject(wrapped))).rejects.toMatchObject({
      name: 'ListenError',
      code: 'ADDRESS_NOT_AVAILABLE',
    });
    const message = new Error('Error: listen EACCES: permission denied 0.0.0.0:80');
    await expect(listening('rpc', 'rpc.port', Promise.reject(message))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
  });

  it('lets any other failure through unchanged, and passes the result through', async () => {
    const other = new Error('bad key');
    await expect(listening('p2p', 'p2p.listenAddresses', Promise.reject(other))).rejects.toBe(other);
    expect(await listening('rpc', 'rpc.port', Promise.resolve(42))).toBe(42);
  });
});
