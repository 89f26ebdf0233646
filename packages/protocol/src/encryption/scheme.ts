import { chacha20 } from '@noble/ciphers/chacha.js';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { type Address, type Hex, hexToBytes } from 'viem';
import { BLS_CURVE_ORDER, BLS_SIGNATURE_DST } from '../bls/constants.ts';
import { Writer } from '../codec/primitives.ts';
import { keccak256Bytes } from '../hashing/keccak.ts';
import {
  CIPHERTEXT_OVERHEAD_BYTES,
  CIPHERTEXT_POINT_BYTES,
  ENCRYPTION_ID_TAG,
  ENCRYPTION_MASK_TAG,
  ENCRYPTION_RANDOMNESS_TAG,
  ENCRYPTION_SEED_BYTES,
  ENCRYPTION_STREAM_TAG,
} from './constants.ts';
import { EncryptionError } from './errors.ts';

/**
 * Threshold identity-based encryption of transactions (docs/protocol.md "Encrypted
 * transactions"; the construction and its security argument: docs/decisions.md "Encrypted
 * transactions"). Boneh–Franklin's FullIdent on BLS12-381 — the Fujisaki–Okamoto transform of
 * BasicIdent, CCA-secure in the random-oracle model under bilinear Diffie–Hellman — with the
 * master secret shared among the committee, as Shutter does:
 *
 * - committee encryption key P = s·G1 (its own DKG, threshold f+1; never the signing key);
 * - identity id = keccak256(ENCRYPTION_ID_TAG ‖ u64 networkId ‖ namespace ‖ sender ‖ U), bound
 *   to this one ciphertext (U is its own randomness) and to the envelope's signer, so a released
 *   key opens nothing else, and a copied ciphertext in another sender's envelope opens to nothing;
 * - decryption key K = s·H(id), H hash-to-G2 with the BLS signature ciphersuite: exactly the
 *   group's BLS signature over id, so validators release shares s_i·H(id) (partial signatures)
 *   and any f+1 combine into K, checked against P like a certificate;
 * - encrypt(m): σ random, r = H_r(σ, m), U = r·G1, V = σ ⊕ H_mask(e(r·P, H(id))),
 *   W = ChaCha20(H_stream(σ), m); ciphertext U ‖ V ‖ W;
 * - decrypt: σ = V ⊕ H_mask(e(U, K)), m = ChaCha20(H_stream(σ), W), accepted iff
 *   H_r(σ, m)·G1 = U (the FO check: a ciphertext not made by an honest encryption of m is rejected).
 *
 * This file is pure (@noble/curves, runs in browsers): the SDK encrypts with it and it is the
 * reference decryption. Nodes decrypt with the same arithmetic in mcl (`decryptFast`, ~6× faster),
 * and a differential test keeps the two equal.
 */

const { G1, G2 } = bls12_381;
const Fp12 = bls12_381.fields.Fp12;

/** Where a ciphertext is bound: the network, and the envelope's namespace and signer. */
export interface EncryptionContext {
  networkId: number;
  /** The app namespace the envelope declares (bytes32). */
  namespace: Hex;
  /** The envelope's sender. */
  sender: Address;
}

/** A decryption's outcome: the message, or why this ciphertext opens to nothing (a verdict, not an error). */
export type DecryptionResult =
  | { ok: true; message: Uint8Array }
  | { ok: false; reason: 'MALFORMED_CIPHERTEXT' | 'DECRYPTION_FAILED' };

function checkContext(context: EncryptionContext): { namespace: Uint8Array; sender: Uint8Array } {
  const namespace = hexToBytes(context.namespace);
  const sender = hexToBytes(context.sender);
  if (namespace.length !== 32 || sender.length !== 20 || !Number.isSafeInteger(context.networkId)) {
    throw new EncryptionError('INVALID_PARAMETER', 'networkId, a 32-byte namespace and a 20-byte sender');
  }
  return { namespace, sender };
}

