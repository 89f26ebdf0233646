import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DashboardConfig } from '../app/types.ts';
import {
  APP_DIR,
  checkDashboardConfig,
  DashboardError,
  type RunningDashboard,
  startDashboard,
} from '../src/server.ts';

const config: DashboardConfig = {
  title: 'test network',
  pollIntervalMs: 1_000,
  nodes: [{ name: 'node-0', rpcUrl: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/ws' }],
  l1: {
    rpcUrl: 'http://127.0.0.1:2',
    chainId: 31_337,
    inbox: `0x${'1'.repeat(40)}`,
    adapters: [{ feedId: `0x${'2'.repeat(64)}`, address: `0x${'3'.repeat(40)}` }],
    settlements: [{ name: 'perps', address: `0x${'4'.repeat(40)}`, namespace: `0x${'5'.repeat(64)}` }],
  },
};

let dashboard: RunningDashboard;

beforeAll(async () => {
  dashboard = await startDashboard({ config, port: 0 });
});
afterAll(async () => {
  await dashboard.close();
});

describe('the dashboard server', () => {
  test('serves the page, its config and its modules as JavaScript', async () => {
    const page = await fetch(dashboard.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script type="module" src="main.ts">');
    expect(await (await fetch(`${dashboard.url}config.json`)).json()).toEqual(config);

    const module = await fetch(`${dashboard.url}model.ts`);
    expect(module.headers.get('content-type')).toMatch(/text\/javascript/);
    const served = await module.text();
    const source = await readFile(join(APP_DIR, 'model.ts'), 'utf8');
    // Types stripped in place (same length, same lines), the code untouched.
    expect(served).not.toMatch(/\binterface\b|: number\b|import type/);
    expect(served.length).toBe(source.length);
    expect(served.split('\n')).toHaveLength(source.split('\n').length);
    expect(served).toMatch(/export function percentile\(values\s*, p\s*\)\s*\{/);
  });

  test('every module the page imports is served and parses as JavaScript', async () => {
    const seen = new Set<string>();
    const queue = ['main.ts'];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const response = await fetch(`${dashboard.url}${name}`);
      expect(response.status, name).toBe(200);
      const code = await response.text();
      // A syntax error (a type left behind) would throw here; an ES module compiles as a function body minus imports/exports.
      const body = code
        .replace(/^\s*import[^;]*;/gm, '')
        .replace(/^export (?=const|function|class|async|let)/gm, '');
      expect(() => new Function(body), name).not.toThrow();
      for (const match of code.matchAll(/from '\.\/([\w-]+\.ts)'/g)) queue.push(match[1]!);
    }
    expect([...seen].sort()).toEqual(['chart.ts', 'main.ts', 'model.ts', 'rpc.ts']);
  });

  test('nothing outside app/, and only known file types', async () => {
    for (const path of [
      '../src/server.ts',
      '..%2Fsrc%2Fserver.ts',
      '%2e%2e/package.json',
      'tsconfig.json',
      'nope.ts',
      '%E0%A4%A',
    ]) {
      const response = await fetch(`${dashboard.url}${path}`);
      expect(response.status, path).toBe(404);
    }
    expect((await fetch(dashboard.url, { method: 'POST' })).status).toBe(405);
  });

  test('a config the page could not use is refused with the field named', async () => {
    const broken = (change: (copy: DashboardConfig) => void) => {
      const copy = structuredClone(config);
      change(copy);
      return () => checkDashboardConfig(copy);
    };
    expect(broken((c) => (c.nodes = []))).toThrow(/nodes is empty/);
    expect(broken((c) => (c.nodes[0]!.wsUrl = 'http://x/'))).toThrow(/nodes\[0\]\.wsUrl must be ws: or wss:/);
    expect(broken((c) => (c.l1!.inbox = '0x12'))).toThrow(/l1\.inbox is not an address/);
    expect(broken((c) => (c.pollIntervalMs = 10))).toThrow(/pollIntervalMs/);
    await expect(startDashboard({ config: { ...config, nodes: [] }, port: 0 })).rejects.toBeInstanceOf(
      DashboardError,
    );
  });

  test('a port in use is a LISTEN_FAILED error', async () => {
    const port = Number(new URL(dashboard.url).port);
    await expect(startDashboard({ config, port })).rejects.toMatchObject({ code: 'LISTEN_FAILED' });
  });
});
