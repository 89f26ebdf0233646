import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlsError } from '../src/bls/errors.ts';
import {
  BLS_CURVE_ORDER,
  blsPublicKey,
  blsSign,
  insecureTrustedDealer,
  type PartialSignature,
  partialSign,
  recoverGroupSignature,
  sharePublicKeyFromCommitments,
  ThresholdError,
  verifyGroupSignature,
  verifyPartial,
} from '../src/bls/index.ts';
import { lagrangeWeightsAtZero } from '../src/bls/lagrange.ts';

const r = BLS_CURVE_ORDER;

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function scalarOf(bytes: Uint8Array): bigint {
  return BigInt(`0x${toHex(bytes)}`);
}

function scalarBytes(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
}

/** Independent of the code under test: Fermat inverse and the textbook Lagrange formula. */
function referenceInverse(value: bigint): bigint {
  let result = 1n;
  let base = ((value % r) + r) % r;
  let exponent = r - 2n;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % r;
    base = (base * base) % r;
    exponent >>= 1n;
  }
  return result;
}

function referenceLagrange(indices: readonly number[]): bigint[] {
  return indices.map((xi, i) => {
    let weight = 1n;
    indices.forEach((xj, j) => {
      if (j !== i) weight = (weight * BigInt(xj) * referenceInverse(BigInt(xj - xi))) % r;
    });
    return (weight + r) % r;
  });
}

/** The group secret f(0), interpolated from t shares with the reference formula. */
function groupSecret(shares: readonly { index: number; secretKey: Uint8Array }[]): Uint8Array {
  const weights = referenceLagrange(shares.map((share) => share.index));
  const secret = shares.reduce((sum, share, i) => (sum + weights[i]! * scalarOf(share.secretKey)) % r, 0n);
  return scalarBytes(secret);
}

function thresholdErrorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ThresholdError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

const message = new TextEncoder().encode('synod threshold test message');

