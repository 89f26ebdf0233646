import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../../packages/sdk/test/helpers/chromium.ts';
import type { TestnetOptions } from '../src/args.ts';
import { TestnetControl } from '../src/control.ts';
import { groupKeyForContracts, registryGroupKey } from '../src/l1.ts';
import { REPO_ROOT, TESTNET_DIR_ENV, type TestnetLayout, testnetLayout } from '../src/layout.ts';
import { TransactionFactory } from '../src/load.ts';
import type { RunningNetwork } from '../src/network.ts';
import { parseCommittee, proposerIndex } from '../src/node-api.ts';
import { findFreeBasePort } from '../src/ports.ts';
import { isProcessAlive, ProcessSupervisor } from '../src/processes.ts';
import { createProgress } from '../src/progress.ts';
import { createNodeRpc, type NodeStatus } from '../src/rpc.ts';
import { runTestnet } from '../src/runner.ts';
import { setupTestnet } from '../src/setup.ts';
import { SUMMARY_KEYS, type TestnetSummary } from '../src/summary.ts';
import { sleep, waitUntil } from '../src/wait.ts';

/**
 * End to end against real processes: anvil, `synod init`/`dkg`/`start`, the price simulator.
 * One testnet (in a temporary directory, on free ports) is created by the first test and reused
 * by the others, as `pnpm testnet` reuses `.testnet/`.
 */

const MAIN = join(REPO_ROOT, 'testnet', 'src', 'main.ts');
let layout: TestnetLayout;
let basePort: number;

function freeBasePort(): Promise<number> {
  return findFreeBasePort(4);
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
    restart: true,
    linkProxies: true,
    ...overrides,
  };
}

/**
 * The established TCP connections of a process, as (local port, remote port), from Linux's /proc:
 * the sockets among its file descriptors, looked up in its network namespace's table.
 */
