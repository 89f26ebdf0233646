import type { Hex } from 'viem';

/** BLS12-381 base field modulus. */
export const P =
  0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % P;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const fp = (value: bigint) => value.toString(16).padStart(128, '0');

/**
 * A point on y² = x³ + 4 over Fp that is not in the prime-order subgroup (the cofactor is
 * ~2^126, so the first x with a square right-hand side gives one), EIP-2537 encoded.
 */
export function g1OnCurveOutsideSubgroup(): Hex {
  for (let x = 1n; ; x++) {
    const rhs = (x ** 3n + 4n) % P;
    const y = power(rhs, (P + 1n) / 4n); // p ≡ 3 (mod 4)
    if ((y * y) % P === rhs) return `0x${fp(x)}${fp(y)}`;
  }
}

/** (1, 1) is not on the curve (1 ≠ 1 + 4). */
export const G1_OFF_CURVE: Hex = `0x${fp(1n)}${fp(1n)}`;