for (const [n, t] of [
  [4, 3],
  [7, 5],
] as const) {
  describe(`threshold signatures at n=${n}, t=${t}`, () => {
    const dealing = insecureTrustedDealer(n, t, new Uint8Array(32).fill(n));
    const secret = groupSecret(dealing.shares.slice(0, t));
    const partials: PartialSignature[] = dealing.shares.map((share) => ({
      index: share.index,
      signature: partialSign(share.secretKey, message),
    }));
    const direct = blsSign(secret, message);

    it('the dealer group key is the public key of the interpolated group secret', () => {
      expect(toHex(blsPublicKey(secret))).toBe(toHex(dealing.groupPublicKey));
      expect(toHex(dealing.commitments[0]!)).toBe(toHex(dealing.groupPublicKey));
    });

    it('every partial verifies under its share public key, and under no other', () => {
      for (const [i, share] of dealing.shares.entries()) {
        expect(verifyPartial(share.publicKey, message, partials[i]!.signature)).toBe(true);
        const other = dealing.shares[(i + 1) % n]!;
        expect(verifyPartial(other.publicKey, message, partials[i]!.signature)).toBe(false);
      }
    });

    it('share public keys follow from the Feldman commitments', () => {
      for (const share of dealing.shares) {
        expect(toHex(sharePublicKeyFromCommitments(dealing.commitments, share.index))).toBe(
          toHex(share.publicKey),
        );
      }
    });

    it('every t-subset, in any order, recovers the direct blst signature of the group secret', () => {
      fc.assert(
        fc.property(fc.shuffledSubarray(partials, { minLength: t, maxLength: t }), (subset) => {
          const signature = recoverGroupSignature(subset, t);
          expect(toHex(signature)).toBe(toHex(direct));
        }),
        { numRuns: 60 },
      );
    });

    it('recovers the same signature from all C(n, t) subsets, and it verifies under the group key', () => {
      const subsets: PartialSignature[][] = [];
      const choose = (start: number, chosen: PartialSignature[]): void => {
        if (chosen.length === t) {
          subsets.push(chosen);
          return;
        }
        for (let i = start; i < n; i++) choose(i + 1, [...chosen, partials[i]!]);
      };
      choose(0, []);
      const signatures = new Set(subsets.map((subset) => toHex(recoverGroupSignature(subset, t))));
      expect(signatures).toEqual(new Set([toHex(direct)]));
      expect(verifyGroupSignature(dealing.groupPublicKey, message, direct)).toBe(true);
    });

    it('with more than t partials, combines the first t', () => {
      expect(toHex(recoverGroupSignature([...partials].reverse(), t))).toBe(toHex(direct));
    });

    it('t−1 partials are refused, and interpolating them as if t−1 sufficed never verifies', () => {
      fc.assert(
        fc.property(fc.shuffledSubarray(partials, { minLength: t - 1, maxLength: t - 1 }), (subset) => {
          expect(thresholdErrorCode(() => recoverGroupSignature(subset, t))).toBe('TOO_FEW_PARTIALS');
          const forged = recoverGroupSignature(subset, t - 1);
          expect(verifyGroupSignature(dealing.groupPublicKey, message, forged)).toBe(false);
        }),
        { numRuns: 30 },
      );
    });

    it('one corrupted partial (wrong message, wrong share, or wrong index) never verifies', () => {
      const otherMessage = new TextEncoder().encode('another message');
      fc.assert(
        fc.property(
          fc.shuffledSubarray(partials, { minLength: t, maxLength: t }),
          fc.nat({ max: t - 1 }),
          fc.constantFrom('message', 'share', 'index'),
          (subset, victim, corruption) => {
            const corrupted = subset.map((partial) => ({ ...partial }));
            const target = corrupted[victim]!;
            const share = dealing.shares[target.index - 1]!;
            if (corruption === 'message') target.signature = partialSign(share.secretKey, otherMessage);
            if (corruption === 'share') {
              const other = dealing.shares[target.index % n]!; // another validator's share
              target.signature = partialSign(other.secretKey, message);
            }
            if (corruption === 'index') {
              const unused = partials.find((p) => !corrupted.some((c) => c.index === p.index));
              if (unused === undefined) return; // n = t leaves no free index
              target.index = unused.index;
            }
            const recovered = recoverGroupSignature(corrupted, t);
            expect(verifyGroupSignature(dealing.groupPublicKey, message, recovered)).toBe(false);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
}

describe('recoverGroupSignature input checks', () => {
  const dealing = insecureTrustedDealer(4, 3, new Uint8Array(32).fill(1));
  const partials = dealing.shares.map((share) => ({
    index: share.index,
    signature: partialSign(share.secretKey, message),
  }));
  const identity = new Uint8Array(96);
  identity[0] = 0xc0;

  it('refuses a duplicate index even when the signatures differ', () => {
    const duplicate = [
      partials[0]!,
      partials[1]!,
      { index: partials[0]!.index, signature: partials[2]!.signature },
    ];
    expect(thresholdErrorCode(() => recoverGroupSignature(duplicate, 3))).toBe('DUPLICATE_INDEX');
  });

  it('refuses index 0, and indices that are negative, fractional or above 2^32 − 1', () => {
    const withIndex = (index: number) => [
      { index, signature: partials[0]!.signature },
      partials[1]!,
      partials[2]!,
    ];
    expect(thresholdErrorCode(() => recoverGroupSignature(withIndex(0), 3))).toBe('ZERO_INDEX');
    for (const index of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(thresholdErrorCode(() => recoverGroupSignature(withIndex(index), 3))).toBe('INVALID_INDEX');
    }
  });

  it('refuses identity, off-subgroup and undecodable partial signatures, past the first t as well', () => {
    const badPoints = [identity, new Uint8Array(96).fill(0xff), partials[0]!.signature.subarray(1)];
    for (const bad of badPoints) {
      const list = [partials[0]!, partials[1]!, partials[2]!, { index: 4, signature: bad }];
      const error = (() => {
        try {
          recoverGroupSignature(list, 3);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ThresholdError);
      expect((error as ThresholdError).code).toBe('INVALID_SIGNATURE');
      expect((error as ThresholdError).cause).toBeInstanceOf(BlsError);
    }
  });

  it('refuses fewer partials than the threshold', () => {
    expect(thresholdErrorCode(() => recoverGroupSignature([], 1))).toBe('TOO_FEW_PARTIALS');
    expect(thresholdErrorCode(() => recoverGroupSignature(partials.slice(0, 2), 3))).toBe('TOO_FEW_PARTIALS');
  });
});

describe('recoverGroupSignature edge cases', () => {
  it('with t = 1, the "group signature" is the one partial itself', () => {
    const dealing = insecureTrustedDealer(3, 1, new Uint8Array(32).fill(9));
    const partial = { index: 3, signature: partialSign(dealing.shares[2]!.secretKey, message) };
    expect(toHex(recoverGroupSignature([partial], 1))).toBe(toHex(partial.signature));
  });

  it('recovers with share indices near 2^32 (full-size weights)', () => {
    // Shares of f(x) = a0 + a1·x at large x, built from a 2-of-n dealing's secrets.
    const dealing = insecureTrustedDealer(2, 2, new Uint8Array(32).fill(8));
    const [s1, s2] = dealing.shares.map((share) => scalarOf(share.secretKey)) as [bigint, bigint];
    const a1 = (((s2 - s1) % r) + r) % r;
    const a0 = (((s1 - a1) % r) + r) % r;
    const indices = [2 ** 32 - 1, 2 ** 31 + 7];
    const partials = indices.map((index) => ({
      index,
      signature: partialSign(scalarBytes((a0 + a1 * BigInt(index)) % r), message),
    }));
    expect(toHex(recoverGroupSignature(partials, 2))).toBe(toHex(blsSign(scalarBytes(a0), message)));
  });
});

describe('sharePublicKeyFromCommitments input checks', () => {
  const dealing = insecureTrustedDealer(4, 3, new Uint8Array(32).fill(2));

  it('refuses index 0, empty commitments and invalid commitment points', () => {
    expect(thresholdErrorCode(() => sharePublicKeyFromCommitments(dealing.commitments, 0))).toBe(
      'ZERO_INDEX',
    );
    expect(thresholdErrorCode(() => sharePublicKeyFromCommitments([], 1))).toBe('INVALID_COMMITMENTS');
    const identity = new Uint8Array(48);
    identity[0] = 0xc0;
    const withIdentity = [dealing.commitments[0]!, identity, dealing.commitments[2]!];
    expect(thresholdErrorCode(() => sharePublicKeyFromCommitments(withIdentity, 1))).toBe(
      'INVALID_COMMITMENTS',
    );
  });

  it('with one commitment (t = 1) every share key is the group key', () => {
    expect(toHex(sharePublicKeyFromCommitments([dealing.groupPublicKey], 9))).toBe(
      toHex(dealing.groupPublicKey),
    );
  });
});

describe('Lagrange weights', () => {
  const indexSets = fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 12 });
  const smallIndexSets = fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 });

  it('equal the textbook λ_i mod r, for short and full-size weights alike', () => {
    fc.assert(
      fc.property(fc.oneof(indexSets, smallIndexSets), (indices) => {
        const { weights, denominator } = lagrangeWeightsAtZero(indices);
        const inverse = referenceInverse(denominator);
        const reduced = weights.map((weight) => (((weight * inverse) % r) + r) % r);
        expect(reduced).toEqual(referenceLagrange(indices));
      }),
    );
  });

  it('are the signed binomials with denominator 1 for consecutive indices 1..t', () => {
    expect(lagrangeWeightsAtZero([1, 2, 3])).toEqual({ weights: [3n, -3n, 1n], denominator: 1n });
  });

  it('let a large committee (n=100, t=67) recover with full-size weights', () => {
    const dealing = insecureTrustedDealer(100, 67, new Uint8Array(32).fill(3));
    const chosen = dealing.shares.filter((share) => share.index % 3 !== 0).slice(0, 67);
    const partials = chosen.map((share) => ({
      index: share.index,
      signature: partialSign(share.secretKey, message),
    }));
    const signature = recoverGroupSignature(partials, 67);
    expect(verifyGroupSignature(dealing.groupPublicKey, message, signature)).toBe(true);
  });
});

describe('insecureTrustedDealer', () => {
  it('is deterministic from its seed', () => {
    const seed = new Uint8Array(32).fill(4);
    expect(insecureTrustedDealer(4, 3, seed)).toEqual(insecureTrustedDealer(4, 3, seed.slice()));
    expect(insecureTrustedDealer(4, 3, seed).groupPublicKey).not.toEqual(
      insecureTrustedDealer(4, 3, new Uint8Array(32).fill(5)).groupPublicKey,
    );
  });

  it('gives share i the Shamir index i+1', () => {
    expect(insecureTrustedDealer(5, 2, new Uint8Array(32)).shares.map((share) => share.index)).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });

  it('refuses a short seed', () => {
    expect(() => insecureTrustedDealer(4, 3, new Uint8Array(16))).toThrow(BlsError);
  });
});
