import { PublicKey, SecretKey, Signature, verify } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import {
  BLS_KEYGEN_SEED_MIN_BYTES,
  BLS_POP_DST,
  BLS_PUBLIC_KEY_BYTES,
  BLS_SECRET_KEY_BYTES,
  BLS_SIGNATURE_BYTES,
} from './constants.ts';
import { BlsError, type BlsErrorCode } from './errors.ts';

/**
 * BLS signatures through @chainsafe/blst (native blst): min-pk, Ethereum's proof-of-possession
 * ciphersuite, whose signature DST (BLS_SIGNATURE_DST) is the one blst's binding hard-codes.
 * Every key and signature from outside is decoded through `decodePublicKey` / `decodeSignature`,
 * which reject the identity and points outside the prime-order subgroup.
 */

/** Maps blst's error codes (`BLST_*`) to ours; anything unexpected counts as an undecodable point. */
function blstErrorCode(error: unknown): BlsErrorCode {
  const code = (error as { code?: unknown }).code;
  if (code === 'BLST_PK_IS_INFINITY') return 'IDENTITY_POINT';
  if (code === 'BLST_POINT_NOT_IN_GROUP') return 'NOT_IN_SUBGROUP';
  return 'INVALID_POINT';
}

/** A validated blst public key: 48 bytes, on the curve, in G1, not the identity. Throws BlsError. */
export function decodePublicKey(bytes: Uint8Array): PublicKey {
  // blst would also take the 96-byte uncompressed form; the wire has exactly one encoding.
  if (bytes.length !== BLS_PUBLIC_KEY_BYTES) {
    throw new BlsError(
      'INVALID_LENGTH',
      `public key must be ${BLS_PUBLIC_KEY_BYTES} bytes, got ${bytes.length}`,
    );
  }
  let publicKey: PublicKey;
  try {
    publicKey = PublicKey.fromBytes(bytes);
  } catch (cause) {
    throw new BlsError(blstErrorCode(cause), 'public key does not decode to a curve point', { cause });
  }
  try {
    publicKey.keyValidate();
  } catch (cause) {
    throw new BlsError(blstErrorCode(cause), 'public key is the identity or outside G1', { cause });
  }
  return publicKey;
}

/** A validated blst signature: 96 bytes, on the curve, in G2, not the identity. Throws BlsError. */
export function decodeSignature(bytes: Uint8Array): Signature {
  if (bytes.length !== BLS_SIGNATURE_BYTES) {
    throw new BlsError(
      'INVALID_LENGTH',
      `signature must be ${BLS_SIGNATURE_BYTES} bytes, got ${bytes.length}`,
    );
  }
  let signature: Signature;
  try {
    signature = Signature.fromBytes(bytes);
  } catch (cause) {
    throw new BlsError(blstErrorCode(cause), 'signature does not decode to a curve point', { cause });
  }
  try {
    signature.sigValidate(true);
  } catch (cause) {
    throw new BlsError(blstErrorCode(cause), 'signature is the identity or outside G2', { cause });
  }
  return signature;
}

/** A blst secret key from 32 big-endian bytes in [1, r). Throws BlsError. */
export function decodeSecretKey(bytes: Uint8Array): SecretKey {
  if (bytes.length !== BLS_SECRET_KEY_BYTES) {
    throw new BlsError(
      'INVALID_LENGTH',
      `secret key must be ${BLS_SECRET_KEY_BYTES} bytes, got ${bytes.length}`,
    );
  }
  try {
    return SecretKey.fromBytes(bytes);
  } catch (cause) {
    throw new BlsError('INVALID_SECRET_KEY', 'secret key is zero or not below the curve order', { cause });
  }
}

/**
 * Throws BlsError unless `publicKey` is a valid compressed G1 public key: `INVALID_LENGTH`,
 * `INVALID_POINT`, `IDENTITY_POINT` or `NOT_IN_SUBGROUP`.
 */
export function validatePublicKey(publicKey: Uint8Array): void {
  decodePublicKey(publicKey);
}

/** Throws BlsError unless `signature` is a valid compressed G2 signature (same codes as keys). */
export function validateSignature(signature: Uint8Array): void {
  decodeSignature(signature);
}

/**
 * A secret key from at least 32 bytes of key material, by the IETF KeyGen (HKDF-based, what
 * blst's `SecretKey.fromKeygen` implements). The same seed always gives the same key.
 *
 * @example
 * const secretKey = blsSecretKeyFromSeed(seed32);
 * const signature = blsSign(secretKey, messageDigest);
 */
export function blsSecretKeyFromSeed(seed: Uint8Array): Uint8Array {
  if (seed.length < BLS_KEYGEN_SEED_MIN_BYTES) {
    throw new BlsError(
      'INVALID_LENGTH',
      `seed must be at least ${BLS_KEYGEN_SEED_MIN_BYTES} bytes, got ${seed.length}`,
    );
  }
  return SecretKey.fromKeygen(seed).toBytes();
}

/** The 48-byte compressed G1 public key of a secret key. */
export function blsPublicKey(secretKey: Uint8Array): Uint8Array {
  return decodeSecretKey(secretKey).toPublicKey().toBytes(true);
}

/** A 96-byte compressed G2 signature over `message` with the signature DST. */
export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return decodeSecretKey(secretKey).sign(message).toBytes(true);
}

/**
 * Whether `signature` is a valid signature of `message` under `publicKey`. Never throws for bad
 * input: a malformed, identity, off-curve or off-subgroup key or signature is simply `false`.
 */
export function blsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(message, decodePublicKey(publicKey), decodeSignature(signature));
  } catch (error) {
    if (error instanceof BlsError) return false;
    throw error;
  }
}

/** blst's binding has one fixed DST, so proofs of possession use @noble/curves (rare, off the hot path). */
const nobleMinPk = bls12_381.longSignatures;

/**
 * A proof of possession: the signature of the compressed public key under the PoP DST. It shows
 * the holder knows the secret key, which rules out rogue-key attacks on aggregated keys.
 */
export function blsProvePossession(secretKey: Uint8Array): Uint8Array {
  const publicKey = blsPublicKey(secretKey); // validates the secret key first
  const point = nobleMinPk.sign(nobleMinPk.hash(publicKey, BLS_POP_DST), secretKey);
  return nobleMinPk.Signature.toBytes(point);
}

/** Whether `proof` is a valid proof of possession for `publicKey`. Never throws for bad input. */
export function blsVerifyPossession(publicKey: Uint8Array, proof: Uint8Array): boolean {
  try {
    decodePublicKey(publicKey);
    decodeSignature(proof);
  } catch (error) {
    if (error instanceof BlsError) return false;
    throw error;
  }
  return nobleMinPk.verify(proof, nobleMinPk.hash(publicKey, BLS_POP_DST), publicKey);
}
