import { type Hex, keccak256, toBytes } from 'viem';
import { MAX_TX_PAYLOAD_BYTES } from '../constants.ts';

/**
 * Constants of transaction encryption (docs/protocol.md "Encrypted transactions",
 * docs/decisions.md "Encrypted transactions"). Every hash of the scheme starts with its own
 * domain tag, and none of them is a tag of a signed message, so no value of one use is ever a
 * value of another.
 */

/** keccak256("synod/encryption/id/v1"): first word of a ciphertext's identity (what its decryption key signs). */
export const ENCRYPTION_ID_TAG: Hex = keccak256(toBytes('synod/encryption/id/v1'));
/** keccak256("synod/encryption/mask/v1"): hashes the pairing value into the mask of σ. */
export const ENCRYPTION_MASK_TAG: Hex = keccak256(toBytes('synod/encryption/mask/v1'));
/** keccak256("synod/encryption/stream/v1"): derives the ChaCha20 key of the message from σ. */
export const ENCRYPTION_STREAM_TAG: Hex = keccak256(toBytes('synod/encryption/stream/v1'));
/** keccak256("synod/decryption-shares/v1"): first word of what a validator signs over its DecryptionShares message. */
export const DECRYPTION_SHARES_TAG: Hex = keccak256(toBytes('synod/decryption-shares/v1'));
/** keccak256("synod/encryption/r/v1"): derives the randomness r = H(σ, m) (the Fujisaki–Okamoto transform). */
export const ENCRYPTION_RANDOMNESS_TAG: Hex = keccak256(toBytes('synod/encryption/r/v1'));

/**
 * The namespace of encrypted envelopes: keccak256("synod/encrypted"). An envelope is an ordinary
 * signed transaction of this namespace whose payload is an EncryptedEnvelope; its plaintext, an
 * ordinary signed transaction of the app's namespace, lands two heights later.
 */
export const ENCRYPTED_NAMESPACE: Hex = keccak256(toBytes('synod/encrypted'));

/** σ: the random seed of one encryption. */
export const ENCRYPTION_SEED_BYTES = 32;
/** U = r·G1, compressed. */
export const CIPHERTEXT_POINT_BYTES = 48;
/** U ‖ V (σ masked) before the encrypted message. */
export const CIPHERTEXT_OVERHEAD_BYTES = CIPHERTEXT_POINT_BYTES + ENCRYPTION_SEED_BYTES;
/** A decryption key or share: a compressed G2 point (a BLS signature over the identity). */
export const DECRYPTION_KEY_BYTES = 96;

/** An envelope payload: version ‖ type ‖ namespace 32 ‖ u32 length ‖ ciphertext. */
const ENVELOPE_FIXED_BYTES = 2 + 32 + 4;
/** The largest ciphertext an envelope payload holds: the rest of a transaction payload. */
export const MAX_CIPHERTEXT_BYTES = MAX_TX_PAYLOAD_BYTES - ENVELOPE_FIXED_BYTES;
/** A signed transaction's encoding without its payload: envelope 2, fixed fields 8+32+20+8+8+65, u32 length. */
const TRANSACTION_FIXED_BYTES = 2 + 8 + 32 + 20 + 8 + 4 + 8 + 65;
/**
 * The largest payload of an encrypted transaction: what is left of an envelope payload after the
 * ciphertext overhead and the inner transaction's own fields (3,831 bytes of the 4,096 a plaintext
 * transaction may carry).
 */
export const MAX_ENCRYPTED_TX_PAYLOAD_BYTES =
  MAX_CIPHERTEXT_BYTES - CIPHERTEXT_OVERHEAD_BYTES - TRANSACTION_FIXED_BYTES;
