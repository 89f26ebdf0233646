import type { Address } from 'viem';
import type { ByzantineStrategy } from './args.ts';
import { dkgArguments, initArguments } from './config.ts';
import { SynodCommandError } from './errors.ts';
import { BYZANTINE_NODE_SCRIPT, SYNOD_CLI } from './layout.ts';
import type { GenesisParticipantJson } from './node-api.ts';
import type { NodePorts } from './ports.ts';
import type { ManagedProcess, ProcessSupervisor } from './processes.ts';

/**
 * The runner drives the nodes through the `synod` CLI, exactly as an operator would
 * (docs/operations.md): `init --json`, `dkg`, `start`. Each runs as `process.execPath
 * packages/node/src/cli/main.ts …` (Node 24 under pnpm).
 */

/**
 * The environment of every `synod` child: ours without SYNOD_* variables, so that a developer's
 * own overrides (SYNOD_RPC_PORT…) cannot silently move a testnet node off its planned port.
 */
export function childEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SYNOD_')));
}

/**
 * Node.js flags for the validator processes (`synod start` and the test-node entry) from
 * SYNOD_TESTNET_NODE_FLAGS, space-separated: `SYNOD_TESTNET_NODE_FLAGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" pnpm bench network` profiles every node (Node refuses --cpu-prof in
 * NODE_OPTIONS). Profiles are written when a node exits on SIGTERM.
 */
export function validatorNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.SYNOD_TESTNET_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

async function expectSuccess(child: ManagedProcess, what: string): Promise<string> {
  const exit = await child.exited;
  if (exit.code !== 0) {
    throw new SynodCommandError(`${what} failed (${exit.signal ?? `exit code ${exit.code}`})`, child.logPath);
  }
  return child.stdout();
}

/** What `synod init --json` prints that the runner uses. */
export interface InitResult {
  peerId: string;
  ethereumAddress: Address;
  genesisParticipant: Omit<GenesisParticipantJson, 'index'>;
}

export async function synodInit(
  supervisor: ProcessSupervisor,
  parameters: { index: number; dataDir: string; ports: NodePorts; logPath: string },
): Promise<InitResult> {
  const child = supervisor.spawn(
    `init node-${parameters.index}`,
    process.execPath,
    [
      SYNOD_CLI,
      'init',
      '--data-dir',
      parameters.dataDir,
      '--json',
      ...initArguments(parameters.index, parameters.ports),
    ],
    { logPath: parameters.logPath, env: childEnvironment(), captureStdout: true },
  );
  const stdout = await expectSuccess(child, `synod init of node-${parameters.index}`);
  const parsed = JSON.parse(stdout) as InitResult;
  return {
    peerId: parsed.peerId,
    ethereumAddress: parsed.ethereumAddress,
    genesisParticipant: parsed.genesisParticipant,
  };
}

/** Starts `synod dkg` for one node; await `synodDkgResult` on it. All nodes must run it together. */
export function spawnSynodDkg(
  supervisor: ProcessSupervisor,
  parameters: { index: number; dataDir: string; genesisPath: string; passwordFile: string; logPath: string },
): ManagedProcess {
  return supervisor.spawn(
    `dkg node-${parameters.index}`,
    process.execPath,
    [
      SYNOD_CLI,
      'dkg',
      '--data-dir',
      parameters.dataDir,
      '--genesis',
      parameters.genesisPath,
      '--password-file',
      parameters.passwordFile,
      ...dkgArguments(),
    ],
    { logPath: parameters.logPath, env: childEnvironment(), captureStdout: true },
  );
}

/** Waits for `synod dkg` to succeed; its output is the data dir's committee.json and share keystore. */
export async function awaitSynodDkg(child: ManagedProcess, index: number): Promise<void> {
  await expectSuccess(child, `synod dkg of node-${index}`);
}

export function spawnSynodStart(
  supervisor: ProcessSupervisor,
  parameters: { index: number; dataDir: string; passwordFile: string; logPath: string },
): ManagedProcess {
  return supervisor.spawn(
    `node-${parameters.index}`,
    process.execPath,
    [
      ...validatorNodeFlags(),
      SYNOD_CLI,
      'start',
      '--data-dir',
      parameters.dataDir,
      '--password-file',
      parameters.passwordFile,
    ],
    { logPath: parameters.logPath, env: childEnvironment() },
  );
}

/**
 * A validator with a test-only behaviour (a byzantine strategy, a clock offset, or both): not
 * `synod start` (the product has no such modes), but the testnet's own entry, which loads the same
 * config and calls the node's startNode with the behaviour (byzantine-node.ts). Same name, data
 * dir, log and signals as an honest node.
 */
export function spawnTestNode(
  supervisor: ProcessSupervisor,
  parameters: {
    index: number;
    dataDir: string;
    passwordFile: string;
    logPath: string;
    strategy?: ByzantineStrategy | undefined;
    clockOffsetMs?: number | undefined;
  },
): ManagedProcess {
  return supervisor.spawn(
    `node-${parameters.index}`,
    process.execPath,
    [
      ...validatorNodeFlags(),
      BYZANTINE_NODE_SCRIPT,
      ...(parameters.strategy === undefined ? [] : ['--strategy', parameters.strategy]),
      ...(parameters.clockOffsetMs === undefined
        ? []
        : ['--clock-offset-ms', String(parameters.clockOffsetMs)]),
      '--data-dir',
      parameters.dataDir,
      '--password-file',
      parameters.passwordFile,
    ],
    { logPath: parameters.logPath, env: childEnvironment() },
  );
}

/** A byzantine validator (spawnTestNode with a strategy). */
export function spawnByzantineNode(
  supervisor: ProcessSupervisor,
  parameters: {
    index: number;
    dataDir: string;
    passwordFile: string;
    logPath: string;
    strategy: ByzantineStrategy;
  },
): ManagedProcess {
  return spawnTestNode(supervisor, parameters);
}
