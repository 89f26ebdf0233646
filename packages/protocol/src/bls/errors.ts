import { SynodProtocolError } from '../errors.ts';

export type BlsErrorCode =
  /** A key, signature, seed or proof has the wrong number of bytes. */
  | 'INVALID_LENGTH'
  /** Bytes that do not decode to a point on the curve (bad flags, x ≥ p, no square root). */
  | 'INVALID_POINT'
  /** The point at infinity: a key or signature that would verify anything or nothing. */
  | 'IDENTITY_POINT'
  /** On the curve but outside the prime-order subgroup (small-subgroup attacks). */
  | 'NOT_IN_SUBGROUP'
  /** A secret key that is zero or not below the curve order. */
  | 'INVALID_SECRET_KEY';

/** A BLS key, signature or seed that is not acceptable. */
export class BlsError extends SynodProtocolError<BlsErrorCode> {
  override readonly name = 'BlsError';
}

export type ThresholdErrorCode =
  /** Fewer valid partial signatures than the threshold. */
  | 'TOO_FEW_PARTIALS'
  /** Two partial signatures claim the same share index. */
  | 'DUPLICATE_INDEX'
  /** Share index 0: that point of the polynomial is the group secret and is never a share. */
  | 'ZERO_INDEX'
  /** A share index that is not an integer in [1, 2^32). */
  | 'INVALID_INDEX'
  /** A partial signature or commitment that is not a valid, non-identity point of its subgroup. */
  | 'INVALID_SIGNATURE'
  /** Feldman commitments that are empty or contain an invalid point. */
  | 'INVALID_COMMITMENTS';

/** Threshold recovery or share-key derivation refused its input. */
export class ThresholdError extends SynodProtocolError<ThresholdErrorCode> {
  override readonly name = 'ThresholdError';
}
