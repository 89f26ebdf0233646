import type { Address } from 'viem';
import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import { VerificationError } from '../errors/verification.ts';

export interface GetNextNonceParameters {
  /** The sender. */
  address: Address;
  signal?: AbortSignal | undefined;
}
/** The next nonce the node would accept from `address`. */
export type GetNextNonceReturnType = bigint;
export type GetNextNonceErrorType = RpcRequestError | TransportError | TimeoutError | VerificationError;

/**
 * The next nonce the node would accept from an address: past its finalized transactions and past
 * those pending in that node's mempool (without a gap). The client's default nonceManager reads
 * it once per address and counts from there. Another node may hold other pending transactions of
 * the same sender that this one has not seen yet.
 *
 * RPC method: `synod_getNextNonce`.
 *
 * @example
 * ```ts
 * const nonce = await getNextNonce(client, { address: account.address });
 * await sendTransaction(client, { account, namespace, payload, nonce });
 * ```
 */
export async function getNextNonce(
  client: Client,
  parameters: GetNextNonceParameters,
): Promise<GetNextNonceReturnType> {
  const answer = await client.request(
    { method: 'synod_getNextNonce', params: [parameters.address.toLowerCase() as Address] },
    { signal: parameters.signal },
  );
  if (typeof answer !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(answer)) {
    throw new VerificationError('MALFORMED_RESPONSE', 'synod_getNextNonce did not answer a decimal nonce');
  }
  return BigInt(answer);
}
