import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SynodDeployment } from '@synod/contracts';
import type { Hex } from 'viem';
import type { TestnetOptions } from './args.ts';
import { buildGenesis, nodeConfig, p2pListenAddress, TESTNET_NETWORK_ID } from './config.ts';
import { SetupError } from './errors.ts';
import {
  deployContracts,
  fundAccounts,
  groupKeyForContracts,
  isDeployed,
  type L1,
  registryGroupKey,
  startL1,
} from './l1.ts';
import type { TestnetLayout } from './layout.ts';
import { type CommitteeJson, ConfigError, loadConfig, parseCommittee } from './node-api.ts';
import { deployPerps, isPerpsDeployed, type PerpsDeployment } from './perps.ts';
import { busyPorts, type PortPlan, planPorts, proxyPort } from './ports.ts';
import { type ProcessSupervisor, stopProcess } from './processes.ts';
import type { Progress } from './progress.ts';
import { decideReuse, readState, type TestnetState } from './state.ts';
import { awaitSynodDkg, type InitResult, spawnSynodDkg, synodInit } from './synod.ts';

/** Everything the run phase needs from the set-up. */
export interface TestnetSetup {
  layout: TestnetLayout;
  plan: PortPlan;
  l1: L1;
  state: TestnetState & { deployment: SynodDeployment; perps: PerpsDeployment };
  /** Node 0's committee.json (identical on every node). */
  committee: CommitteeJson;
  /** The simulator's base URL the nodes' feeds point at (started by the run phase). */
  simulatorUrl: string;
  /** True when the set-up reused an existing testnet (no init, no DKG). */
  reused: boolean;
}

export interface SetupContext {
  supervisor: ProcessSupervisor;
  layout: TestnetLayout;
  progress: Progress;
  signal?: AbortSignal | undefined;
}

async function exists(path: string): Promise<boolean> {
  return await access(path).then(
    () => true,
    () => false,
  );
}

