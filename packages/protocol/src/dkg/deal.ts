import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BlsError } from '../bls/errors.ts';
import { g1FromBlst, type mcl } from '../bls/mcl.ts';
import { evaluatePolynomial, expandScalars, scalarFromBytes, scalarToBytes } from '../bls/scalar.ts';
import { blsPublicKey, decodePublicKey } from '../bls/signature.ts';
import { evaluateCommitments } from '../bls/threshold.ts';
import { assert } from '../errors.ts';
import { dealSigningPayload } from './codecs.ts';
import { DKG_ENCRYPTION_KEY_BYTES, DKG_EPHEMERAL_KEY_INFO, DKG_POLYNOMIAL_INFO } from './constants.ts';
import { decryptShare, encryptShare } from './encryption.ts';
import { signDkgPayload } from './keys.ts';
import type { DkgDeal, DkgParticipant } from './types.ts';

/**
 * A dealer's polynomial f(x) = Σ a_k x^k of degree t−1, derived from its session randomness
 * (HKDF salted with the session id, so reusing randomness across sessions still gives unrelated
 * polynomials), and everything it publishes about it.
 */
export interface DealerPolynomial {
  coefficients: bigint[];
  /** shares[i] = f(i+1). */
  shares: bigint[];
  /** a_k·G, compressed. */
  commitments: Uint8Array[];
}

export function dealerPolynomial(
  randomness: Uint8Array,
  sessionId: Uint8Array,
  threshold: number,
  n: number,
): DealerPolynomial {
  const coefficients = expandScalars(randomness, sessionId, DKG_POLYNOMIAL_INFO, threshold);
  return polynomialFromCoefficients(coefficients, n);
}

export function polynomialFromCoefficients(coefficients: bigint[], n: number): DealerPolynomial {
  const shares: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const share = evaluatePolynomial(coefficients, BigInt(i + 1));
    // Probability 2^-255 per share; a zero share is no BLS secret key.
    assert(share !== 0n, 'polynomial share is zero');
    shares.push(share);
  }
  const commitments = coefficients.map((coefficient) => blsPublicKey(scalarToBytes(coefficient)));
  return { coefficients, shares, commitments };
}

/** The deal's ephemeral X25519 secret key, from the same randomness under a different HKDF info. */
export function ephemeralSecretKey(randomness: Uint8Array, sessionId: Uint8Array): Uint8Array {
  return hkdf(sha256, randomness, sessionId, DKG_EPHEMERAL_KEY_INFO, DKG_ENCRYPTION_KEY_BYTES);
}

/**
 * A signed deal: `shares[i]` encrypted to participant i. Honest dealers pass their polynomial's
 * shares and commitments; tests build misbehaving dealers from the same function.
 */
export function buildDeal(params: {
  sessionId: Uint8Array;
  dealerIndex: number;
  participants: readonly DkgParticipant[];
  commitments: Uint8Array[];
  shares: readonly bigint[];
  ephemeralSecretKey: Uint8Array;
  signingSecretKey: Uint8Array;
}): DkgDeal {
  const { sessionId, dealerIndex } = params;
  const ephemeral = {
    secretKey: params.ephemeralSecretKey,
    publicKey: x25519.getPublicKey(params.ephemeralSecretKey),
  };
  const encryptedShares = params.participants.map((participant, recipientIndex) =>
    encryptShare(scalarToBytes(params.shares[recipientIndex]!), ephemeral, participant.encryptionPublicKey, {
      sessionId,
      dealerIndex,
      recipientIndex,
    }),
  );
  const unsigned = {
    sessionId,
    dealerIndex,
    commitments: params.commitments,
    ephemeralPublicKey: ephemeral.publicKey,
    encryptedShares,
  };
  return { ...unsigned, signature: signDkgPayload(dealSigningPayload(unsigned), params.signingSecretKey) };
}

/** What a participant learns from a correctly signed deal. */
export type InspectedDeal =
  /** Unusable (everyone sees it, so no complaint is needed): the dealer is out for `reason`. */
  | { valid: false; reason: 'INVALID_DEAL' | 'WRONG_PREVIOUS_SHARE' }
  | {
      valid: true;
      /** Validated commitments, as mcl points for evaluation. */
      commitmentPoints: mcl.G1[];
      /**
       * Our share if it decrypted and matches the commitments; undefined means we complain (or,
       * for a dealer that is not a recipient of the session, that there is nothing to receive).
       */
      share: bigint | undefined;
    };

/** The commitments as validated points, or undefined if any is not a valid non-identity G1 point. */
export function commitmentPoints(commitments: readonly Uint8Array[]): mcl.G1[] | undefined {
  try {
    return commitments.map((commitment) => g1FromBlst(decodePublicKey(commitment)));
  } catch (error) {
    if (error instanceof BlsError) return undefined;
    throw error;
  }
}

/** Whether `share` is f(shareIndex) for the committed polynomial: share·G = Σ C_k · shareIndex^k. */
export function shareMatchesCommitments(
  share: bigint,
  points: readonly mcl.G1[],
  shareIndex: number,
): boolean {
  if (share === 0n) return false;
  const expected = evaluateCommitments(points, shareIndex);
  const actual = blsPublicKey(scalarToBytes(share));
  return Buffer.from(expected).equals(Buffer.from(actual));
}

/**
 * Checks a deal's structure and commitments, then decrypts and checks our share (Feldman). In a
 * reshare, `constantTerm` is the dealer's public share of the previous key: its commitment 0 must
 * be exactly that point, or it is not redealing its share. `recipient` is undefined for a dealer
 * that receives nothing in the session.
 */
export function inspectDeal(
  deal: DkgDeal,
  params: {
    threshold: number;
    n: number;
    recipient:
      | { index: number; encryptionKeys: { secretKey: Uint8Array; publicKey: Uint8Array } }
      | undefined;
    constantTerm?: Uint8Array | undefined;
  },
): InspectedDeal {
  if (deal.commitments.length !== params.threshold || deal.encryptedShares.length !== params.n)
    return { valid: false, reason: 'INVALID_DEAL' };
  const points = commitmentPoints(deal.commitments);
  if (points === undefined) return { valid: false, reason: 'INVALID_DEAL' };
  if (
    params.constantTerm !== undefined &&
    !Buffer.from(points[0]!.serialize()).equals(Buffer.from(params.constantTerm))
  )
    return { valid: false, reason: 'WRONG_PREVIOUS_SHARE' };
  const { recipient } = params;
  if (recipient === undefined) return { valid: true, commitmentPoints: points, share: undefined };
  const plaintext = decryptShare(
    deal.encryptedShares[recipient.index]!,
    deal.ephemeralPublicKey,
    recipient.encryptionKeys,
    {
      sessionId: deal.sessionId,
      dealerIndex: deal.dealerIndex,
      recipientIndex: recipient.index,
    },
  );
  const share = plaintext === undefined ? undefined : scalarFromBytes(plaintext);
  const verified =
    share !== undefined && shareMatchesCommitments(share, points, recipient.index + 1) ? share : undefined;
  return { valid: true, commitmentPoints: points, share: verified };
}
