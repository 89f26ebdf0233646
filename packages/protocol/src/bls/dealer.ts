import { assert } from '../errors.ts';
import { BLS_KEYGEN_SEED_MIN_BYTES } from './constants.ts';
import { BlsError } from './errors.ts';
import { lagrangeWeightsAtZero } from './lagrange.ts';
import { bytesToBigint, evaluatePolynomial, expandScalars, invert, mod, scalarToBytes } from './scalar.ts';
import { blsPublicKey } from './signature.ts';

/** One validator's share from a dealer. */
export interface DealtShare {
  /** Shamir index: validator index + 1. */
  index: number;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface TrustedDealing {
  groupPublicKey: Uint8Array;
  /** Feldman commitments a_k·G, k = 0..t−1; commitments[0] is the group public key. */
  commitments: Uint8Array[];
  shares: DealtShare[];
}

const DEALER_INFO = new TextEncoder().encode('synod/insecure-trusted-dealer/v1');

/**
 * FOR UNIT TESTS ONLY. One party picks the whole polynomial, so it knows the group secret: the
 * opposite of what a threshold key is for. Networks create their keys with the DKG (`dkgInit`).
 * Deterministic from `seed` (≥ 32 bytes), so tests are reproducible.
 */
export function insecureTrustedDealer(n: number, threshold: number, seed: Uint8Array): TrustedDealing {
  assert(Number.isInteger(n) && n >= 1, `n must be a positive integer, got ${n}`);
  assert(
    Number.isInteger(threshold) && threshold >= 1 && threshold <= n,
    `threshold must be in [1, n], got ${threshold}`,
  );
  if (seed.length < BLS_KEYGEN_SEED_MIN_BYTES) {
    throw new BlsError('INVALID_LENGTH', `seed must be at least ${BLS_KEYGEN_SEED_MIN_BYTES} bytes`);
  }
  return dealPolynomial(n, expandScalars(seed, new Uint8Array(0), DEALER_INFO, threshold));
}

/**
 * FOR TESTS ONLY: what a successful reshare leaves, dealt by one party. Fresh shares of the
 * `previous` dealing's group secret (reconstructed from its shares) among `n` validators with
 * `threshold`: the group public key stays, every share and commitment beyond the first changes.
 */
export function insecureTrustedRedeal(
  previous: TrustedDealing,
  n: number,
  threshold: number,
  seed: Uint8Array,
): TrustedDealing {
  assert(Number.isInteger(n) && n >= 1, `n must be a positive integer, got ${n}`);
  assert(
    Number.isInteger(threshold) && threshold >= 1 && threshold <= n,
    `threshold must be in [1, n], got ${threshold}`,
  );
  if (seed.length < BLS_KEYGEN_SEED_MIN_BYTES) {
    throw new BlsError('INVALID_LENGTH', `seed must be at least ${BLS_KEYGEN_SEED_MIN_BYTES} bytes`);
  }
  const used = previous.shares.slice(0, previous.commitments.length);
  const { weights, denominator } = lagrangeWeightsAtZero(used.map((share) => share.index));
  let secret = 0n;
  for (const [i, share] of used.entries())
    secret = mod(secret + weights[i]! * bytesToBigint(share.secretKey));
  secret = mod(secret * invert(mod(denominator)));
  return dealPolynomial(n, [secret, ...expandScalars(seed, new Uint8Array(0), DEALER_INFO, threshold - 1)]);
}

function dealPolynomial(n: number, coefficients: bigint[]): TrustedDealing {
  const commitments = coefficients.map((coefficient) => blsPublicKey(scalarToBytes(coefficient)));
  const shares: DealtShare[] = [];
  for (let i = 0; i < n; i++) {
    const share = evaluatePolynomial(coefficients, BigInt(i + 1));
    // f(i+1) = 0 has probability 2^-255 per share; a zero secret key would be unusable.
    assert(share !== 0n, 'dealt share is zero');
    const secretKey = scalarToBytes(share);
    shares.push({ index: i + 1, secretKey, publicKey: blsPublicKey(secretKey) });
  }
  return { groupPublicKey: commitments[0]!, commitments, shares };
}
