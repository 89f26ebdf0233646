import type { Transport } from '../transports/createTransport.ts';
import { type Client, type ClientConfig, createClient } from './createClient.ts';
import { type SynodActions, synodActions } from './decorators/synod.ts';

export type SynodClientConfig<T extends Transport<string, unknown> = Transport<string, unknown>> =
  ClientConfig<T>;
export type SynodClient<T extends Transport<string, unknown> = Transport<string, unknown>> = Client<T> &
  SynodActions;

/**
 * A client for a Synod node with every action bound: a plain object, extensible with `extend`
 * (e.g. `.extend(synodL1Actions({ publicClient, walletClient, addresses }))`).
 *
 * @example
 * ```ts
 * import { createSynodClient, http } from '@synod/sdk';
 *
 * const client = createSynodClient({
 *   transport: http('http://127.0.0.1:8645/'),
 *   network: { networkId: 1, chainId: 31337, inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
 * });
 * const { txId, transaction } = await client.sendTransaction({ account, namespace, payload });
 * const finality = await client.waitForFinality({ txId, transaction });
 * ```
 */
export function createSynodClient<T extends Transport<string, unknown>>(
  config: SynodClientConfig<T>,
): SynodClient<T> {
  return createClient(config).extend(synodActions);
}
