import { keccak_256 } from '@noble/hashes/sha3.js';
import { BLS_PUBLIC_KEY_BYTES, BLS_SECRET_KEY_BYTES } from '../bls/constants.ts';

/**
 * DKG parameters, caps and domain tags. See docs/protocol.md "DKG".
 */

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * Participants per DKG. Tendermint's all-to-all votes make committees beyond a few hundred
 * validators impractical anyway; 256 keeps a deal (two lists of n × 48 bytes) under 25 KiB and
 * lets every index travel as a u16.
 */
export const MAX_DKG_PARTICIPANTS = 256;

/** Session id: keccak256 of the session's parameters (see `dkgSessionId`). */
export const DKG_SESSION_ID_BYTES = 32;
/** The coordinator's nonce: 32 bytes, so two sessions with equal parameters still differ. */
export const DKG_NONCE_BYTES = 32;
/** A participant's randomness for one session; it seeds the polynomial and the ephemeral key. */
export const DKG_RANDOMNESS_MIN_BYTES = 32;
/** Ed25519 public key and secret key (seed). */
export const DKG_SIGNING_KEY_BYTES = 32;
/** Ed25519 signature. */
export const DKG_SIGNATURE_BYTES = 64;
/** X25519 public and secret keys. */
export const DKG_ENCRYPTION_KEY_BYTES = 32;
/** ChaCha20-Poly1305 authentication tag. */
const AEAD_TAG_BYTES = 16;
/** One encrypted share: the 32-byte scalar and its tag. */
export const DKG_ENCRYPTED_SHARE_BYTES = BLS_SECRET_KEY_BYTES + AEAD_TAG_BYTES;

/** version (u8) ‖ type (u8). */
const ENVELOPE_BYTES = 2;
/** u32 count prefix of a list. */
const COUNT_PREFIX_BYTES = 4;
/** Participant indices are u16 on the wire. */
const INDEX_BYTES = 2;

/** sessionId, dealer, commitments (≤ n), ephemeral key, encrypted shares (n), signature. */
export const MAX_DKG_DEAL_BYTES =
  ENVELOPE_BYTES +
  DKG_SESSION_ID_BYTES +
  INDEX_BYTES +
  COUNT_PREFIX_BYTES +
  MAX_DKG_PARTICIPANTS * BLS_PUBLIC_KEY_BYTES +
  DKG_ENCRYPTION_KEY_BYTES +
  COUNT_PREFIX_BYTES +
  MAX_DKG_PARTICIPANTS * DKG_ENCRYPTED_SHARE_BYTES +
  DKG_SIGNATURE_BYTES;

/** sessionId, responder, complaints (≤ n dealer indices), signature. */
export const MAX_DKG_RESPONSE_BYTES =
  ENVELOPE_BYTES +
  DKG_SESSION_ID_BYTES +
  INDEX_BYTES +
  COUNT_PREFIX_BYTES +
  MAX_DKG_PARTICIPANTS * INDEX_BYTES +
  DKG_SIGNATURE_BYTES;

/** sessionId, dealer, revealed shares (≤ n of recipient index and scalar), signature. */
export const MAX_DKG_JUSTIFICATION_BYTES =
  ENVELOPE_BYTES +
  DKG_SESSION_ID_BYTES +
  INDEX_BYTES +
  COUNT_PREFIX_BYTES +
  MAX_DKG_PARTICIPANTS * (INDEX_BYTES + BLS_SECRET_KEY_BYTES) +
  DKG_SIGNATURE_BYTES;

// Domain tags: the first 32 bytes of every preimage, so no signature or key of one kind can be
// used as another kind (docs/protocol.md "DKG").

/** keccak256("synod/dkg/session/v1"): first word of the session id preimage. */
export const DKG_SESSION_TAG = keccak_256(utf8('synod/dkg/session/v1'));
/** keccak256("synod/dkg/reshare/v1"): appended to a reshare's session id preimage (never a DKG's). */
export const DKG_RESHARE_SESSION_TAG = keccak_256(utf8('synod/dkg/reshare/v1'));
/**
 * keccak256("synod/dkg/encryption-session/v1"): appended (after any reshare part) to the session id
 * preimage of a committee encryption-key session, so it never shares a session id, topic or
 * signed message with the signing-key session of the same committee and nonce.
 */
export const DKG_ENCRYPTION_SESSION_TAG = keccak_256(utf8('synod/dkg/encryption-session/v1'));
/** keccak256("synod/dkg/deal/v1"): first word of what a dealer signs. */
export const DKG_DEAL_TAG = keccak_256(utf8('synod/dkg/deal/v1'));
/** keccak256("synod/dkg/response/v1"): first word of what a responder signs. */
export const DKG_RESPONSE_TAG = keccak_256(utf8('synod/dkg/response/v1'));
/** keccak256("synod/dkg/justification/v1"): first word of what a dealer signs to justify. */
export const DKG_JUSTIFICATION_TAG = keccak_256(utf8('synod/dkg/justification/v1'));

/** HKDF info strings: one per derived secret, so no two derivations can collide. */
export const DKG_POLYNOMIAL_INFO = utf8('synod/dkg/polynomial/v1');
export const DKG_EPHEMERAL_KEY_INFO = utf8('synod/dkg/ephemeral-key/v1');
export const DKG_SHARE_KEY_INFO = utf8('synod/dkg/share-encryption/v1');
export const DKG_SIGNING_KEY_INFO = utf8('synod/dkg/signing-key/v1');
export const DKG_ENCRYPTION_KEY_INFO = utf8('synod/dkg/encryption-key/v1');
