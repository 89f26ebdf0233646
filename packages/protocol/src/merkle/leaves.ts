import type { Hex } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import { writeAddressWord, writeBytes32Word, writeInt256Word, writeUintWord } from '../hashing/abiWords.ts';
import { keccak256Into } from '../hashing/keccak.ts';
import { parseTransaction } from '../tx/fields.ts';
import type { FeedPrice, Transaction } from '../types.ts';
import { MerkleError } from './errors.ts';
import { leafHashBytes } from './tree.ts';

/**
 * Leaf data of the three trees, ABI-encoded so a Solidity verifier rebuilds it with abi.encode
 * (docs/protocol.md "Merkle trees"). The `*Leaf` functions return leafHash(data), what
 * merkleRoot and proofs take.
 */

function bytes32(value: unknown, what: string): Uint8Array {
  const bytes = parseHex(value, 32);
  if (bytes === undefined) throw new MerkleError('MALFORMED_HASH', `${what} is not a bytes32 hex string`);
  return bytes;
}

/**
 * `abi.encode(bytes32 txId, address sender, bytes32 namespace, uint64 nonce, bytes32 keccak256(payload))`.
 * Throws TransactionError for malformed transaction fields, MerkleError for a malformed txId.
 */
export function transactionLeafData(tx: Transaction, txId: Hex): Uint8Array {
  const parsed = parseTransaction(tx);
  const data = new Uint8Array(5 * 32);
  writeBytes32Word(data, 0, bytes32(txId, 'txId'));
  writeAddressWord(data, 32, parsed.sender);
  writeBytes32Word(data, 64, parsed.namespace);
  writeUintWord(data, 96, parsed.nonce);
  keccak256Into(parsed.payload, data, 128);
  return data;
}

/** leafHash of transactionLeafData: leaf i of a block's tx tree, in block order. */
export function transactionLeaf(tx: Transaction, txId: Hex): Hex {
  return toLowerHex(leafHashBytes(transactionLeafData(tx, txId)));
}

const INT256_MIN = -(1n << 255n);
const INT256_MAX = (1n << 255n) - 1n;

/** `abi.encode(bytes32 feedId, int256 answer)`. Throws MerkleError for a malformed feedId or an answer outside int256. */
export function priceLeafData(price: FeedPrice): Uint8Array {
  const feedId = bytes32(price.feedId, 'feedId');
  if (typeof price.answer !== 'bigint' || price.answer < INT256_MIN || price.answer > INT256_MAX) {
    throw new MerkleError('VALUE_OUT_OF_RANGE', `price answer ${price.answer} is not an int256`);
  }
  const data = new Uint8Array(2 * 32);
  writeBytes32Word(data, 0, feedId);
  writeInt256Word(data, 32, price.answer);
  return data;
}

/** leafHash of priceLeafData: a leaf of a block's price tree (leaves sorted by feedId ascending). */
export function priceLeaf(price: FeedPrice): Hex {
  return toLowerHex(leafHashBytes(priceLeafData(price)));
}

/** leafHash(abi.encode(bytes32 headerHash)) as bytes. */
export function historyLeafBytes(headerHash: Hex): Uint8Array {
  return leafHashBytes(bytes32(headerHash, 'headerHash'));
}

/** leafHash(abi.encode(bytes32 headerHash)): leaf i of the history tree is the header of height i+1. */
export function historyLeaf(headerHash: Hex): Hex {
  return toLowerHex(historyLeafBytes(headerHash));
}
