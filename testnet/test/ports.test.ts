import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import {
  allPorts,
  busyPorts,
  findFreeBasePort,
  isPortFree,
  MAX_BASE_PORT,
  MAX_NODES,
  maxBasePort,
  planPorts,
  proxyPort,
  TEST_BASE_PORTS,
} from '../src/ports.ts';

describe('planPorts', () => {
  test('derives every port from the base: anvil, simulator, control, dashboard, then p2p/RPC/metrics/listen/sources blocks', () => {
    expect(planPorts(20000, 3)).toEqual({
      base: 20000,
      anvil: 20000,
      simulator: 20001,
      control: 20002,
      dashboard: 20003,
      nodes: [
        { p2p: 20100, p2pListen: 20400, sourcesProxy: 20500, rpc: 20200, metrics: 20300 },
        { p2p: 20101, p2pListen: 20401, sourcesProxy: 20501, rpc: 20201, metrics: 20301 },
        { p2p: 20102, p2pListen: 20402, sourcesProxy: 20502, rpc: 20202, metrics: 20302 },
      ],
    });
  });

  test('link proxies: node i dials node j on P+1000+100i+j', () => {
    const plan = planPorts(20000, 4);
    expect(proxyPort(plan, 1, 3)).toBe(21103);
    expect(proxyPort(plan, 3, 0)).toBe(21300);
    expect(() => proxyPort(plan, 2, 2)).toThrow(RangeError);
    expect(() => proxyPort(plan, 0, 4)).toThrow(RangeError);
    expect(allPorts(plan)).toHaveLength(4 + 4 * 5 + 12);
  });

  test.each([1, 2, 4, MAX_NODES])(
    'never gives a port twice, even with %i nodes at their highest base',
    (nodes) => {
      const ports = allPorts(planPorts(maxBasePort(nodes), nodes));
      expect(new Set(ports).size).toBe(ports.length);
      expect(Math.max(...ports)).toBe(65535);
    },
  );

  test('refuses a plan that does not fit', () => {
    expect(MAX_BASE_PORT).toBe(maxBasePort(1));
    expect(() => planPorts(maxBasePort(4) + 1, 4)).toThrow(RangeError);
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

describe('findFreeBasePort', () => {
  test('plans below the ephemeral port range, never the same base twice for one avoid set', async () => {
    const avoid = new Set<number>();
    const bases = [await findFreeBasePort(4, avoid), await findFreeBasePort(4, avoid)];
    expect(bases[0]).not.toBe(bases[1]);
    for (const base of bases) {
      expect(base).toBeGreaterThanOrEqual(TEST_BASE_PORTS.from);
      expect(Math.max(...allPorts(planPorts(base, 4)))).toBeLessThan(32_768);
    }
  });
});
