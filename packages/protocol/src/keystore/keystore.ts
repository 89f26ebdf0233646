import { create, decrypt, type IKeystore, validateKeystore } from '@chainsafe/bls-keystore';
import { decodeSecretKey } from '../bls/signature.ts';
import { assert, SynodProtocolError } from '../errors.ts';

/**
 * EIP-2335 keystores for a validator's BLS share, through @chainsafe/bls-keystore (the library
 * Lodestar uses): the secret is encrypted with AES-128-CTR under a key stretched from the
 * password by scrypt or PBKDF2, with a SHA-256 checksum that detects a wrong password.
 */

export type KeystoreErrorCode =
  /** The checksum does not match: the password is not the one the keystore was made with. */
  | 'WRONG_PASSWORD'
  /** Not JSON, not an EIP-2335 keystore, or its secret is not a valid BLS secret key. */
  | 'INVALID_KEYSTORE'
  /** The keystore's `pubkey` is not the public key of its secret (or of the secret given to encrypt). */
  | 'PUBKEY_MISMATCH';

export class KeystoreError extends SynodProtocolError<KeystoreErrorCode> {
  override readonly name = 'KeystoreError';
}

/** Password stretching. Cost parameters are part of the keystore, so decrypting needs no options. */
export type KeystoreKdf =
  | { function: 'scrypt'; n: number; r: number; p: number }
  | { function: 'pbkdf2'; c: number };

/**
 * EIP-2335's recommended scrypt cost (n = 2^18, r = 8, p = 1): about a second and 256 MiB per
 * attempt, which is what makes a stolen keystore expensive to brute-force.
 */
const DEFAULT_KDF: KeystoreKdf = { function: 'scrypt', n: 262_144, r: 8, p: 1 };

/** Randomness consumed per keystore: 32-byte KDF salt ‖ 16-byte AES IV ‖ 16 bytes for the UUID. */
export const KEYSTORE_RANDOMNESS_BYTES = 64;
const SALT_BYTES = 32;
const IV_BYTES = 16;

export interface ShareKeystoreOptions {
  /** 48-byte public key of the share; checked against the secret key. */
  pubkey: Uint8Array;
  /** EIP-2334 derivation path; '' for DKG shares, which come from no HD wallet. */
  path: string;
  description?: string;
  /** Defaults to scrypt with EIP-2335's cost. */
  kdf?: KeystoreKdf;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A version-4 UUID string from 16 bytes (RFC 9562 §5.4: version and variant bits forced). */
function uuidFromBytes(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Encrypts a BLS secret key share into an EIP-2335 keystore (JSON text).
 *
 * `randomness` (64 bytes: salt, IV, UUID) makes the output deterministic, as pure code and tests
 * need; without it the library draws from the platform CSPRNG. Throws KeystoreError
 * `PUBKEY_MISMATCH` if `options.pubkey` is not the secret key's public key.
 *
 * @example
 * const json = await encryptShareKeystore(share.secretKey, password, { pubkey: share.publicKey, path: '' });
 * const secretKey = await decryptShareKeystore(json, password);
 */
export async function encryptShareKeystore(
  secretKey: Uint8Array,
  password: string,
  options: ShareKeystoreOptions,
  randomness?: Uint8Array,
): Promise<string> {
  const derived = decodeSecretKey(secretKey).toPublicKey().toBytes(true);
  if (toHex(derived) !== toHex(options.pubkey)) {
    throw new KeystoreError('PUBKEY_MISMATCH', 'pubkey is not the public key of the secret key');
  }
  if (randomness !== undefined) {
    assert(
      randomness.length === KEYSTORE_RANDOMNESS_BYTES,
      `randomness must be ${KEYSTORE_RANDOMNESS_BYTES} bytes`,
    );
  }
  const salt = randomness?.subarray(0, SALT_BYTES) ?? crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv =
    randomness?.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES) ??
    crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const kdf = options.kdf ?? DEFAULT_KDF;
  const kdfModule =
    kdf.function === 'scrypt'
      ? {
          function: 'scrypt' as const,
          params: { dklen: 32, n: kdf.n, r: kdf.r, p: kdf.p, salt: toHex(salt) },
        }
      : {
          function: 'pbkdf2' as const,
          params: { dklen: 32, c: kdf.c, prf: 'hmac-sha256' as const, salt: toHex(salt) },
        };
  const keystore = await create(
    password,
    secretKey,
    options.pubkey,
    options.path,
    options.description ?? null,
    kdfModule,
    undefined,
    {
      function: 'aes-128-ctr',
      params: { iv: toHex(iv) },
    },
  );
  if (randomness !== undefined) keystore.uuid = uuidFromBytes(randomness.subarray(SALT_BYTES + IV_BYTES));
  return JSON.stringify(keystore, null, 2);
}

/**
 * Decrypts an EIP-2335 keystore (JSON text) to the 32-byte BLS secret key, and checks it against
 * the keystore's `pubkey`. Throws KeystoreError: `WRONG_PASSWORD`, `INVALID_KEYSTORE`,
 * `PUBKEY_MISMATCH`.
 */
export async function decryptShareKeystore(json: string, password: string): Promise<Uint8Array> {
  let keystore: IKeystore;
  try {
    const parsed: unknown = JSON.parse(json);
    validateKeystore(parsed);
    keystore = parsed;
  } catch (cause) {
    throw new KeystoreError('INVALID_KEYSTORE', 'not an EIP-2335 keystore', { cause });
  }
  let secretKey: Uint8Array;
  try {
    secretKey = await decrypt(keystore, password);
  } catch (cause) {
    // The library signals a checksum mismatch with this exact message; anything else is a broken file.
    const wrongPassword = cause instanceof Error && cause.message === 'Invalid password';
    throw new KeystoreError(
      wrongPassword ? 'WRONG_PASSWORD' : 'INVALID_KEYSTORE',
      'cannot decrypt keystore',
      { cause },
    );
  }
  let publicKey: Uint8Array;
  try {
    publicKey = decodeSecretKey(secretKey).toPublicKey().toBytes(true);
  } catch (cause) {
    throw new KeystoreError('INVALID_KEYSTORE', 'decrypted secret is not a BLS secret key', { cause });
  }
  if (toHex(publicKey) !== keystore.pubkey.toLowerCase().replace(/^0x/, '')) {
    throw new KeystoreError('PUBKEY_MISMATCH', 'keystore pubkey is not the public key of its secret');
  }
  return Uint8Array.from(secretKey);
}
