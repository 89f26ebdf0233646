import { type Hex, keccak256, type TypedDataDefinition, toBytes } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import { writeAddressWord, writeBytes32Word, writeUintWord } from '../hashing/abiWords.ts';
import { parseNetworkDomain } from '../hashing/domain.ts';
import { keccak256Bytes, keccak256Into } from '../hashing/keccak.ts';
import type { NetworkDomain, Transaction } from '../types.ts';
import { type ParsedTransaction, parseTransaction } from './fields.ts';

/**
 * EIP-712 typed data of a transaction (docs/protocol.md "Transactions (EIP-712)") and its digest,
 * the txId. The digest is computed by hand from the type hash (≈ 10× faster than viem's generic
 * hashTypedData, which the tests check it against).
 */

/** EIP-712 domain name. */
export const EIP712_DOMAIN_NAME = 'Synod';
/** EIP-712 domain version. */
export const EIP712_DOMAIN_VERSION = '1';

/** The EIP-712 types (viem format) of a Synod transaction. */
export const TRANSACTION_TYPES = {
  Transaction: [
    { name: 'networkId', type: 'uint64' },
    { name: 'namespace', type: 'bytes32' },
    { name: 'sender', type: 'address' },
    { name: 'nonce', type: 'uint64' },
    { name: 'payload', type: 'bytes' },
    { name: 'validUntil', type: 'uint64' },
  ],
} as const;

/** The EIP-712 encoding of the Transaction type. */
export const TRANSACTION_TYPE_STRING =
  'Transaction(uint64 networkId,bytes32 namespace,address sender,uint64 nonce,bytes payload,uint64 validUntil)';
/** keccak256 of TRANSACTION_TYPE_STRING: the first word of every transaction's struct hash. */
export const TRANSACTION_TYPEHASH: Hex = keccak256(toBytes(TRANSACTION_TYPE_STRING));

const DOMAIN_TYPEHASH_BYTES = keccak256Bytes(
  toBytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'),
);
const DOMAIN_NAME_HASH_BYTES = keccak256Bytes(toBytes(EIP712_DOMAIN_NAME));
const DOMAIN_VERSION_HASH_BYTES = keccak256Bytes(toBytes(EIP712_DOMAIN_VERSION));
const TRANSACTION_TYPEHASH_BYTES = parseHex(TRANSACTION_TYPEHASH, 32)!;

/** The viem typed-data definition a wallet signs for `tx`. */
export type TransactionTypedData = TypedDataDefinition<typeof TRANSACTION_TYPES, 'Transaction'>;

/** The EIP-712 typed data for `tx`: domain {name "Synod", version "1", chainId, verifyingContract: inbox}. */
export function transactionTypedData(tx: Transaction, domain: NetworkDomain): TransactionTypedData {
  return {
    domain: {
      name: EIP712_DOMAIN_NAME,
      version: EIP712_DOMAIN_VERSION,
      chainId: domain.chainId,
      verifyingContract: domain.inbox,
    },
    types: TRANSACTION_TYPES,
    primaryType: 'Transaction',
    message: {
      networkId: BigInt(tx.networkId),
      namespace: tx.namespace,
      sender: tx.sender,
      nonce: tx.nonce,
      payload: tx.payload,
      validUntil: tx.validUntil,
    },
  };
}

/**
 * Domain separators by chain id and inbox. A node serves one deployment, tests and tools a few;
 * the cache is cleared when it reaches this size so it stays bounded whatever callers do.
 */
const MAX_CACHED_DOMAIN_SEPARATORS = 16;
const domainSeparators = new Map<string, Uint8Array>();

function domainSeparatorBytes(domain: NetworkDomain): Uint8Array {
  const key = `${domain.chainId}:${String(domain.inbox).toLowerCase()}`;
  const cached = domainSeparators.get(key);
  if (cached !== undefined) return cached;
  const { chainId, inbox } = parseNetworkDomain(domain);
  const preimage = new Uint8Array(5 * 32);
  writeBytes32Word(preimage, 0, DOMAIN_TYPEHASH_BYTES);
  writeBytes32Word(preimage, 32, DOMAIN_NAME_HASH_BYTES);
  writeBytes32Word(preimage, 64, DOMAIN_VERSION_HASH_BYTES);
  writeUintWord(preimage, 96, chainId);
  writeAddressWord(preimage, 128, inbox);
  const separator = keccak256Bytes(preimage);
  if (domainSeparators.size >= MAX_CACHED_DOMAIN_SEPARATORS) domainSeparators.clear();
  domainSeparators.set(key, separator);
  return separator;
}

/** The EIP-712 domain separator of a deployment (what a Solidity verifier would compute). */
export function transactionDomainSeparator(domain: NetworkDomain): Hex {
  return toLowerHex(domainSeparatorBytes(domain));
}

/** The EIP-712 digest of already-parsed fields: keccak256(0x1901 ‖ domainSeparator ‖ structHash). */
export function transactionIdBytes(tx: ParsedTransaction, domain: NetworkDomain): Uint8Array {
  // structHash = keccak256(typehash ‖ networkId ‖ namespace ‖ sender ‖ nonce ‖ keccak256(payload) ‖ validUntil)
  const struct = new Uint8Array(7 * 32);
  writeBytes32Word(struct, 0, TRANSACTION_TYPEHASH_BYTES);
  writeUintWord(struct, 32, tx.networkId);
  writeBytes32Word(struct, 64, tx.namespace);
  writeAddressWord(struct, 96, tx.sender);
  writeUintWord(struct, 128, tx.nonce);
  keccak256Into(tx.payload, struct, 160);
  writeUintWord(struct, 192, tx.validUntil);

  const digestPreimage = new Uint8Array(2 + 32 + 32);
  digestPreimage[0] = 0x19;
  digestPreimage[1] = 0x01;
  digestPreimage.set(domainSeparatorBytes(domain), 2);
  keccak256Into(struct, digestPreimage, 34);
  return keccak256Bytes(digestPreimage);
}

/**
 * txId: the EIP-712 digest of `tx` under `domain` (equal to viem's hashTypedData of
 * transactionTypedData). Throws TransactionError MALFORMED or PAYLOAD_TOO_LARGE.
 */
export function transactionId(tx: Transaction, domain: NetworkDomain): Hex {
  return toLowerHex(transactionIdBytes(parseTransaction(tx), domain));
}
