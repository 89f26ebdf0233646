import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import { allPorts, busyPorts, isPortFree, MAX_BASE_PORT, planPorts } from '../src/ports.ts';

describe('planPorts', () => {
  test('derives every port from the base: anvil, simulator, then p2p/RPC/metrics blocks', () => {
    expect(planPorts(20000, 3)).toEqual({
      anvil: 20000,
      simulator: 20001,
      nodes: [
        { p2p: 20100, rpc: 20200, metrics: 20300 },
        { p2p: 20101, rpc: 20201, metrics: 20301 },
        { p2p: 20102, rpc: 20202, metrics: 20302 },
      ],
    });
  });

  test('never gives a port twice, even with the most nodes at the highest base', () => {
    const ports = allPorts(planPorts(MAX_BASE_PORT, 100));
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.max(...ports)).toBeLessThanOrEqual(65535);
  });

  test('refuses a plan that does not fit', () => {
    expect(() => planPorts(MAX_BASE_PORT + 1, 1)).toThrow(RangeError);
    expect(() => planPorts(20000, 101)).toThrow(RangeError);
    expect(() => planPorts(20000, 0)).toThrow(RangeError);
  });
});

describe('busyPorts', () => {
  test('names the planned ports something else listens on', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await isPortFree(port)).toBe(false);
      // A plan whose simulator port is the taken one.
      const plan = { ...planPorts(40000, 1), simulator: port };
      const busy = await busyPorts(plan);
      expect(busy).toContain(port);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await isPortFree(port)).toBe(true);
  });
});