/** The identity of the ciphertext whose point is `point` (U, 48 bytes): the message its decryption key signs. */
export function encryptionIdentity(context: EncryptionContext, point: Uint8Array): Uint8Array {
  const { namespace, sender } = checkContext(context);
  if (point.length !== CIPHERTEXT_POINT_BYTES) {
    throw new EncryptionError('INVALID_PARAMETER', `the point is ${point.length} bytes, not 48`);
  }
  const writer = new Writer();
  writer
    .fixed(hexToBytes(ENCRYPTION_ID_TAG), 32)
    .u53(context.networkId)
    .fixed(namespace, 32)
    .fixed(sender, 20)
    .fixed(point, CIPHERTEXT_POINT_BYTES);
  return keccak256Bytes(writer.finish());
}

/** The identity of a whole ciphertext (its first 48 bytes are U); undefined when it is too short to have one. */
export function ciphertextIdentity(
  context: EncryptionContext,
  ciphertext: Uint8Array,
): Uint8Array | undefined {
  if (ciphertext.length < CIPHERTEXT_OVERHEAD_BYTES) return undefined;
  return encryptionIdentity(context, ciphertext.subarray(0, CIPHERTEXT_POINT_BYTES));
}

function tagged(tag: Hex, ...parts: Uint8Array[]): Uint8Array {
  const tagBytes = hexToBytes(tag);
  let length = tagBytes.length;
  for (const part of parts) length += part.length;
  const input = new Uint8Array(length);
  input.set(tagBytes, 0);
  let offset = tagBytes.length;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.length;
  }
  return keccak256Bytes(input);
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * r = H_r(σ, m) in [1, order): 64 bytes of keccak output reduced, so its bias is below 2^-250.
 * Exported for the node's decryption, which checks U = r·G1 in its own arithmetic.
 */
export function encryptionRandomness(seed: Uint8Array, message: Uint8Array): bigint {
  const messageHash = keccak256Bytes(message);
  const wide = new Uint8Array(64);
  wide.set(tagged(ENCRYPTION_RANDOMNESS_TAG, Uint8Array.of(0), seed, messageHash), 0);
  wide.set(tagged(ENCRYPTION_RANDOMNESS_TAG, Uint8Array.of(1), seed, messageHash), 32);
  return (bytesToBigint(wide) % (BLS_CURVE_ORDER - 1n)) + 1n;
}

/** H_mask: the 32 bytes that mask σ, from the pairing value in its canonical 576-byte encoding. */
export function encryptionMask(pairingValue: Uint8Array): Uint8Array {
  return tagged(ENCRYPTION_MASK_TAG, pairingValue);
}

