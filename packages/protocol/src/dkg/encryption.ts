import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Writer } from '../codec/primitives.ts';
import { DKG_ENCRYPTION_KEY_BYTES, DKG_SESSION_ID_BYTES, DKG_SHARE_KEY_INFO } from './constants.ts';

/**
 * ECIES for DKG shares: X25519 between the deal's ephemeral key and the recipient's key, HKDF-SHA256
 * (salt = session id, info binding dealer, recipient and both public keys) to a ChaCha20-Poly1305
 * key and nonce, and the session id, dealer and recipient again as associated data. A ciphertext
 * therefore opens only for its recipient, in its session, as the share from its dealer.
 */

/** ChaCha20-Poly1305 key ‖ nonce. */
const KEY_BYTES = 32;
const NONCE_BYTES = 12;

function context(sessionId: Uint8Array, dealerIndex: number, recipientIndex: number): Writer {
  return new Writer().fixed(sessionId, DKG_SESSION_ID_BYTES).u16(dealerIndex).u16(recipientIndex);
}

function cipherFor(
  sharedSecret: Uint8Array,
  sessionId: Uint8Array,
  dealerIndex: number,
  recipientIndex: number,
  ephemeralPublicKey: Uint8Array,
  recipientPublicKey: Uint8Array,
) {
  const info = new Writer()
    .fixed(DKG_SHARE_KEY_INFO, DKG_SHARE_KEY_INFO.length)
    .u16(dealerIndex)
    .u16(recipientIndex)
    .fixed(ephemeralPublicKey, DKG_ENCRYPTION_KEY_BYTES)
    .fixed(recipientPublicKey, DKG_ENCRYPTION_KEY_BYTES)
    .finish();
  const keyAndNonce = hkdf(sha256, sharedSecret, sessionId, info, KEY_BYTES + NONCE_BYTES);
  const associatedData = context(sessionId, dealerIndex, recipientIndex).finish();
  return chacha20poly1305(
    keyAndNonce.subarray(0, KEY_BYTES),
    keyAndNonce.subarray(KEY_BYTES),
    associatedData,
  );
}

export interface ShareEncryptionContext {
  sessionId: Uint8Array;
  dealerIndex: number;
  recipientIndex: number;
}

/**
 * Encrypts a 32-byte share to `recipientPublicKey` with the deal's ephemeral key pair. Throws if
 * the recipient's key is of small order (noble refuses the all-zero shared secret).
 */
export function encryptShare(
  share: Uint8Array,
  ephemeral: { secretKey: Uint8Array; publicKey: Uint8Array },
  recipientPublicKey: Uint8Array,
  { sessionId, dealerIndex, recipientIndex }: ShareEncryptionContext,
): Uint8Array {
  const sharedSecret = x25519.getSharedSecret(ephemeral.secretKey, recipientPublicKey);
  const ephemeralPublicKey = ephemeral.publicKey;
  return cipherFor(
    sharedSecret,
    sessionId,
    dealerIndex,
    recipientIndex,
    ephemeralPublicKey,
    recipientPublicKey,
  ).encrypt(share);
}

/** Decrypts a share sent to us; `undefined` if it does not authenticate (wrong key, session, dealer, or tampered). */
export function decryptShare(
  ciphertext: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  recipient: { secretKey: Uint8Array; publicKey: Uint8Array },
  { sessionId, dealerIndex, recipientIndex }: ShareEncryptionContext,
): Uint8Array | undefined {
  try {
    const sharedSecret = x25519.getSharedSecret(recipient.secretKey, ephemeralPublicKey);
    const recipientPublicKey = recipient.publicKey;
    return cipherFor(
      sharedSecret,
      sessionId,
      dealerIndex,
      recipientIndex,
      ephemeralPublicKey,
      recipientPublicKey,
    ).decrypt(ciphertext);
  } catch {
    // A small-order ephemeral key or a failed tag: either way the dealer sent us no usable share.
    return undefined;
  }
}