async function readCommittee(path: string): Promise<CommitteeJson | undefined> {
  try {
    return parseCommittee(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

async function writeJson(path: string, value: unknown, mode = 0o644): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, { mode });
}

/**
 * The set-up phase of `pnpm testnet`, up to running nodes: anvil, keys (`synod init`), genesis,
 * funding, DKG (`synod dkg` on every node at once), contract deployment with the DKG's group key,
 * and every node's config.json. Reuses what a previous run left in `.testnet/` when it is complete.
 */
export async function setupTestnet(options: TestnetOptions, context: SetupContext): Promise<TestnetSetup> {
  const { supervisor, layout, progress, signal } = context;
  const plan = planPorts(options.basePort, options.nodes);
  const busy = await busyPorts(plan);
  if (busy.length > 0) {
    throw new SetupError(
      `port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} already in use: is another testnet running? Stop it, or pick other ports with --base-port`,
    );
  }
  if (options.reset) {
    await rm(layout.root, { recursive: true, force: true });
    progress.done(`cleared ${layout.root}`);
  }
  await mkdir(layout.logs, { recursive: true });

  progress.start('starting anvil');
  const l1 = await startL1(supervisor, {
    port: plan.anvil,
    statePath: layout.anvilState,
    logPath: layout.anvilLog,
    signal,
  });
  progress.done(`anvil on ${l1.rpcUrl} (chain id ${l1.chainId})`);

  const previous = await readState(layout.state);
  const nodeCount = previous?.nodes ?? 0;
  const committees = await Promise.all(
    Array.from({ length: nodeCount }, (_, i) => readCommittee(join(layout.nodeDir(i), 'committee.json'))),
  );
  const keystores = await Promise.all(
    Array.from({ length: nodeCount }, (_, i) =>
      exists(join(layout.nodeDir(i), 'keys', 'bls-share.keystore.json')),
    ),
  );
  const decision = decideReuse(previous, committees, keystores, options);
  if (decision.kind === 'conflict') throw new SetupError(decision.reason);

  let state: TestnetState;
  if (decision.kind === 'reuse') {
    state = decision.state;
    progress.done(
      `reusing the ${state.nodes}-node testnet in ${layout.root} (keys and DKG; --reset for new ones)`,
    );
    await fundAccounts(
      l1,
      state.participants.map((participant) => participant.ethereumAddress),
    );
  } else {
    state = await createCommittee(options, plan, l1, context);
  }

  const committee = await readCommitteeOf(layout, 0);
  let deployment = state.deployment;
  if (deployment !== undefined && !(await isDeployed(l1, deployment))) {
    progress.note('the contracts are gone from anvil (its state was lost): deploying again');
    deployment = undefined;
  } else if (deployment !== undefined && deployment.equivocationRegistry === undefined) {
    progress.note('the deployment predates the EquivocationRegistry: deploying again');
    deployment = undefined;
  }
  if (deployment === undefined) {
    progress.start('deploying the contracts');
    deployment = await deployContracts(l1, {
      networkId: state.networkId,
      epoch: 0,
      groupPublicKey: state.groupPublicKey,
      committeeSize: state.nodes,
      threshold: committee.threshold,
      commitments: committee.commitments,
    });
    if (state.deployment !== undefined && state.deployment.inbox !== deployment.inbox) {
      // Blocks bind the inbox address: chain data made for another inbox cannot continue.
      for (let i = 0; i < state.nodes; i++)
        await rm(join(layout.nodeDir(i), 'chain'), { recursive: true, force: true });
      progress.note("the inbox address changed: cleared the nodes' chain data");
    }
    progress.done(`contracts deployed: inbox ${deployment.inbox}`);
  }
  const onChainKey = await registryGroupKey(l1, deployment.registry, 0);
  if (onChainKey.toLowerCase() !== groupKeyForContracts(state.groupPublicKey).toLowerCase()) {
    throw new SetupError(
      `the CommitteeRegistry at ${deployment.registry} holds another group key than the DKG's: run with --reset`,
    );
  }
  let perps = deployment === state.deployment ? state.perps : undefined;
  if (perps !== undefined && !(await isPerpsDeployed(l1, perps, deployment.inbox))) {
    progress.note('the clearinghouse is gone from anvil (its state was lost): deploying it again');
    perps = undefined;
  }
  if (perps === undefined) {
    progress.start('deploying the test token and the clearinghouse');
    perps = await deployPerps(l1, deployment.inbox);
    progress.done(`clearinghouse ${perps.clearinghouse} (token ${perps.token})`);
  }
  const complete = { ...state, deployment, perps };
  await writeJson(layout.state, complete);

  const simulatorUrl = `http://127.0.0.1:${plan.simulator}`;
  const withSources = await writeNodeConfigs(
    complete,
    plan,
    l1,
    layout,
    simulatorUrl,
    options.linkProxies === true,
  );
  progress.done(`wrote ${state.nodes} node configs`);
  if (!withSources) {
    progress.note('this node build takes no price sources in oracle.feeds yet: blocks will carry no prices');
  }
  return {
    layout,
    plan,
    l1,
    state: complete,
    committee,
    simulatorUrl,
    reused: decision.kind === 'reuse',
  };
}

async function readCommitteeOf(layout: TestnetLayout, index: number): Promise<CommitteeJson> {
  const committee = await readCommittee(join(layout.nodeDir(index), 'committee.json'));
  if (committee === undefined) throw new SetupError(`node-${index} has no valid committee.json`);
  return committee;
}

/** init on every node, genesis, funding, DKG: a new committee. */
async function createCommittee(
  options: TestnetOptions,
  plan: PortPlan,
  l1: L1,
  context: SetupContext,
): Promise<TestnetState> {
  const { supervisor, layout, progress } = context;
  await rm(join(layout.root, 'nodes'), { recursive: true, force: true });
  await rm(layout.state, { force: true });
  await rm(layout.genesis, { force: true });
  await mkdir(join(layout.root, 'nodes'), { recursive: true, mode: 0o700 });
  // One random password for every keystore of this local testnet, in a 0600 file.
  await writeFile(layout.passwordFile, `${randomBytes(24).toString('base64')}\n`, { mode: 0o600 });

  progress.start(`synod init × ${options.nodes}`);
  const participants: InitResult[] = await Promise.all(
    plan.nodes.map((ports, index) =>
      synodInit(supervisor, { index, dataDir: layout.nodeDir(index), ports, logPath: layout.initLog(index) }),
    ),
  );
  progress.done(`initialised ${options.nodes} nodes (keys in ${join(layout.root, 'nodes')})`);

  progress.start("funding the nodes' L1 accounts");
  await fundAccounts(
    l1,
    participants.map((participant) => participant.ethereumAddress),
  );
  progress.done(`funded ${options.nodes} node accounts on L1`);

  const genesis = buildGenesis({
    networkId: TESTNET_NETWORK_ID,
    chainId: l1.chainId,
    dkgNonce: randomBytes(32),
    participants: participants.map((participant) => participant.genesisParticipant),
  });
  await writeJson(layout.genesis, genesis);
  // Each node also keeps its own copy at the default network.genesisFile, as an operator would.
  await Promise.all(plan.nodes.map((_, i) => writeJson(join(layout.nodeDir(i), 'genesis.json'), genesis)));

  progress.start(`running the DKG among ${options.nodes} nodes`);
  const dkgs = plan.nodes.map((_, index) =>
    spawnSynodDkg(supervisor, {
      index,
      dataDir: layout.nodeDir(index),
      genesisPath: layout.genesis,
      passwordFile: layout.passwordFile,
      logPath: layout.dkgLog(index),
    }),
  );
  const results = await Promise.allSettled(dkgs.map((child, index) => awaitSynodDkg(child, index)));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    // One failed participant stalls the others until their timeouts: stop them now.
    await Promise.all(dkgs.map((child) => stopProcess(child)));
    throw failed.reason;
  }
  const committees = await Promise.all(plan.nodes.map((_, i) => readCommitteeOf(layout, i)));
  const first = committees[0]!;
  for (const [i, committee] of committees.entries()) {
    if (committee.groupPublicKey !== first.groupPublicKey || committee.genesisHash !== first.genesisHash) {
      throw new SetupError(`node-${i}'s committee.json differs from node-0's: the DKG did not agree`);
    }
  }
  progress.done(`DKG done: group public key ${shortHex(first.groupPublicKey)}`);
  return {
    version: 1,
    nodes: options.nodes,
    basePort: options.basePort,
    networkId: genesis.networkId,
    chainId: genesis.chainId,
    genesisHash: first.genesisHash,
    groupPublicKey: first.groupPublicKey,
    participants,
  };
}

