import { assert } from '../errors.ts';
import { BLS_CURVE_ORDER } from './constants.ts';
import { invert, mod } from './scalar.ts';

/**
 * Lagrange weights for interpolating a polynomial at x = 0 from its values at `indices`:
 * λ_i = Π_{j≠i} x_j / (x_j − x_i).
 *
 * Returned as integers `weights` and one `denominator` with λ_i = weights[i] / denominator (mod r).
 * When the exact rational weights have small numerators and a small common denominator (the
 * usual case: committees of tens of validators), the weights are those small signed integers, so
 * the multi-scalar multiplication works on short scalars and only the final division costs one
 * full-size multiplication; for consecutive indices 1..t the weights are binomials and the
 * denominator is 1. Otherwise the weights are the full-size λ_i mod r and the denominator is 1.
 */
export interface LagrangeWeights {
  /** Signed; the caller negates the point for a negative weight. */
  weights: bigint[];
  /** Positive, coprime to r. */
  denominator: bigint;
}

/**
 * Above this many bits, short weights stop paying for the extra multiplication by 1/denominator
 * (mcl's G2 multiplication costs ~0.12 ms at 16 bits, ~0.3 ms at 128, ~0.4 ms at 255 here).
 */
const SHORT_WEIGHT_MAX_BITS = 128;

function bitLength(value: bigint): number {
  return (value < 0n ? -value : value).toString(2).length;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** `indices` must be distinct positive integers (the caller has checked). */
export function lagrangeWeightsAtZero(indices: readonly number[]): LagrangeWeights {
  const xs = indices.map(BigInt);
  const numerators: bigint[] = [];
  const denominators: bigint[] = [];
  for (let i = 0; i < xs.length; i++) {
    let numerator = 1n;
    let denominator = 1n;
    for (let j = 0; j < xs.length; j++) {
      if (j === i) continue;
      numerator *= xs[j]!;
      denominator *= xs[j]! - xs[i]!;
    }
    assert(denominator !== 0n, 'duplicate Lagrange index');
    numerators.push(numerator);
    denominators.push(denominator);
  }
  return shortWeights(numerators, denominators) ?? fullWeights(numerators, denominators);
}

function shortWeights(numerators: bigint[], denominators: bigint[]): LagrangeWeights | undefined {
  // Products of t−1 small integers: past this size the exact fractions cannot give short weights.
  for (let i = 0; i < numerators.length; i++) {
    if (bitLength(numerators[i]!) + bitLength(denominators[i]!) > 2 * SHORT_WEIGHT_MAX_BITS) return undefined;
  }
  const reducedNumerators: bigint[] = [];
  const reducedDenominators: bigint[] = [];
  let commonDenominator = 1n;
  for (let i = 0; i < numerators.length; i++) {
    const sign = denominators[i]! < 0n ? -1n : 1n;
    const divisor = gcd(numerators[i]!, denominators[i]!);
    const numerator = (sign * numerators[i]!) / divisor;
    const denominator = (sign * denominators[i]!) / divisor;
    reducedNumerators.push(numerator);
    reducedDenominators.push(denominator);
    commonDenominator = (commonDenominator / gcd(commonDenominator, denominator)) * denominator;
    if (bitLength(commonDenominator) > SHORT_WEIGHT_MAX_BITS) return undefined;
  }
  const weights = reducedNumerators.map(
    (numerator, i) => numerator * (commonDenominator / reducedDenominators[i]!),
  );
  if (weights.some((weight) => bitLength(weight) > SHORT_WEIGHT_MAX_BITS)) return undefined;
  // Every prime factor of the denominator is a difference of two u32 indices, far below r.
  assert(commonDenominator % BLS_CURVE_ORDER !== 0n, 'denominator divisible by r');
  return { weights, denominator: commonDenominator };
}

function fullWeights(numerators: bigint[], denominators: bigint[]): LagrangeWeights {
  // Montgomery's trick: one inversion for all denominators.
  const prefix: bigint[] = [];
  let running = 1n;
  for (const denominator of denominators) {
    prefix.push(running);
    running = mod(running * mod(denominator));
  }
  let inverse = invert(running);
  const weights = new Array<bigint>(denominators.length);
  for (let i = denominators.length - 1; i >= 0; i--) {
    weights[i] = mod(mod(numerators[i]!) * mod(inverse * prefix[i]!));
    inverse = mod(inverse * mod(denominators[i]!));
  }
  return { weights, denominator: 1n };
}
