import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenesisJson } from '../../src/config/index.ts';

/** Real `synod` OS processes for end-to-end tests: spawn, collect output, kill on teardown. */

export const SYNOD_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const PASSWORD = 'an integration test password';
export const INBOX = '0x00000000000000000000000000000000000051a0';
export const NETWORK_ID = 7;
export const CHAIN_ID = 31_337;

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningProcess {
  child: ChildProcess;
  exited: Promise<Exited>;
  output(): { stdout: string; stderr: string };
}

export const children = new Set<ChildProcess>();

/** The environment without SYNOD_* variables, which the CLI would read as config. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SYNOD_')));
}

export function runSynod(args: readonly string[]): RunningProcess {
  const child = spawn(process.execPath, [SYNOD_MAIN, ...args], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Bound what a long-running node leaves in memory: keep the tail.
    if (stdout.length > 8_000_000) stdout = stdout.slice(-4_000_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    children.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Kills every child still running (afterAll, also after a failure). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * Ports handed out in this test process: a port is free when asked for but only taken when the
 * node starts, so a later call could get it again (the reshare e2e once gave the joiner's RPC the
 * port of a validator's metrics, which then could not listen).
 */
const handedOut = new Set<number>();

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

export interface NodePorts {
  p2p: number;
  rpc: number;
  metrics: number;
}

/**
 * `synod init` ×n and `synod dkg` ×n as real processes: n data dirs with keys, one genesis, and
 * committee.json + share keystore from the DKG in each. Returns the data dirs and their ports.
 */
export async function initNetwork(
  dir: string,
  n: number,
  extraConfig: readonly string[] = [],
): Promise<{ dataDirs: string[]; ports: NodePorts[]; passwordPath: string }> {
  const passwordPath = join(dir, 'password');
  await writeFile(passwordPath, `${PASSWORD}\n`, { mode: 0o600 });
  const flat = await freePorts(3 * n);
  const ports = Array.from({ length: n }, (_, i) => ({
    p2p: flat[3 * i]!,
    rpc: flat[3 * i + 1]!,
    metrics: flat[3 * i + 2]!,
  }));
  const dataDirs = ports.map((_, i) => join(dir, `v${i}`));
  const inits = await Promise.all(
    ports.map(
      (port, i) =>
        runSynod([
          'init',
          '--data-dir',
          dataDirs[i]!,
          '--json',
          '--node.name',
          `v${i}`,
          '--p2p.listenAddresses',
          `/ip4/127.0.0.1/tcp/${port.p2p}`,
          '--rpc.port',
          String(port.rpc),
          '--metrics.port',
          String(port.metrics),
          '--network.inboxAddress',
          INBOX,
          ...extraConfig,
        ]).exited,
    ),
  );
  for (const init of inits) if (init.code !== 0) throw new Error(`synod init failed: ${init.stderr}`);
  const genesis = createGenesisJson({
    networkId: NETWORK_ID,
    chainId: CHAIN_ID,
    dkgNonce: new Uint8Array(32).map((_, i) => i + 1),
    participants: inits.map((init) => JSON.parse(init.stdout).genesisParticipant),
  });
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(genesis, null, 2));
  const dkgs = await Promise.all(
    dataDirs.map(
      (dataDir) =>
        runSynod([
          'dkg',
          '--data-dir',
          dataDir,
          '--genesis',
          genesisPath,
          '--password-file',
          passwordPath,
          '--dkg.peerWaitTimeoutMs',
          '30000',
          '--dkg.lingerMs',
          '1000',
        ]).exited,
    ),
  );
  for (const dkg of dkgs)
    if (dkg.code !== 0) throw new Error(`synod dkg failed: ${dkg.stdout}\n${dkg.stderr}`);
  return { dataDirs, ports, passwordPath };
}

export function startSynod(dataDir: string, passwordPath: string): RunningProcess {
  return runSynod(['start', '--data-dir', dataDir, '--password-file', passwordPath]);
}

let rpcId = 0;

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC results; the tests check them field by field.
export type RpcJson = any;

/** One JSON-RPC call over HTTP; returns the whole response object. */
export async function rpcCall(
  port: number,
  method: string,
  params: unknown[] = [],
): Promise<{ result?: RpcJson; error?: { code: number; message: string; data?: RpcJson } }> {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  return (await response.json()) as RpcJson;
}

/** The result of a call; throws on a JSON-RPC error. */
export async function rpc(port: number, method: string, params: unknown[] = []): Promise<RpcJson> {
  const response = await rpcCall(port, method, params);
  if (response.error !== undefined) throw new Error(`${method}: ${JSON.stringify(response.error)}`);
  return response.result;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError === undefined ? '' : `: ${lastError}`}`);
}

export async function finalizedHeight(port: number): Promise<number> {
  return (await rpc(port, 'synod_status')).finalizedHeight as number;
}

/** The tail of every node's output, for a failure message. */
export function tailLogs(nodes: readonly RunningProcess[]): string {
  return nodes
    .map((node, i) => {
      const { stdout, stderr } = node.output();
      return `--- node ${i} (exit ${node.child.exitCode}) ---\n${stdout.slice(-3_000)}\n${stderr.slice(-2_000)}`;
    })
    .join('\n');
}

/**
 * Every node's log lines of one subsystem (JSON lines whose "subsystem" is it), shortened: what
 * an L1 or sync failure message needs, without the rest of the log.
 */
export function subsystemLogs(nodes: readonly RunningProcess[], subsystem: string, maxLines = 80): string {
  return nodes
    .map((node, i) => {
      const lines = node
        .output()
        .stdout.split('\n')
        .filter((line) => line.includes(`"subsystem":"${subsystem}"`))
        .slice(-maxLines)
        .map((line) => line.slice(0, 400));
      return `--- node ${i}: last ${lines.length} ${subsystem} lines ---\n${lines.join('\n')}`;
    })
    .join('\n');
}

/**
 * `synod start` on every data dir (appended to `nodes`, so afterAll can kill them), then waits
 * until every node has finalized `height`; on a timeout the error carries every node's log tail.
 */
export async function startNodesUntilHeight(
  network: { dataDirs: readonly string[]; passwordPath: string; ports: readonly NodePorts[] },
  nodes: RunningProcess[],
  height: number,
  timeoutMs = 60_000,
): Promise<void> {
  for (const dataDir of network.dataDirs) nodes.push(startSynod(dataDir, network.passwordPath));
  await waitFor(
    async () => {
      for (const port of network.ports) if ((await finalizedHeight(port.rpc)) < height) return false;
      return true;
    },
    `every node at height ${height}`,
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${tailLogs(nodes)}`);
  });
}

/** Sums a Prometheus counter/gauge over the series whose labels include `labels`. */
export async function scrapeMetric(
  port: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const text = await (
    await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) })
  ).text();
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (!matches) continue;
    total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
