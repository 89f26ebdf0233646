import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import type { VerificationError } from '../errors/verification.ts';
import type { RequestOptions } from '../transports/createTransport.ts';
import type { Committee } from '../types/synod.ts';
import { decodeCommittee } from '../utils/decode.ts';

export interface GetCommitteeParameters {
  /** Committee epoch; the node's current one when omitted. */
  epoch?: number | undefined;
  signal?: AbortSignal | undefined;
}
export type GetCommitteeReturnType = Committee | null;
export type GetCommitteeErrorType = RpcRequestError | TransportError | TimeoutError | VerificationError;

/**
 * The committee of an epoch as the node reports it: group public key, threshold and the share
 * public keys. `null` if the node knows no such epoch.
 *
 * RPC method: `synod_getCommittee`.
 *
 * @example
 * ```ts
 * const committee = await getCommittee(client, { epoch: 0 });
 * console.log(committee?.groupPublicKey, committee?.threshold);
 * ```
 */
export async function getCommittee(
  client: Client,
  parameters: GetCommitteeParameters = {},
): Promise<GetCommitteeReturnType> {
  const options: RequestOptions = { signal: parameters.signal };
  const result = await client.request(
    { method: 'synod_getCommittee', params: parameters.epoch === undefined ? [] : [parameters.epoch] },
    options,
  );
  return result === null ? null : decodeCommittee(result);
}
