import type { Hex } from 'viem';
import {
  type NetworkDomain,
  type Transaction,
  transactionId,
  transactionLeaf,
  verifyMerkleProof,
} from '../internal/protocol.ts';
import type { BlockHeader } from '../types/synod.ts';

export interface VerifyTransactionInclusionParameters {
  header: BlockHeader;
  /** The transaction's body (its fields; the signature is not part of the leaf). */
  transaction: Transaction;
  txId: Hex;
  /** Leaf index in the block's transaction tree. */
  index: number;
  /** Sibling hashes from the leaf up to header.txRoot. */
  proof: readonly Hex[];
  network: NetworkDomain;
}
export type VerifyTransactionInclusionReturnType = boolean;
export type VerifyTransactionInclusionErrorType = never;

/**
 * Whether `transaction` is leaf `index` of `header.txRoot`: its txId is recomputed from the body
 * under `network` and must equal `txId`, and the Merkle proof must lead from its leaf to the
 * root (with the header's txCount fixing the tree's depth, as the SettlementInbox checks).
 * Pure and offline; never throws. Combine with verifyCertificate to trust the header.
 *
 * RPC method: none.
 *
 * @example
 * ```ts
 * const status = await getTransactionStatus(client, { txId });
 * if (status.status === 'finalized') {
 *   const included = verifyTransactionInclusion({
 *     header: status.header, transaction, txId, index: status.index, proof: status.proof,
 *     network: client.network,
 *   });
 * }
 * ```
 */
export function verifyTransactionInclusion(
  parameters: VerifyTransactionInclusionParameters,
): VerifyTransactionInclusionReturnType {
  try {
    if (transactionId(parameters.transaction, parameters.network) !== parameters.txId.toLowerCase())
      return false;
    return verifyMerkleProof({
      root: parameters.header.txRoot,
      count: parameters.header.txCount,
      index: parameters.index,
      leaf: transactionLeaf(parameters.transaction, parameters.txId.toLowerCase() as Hex),
      proof: parameters.proof,
    });
  } catch {
    return false;
  }
}
