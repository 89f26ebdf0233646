import { assert } from '../errors.ts';
import { BlsError, ThresholdError } from './errors.ts';
import { lagrangeWeightsAtZero } from './lagrange.ts';
import { frFromBigint, g1FromBlst, g2FromBlst, mcl } from './mcl.ts';
import { invert, mod, powers } from './scalar.ts';
import { blsSign, blsVerify, decodePublicKey, decodeSignature } from './signature.ts';

/**
 * Threshold BLS: the group secret s is f(0) of a polynomial f of degree t−1 over Fr; validator i
 * (0-based) holds the share f(i+1). Everyone signs the same message with its share (a partial
 * signature), and any t partials combine into s·H(m), the group signature, by Lagrange
 * interpolation at 0 in G2. See docs/protocol.md "Threshold signatures".
 */

/** A partial signature and the Shamir index (validator index + 1) of the share that made it. */
export interface PartialSignature {
  index: number;
  /** 96-byte compressed G2 point. */
  signature: Uint8Array;
}

/** Share indices travel as u32; this also keeps every Lagrange denominator factor far below r. */
export const MAX_SHARE_INDEX = 0xffff_ffff;

/** A partial signature: the ordinary BLS signature of `message` under the share's secret key. */
export function partialSign(shareSecretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return blsSign(shareSecretKey, message);
}

/** Whether `partial` is a valid signature of `message` under the share public key. Never throws. */
export function verifyPartial(sharePublicKey: Uint8Array, message: Uint8Array, partial: Uint8Array): boolean {
  return blsVerify(sharePublicKey, message, partial);
}

/** Whether `signature` is the group's signature of `message`. Never throws. */
export function verifyGroupSignature(
  groupPublicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return blsVerify(groupPublicKey, message, signature);
}

function checkShareIndex(index: number): void {
  if (index === 0) throw new ThresholdError('ZERO_INDEX', 'share index 0 is the group secret, never a share');
  if (!Number.isInteger(index) || index < 0 || index > MAX_SHARE_INDEX) {
    throw new ThresholdError(
      'INVALID_INDEX',
      `share index must be an integer in [1, ${MAX_SHARE_INDEX}], got ${index}`,
    );
  }
}

/**
 * The group signature from partial signatures of one message, by Lagrange interpolation at 0.
 *
 * Every partial is checked (index in [1, 2^32), no duplicate index, signature a valid non-identity
 * G2 point), then the first `threshold` are combined. It does not check that each partial is a
 * valid signature of the message: verify partials with `verifyPartial` as they arrive, or verify
 * the result with `verifyGroupSignature`.
 *
 * Throws ThresholdError: `TOO_FEW_PARTIALS`, `ZERO_INDEX`, `INVALID_INDEX`, `DUPLICATE_INDEX`,
 * `INVALID_SIGNATURE`.
 *
 * @example
 * const partials = shares.slice(0, t).map((s) => ({ index: s.index, signature: partialSign(s.secretKey, digest) }));
 * const signature = recoverGroupSignature(partials, t);
 * verifyGroupSignature(groupPublicKey, digest, signature); // true
 */
export function recoverGroupSignature(partials: readonly PartialSignature[], threshold: number): Uint8Array {
  assert(
    Number.isInteger(threshold) && threshold >= 1,
    `threshold must be a positive integer, got ${threshold}`,
  );
  if (partials.length < threshold) {
    throw new ThresholdError(
      'TOO_FEW_PARTIALS',
      `${partials.length} partial signatures, threshold ${threshold}`,
    );
  }
  const seen = new Set<number>();
  for (const partial of partials) {
    checkShareIndex(partial.index);
    if (seen.has(partial.index)) {
      throw new ThresholdError('DUPLICATE_INDEX', `two partial signatures for share index ${partial.index}`);
    }
    seen.add(partial.index);
  }
  const signatures = partials.map((partial) => {
    try {
      return decodeSignature(partial.signature);
    } catch (cause) {
      if (!(cause instanceof BlsError)) throw cause;
      throw new ThresholdError(
        'INVALID_SIGNATURE',
        `partial signature of share ${partial.index}: ${cause.code}`,
        {
          cause,
        },
      );
    }
  });

  const chosen = partials.slice(0, threshold);
  const { weights, denominator } = lagrangeWeightsAtZero(chosen.map((partial) => partial.index));
  const points = chosen.map((_, i) => {
    const point = g2FromBlst(signatures[i]!);
    return weights[i]! < 0n ? mcl.neg(point) : point;
  });
  const scalars = weights.map((weight) => frFromBigint(weight < 0n ? -weight : weight));
  let sum = mcl.mulVec(points, scalars);
  if (denominator !== 1n) sum = mcl.mul(sum, frFromBigint(invert(denominator)));
  return sum.serialize();
}

/**
 * The public key of share `index` from Feldman commitments C_k = a_k·G of the polynomial
 * f(x) = Σ a_k x^k: Σ C_k · index^k, which equals f(index)·G.
 *
 * Throws ThresholdError: `ZERO_INDEX` / `INVALID_INDEX` for the index, `INVALID_COMMITMENTS` if
 * the list is empty, holds an invalid or identity point, or the result is the identity.
 */
export function sharePublicKeyFromCommitments(commitments: readonly Uint8Array[], index: number): Uint8Array {
  checkShareIndex(index);
  if (commitments.length === 0) throw new ThresholdError('INVALID_COMMITMENTS', 'no commitments');
  const points = commitments.map((commitment, k) => {
    try {
      return g1FromBlst(decodePublicKey(commitment));
    } catch (cause) {
      if (!(cause instanceof BlsError)) throw cause;
      throw new ThresholdError('INVALID_COMMITMENTS', `commitment ${k}: ${cause.code}`, { cause });
    }
  });
  return evaluateCommitments(points, index);
}

/** Σ points[k] · index^k for points already validated; throws INVALID_COMMITMENTS on the identity. */
export function evaluateCommitments(points: readonly mcl.G1[], index: number): Uint8Array {
  const scalars = powers(mod(BigInt(index)), points.length).map(frFromBigint);
  const result = mcl.mulVec([...points], scalars);
  if (result.isZero())
    throw new ThresholdError('INVALID_COMMITMENTS', `share ${index} evaluates to the identity`);
  return result.serialize();
}
