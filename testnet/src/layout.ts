import { join, resolve } from 'node:path';

/** The repository root: testnet/src/ is two levels below it. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** The `synod` CLI, run with process.execPath (Node 24 under pnpm), as an operator would. */
export const SYNOD_CLI = join(REPO_ROOT, 'packages', 'node', 'src', 'cli', 'main.ts');
/** The testnet's test-only validator entry: `synod start` with a test-only behaviour (byzantine-node.ts). */
export const BYZANTINE_NODE_SCRIPT = join(REPO_ROOT, 'testnet', 'src', 'byzantine-node.ts');
/** The price simulator as a process (packages/oracle/scripts/simulator.ts). */
export const SIMULATOR_SCRIPT = join(REPO_ROOT, 'packages', 'oracle', 'scripts', 'simulator.ts');

/** Where one testnet keeps everything: `.testnet/` at the repo root by default (gitignored). */
export interface TestnetLayout {
  root: string;
  /** What the runner decided at creation: nodes, ports, ids, genesis hash, deployment. */
  state: string;
  genesis: string;
  /** The keystore password of every node (0600): a local testnet, one password. */
  passwordFile: string;
  logs: string;
  /** The running children (name, pid, log) while the testnet is up; removed when it stops. */
  processes: string;
  /** Where the running testnet's control endpoint listens (control.ts); removed when it stops. */
  control: string;
  /** anvil's state, dumped on exit and loaded on the next start, so L1 survives a restart. */
  anvilState: string;
  nodeDir(index: number): string;
  nodeLog(index: number): string;
  anvilLog: string;
  simulatorLog: string;
  dkgLog(index: number): string;
  initLog(index: number): string;
}

/** Overrides where the testnet lives (tests, or two testnets side by side with --base-port). */
export const TESTNET_DIR_ENV = 'SYNOD_TESTNET_DIR';

/** `.testnet/` at the repo root, or $SYNOD_TESTNET_DIR. */
export function defaultTestnetRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[TESTNET_DIR_ENV];
  return override === undefined || override === '' ? join(REPO_ROOT, '.testnet') : resolve(override);
}

export function testnetLayout(root: string = defaultTestnetRoot()): TestnetLayout {
  const logs = join(root, 'logs');
  return {
    root,
    state: join(root, 'state.json'),
    genesis: join(root, 'genesis.json'),
    passwordFile: join(root, 'keystore-password'),
    logs,
    processes: join(root, 'processes.json'),
    control: join(root, 'control.json'),
    anvilState: join(root, 'anvil-state.json'),
    nodeDir: (index) => join(root, 'nodes', `node-${index}`),
    nodeLog: (index) => join(logs, `node-${index}.log`),
    anvilLog: join(logs, 'anvil.log'),
    simulatorLog: join(logs, 'simulator.log'),
    dkgLog: (index) => join(logs, `dkg-${index}.log`),
    initLog: (index) => join(logs, `init-${index}.log`),
  };
}
