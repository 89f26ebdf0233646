import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { BLS_PUBLIC_KEY_BYTES } from '../bls/constants.ts';
import { Writer } from '../codec/primitives.ts';
import {
  DKG_ENCRYPTION_KEY_BYTES,
  DKG_ENCRYPTION_KEY_INFO,
  DKG_ENCRYPTION_SESSION_TAG,
  DKG_NONCE_BYTES,
  DKG_RESHARE_SESSION_TAG,
  DKG_SESSION_TAG,
  DKG_SIGNATURE_BYTES,
  DKG_SIGNING_KEY_BYTES,
  DKG_SIGNING_KEY_INFO,
} from './constants.ts';
import { DkgError } from './errors.ts';
import type { DkgConfig } from './types.ts';

/**
 * A participant's long-term DKG keys: Ed25519 to sign its messages, X25519 to receive its
 * encrypted shares. Two keys rather than one key used both ways, so neither protocol's security
 * argument depends on the other. A node may use its libp2p Ed25519 identity as the signing key.
 */
export interface DkgKeyPair {
  signingSecretKey: Uint8Array;
  signingPublicKey: Uint8Array;
  encryptionSecretKey: Uint8Array;
  encryptionPublicKey: Uint8Array;
}

/** Derives both DKG key pairs from one ≥ 32-byte secret seed (HKDF-SHA256, distinct info per key). */
export function dkgKeysFromSeed(seed: Uint8Array): DkgKeyPair {
  if (seed.length < 32) throw new DkgError('INVALID_CONFIG', 'DKG key seed must be at least 32 bytes');
  const signingSecretKey = hkdf(sha256, seed, undefined, DKG_SIGNING_KEY_INFO, DKG_SIGNING_KEY_BYTES);
  const encryptionSecretKey = hkdf(
    sha256,
    seed,
    undefined,
    DKG_ENCRYPTION_KEY_INFO,
    DKG_ENCRYPTION_KEY_BYTES,
  );
  return {
    signingSecretKey,
    signingPublicKey: ed25519.getPublicKey(signingSecretKey),
    encryptionSecretKey,
    encryptionPublicKey: x25519.getPublicKey(encryptionSecretKey),
  };
}

/**
 * The session id: keccak256(DKG_SESSION_TAG ‖ u64 networkId ‖ u64 epoch ‖ u16 threshold ‖ u16 n ‖
 * (signingPublicKey ‖ encryptionPublicKey) for each participant ‖ nonce), followed for a reshare by
 * DKG_RESHARE_SESSION_TAG ‖ u16 dealers ‖ their two keys each ‖ u16 t_prev ‖ the previous
 * commitments, and then for an encryption-key session (purpose 'encryption') by
 * DKG_ENCRYPTION_SESSION_TAG. Every message, signature
 * and encryption of the session is bound to it, so participants that disagree on any parameter
 * simply cannot talk, and nothing from another session is accepted. A signing session (purpose
 * undefined or 'signing') appends nothing: its id is what it was before purposes existed.
 */
export function dkgSessionId(config: DkgConfig): Uint8Array {
  const writer = new Writer();
  writer
    .fixed(DKG_SESSION_TAG, DKG_SESSION_TAG.length)
    .u53(config.networkId)
    .u53(config.epoch)
    .u16(config.threshold)
    .u16(config.participants.length);
  for (const participant of config.participants) {
    writer
      .fixed(participant.signingPublicKey, DKG_SIGNING_KEY_BYTES)
      .fixed(participant.encryptionPublicKey, DKG_ENCRYPTION_KEY_BYTES);
  }
  writer.fixed(config.nonce, DKG_NONCE_BYTES);
  const { reshare } = config;
  if (reshare !== undefined) {
    // A reshare also binds the previous committee and the key being redealt.
    writer.fixed(DKG_RESHARE_SESSION_TAG, DKG_RESHARE_SESSION_TAG.length).u16(reshare.dealers.length);
    for (const dealer of reshare.dealers) {
      writer
        .fixed(dealer.signingPublicKey, DKG_SIGNING_KEY_BYTES)
        .fixed(dealer.encryptionPublicKey, DKG_ENCRYPTION_KEY_BYTES);
    }
    writer.u16(reshare.previousCommitments.length);
    for (const commitment of reshare.previousCommitments) writer.fixed(commitment, BLS_PUBLIC_KEY_BYTES);
  }
  // The encryption key's session has the signing key's committee and nonce: only the tag tells
  // them apart (its threshold may equal the signing one, e.g. n = 1).
  if (config.purpose === 'encryption')
    writer.fixed(DKG_ENCRYPTION_SESSION_TAG, DKG_ENCRYPTION_SESSION_TAG.length);
  return keccak_256(writer.finish());
}

export function signDkgPayload(payload: Uint8Array, signingSecretKey: Uint8Array): Uint8Array {
  return ed25519.sign(payload, signingSecretKey);
}

/** Never throws: a malformed key or signature is `false`. */
export function verifyDkgSignature(
  payload: Uint8Array,
  signature: Uint8Array,
  signingPublicKey: Uint8Array,
): boolean {
  if (signature.length !== DKG_SIGNATURE_BYTES) return false;
  try {
    // zip215: false → RFC 8032 strict verification, so one message has one valid encoding per key.
    return ed25519.verify(signature, payload, signingPublicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Whether `bytes` is an Ed25519 public key that decodes to a curve point. */
export function isValidSigningPublicKey(bytes: Uint8Array): boolean {
  if (bytes.length !== DKG_SIGNING_KEY_BYTES) return false;
  try {
    ed25519.Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}
