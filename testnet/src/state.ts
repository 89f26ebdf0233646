import { readFile } from 'node:fs/promises';
import type { SynodDeployment } from '@synod/contracts';
import type { Hex } from 'viem';
import type { CommitteeJson } from './node-api.ts';
import type { PerpsDeployment } from './perps.ts';
import type { InitResult } from './synod.ts';

/**
 * `.testnet/state.json`: what the runner decided when it created the testnet, so the next
 * `pnpm testnet` (without --reset) reuses the keys, the DKG and the deployment instead of redoing
 * them.
 */
export const STATE_VERSION = 1;

export interface TestnetState {
  version: typeof STATE_VERSION;
  nodes: number;
  basePort: number;
  networkId: number;
  chainId: number;
  /** From committee.json: equal on every node. */
  genesisHash: Hex;
  groupPublicKey: Hex;
  participants: InitResult[];
  /** Set once the contracts are deployed for this committee. */
  deployment?: SynodDeployment;
  /** The test token and the clearinghouse (perps.ts), deployed after the core contracts. */
  perps?: PerpsDeployment;
}

export async function readState(path: string): Promise<TestnetState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as TestnetState;
    return state.version === STATE_VERSION ? state : undefined;
  } catch {
    return undefined;
  }
}

export type ReuseDecision =
  /** Everything is in place: skip init and DKG. */
  | { kind: 'reuse'; state: TestnetState }
  /** Nothing usable (first run, or an interrupted set-up): create it, replacing what is there. */
  | { kind: 'create'; reason: string }
  /** A complete testnet of another shape: only --reset may replace it. */
  | { kind: 'conflict'; reason: string };

/**
 * Whether an existing `.testnet/` can be reused: state.json for the same node count and base port,
 * and on every node a committee.json of that DKG (same genesis hash and group key) plus a share
 * keystore. `committees[i]` is node i's parsed committee.json (undefined when missing or invalid).
 */
export function decideReuse(
  state: TestnetState | undefined,
  committees: readonly (CommitteeJson | undefined)[],
  keystores: readonly boolean[],
  wanted: { nodes: number; basePort: number },
): ReuseDecision {
  if (state === undefined) return { kind: 'create', reason: 'no testnet yet' };
  const complete =
    committees.length === state.nodes &&
    committees.every(
      (committee) =>
        committee !== undefined &&
        committee.genesisHash === state.genesisHash &&
        committee.groupPublicKey === state.groupPublicKey &&
        committee.members.length === state.nodes,
    ) &&
    keystores.length === state.nodes &&
    keystores.every(Boolean);
  if (!complete) return { kind: 'create', reason: 'the previous set-up did not finish (no complete DKG)' };
  if (state.nodes !== wanted.nodes || state.basePort !== wanted.basePort) {
    return {
      kind: 'conflict',
      reason: `.testnet/ holds a ${state.nodes}-node testnet on base port ${state.basePort}, not ${wanted.nodes} nodes on ${wanted.basePort}: add --reset to replace it (or use --nodes ${state.nodes} --base-port ${state.basePort})`,
    };
  }
  return { kind: 'reuse', state };
}
