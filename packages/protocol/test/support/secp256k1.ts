import { secp256k1 } from '@noble/curves/secp256k1.js';

/** The smallest x ≥ 1 that is no secp256k1 point's x-coordinate: an r from which no key recovers. */
export function findNonCurveX(): bigint {
  for (let x = 1n; ; x++) {
    try {
      secp256k1.Point.fromHex(`02${x.toString(16).padStart(64, '0')}`);
    } catch {
      return x;
    }
  }
}
