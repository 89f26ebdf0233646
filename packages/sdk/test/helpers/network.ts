import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { parseCommittee } from '../../../node/src/dkg/committee.ts';
import { dataDirLayout } from '../../../node/src/keys/layout.ts';
import {
  CHAIN_ID,
  INBOX,
  initNetwork,
  killAll,
  NETWORK_ID,
  type NodePorts,
  type RunningProcess,
  rpc,
  startSynod,
  waitFor,
} from '../../../node/test/integration/helpers.ts';
import type { NetworkDomain } from '../../src/index.ts';

/**
 * A real Synod network for the SDK's end-to-end tests, started with the node's own integration
 * helpers (packages/node/test/integration/helpers.ts, imported, not copied): `synod init` and
 * `synod dkg` as OS processes (a genesis from the real DKG, no trusted dealer), then `synod start`
 * on each, talking libp2p over 127.0.0.1 TCP. No L1 and no price oracle: the SDK tests need
 * neither, and skipping anvil, the contract deployment and the price simulator that `pnpm testnet`
 * adds keeps start-up to the DKG and the first block.
 */

export interface RealNode {
  index: number;
  url: string;
  webSocketUrl: string;
  process: RunningProcess;
}

export interface RealNetwork {
  nodes: RealNode[];
  network: NetworkDomain;
  /** The DKG's group key, read from committee.json on disk: what an app pins. */
  groupPublicKey: Hex;
  threshold: number;
  /** Stdout and stderr of every node, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Start-up shares two CPUs with the other test files in CI: generous. */
const FIRST_BLOCK_TIMEOUT_MS = 90_000;

/** SIGKILLs every `synod` process the integration helpers started in this worker. */
export function stopAllNodes(): void {
  killAll();
}

export async function startRealNetwork(n = 4): Promise<RealNetwork> {
  const dir = await mkdtemp(join(tmpdir(), 'synod-sdk-net-'));
  // If the test worker exits without running afterAll, still take the nodes down with it.
  process.once('exit', killAll);
  const nodes: RealNode[] = [];
  const stop = async () => {
    killAll();
    await Promise.all(nodes.map((node) => node.process.exited));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let ports: NodePorts[];
    let dataDirs: string[];
    let passwordPath: string;
    ({ dataDirs, ports, passwordPath } = await initNetwork(dir, n));
    const committee = parseCommittee(await readFile(dataDirLayout(dataDirs[0]!).committee, 'utf8'));
    for (const [index, dataDir] of dataDirs.entries()) {
      const rpcPort = ports[index]!.rpc;
      nodes.push({
        index,
        url: `http://127.0.0.1:${rpcPort}/`,
        webSocketUrl: `ws://127.0.0.1:${rpcPort}/ws`,
        process: startSynod(dataDir, passwordPath),
      });
    }
    const logs = () =>
      nodes
        .map((node) => {
          const { stdout, stderr } = node.process.output();
          return `--- node ${node.index} ---\n${stdout.slice(-4_000)}\n${stderr.slice(-4_000)}`;
        })
        .join('\n');
    await waitFor(
      async () => {
        const heights = await Promise.all(
          ports.map(async (port) => (await rpc(port.rpc, 'synod_status')).finalizedHeight as number),
        );
        return heights.every((height) => height >= 1);
      },
      'every node to finalize height 1',
      FIRST_BLOCK_TIMEOUT_MS,
      100,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });
    return {
      nodes,
      network: { networkId: NETWORK_ID, chainId: CHAIN_ID, inbox: INBOX as Hex },
      groupPublicKey: committee.groupPublicKey as Hex,
      threshold: committee.threshold,
      logs,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
