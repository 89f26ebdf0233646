import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import type { NodeStatus } from '../types/synod.ts';

export interface GetStatusParameters {
  signal?: AbortSignal | undefined;
}
export type GetStatusReturnType = NodeStatus;
export type GetStatusErrorType = RpcRequestError | TransportError | TimeoutError;

/**
 * The node's network, finalized and consensus heights, peers and mempool. Cheap: a health check.
 *
 * RPC method: `synod_status`.
 *
 * @example
 * ```ts
 * const { finalizedHeight, syncing } = await getStatus(client);
 * ```
 */
export async function getStatus(
  client: Client,
  parameters: GetStatusParameters = {},
): Promise<GetStatusReturnType> {
  return await client.request({ method: 'synod_status', params: [] }, { signal: parameters.signal });
}
