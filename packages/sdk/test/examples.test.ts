import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectQuickstartOutput, prepareQuickstartNode, quickstartEnv } from './helpers/quickstart.ts';
import { startTestNode, type TestNode } from './helpers/server.ts';

const run = promisify(execFile);
const script = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
  prepareQuickstartNode(node);
});
afterAll(async () => {
  await node.stop();
});

// The README's quick start is this file: if the API it shows changes, this fails.
describe('examples', () => {
  it('quickstart.ts submits, waits for verified finality, re-verifies and reads a price', async () => {
    const { stdout } = await run(process.execPath, [script('quickstart.ts')], {
      timeout: 30_000,
      env: { ...process.env, ...quickstartEnv(node) },
    });
    expectQuickstartOutput(stdout);
  });

  it('trading.ts places orders and prints latency percentiles (WebSocket)', async () => {
    const { stdout } = await run(
      process.execPath,
      [script('trading.ts'), node.webSocketUrl, '--orders', '12', '--concurrency', '4'],
      {
        timeout: 30_000,
      },
    );
    expect(stdout).toContain('orders: 12 finalized, 0 failed');
    expect(stdout).toMatch(/p50 [\d.]+ ms, p90 [\d.]+ ms, p99 [\d.]+ ms/);
  });

  it('trading.ts over HTTP polling', async () => {
    const { stdout } = await run(
      process.execPath,
      [script('trading.ts'), node.url, '--orders', '6', '--concurrency', '3'],
      {
        timeout: 30_000,
      },
    );
    expect(stdout).toContain('orders: 6 finalized, 0 failed');
  });
});

describe('README', () => {
  it('shows examples/quickstart.ts verbatim', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const quickstart = await readFile(script('quickstart.ts'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${quickstart}\`\`\``);
  });
});
