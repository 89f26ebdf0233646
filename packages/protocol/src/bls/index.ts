// BLS12-381 signatures (min-pk, Ethereum PoP ciphersuite), threshold recovery and point encodings.
export {
  BLS_CURVE_ORDER,
  BLS_KEYGEN_SEED_MIN_BYTES,
  BLS_POP_DST,
  BLS_PUBLIC_KEY_BYTES,
  BLS_SECRET_KEY_BYTES,
  BLS_SIGNATURE_BYTES,
  BLS_SIGNATURE_DST,
  EIP2537_G1_BYTES,
  EIP2537_G2_BYTES,
} from './constants.ts';
export {
  type DealtShare,
  insecureTrustedDealer,
  insecureTrustedRedeal,
  type TrustedDealing,
} from './dealer.ts';
export { g1ToEip2537, g2ToEip2537 } from './eip2537.ts';
export { BlsError, type BlsErrorCode, ThresholdError, type ThresholdErrorCode } from './errors.ts';
export {
  blsProvePossession,
  blsPublicKey,
  blsSecretKeyFromSeed,
  blsSign,
  blsVerify,
  blsVerifyPossession,
  validatePublicKey,
  validateSignature,
} from './signature.ts';
export {
  MAX_SHARE_INDEX,
  type PartialSignature,
  partialSign,
  recoverGroupSignature,
  sharePublicKeyFromCommitments,
  verifyGroupSignature,
  verifyPartial,
} from './threshold.ts';
