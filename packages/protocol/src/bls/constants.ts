/**
 * BLS12-381 parameters of Synod's signature scheme: min-pk (public keys in G1, signatures in G2)
 * with Ethereum's proof-of-possession ciphersuite. See docs/protocol.md "Committee and keys".
 */

/** A secret key is a big-endian scalar in [1, r). */
export const BLS_SECRET_KEY_BYTES = 32;
/** Compressed G1 point (ZCash/Ethereum encoding). */
export const BLS_PUBLIC_KEY_BYTES = 48;
/** Compressed G2 point (ZCash/Ethereum encoding). */
export const BLS_SIGNATURE_BYTES = 96;

/** Hash-to-G2 tag for signatures: the one Ethereum's consensus layer and @chainsafe/blst use. */
export const BLS_SIGNATURE_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
/** Hash-to-G2 tag for proofs of possession, so a PoP can never be replayed as a signature (and back). */
export const BLS_POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

/** IETF KeyGen (draft-irtf-cfrg-bls-signature §2.3) requires at least 32 bytes of key material. */
export const BLS_KEYGEN_SEED_MIN_BYTES = 32;

/** Order r of G1, G2 and of the scalar field Fr. Shares, coefficients and Lagrange weights live mod r. */
export const BLS_CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** EIP-2537 encodes each base-field element in 64 bytes: 16 zero bytes, then the 48-byte big-endian value. */
export const EIP2537_FIELD_ELEMENT_BYTES = 64;
/** EIP-2537 G1 point: x ‖ y. */
export const EIP2537_G1_BYTES = 2 * EIP2537_FIELD_ELEMENT_BYTES;
/** EIP-2537 G2 point: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1. */
export const EIP2537_G2_BYTES = 4 * EIP2537_FIELD_ELEMENT_BYTES;
