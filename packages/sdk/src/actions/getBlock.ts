import type { Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import type { VerificationError } from '../errors/verification.ts';
import type { Block } from '../types/synod.ts';
import { assertBlockVerified } from '../utils/assertVerified.ts';
import { decodeBlock } from '../utils/decode.ts';

export type GetBlockParameters = {
  /** Also return the full transactions (default false: txIds only). */
  includeTransactions?: boolean | undefined;
  /**
   * Verify before returning (default false): the certificate under the committee key, the header
   * hash, the prices against priceRoot, and with includeTransactions every txId and the txRoot.
   */
  verify?: boolean | undefined;
  signal?: AbortSignal | undefined;
} & (
  | { /** Header hash of the block. */ blockHash: Hex; height?: undefined }
  | {
      /** Height (≥ 1), or 'latest' for the highest finalized block. */ height: number | 'latest';
      blockHash?: undefined;
    }
  | { blockHash?: undefined; height?: undefined }
);
export type GetBlockReturnType = Block | null;
export type GetBlockErrorType = RpcRequestError | TransportError | TimeoutError | VerificationError;

/**
 * A finalized block by hash or height (the latest when neither is given), or `null` if the node
 * has none.
 *
 * RPC methods: `synod_getBlock` (by hash), `synod_getBlockByHeight` (by height or 'latest').
 *
 * @example
 * ```ts
 * const latest = await getBlock(client);
 * const block = await getBlock(client, { height: 42, includeTransactions: true, verify: true });
 * ```
 */
export async function getBlock(
  client: Client,
  parameters: GetBlockParameters = {},
): Promise<GetBlockReturnType> {
  const includeTransactions = parameters.includeTransactions ?? false;
  const options = { signal: parameters.signal };
  const result =
    parameters.blockHash !== undefined
      ? await client.request(
          { method: 'synod_getBlock', params: [parameters.blockHash, includeTransactions] },
          options,
        )
      : await client.request(
          { method: 'synod_getBlockByHeight', params: [parameters.height ?? 'latest', includeTransactions] },
          options,
        );
  if (result === null) return null;
  const block = decodeBlock(result);
  if (parameters.verify === true) await assertBlockVerified(client, block);
  return block;
}