/** Every node's full p2p address in the genesis (with /p2p/<peerId>), in node order. */
export function peerAddresses(state: TestnetState, plan: PortPlan): string[] {
  return state.participants.map(
    (participant, i) => `${p2pListenAddress(plan.nodes[i]!)}/p2p/${participant.peerId}`,
  );
}

/**
 * The addresses node `from` dials the others at, in node order (its own left out by nodeConfig):
 * through the link proxy of (from → j) with link proxies, the genesis addresses without.
 */
export function dialAddresses(
  state: TestnetState,
  plan: PortPlan,
  from: number,
  linkProxies: boolean,
): string[] {
  if (!linkProxies) return peerAddresses(state, plan);
  return state.participants.map((participant, to) =>
    to === from ? '' : `/ip4/127.0.0.1/tcp/${proxyPort(plan, from, to)}/p2p/${participant.peerId}`,
  );
}

/**
 * Whether the node's config accepts price sources inside `oracle.feeds` yet (the oracle adapters
 * land in the node separately): checked with the node's own loadConfig, so the runner never writes
 * a config that `synod start` would refuse with exit code 78.
 */
export function nodeAcceptsFeedSources(config: Record<string, unknown>, path: string): boolean {
  try {
    loadConfig({ file: { path, text: JSON.stringify(config) }, env: {}, argv: [] });
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

async function writeNodeConfigs(
  state: TestnetState & { deployment: SynodDeployment },
  plan: PortPlan,
  l1: L1,
  layout: TestnetLayout,
  simulatorUrl: string,
  linkProxies: boolean,
): Promise<boolean> {
  let withSources = true;
  for (let index = 0; index < state.nodes; index++) {
    const parameters = {
      index,
      plan,
      networkId: state.networkId,
      chainId: state.chainId,
      inbox: state.deployment.inbox,
      priceFeeds: state.deployment.priceFeeds,
      equivocationRegistry: state.deployment.equivocationRegistry ?? null,
      l1RpcUrl: l1.rpcUrl,
      peerAddresses: dialAddresses(state, plan, index, linkProxies),
      // Behind the proxies, each node reaches the simulator through its own (price-source faults).
      simulatorUrl: linkProxies ? `http://127.0.0.1:${plan.nodes[index]!.sourcesProxy}` : simulatorUrl,
      linkProxies,
    };
    const path = join(layout.nodeDir(index), 'config.json');
    let config = nodeConfig({ ...parameters, feedSources: true });
    if (!nodeAcceptsFeedSources(config, path)) {
      withSources = false;
      config = nodeConfig({ ...parameters, feedSources: false });
    }
    // Must load: a config the node refuses is a bug of the runner, found here rather than at start.
    loadConfig({ file: { path, text: JSON.stringify(config) }, env: {}, argv: [] });
    await writeJson(path, config);
  }
  return withSources;
}

export function shortHex(hex: Hex | string): string {
  return hex.length > 18 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex;
}
