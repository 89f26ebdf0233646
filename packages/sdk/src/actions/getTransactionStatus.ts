import type { Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import type { VerificationError } from '../errors/verification.ts';
import type { TransactionStatus } from '../types/synod.ts';
import { decodeTransactionStatus } from '../utils/decode.ts';

export interface GetTransactionStatusParameters {
  txId: Hex;
  signal?: AbortSignal | undefined;
}
export type GetTransactionStatusReturnType = TransactionStatus;
export type GetTransactionStatusErrorType =
  | RpcRequestError
  | TransportError
  | TimeoutError
  | VerificationError;

/**
 * A transaction's status as the node reports it: `unknown`, `pending` (with when the node first
 * saw it) or `finalized` with height, index, header, certificate and Merkle proof. Not verified:
 * use waitForFinality for an answer checked against the committee key.
 *
 * RPC method: `synod_getTransactionStatus`.
 *
 * @example
 * ```ts
 * const status = await getTransactionStatus(client, { txId });
 * if (status.status === 'finalized') console.log(status.height, status.index);
 * ```
 */
export async function getTransactionStatus(
  client: Client,
  parameters: GetTransactionStatusParameters,
): Promise<GetTransactionStatusReturnType> {
  const result = await client.request(
    { method: 'synod_getTransactionStatus', params: [parameters.txId] },
    { signal: parameters.signal },
  );
  return decodeTransactionStatus(result);
}
