import type { PublicKey, Signature } from '@chainsafe/blst';
import * as mcl from 'mcl-wasm';
import { assert } from '../errors.ts';
import { BLS_CURVE_ORDER } from './constants.ts';

/**
 * mcl-wasm does the group arithmetic that @chainsafe/blst does not expose (scalar multiplication,
 * multi-scalar multiplication). Points reach mcl only after blst has validated them (on curve, in
 * the subgroup, not the identity), and are handed over as affine coordinates from blst's
 * uncompressed encoding: this skips mcl's square root on decompression, which costs more than
 * blst's whole validation. See docs/protocol.md "Threshold signatures".
 */
await mcl.init(mcl.BLS12_381);
// Ethereum/ZCash encodings (big-endian field elements, compression flags), identical to blst's.
mcl.setETHserialization(true);
// Anything deserialized through mcl directly is subgroup-checked as well.
mcl.verifyOrderG1(true);
mcl.verifyOrderG2(true);

export { mcl };

/** Bytes of one base-field element in the uncompressed encodings. */
const FIELD_ELEMENT_BYTES = 48;

/** An mcl G1 point equal to a blst public key that was already validated. */
export function g1FromBlst(publicKey: PublicKey): mcl.G1 {
  const uncompressed = publicKey.toBytes(false);
  assert(uncompressed.length === 2 * FIELD_ELEMENT_BYTES, 'uncompressed G1 length');
  const x = new mcl.Fp();
  x.deserialize(uncompressed.subarray(0, FIELD_ELEMENT_BYTES));
  const y = new mcl.Fp();
  y.deserialize(uncompressed.subarray(FIELD_ELEMENT_BYTES));
  const z = new mcl.Fp();
  z.setInt(1);
  const point = new mcl.G1();
  point.setX(x);
  point.setY(y);
  point.setZ(z);
  return point;
}

/** An mcl G2 point equal to a blst signature that was already validated. */
export function g2FromBlst(signature: Signature): mcl.G2 {
  const uncompressed = signature.toBytes(false);
  assert(uncompressed.length === 4 * FIELD_ELEMENT_BYTES, 'uncompressed G2 length');
  // Both encodings order an Fp2 element as c1 ‖ c0, so each half deserializes as one Fp2.
  const x = new mcl.Fp2();
  x.deserialize(uncompressed.subarray(0, 2 * FIELD_ELEMENT_BYTES));
  const y = new mcl.Fp2();
  y.deserialize(uncompressed.subarray(2 * FIELD_ELEMENT_BYTES));
  const z = new mcl.Fp2();
  z.setInt(1, 0);
  const point = new mcl.G2();
  point.setX(x);
  point.setY(y);
  point.setZ(z);
  return point;
}

/** An mcl scalar from an integer in [0, r). */
export function frFromBigint(value: bigint): mcl.Fr {
  assert(value >= 0n && value < BLS_CURVE_ORDER, 'scalar out of range');
  const scalar = new mcl.Fr();
  scalar.setStr(value.toString(16), 16);
  return scalar;
}
