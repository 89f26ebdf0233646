import type { Address, Hex } from 'viem';
import { toLowerHex } from '../codec/hex.ts';
import { assert } from '../errors.ts';
import { keccak256Bytes } from '../hashing/keccak.ts';
import type { NetworkDomain, SignedTransaction } from '../types.ts';
import { TransactionError } from './errors.ts';
import { type ParsedTransaction, parseTransaction } from './fields.ts';
import { defaultSecp256k1Backend, type Secp256k1Backend } from './secp256k1.ts';
import { parseTransactionSignature } from './signature.ts';
import { transactionIdBytes } from './typedData.ts';

/** Sender recovery and the full admission check of a signed transaction. */

/** Options of recoverTransactionSender. */
export interface RecoverTransactionSenderOptions {
  /** Defaults to defaultSecp256k1Backend (native unless its addon failed to load). */
  backend?: Secp256k1Backend;
}

/** Options of verifyTransaction: the clock is passed in (this package reads none). */
export interface VerifyTransactionOptions extends RecoverTransactionSenderOptions {
  /** The verifier's clock, unix seconds: a transaction with validUntil < nowSeconds is EXPIRED. */
  nowSeconds: number | bigint;
}

/** The Ethereum address of an uncompressed public key: the last 20 bytes of keccak256(x ‖ y). */
function addressOfPublicKey(publicKey: Uint8Array): Uint8Array {
  assert(publicKey.length === 65 && publicKey[0] === 0x04, 'recovered key must be 65-byte uncompressed');
  return keccak256Bytes(publicKey.subarray(1)).subarray(12);
}

function recoverSigner(
  tx: ParsedTransaction,
  signature: unknown,
  domain: NetworkDomain,
  backend: Secp256k1Backend,
): { txId: Uint8Array; signer: Uint8Array } {
  const { compact, recovery } = parseTransactionSignature(signature);
  const txId = transactionIdBytes(tx, domain);
  const signer = addressOfPublicKey(backend.recoverPublicKey(compact, recovery, txId));
  return { txId, signer };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The address whose key signed `signed` under `domain` (lowercase). Does not compare it with
 * signed.sender. Throws TransactionError MALFORMED, PAYLOAD_TOO_LARGE, BAD_SIGNATURE or HIGH_S.
 */
export function recoverTransactionSender(
  signed: SignedTransaction,
  domain: NetworkDomain,
  options: RecoverTransactionSenderOptions = {},
): Address {
  const tx = parseTransaction(signed);
  const { signer } = recoverSigner(tx, signed.signature, domain, options.backend ?? defaultSecp256k1Backend);
  return toLowerHex(signer);
}

/**
 * Admits a signed transaction: well-formed, payload within MAX_TX_PAYLOAD_BYTES, of this network,
 * not expired, a canonical low-s signature whose signer is tx.sender. Cheap checks run first;
 * the signature is recovered last. Returns the txId; throws TransactionError with the reason.
 */
export function verifyTransaction(
  signed: SignedTransaction,
  domain: NetworkDomain,
  options: VerifyTransactionOptions,
): Hex {
  const tx = parseTransaction(signed);
  if (tx.networkId !== domain.networkId) {
    throw new TransactionError('WRONG_NETWORK', `networkId ${tx.networkId}, expected ${domain.networkId}`);
  }
  const now = BigInt(options.nowSeconds);
  assert(now >= 0n, `nowSeconds must be non-negative, got ${options.nowSeconds}`);
  if (tx.validUntil < now) {
    throw new TransactionError('EXPIRED', `validUntil ${tx.validUntil} is before now (${now})`);
  }
  const { txId, signer } = recoverSigner(
    tx,
    signed.signature,
    domain,
    options.backend ?? defaultSecp256k1Backend,
  );
  if (!equalBytes(signer, tx.sender)) {
    throw new TransactionError(
      'SIGNER_MISMATCH',
      `signed by ${toLowerHex(signer)}, not the sender ${signed.sender}`,
    );
  }
  return toLowerHex(txId);
}
