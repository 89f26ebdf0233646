import type { Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import { VerificationError } from '../errors/verification.ts';
import { transactionId, verifyNamespaceBatch, verifyNamespaceExclusion } from '../internal/protocol.ts';
import type { NamespaceBatch } from '../types/synod.ts';
import { assertCertified } from '../utils/assertVerified.ts';
import { decodeNamespaceBatch } from '../utils/decode.ts';

export type GetNamespaceBatchParameters = {
  /** bytes32 namespace (application id). */
  namespace: Hex;
  /**
   * Verify before returning (default true): the certificate under the committee key and the
   * header hash, every txId recomputed from its body, and the transactions (complete, in order)
   * against the namespace leaf and its proof — or the absence against its neighbours.
   */
  verify?: boolean | undefined;
  signal?: AbortSignal | undefined;
} & (
  | { /** This height (≥ 1). */ height: number; afterHeight?: undefined }
  | {
      /**
       * The namespace's first batch above this height (0: from the start): what a contract
       * whose lastSettledHeight is `afterHeight` settles next. Never 'empty'.
       */
      afterHeight: number;
      height?: undefined;
    }
);
export type GetNamespaceBatchReturnType = NamespaceBatch;
export type GetNamespaceBatchErrorType = RpcRequestError | TransportError | TimeoutError | VerificationError;

/**
 * A namespace's transactions of one finalized height, complete and in Synod's order, with the
 * namespace leaf (sequenceStart, count, batchHash) and proof an L1 batch settlement checks; or
 * the proof that the namespace has none at that height; or `status: 'not-final'`. Verified by
 * default, so a lying node cannot drop, reorder or add a transaction unnoticed.
 *
 * RPC methods: `synod_getNamespaceBatch` (height), `synod_getNextNamespaceBatch` (afterHeight).
 *
 * @example
 * ```ts
 * const batch = await getNamespaceBatch(client, { namespace, afterHeight: 0 });
 * if (batch.status === 'batch') console.log(batch.height, batch.inclusion.entry.sequenceStart, batch.transactions.length);
 * ```
 */
export async function getNamespaceBatch(
  client: Client,
  parameters: GetNamespaceBatchParameters,
): Promise<GetNamespaceBatchReturnType> {
  const options = { signal: parameters.signal };
  const result =
    parameters.afterHeight !== undefined
      ? await client.request(
          { method: 'synod_getNextNamespaceBatch', params: [parameters.namespace, parameters.afterHeight] },
          options,
        )
      : await client.request(
          { method: 'synod_getNamespaceBatch', params: [parameters.namespace, parameters.height] },
          options,
        );
  const batch = decodeNamespaceBatch(result);
  if (batch.namespace !== parameters.namespace.toLowerCase()) {
    throw new VerificationError(
      'MALFORMED_RESPONSE',
      `asked for namespace ${parameters.namespace}, got ${batch.namespace}`,
    );
  }
  if (parameters.verify !== false) await assertNamespaceBatchVerified(client, batch);
  return batch;
}

/**
 * Throws VerificationError unless `batch` is what its certified header commits to (see
 * getNamespaceBatch's `verify`): for a batch fetched with `verify: false` or received from
 * elsewhere (another relayer, a cache).
 *
 * @example
 * ```ts
 * const batch = await getNamespaceBatch(client, { namespace, height, verify: false });
 * await assertNamespaceBatchVerified(client, batch);
 * ```
 */
export async function assertNamespaceBatchVerified(client: Client, batch: NamespaceBatch): Promise<void> {
  if (batch.status === 'not-final') return;
  await assertCertified(client, {
    header: batch.header,
    certificate: batch.certificate,
    hash: batch.blockHash,
  });
  const { header, namespace } = batch;
  if (batch.status === 'empty') {
    if (!verifyNamespaceExclusion(header, namespace, batch.exclusion)) {
      throw new VerificationError(
        'INVALID_PROOF',
        `the neighbouring leaves do not prove that namespace ${namespace} is absent at height ${header.height}`,
      );
    }
    return;
  }
  const transactions = batch.transactions.map((transaction, i) => {
    const txId = transactionId(transaction, client.network);
    if (txId !== transaction.txId) {
      throw new VerificationError(
        'TRANSACTION_MISMATCH',
        `transaction ${i} of namespace ${namespace} at height ${header.height} hashes to ${txId}, not ${transaction.txId}`,
      );
    }
    return { tx: transaction, txId };
  });
  if (!verifyNamespaceBatch(header, namespace, transactions, batch.inclusion)) {
    throw new VerificationError(
      'INVALID_PROOF',
      `the ${transactions.length} transactions of namespace ${namespace} at height ${header.height} are not its certified batch (leaf count ${batch.inclusion.entry.count})`,
    );
  }
}