/** ChaCha20 under H_stream(σ) (zero nonce: each key encrypts one message). Its own inverse. */
export function encryptionStream(seed: Uint8Array, data: Uint8Array): Uint8Array {
  return chacha20(tagged(ENCRYPTION_STREAM_TAG, seed), new Uint8Array(12), data);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** The canonical encoding of a pairing value: @noble/curves' Fp12 bytes (12 × 48, c0 before c1 at every level). */
function pairingBytes(value: ReturnType<typeof bls12_381.pairing>): Uint8Array {
  return Fp12.toBytes(value);
}

function hashToG2(identity: Uint8Array) {
  return G2.hashToCurve(identity, { DST: BLS_SIGNATURE_DST }) as unknown as InstanceType<typeof G2.Point>;
}

export interface EncryptParameters extends EncryptionContext {
  /** The committee encryption key (48-byte compressed G1). */
  publicKey: Uint8Array;
  message: Uint8Array;
  /** σ: 32 fresh random bytes (the caller's; this package draws no randomness). */
  seed: Uint8Array;
}

/** Encrypts `message` to the committee under the identity bound to `context`. Throws EncryptionError. */
export function encrypt(parameters: EncryptParameters): Uint8Array {
  const { message, seed } = parameters;
  if (seed.length !== ENCRYPTION_SEED_BYTES) {
    throw new EncryptionError('INVALID_PARAMETER', `the seed is ${seed.length} bytes, not 32`);
  }
  let publicKey: InstanceType<typeof G1.Point>;
  try {
    publicKey = G1.Point.fromBytes(parameters.publicKey);
  } catch (cause) {
    throw new EncryptionError('INVALID_PUBLIC_KEY', 'not a compressed G1 point', { cause });
  }
  if (publicKey.is0()) throw new EncryptionError('INVALID_PUBLIC_KEY', 'the identity point');
  const r = encryptionRandomness(seed, message);
  const point = G1.Point.BASE.multiply(r).toBytes(true);
  const identity = encryptionIdentity(parameters, point);
  const pairing = bls12_381.pairing(publicKey.multiply(r), hashToG2(identity));
  const ciphertext = new Uint8Array(CIPHERTEXT_OVERHEAD_BYTES + message.length);
  ciphertext.set(point, 0);
  ciphertext.set(xor(seed, encryptionMask(pairingBytes(pairing))), CIPHERTEXT_POINT_BYTES);
  ciphertext.set(encryptionStream(seed, message), CIPHERTEXT_OVERHEAD_BYTES);
  return ciphertext;
}

/**
 * The rest of a decryption once the pairing value e(U, K) is known, shared by both
 * implementations: unmask σ, decrypt m, and check that U = H_r(σ, m)·G1 (`basePoint(r)` gives
 * r·G1 compressed in the caller's arithmetic).
 */
export function openCiphertext(
  ciphertext: Uint8Array,
  pairingValue: Uint8Array,
  basePoint: (scalar: bigint) => Uint8Array,
): DecryptionResult {
  const point = ciphertext.subarray(0, CIPHERTEXT_POINT_BYTES);
  const seed = xor(
    ciphertext.subarray(CIPHERTEXT_POINT_BYTES, CIPHERTEXT_OVERHEAD_BYTES),
    encryptionMask(pairingValue),
  );
  const message = encryptionStream(seed, ciphertext.subarray(CIPHERTEXT_OVERHEAD_BYTES));
  const expected = basePoint(encryptionRandomness(seed, message));
  if (expected.length !== point.length) return { ok: false, reason: 'DECRYPTION_FAILED' };
  for (let i = 0; i < point.length; i++) {
    if (expected[i] !== point[i]) return { ok: false, reason: 'DECRYPTION_FAILED' };
  }
  return { ok: true, message };
}

/**
 * Decrypts with the identity's decryption key (the reference implementation, @noble/curves).
 * The caller has checked the key against the committee key (verifyDecryptionKey) or accepts that
 * a wrong key gives DECRYPTION_FAILED. Throws EncryptionError INVALID_DECRYPTION_KEY for a key
 * that is not a G2 point; a ciphertext that is not one is a verdict.
 */
export function decrypt(key: Uint8Array, ciphertext: Uint8Array): DecryptionResult {
  let keyPoint: InstanceType<typeof G2.Point>;
  try {
    keyPoint = G2.Point.fromBytes(key);
  } catch (cause) {
    throw new EncryptionError('INVALID_DECRYPTION_KEY', 'not a compressed G2 point', { cause });
  }
  if (ciphertext.length < CIPHERTEXT_OVERHEAD_BYTES) return { ok: false, reason: 'MALFORMED_CIPHERTEXT' };
  let point: InstanceType<typeof G1.Point>;
  try {
    point = G1.Point.fromBytes(ciphertext.subarray(0, CIPHERTEXT_POINT_BYTES));
  } catch {
    return { ok: false, reason: 'MALFORMED_CIPHERTEXT' };
  }
  if (point.is0()) return { ok: false, reason: 'MALFORMED_CIPHERTEXT' };
  const pairing = pairingBytes(bls12_381.pairing(point, keyPoint));
  return openCiphertext(ciphertext, pairing, (scalar) => G1.Point.BASE.multiply(scalar).toBytes(true));
}

/** Test and tooling helper: the decryption key of `identity` under master secret `secret` (s·H(id)). */
export function insecureDecryptionKey(secret: bigint, identity: Uint8Array): Uint8Array {
  return hashToG2(identity).multiply(secret).toBytes(true);
}
