import { EIP2537_FIELD_ELEMENT_BYTES, EIP2537_G1_BYTES, EIP2537_G2_BYTES } from './constants.ts';
import { decodePublicKey, decodeSignature } from './signature.ts';

/**
 * EIP-2537 (BLS12-381 precompiles) takes points uncompressed, each base-field element as 64
 * bytes: 16 zero bytes then the 48-byte big-endian value; an Fp2 element as c0 ‖ c1. blst's
 * uncompressed encoding is the ZCash one: 48-byte elements, Fp2 as c1 ‖ c0.
 */
const BLST_FIELD_ELEMENT_BYTES = 48;
const PADDING_BYTES = EIP2537_FIELD_ELEMENT_BYTES - BLST_FIELD_ELEMENT_BYTES;

function copyElement(target: Uint8Array, slot: number, source: Uint8Array, element: number): void {
  const from = element * BLST_FIELD_ELEMENT_BYTES;
  target.set(
    source.subarray(from, from + BLST_FIELD_ELEMENT_BYTES),
    slot * EIP2537_FIELD_ELEMENT_BYTES + PADDING_BYTES,
  );
}

/**
 * A compressed G1 point (a public key) as the 128-byte EIP-2537 encoding x ‖ y. Validates the
 * point first and throws BlsError like `validatePublicKey` (the identity is refused too).
 */
export function g1ToEip2537(compressedG1: Uint8Array): Uint8Array {
  const uncompressed = decodePublicKey(compressedG1).toBytes(false); // x ‖ y
  const out = new Uint8Array(EIP2537_G1_BYTES);
  copyElement(out, 0, uncompressed, 0);
  copyElement(out, 1, uncompressed, 1);
  return out;
}

/**
 * A compressed G2 point (a signature) as the 256-byte EIP-2537 encoding
 * x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1. Validates first and throws BlsError like `validateSignature`.
 */
export function g2ToEip2537(compressedG2: Uint8Array): Uint8Array {
  const uncompressed = decodeSignature(compressedG2).toBytes(false); // x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0
  const out = new Uint8Array(EIP2537_G2_BYTES);
  copyElement(out, 0, uncompressed, 1);
  copyElement(out, 1, uncompressed, 0);
  copyElement(out, 2, uncompressed, 3);
  copyElement(out, 3, uncompressed, 2);
  return out;
}
