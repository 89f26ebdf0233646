import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestnetOptions } from '../src/args.ts';
import { groupKeyForContracts, registryGroupKey } from '../src/l1.ts';
import { REPO_ROOT, TESTNET_DIR_ENV, type TestnetLayout, testnetLayout } from '../src/layout.ts';
import { parseCommittee } from '../src/node-api.ts';
import { busyPorts, planPorts } from '../src/ports.ts';
import { isProcessAlive, ProcessSupervisor } from '../src/processes.ts';
import { createProgress } from '../src/progress.ts';
import { runTestnet } from '../src/runner.ts';
import { setupTestnet } from '../src/setup.ts';
import { SUMMARY_KEYS } from '../src/summary.ts';
import { waitUntil } from '../src/wait.ts';

/**
 * End to end against real processes: anvil, `synod init`/`dkg`/`start`, the price simulator.
 * One testnet (in a temporary directory, on free ports) is created by the first test and reused
 * by the others, as `pnpm testnet` reuses `.testnet/`.
 */

const MAIN = join(REPO_ROOT, 'testnet', 'src', 'main.ts');
let layout: TestnetLayout;
let basePort: number;

async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + Math.floor(Math.random() * 300) * 100;
    if ((await busyPorts(planPorts(base, 4))).length === 0) return base;
  }
  throw new Error('no free port range');
}

function options(overrides: Partial<TestnetOptions> = {}): TestnetOptions {
  return {
    nodes: 4,
    reset: false,
    basePort,
    durationS: undefined,
    json: false,
    byzantine: 0,
    strategy: undefined,
    loadTps: 0,
    ...overrides,
  };
}

beforeAll(async () => {
  layout = testnetLayout(await mkdtemp(join(tmpdir(), 'synod-testnet-')));
  basePort = await freeBasePort();
});

afterAll(async () => {
  await rm(layout.root, { recursive: true, force: true });
});

describe('pnpm testnet, end to end', () => {
  test('the set-up phase runs the DKG and deploys the contracts with its group key', async () => {
    const supervisor = new ProcessSupervisor();
    const lines: string[] = [];
    const progress = createProgress({
      write: (text) => lines.push(text),
      isTty: false,
      startedAtMs: Date.now(),
    });
    try {
      const setup = await setupTestnet(options({ reset: true }), { supervisor, layout, progress });
      const committees = await Promise.all(
        [0, 1, 2, 3].map(async (i) =>
          parseCommittee(await readFile(join(layout.nodeDir(i), 'committee.json'), 'utf8')),
        ),
      );
      // Every node holds the same committee, which is the one deployed.
      for (const committee of committees)
        expect(committee.groupPublicKey).toBe(setup.committee.groupPublicKey);
      expect(setup.committee.threshold).toBe(3);
      const onChain = await registryGroupKey(setup.l1, setup.state.deployment.registry, 0);
      expect(onChain).toBe(groupKeyForContracts(setup.committee.groupPublicKey));
      for (let i = 0; i < 4; i++) {
        const config = JSON.parse(await readFile(join(layout.nodeDir(i), 'config.json'), 'utf8'));
        expect(config.network.inboxAddress).toBe(setup.state.deployment.inbox);
      }
      expect(lines.join('')).toMatch(/DKG done/);
    } finally {
      await supervisor.stopAll();
    }
    expect(supervisor.pids()).toEqual([]);
  }, 90_000);

  test('--json --duration 20 --load 20: every acknowledged transaction is finalized, nodes agree', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runTestnet(options({ json: true, durationS: 20, loadTps: 20 }), {
      io: { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTty: false },
      signal: new AbortController().signal,
      startedAtMs: Date.now(),
      layout,
    });
    expect(stderr).toMatch(/reusing the 4-node testnet/);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(Object.keys(summary)).toEqual([...SUMMARY_KEYS]);
    expect(summary).toMatchObject({ nodes: 4, byzantine: 0, durationS: 20, txSubmitted: 400 });
    expect(summary.heightsFinalized).toBeGreaterThan(0);
    expect(summary.txFinalized).toBe(400);
    expect(summary.txLost).toBe(0);
    expect(summary.txDuplicated).toBe(0);
    expect(summary.safetyViolations).toBe(0);
    expect(code, stderr).toBe(0);
  }, 120_000);

  test.each(['SIGINT', 'SIGTERM'] as const)(
    '%s stops every child process; none is left behind',
    async (signal) => {
      const runner = spawn(process.execPath, [MAIN, '--base-port', String(basePort)], {
        env: { ...process.env, [TESTNET_DIR_ENV]: layout.root },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      runner.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      runner.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
      try {
        await waitUntil(() => output.includes('Press Ctrl-C'), {
          timeoutMs: 60_000,
          what: 'the testnet to be up',
        });
        const children = JSON.parse(await readFile(layout.processes, 'utf8')) as {
          name: string;
          pid: number;
        }[];
        expect(children.map((child) => child.name).sort()).toEqual(
          ['anvil', 'node-0', 'node-1', 'node-2', 'node-3', 'simulator'].sort(),
        );
        for (const child of children) expect(isProcessAlive(child.pid), child.name).toBe(true);

        runner.kill(signal);
        // 0 once the network was up (Ctrl-C is how an interactive testnet ends), 130 if still starting.
        expect([0, 130], output).toContain(await exited);
        for (const child of children) expect(isProcessAlive(child.pid), `${child.name} survived`).toBe(false);
        expect(existsSync(layout.processes)).toBe(false);
        expect(output).toMatch(/Stopped\./);
      } finally {
        if (runner.exitCode === null) runner.kill('SIGKILL');
      }
    },
    90_000,
  );
});