function tcpConnectionsOf(pid: number): { local: number; remote: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) inodes.add(match[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  const port = (address: string) => Number.parseInt(address.split(':')[1]!, 16);
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 9 && fields[3] === '01' && inodes.has(fields[9]!))
    .map((fields) => ({ local: port(fields[1]!), remote: port(fields[2]!) }));
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
      // The clearinghouse after the core contracts, bound to their inbox.
      const { perps } = setup.state;
      expect(await setup.l1.publicClient.getCode({ address: perps.clearinghouse })).not.toBe('0x');
      expect(JSON.parse(await readFile(layout.state, 'utf8')).perps).toEqual(perps);
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
    // 1 in 20 is an encrypted perp order: each revealed two blocks after its envelope, and settled.
    expect(summary.txEncrypted).toBe(20);
    expect(summary.txRevealed).toBe(20);
    expect(summary.txDuplicated).toBe(0);
    expect(summary.safetyViolations).toBe(0);
    // The clearinghouse: the load's perp orders (1 in 10) settled by the keeper, L1 = its model.
    expect(summary.ordersSettledL1, stderr).toBeGreaterThan(0);
    expect(summary.l1MatchesModel, stderr).toBe(true);
    expect(code, stderr).toBe(0);
  }, 150_000);

  test('the network survives its nodes: an outside SIGKILL is restarted, a cut link and a partition hold and heal', async () => {
    let stdout = '';
    let stderr = '';
    const timings: Record<string, number> = {};
    const scenario = async (network: RunningNetwork, _setup: unknown, control: TestnetControl) => {
      const status = async (i: number): Promise<NodeStatus | undefined> =>
        await network.nodes[i]!.rpc.status().catch(() => undefined);
      const statuses = async () => await Promise.all([0, 1, 2, 3].map(status));
      const height = async (i: number) => (await status(i))?.finalizedHeight ?? -1;
      const fullMesh = async () => (await statuses()).every((s) => s?.peers === 3);
      await waitUntil(fullMesh, { timeoutMs: 30_000, what: 'every node connected to the 3 others' });

      // 1. SIGKILL from outside: reported, restarted after the 1 s back-off, the others finalize on.
      // The kill lands where node-3 proposes neither of the next two heights, so the three others
      // finalize within round trips, long before its restart (≥ 1 s back-off + start-up). What a
      // crashed proposer costs (a propose timeout) is the simulator's test ("a crashed proposer").
      const killedPid = network.nodes[3]!.process.pid;
      let before = -1;
      const node3ProposesSoon = (h: number) =>
        proposerIndex(4, h + 1, 0) === 3 || proposerIndex(4, h + 2, 0) === 3;
      await waitUntil(
        async () => {
          before = await height(0);
          return !node3ProposesSoon(before);
        },
        {
          timeoutMs: 10_000,
          intervalMs: 5,
          what: 'a height after which node-3 proposes neither of the next two',
        },
      );
      const killedAt = Date.now();
      process.kill(killedPid, 'SIGKILL');
      await waitUntil(async () => (await control.status()).nodes[3]!.restarts === 1, {
        timeoutMs: 10_000,
        what: 'node-3 restarted',
      });
      timings.restartedMs = Date.now() - killedAt;
      await waitUntil(async () => (await status(3)) !== undefined, {
        timeoutMs: 60_000,
        what: "node-3's RPC",
      });
      timings.answersMs = Date.now() - killedAt;
      const whileDown = await height(0);
      expect(whileDown, 'node-0 finalized while node-3 was down').toBeGreaterThan(before);
      await waitUntil(async () => (await height(3)) >= whileDown, {
        timeoutMs: 30_000,
        what: 'node-3 to catch up',
      });
      timings.caughtUpMs = Date.now() - killedAt;
      const node3 = (await control.status()).nodes[3]!;
      expect(node3).toMatchObject({ state: 'running', exits: 1, restarts: 1, crashes: 0 });
      expect(node3.lastExit).toMatchObject({ signal: 'SIGKILL', cause: 'signal' });
      expect(node3.pid).not.toBe(killedPid);
      await waitUntil(fullMesh, { timeoutMs: 30_000, what: 'the mesh after the restart' });

      // 2. Cut node-1 — node-2: the two have no connection for the whole cut (their peer counts),
      // no node talks to another's real p2p port (only to proxies), and the network finalizes on.
      const realPorts = new Set(network.nodes.flatMap((_, i) => [basePort + 100 + i, basePort + 400 + i]));
      const bypasses = () =>
        network.nodes.flatMap((node) =>
          tcpConnectionsOf(node.process.pid)
            .filter((c) => realPorts.has(c.remote))
            .map((c) => `node-${node.index} :${c.local} → :${c.remote}`),
        );
      expect(bypasses()).toEqual([]);
      await control.cut('node-1', 'node-2');
      const cutAt = await height(0);
      await sleep(1_000); // the nodes hear of the reset
      for (let sample = 0; sample < 20; sample++) {
        const [s1, s2] = [await status(1), await status(2)];
        expect(s1?.peers, `node-1's peers during the cut (sample ${sample})`).toBe(2);
        expect(s2?.peers, `node-2's peers during the cut (sample ${sample})`).toBe(2);
        if (sample % 5 === 0) expect(bypasses()).toEqual([]);
        await sleep(250);
      }
      const link = (await control.status()).links!.find((l) => l.a === 'node-1' && l.b === 'node-2')!;
      expect(link).toMatchObject({ mode: 'cut', connections: 0 });
      expect(await height(0), 'finalizing with one link cut').toBeGreaterThan(cutAt);
      await control.heal('node-1', 'node-2');
      const healedAt = Date.now();
      await waitUntil(fullMesh, { timeoutMs: 20_000, what: 'node-1 and node-2 reconnected' });
      timings.reconnectedMs = Date.now() - healedAt;

      // 3. Partition node-2 from all others: the three finalize on, node-2 stands still; healed, it
      // catches up. Staged to provoke the one path that could bypass the proxies: node-2 lags
      // (paused), comes back with only node-1 reachable, learns node-1's height, and is then cut
      // off from it too: its catch-up sync asks node-1 by peer id, which libp2p dials at the
      // addresses identify taught it, which must not be node-1's real one.
      await control.pause('node-2');
      await sleep(3_000);
      await control.cut('node-0', 'node-2');
      await control.cut('node-2', 'node-3');
      await control.resume('node-2');
      await sleep(1_500);
      await control.partition(['node-2']);
      await sleep(1_000);
      const isolatedAt = await height(2);
      const othersAt = await height(0);
      for (let sample = 0; sample < 10; sample++) {
        expect((await status(2))?.peers, `the isolated node's peers (sample ${sample})`).toBe(0);
        if (sample % 3 === 0) expect(bypasses()).toEqual([]);
        await sleep(500);
      }
      const isolated = await status(2);
      expect(isolated?.finalizedHeight, 'the isolated node does not advance').toBe(isolatedAt);
      const others = await Promise.all([0, 1, 3].map(height));
      for (const h of others) expect(h, 'the three others keep finalizing').toBeGreaterThan(othersAt);
      await control.healAll();
      const rejoinedAt = Date.now();
      const target = Math.max(...others);
      await waitUntil(async () => (await height(2)) >= target, {
        timeoutMs: 30_000,
        what: 'node-2 to catch up',
      });
      timings.partitionCatchUpMs = Date.now() - rejoinedAt;
      timings.partitionHeights = target - isolatedAt;
    };
    const code = await runTestnet(options({ json: true, durationS: 240 }), {
      io: { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTty: false },
      signal: new AbortController().signal,
      startedAtMs: Date.now(),
      layout,
      inspector: { scenario },
    });
    console.log(`fault scenario: ${JSON.stringify(timings)}; ${stdout.trim()}`);
    // A failed scenario ends the run without a summary; the runner's last words say why.
    const lines = stdout.trim().split('\n');
    expect(
      lines.length === 1 && lines[0]!.startsWith('{'),
      `no summary; stderr:\n${stderr.slice(-3_000)}`,
    ).toBe(true);
    const summary = JSON.parse(lines[0]!) as TestnetSummary;
    expect(stderr).toMatch(/node-3 killed by SIGKILL after [\d.]+ s; restarting in 1\.0 s/);
    expect(stderr).toMatch(/node-3 restarted \(attempt 1\): pid \d+/);
    expect(stderr).toMatch(/link node-1 — node-2 cut/);
    expect(stderr).toMatch(/node-2 paused \(SIGSTOP\)/);
    expect(stderr).toMatch(/partition \(cut\): node-2 separated from the other nodes/);
    expect(Object.keys(summary)).toEqual([...SUMMARY_KEYS]);
    expect(summary).toMatchObject({
      nodeExits: 1,
      nodeRestarts: 1,
      nodeCrashes: 0,
      safetyViolations: 0,
      txLost: 0,
    });
    expect(summary.heightsFinalized).toBeGreaterThan(0);
    expect(code, stderr.slice(-3_000)).toBe(0);
  }, 300_000);

  /** Starts `pnpm testnet` (interactive, as people run it) and resolves once it is up, with its output so far. */
  async function startInteractive() {
    const runner = spawn(process.execPath, [MAIN, '--base-port', String(basePort)], {
      env: { ...process.env, [TESTNET_DIR_ENV]: layout.root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { text: '' };
    runner.stdout.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    runner.stderr.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
    await waitUntil(() => output.text.includes('Press Ctrl-C'), {
      timeoutMs: 60_000,
      what: 'the testnet to be up',
    });
    return { runner, output, exited };
  }

  /** Sends `signal` to the runner and checks that every child it listed stopped with it. */
  async function stopInteractive(
    { runner, output, exited }: Awaited<ReturnType<typeof startInteractive>>,
    signal: 'SIGINT' | 'SIGTERM',
  ) {
    const children = JSON.parse(await readFile(layout.processes, 'utf8')) as { name: string; pid: number }[];
    expect(children.map((child) => child.name).sort()).toEqual(
      ['anvil', 'node-0', 'node-1', 'node-2', 'node-3', 'simulator'].sort(),
    );
    for (const child of children) expect(isProcessAlive(child.pid), child.name).toBe(true);

    runner.kill(signal);
    // 0 once the network was up (Ctrl-C is how an interactive testnet ends), 130 if still starting.
    expect([0, 130], output.text).toContain(await exited);
    for (const child of children) expect(isProcessAlive(child.pid), `${child.name} survived`).toBe(false);
    expect(existsSync(layout.processes)).toBe(false);
    expect(output.text).toMatch(/Stopped\./);
  }

  /**
   * After a failed check, the runner still up: SIGTERM lets it stop its children (a SIGKILL would
   * leave them holding the testnet's ports for the next test), SIGKILL only if it does not exit.
   */
  async function stopAfterFailure({ runner, exited }: Awaited<ReturnType<typeof startInteractive>>) {
    if (runner.exitCode !== null || runner.signalCode !== null) return;
    runner.kill('SIGTERM');
    const timer = sleep(30_000).then(() => 'timeout' as const);
    if ((await Promise.race([exited, timer])) === 'timeout') runner.kill('SIGKILL');
  }

  test('the dashboard: 4 validators, a rising height, charts, and a submitted transaction in the fairness view; Ctrl-C stops everything', async () => {
    const started = await startInteractive();
    const { runner, output } = started;
    try {
      const profile = await mkdtemp(join(tmpdir(), 'synod-dashboard-chromium-'));
      const context = await launchChromium(profile);
      try {
        const url = /Dashboard: (http:\/\/\S+)/.exec(output.text)?.[1];
        expect(url, output.text).toBe(`http://127.0.0.1:${basePort + 3}/`);
        const page = context.pages()[0] ?? (await context.newPage());
        await page.setViewportSize({ width: 1400, height: 900 });
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning')
            problems.push(`console.${message.type()}: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
        await page.goto(url!, { waitUntil: 'load', timeout: 15_000 });

        // Page conditions as expressions evaluated in the page (this repository's tsconfig has no DOM lib).
        const until = (expression: string, timeout: number) =>
          page.waitForFunction(expression, null, { timeout });
        // Four validators, each answering.
        await until(`document.querySelectorAll('#validators-body tr[data-up="true"]').length === 4`, 20_000);
        // The height rises.
        const first = Number(await page.textContent('#finalized-height'));
        expect(first).toBeGreaterThan(0);
        await until(`Number(document.getElementById('finalized-height').textContent) > ${first}`, 20_000);
        // A chart with a line per node, each through the heights of several polls (one a second).
        await until(`document.querySelectorAll('#chart-heights path[data-series]').length === 4`, 10_000);
        await until(
          `[...document.querySelectorAll('#chart-heights path[data-series]')].every((path) => path.getAttribute('d').includes('L'))`,
          10_000,
        );
        expect(await page.getAttribute('#chart-heights path[data-series="node-0"]', 'd')).toMatch(
          /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/,
        );

        // A transaction of ours, final, shows in the fairness view of its block with each validator's report.
        const state = JSON.parse(await readFile(layout.state, 'utf8')) as {
          networkId: number;
          chainId: number;
          deployment: { inbox: Address };
        };
        const factory = new TransactionFactory({
          senders: 1,
          domain: {
            networkId: state.networkId,
            chainId: state.chainId,
            inbox: state.deployment.inbox.toLowerCase() as Address,
          },
          validUntilS: BigInt(Math.floor(Date.now() / 1000) + 300),
        });
        const [tx] = await factory.next(1);
        const rpcUrl = `http://127.0.0.1:${basePort + 201}/`;
        const [sent] = await createNodeRpc(rpcUrl).sendRawTransactions([tx!.encoded]);
        expect(sent).toEqual({ ok: true, result: tx!.txId });
        let height: number | undefined;
        await waitUntil(
          async () => {
            const response = await fetch(rpcUrl, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({
                jsonrpc: '2.0',
                id: 1,
                method: 'synod_getTransactionStatus',
                params: [tx!.txId],
              }),
            });
            const { result } = (await response.json()) as { result: { status: string; height?: number } };
            height = result.height;
            return result.status === 'finalized';
          },
          { timeoutMs: 20_000, what: 'our transaction to be final' },
        );
        await page.fill('#block-height', String(height));
        await page.click('#block-form button[type="submit"]');
        const row = page.locator(`#fairness tr[data-txid="${tx!.txId}"]`);
        await row.waitFor({ timeout: 10_000 });
        expect(await page.textContent('#fairness-height')).toBe(String(height));
        // f = 1: three or four validators' reports, one of them the decisive (f+1)-th.
        expect(await row.locator('td.decisive').count()).toBe(1);
        expect(await row.locator('td.num').count()).toBeGreaterThanOrEqual(3 + 3);
        // Prices: both feeds, each with a chart and the block's observations.
        expect(await page.locator('#prices .feed').count()).toBe(2);
        expect(await page.locator('#prices .feed svg path[data-series]').count()).toBeGreaterThanOrEqual(2);
        // L1: the inbox has headers.
        await until(`Number(document.getElementById('l1-height')?.textContent) > 0`, 20_000);

        const screenshot = join(REPO_ROOT, 'testnet', 'test-output', 'dashboard.png');
        await mkdir(dirname(screenshot), { recursive: true });
        await page.screenshot({ path: screenshot, fullPage: true });
        expect(problems, problems.join('\n')).toEqual([]);

        // The node the page follows stops answering (SIGSTOP: its socket stays open, silent): the
        // page shows it down and follows another node, whose blocks keep coming.
        expect(await page.textContent('#facts')).toMatch(/following node-0/);
        const control = new TestnetControl(`http://127.0.0.1:${basePort + 2}/`);
        await control.pause('node-0');
        try {
          await until(
            `document.querySelector('#validators-body tr[data-node="node-0"]:not([data-up])') !== null`,
            15_000,
          );
          await until(`/following node-[123]/.test(document.getElementById('facts').textContent)`, 15_000);
          const top = Number(await page.getAttribute('#blocks-body tr:first-child', 'data-height'));
          await until(
            `Number(document.querySelector('#blocks-body tr:first-child').dataset.height) > ${top}`,
            15_000,
          );
        } finally {
          await control.resume('node-0');
        }
        await until(`document.querySelectorAll('#validators-body tr[data-up="true"]').length === 4`, 20_000);
        expect(
          problems.filter((problem) => problem.startsWith('pageerror')),
          problems.join('\n'),
        ).toEqual([]);
      } finally {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      }
      expect(runner.exitCode, `the testnet exited early:\n${output.text}`).toBeNull();
      await stopInteractive(started, 'SIGINT');
    } finally {
      await stopAfterFailure(started);
    }
  }, 150_000);

  test('SIGTERM stops every child process; none is left behind', async () => {
    const started = await startInteractive();
    try {
      await stopInteractive(started, 'SIGTERM');
    } finally {
      await stopAfterFailure(started);
    }
  }, 90_000);
});
