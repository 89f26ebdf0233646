import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assert } from '../errors.ts';
import { BLS_CURVE_ORDER, BLS_SECRET_KEY_BYTES } from './constants.ts';

/**
 * Arithmetic in the scalar field Fr (integers mod r) on bigints. Used where the numbers are few
 * and small (polynomials of degree < t, Lagrange weights); the group operations are in mcl/blst.
 */

/**
 * Bytes of uniform output reduced to one scalar: 48 = 32 + 16, so the bias of reducing mod the
 * 255-bit order is below 2^-128 (the same L as RFC 9380 hash_to_field for BLS12-381).
 */
const SCALAR_EXPAND_BYTES = 48;

export function mod(value: bigint): bigint {
  const reduced = value % BLS_CURVE_ORDER;
  return reduced < 0n ? reduced + BLS_CURVE_ORDER : reduced;
}

/** Big-endian bytes to an integer (any length; not reduced). */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A scalar in [0, r) as the 32-byte big-endian encoding blst uses for secret keys. */
export function scalarToBytes(scalar: bigint): Uint8Array {
  assert(scalar >= 0n && scalar < BLS_CURVE_ORDER, 'scalar out of range');
  const bytes = new Uint8Array(BLS_SECRET_KEY_BYTES);
  let rest = scalar;
  for (let i = BLS_SECRET_KEY_BYTES - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/** The scalar encoded by 32 big-endian bytes, or undefined if the length is wrong or the value is ≥ r. */
export function scalarFromBytes(bytes: Uint8Array): bigint | undefined {
  if (bytes.length !== BLS_SECRET_KEY_BYTES) return undefined;
  const value = bytesToBigint(bytes);
  return value < BLS_CURVE_ORDER ? value : undefined;
}

/** Inverse mod r by the extended Euclidean algorithm. */
export function invert(value: bigint): bigint {
  let a = mod(value);
  assert(a !== 0n, 'zero has no inverse');
  let m = BLS_CURVE_ORDER;
  let x0 = 0n;
  let x1 = 1n;
  while (a > 1n) {
    const quotient = a / m;
    [a, m] = [m, a % m];
    [x0, x1] = [x1 - quotient * x0, x0];
  }
  return mod(x1);
}

/** f(x) = Σ coefficients[k] · x^k mod r, by Horner's rule. */
export function evaluatePolynomial(coefficients: readonly bigint[], x: bigint): bigint {
  let result = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) result = mod(result * x + coefficients[k]!);
  return result;
}

/** [1, x, x², …, x^(count-1)] mod r: the weights of Feldman commitments at share index x. */
export function powers(x: bigint, count: number): bigint[] {
  const result: bigint[] = [];
  let power = 1n;
  for (let k = 0; k < count; k++) {
    result.push(power);
    power = mod(power * x);
  }
  return result;
}

/**
 * `count` non-zero scalars derived from secret key material: HKDF-SHA256 extract(salt, ikm), then
 * one expand per scalar with info ‖ u32 index, each 48 bytes reduced mod r. Deterministic, so the
 * caller's randomness is the only source of secrecy (nothing is drawn here).
 */
export function expandScalars(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, count: number): bigint[] {
  const prk = extract(sha256, ikm, salt);
  const scalars: bigint[] = [];
  for (let index = 0; index < count; index++) {
    const indexedInfo = new Uint8Array(info.length + 4);
    indexedInfo.set(info);
    new DataView(indexedInfo.buffer).setUint32(info.length, index);
    const scalar = mod(bytesToBigint(expand(sha256, prk, indexedInfo, SCALAR_EXPAND_BYTES)));
    // Zero has probability 2^-255: reaching it means the KDF is broken, not bad luck.
    assert(scalar !== 0n, 'derived scalar is zero');
    scalars.push(scalar);
  }
  return scalars;
}
