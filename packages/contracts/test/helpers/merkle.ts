// Merkle helpers for the contract tests: @synod/protocol's trees; only the transaction leaf is
// built here from the on-chain struct's fields (payloadHash given, not the payload).
import { historyLeaf, historyProof, leafHash, merkleProof, merkleRoot, priceLeaf } from '@synod/protocol';
import { encodeAbiParameters, type Hex } from 'viem';

export { historyProof, merkleProof, merkleRoot };

export const priceLeafHash = (feedId: Hex, answer: bigint): Hex => priceLeaf({ feedId, answer });
export const historyLeafHash = (headerHash: Hex): Hex => historyLeaf(headerHash);

/** The fields of the Solidity TransactionLeaf struct. */
export interface TransactionLeafData {
  txId: Hex;
  sender: Hex;
  namespace: Hex;
  nonce: bigint;
  payloadHash: Hex;
}

export const transactionLeafHash = (leaf: TransactionLeafData): Hex =>
  leafHash(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'address' },
        { type: 'bytes32' },
        { type: 'uint64' },
        { type: 'bytes32' },
      ],
      [leaf.txId, leaf.sender, leaf.namespace, leaf.nonce, leaf.payloadHash],
    ),
  );
