import { BlsError } from '../bls/errors.ts';
import { frFromBigint, g1FromBlst, g2FromBlst, mcl } from '../bls/mcl.ts';
import { decodePublicKey, decodeSecretKey, decodeSignature } from '../bls/signature.ts';
import {
  type PartialSignature,
  partialSign,
  recoverGroupSignature,
  verifyGroupSignature,
  verifyPartial,
} from '../bls/threshold.ts';
import { CIPHERTEXT_OVERHEAD_BYTES, CIPHERTEXT_POINT_BYTES, ENCRYPTION_SEED_BYTES } from './constants.ts';
import { EncryptionError } from './errors.ts';
import {
  type DecryptionResult,
  type EncryptParameters,
  encryptionIdentity,
  encryptionMask,
  encryptionRandomness,
  encryptionStream,
  openCiphertext,
} from './scheme.ts';

/**
 * The node's side of transaction encryption: decryption shares are BLS partial signatures over a
 * ciphertext's identity with the validator's share of the committee *encryption* key, and any
 * threshold of them combine into the decryption key, exactly like votes into a certificate
 * (bls/threshold.ts). Decryption is the arithmetic of scheme.ts in mcl (WebAssembly): ~2.5 ms a
 * pairing against ~16 ms in @noble/curves, the difference between a node keeping up with a block
 * of envelopes or not. test/encryption.test.ts checks both give the same results.
 */

/** This validator's decryption share for `identity`: s_i·H(identity). */
export function decryptionShare(encryptionShareSecretKey: Uint8Array, identity: Uint8Array): Uint8Array {
  return partialSign(encryptionShareSecretKey, identity);
}

/** Whether `share` is the decryption share of `identity` under the share public key. Never throws. */
export function verifyDecryptionShare(
  encryptionSharePublicKey: Uint8Array,
  identity: Uint8Array,
  share: Uint8Array,
): boolean {
  return verifyPartial(encryptionSharePublicKey, identity, share);
}

/** The decryption key from `threshold` or more shares (Shamir index = validator index + 1). Throws ThresholdError. */
export function combineDecryptionShares(shares: readonly PartialSignature[], threshold: number): Uint8Array {
  return recoverGroupSignature(shares, threshold);
}

/** Whether `key` is the decryption key of `identity` under the committee encryption key. Never throws. */
export function verifyDecryptionKey(
  encryptionPublicKey: Uint8Array,
  identity: Uint8Array,
  key: Uint8Array,
): boolean {
  return verifyGroupSignature(encryptionPublicKey, identity, key);
}

/** Number of bytes of one Fp element in mcl's (Ethereum) serialization. */
const FP_BYTES = 48;

let generator: mcl.G1 | undefined;
function g1Generator(): mcl.G1 {
  if (generator === undefined) {
    generator = new mcl.G1();
    // The standard generator of G1 (ZCash compressed encoding).
    generator.deserializeHexStr(
      '97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb',
    );
  }
  return generator;
}

/**
 * mcl's GT encoding writes every Fp2 element as c1 ‖ c0; the canonical one (scheme.ts) as
 * c0 ‖ c1. Swapping each pair of 48-byte halves converts.
 */
function canonicalPairingBytes(value: mcl.GT): Uint8Array {
  const raw = value.serialize();
  const out = new Uint8Array(raw.length);
  for (let offset = 0; offset < raw.length; offset += 2 * FP_BYTES) {
    out.set(raw.subarray(offset + FP_BYTES, offset + 2 * FP_BYTES), offset);
    out.set(raw.subarray(offset, offset + FP_BYTES), offset + FP_BYTES);
  }
  return out;
}

/**
 * `decrypt` of scheme.ts in mcl. The key must be a valid G2 point (throws EncryptionError
 * INVALID_DECRYPTION_KEY otherwise; check it with verifyDecryptionKey first to tell a wrong key
 * from an undecryptable ciphertext). A ciphertext whose U is not a valid non-identity G1 point is
 * MALFORMED_CIPHERTEXT; one that fails the Fujisaki–Okamoto check is DECRYPTION_FAILED.
 */
export function decryptFast(key: Uint8Array, ciphertext: Uint8Array): DecryptionResult {
  let keyPoint: mcl.G2;
  try {
    keyPoint = g2FromBlst(decodeSignature(key));
  } catch (cause) {
    if (!(cause instanceof BlsError)) throw cause;
    throw new EncryptionError('INVALID_DECRYPTION_KEY', `not a valid G2 point: ${cause.code}`, { cause });
  }
  if (ciphertext.length < CIPHERTEXT_OVERHEAD_BYTES) return { ok: false, reason: 'MALFORMED_CIPHERTEXT' };
  let point: mcl.G1;
  try {
    point = g1FromBlst(decodePublicKey(ciphertext.subarray(0, CIPHERTEXT_POINT_BYTES)));
  } catch (cause) {
    if (!(cause instanceof BlsError)) throw cause;
    return { ok: false, reason: 'MALFORMED_CIPHERTEXT' };
  }
  const pairing = canonicalPairingBytes(mcl.pairing(point, keyPoint));
  return openCiphertext(ciphertext, pairing, (scalar) =>
    mcl.mul(g1Generator(), frFromBigint(scalar)).serialize(),
  );
}

/** The secret key 1: its BLS signature of a message is the message's hash to G2, H(m), in blst. */
const UNIT_SECRET_KEY = new Uint8Array(32);
UNIT_SECRET_KEY[31] = 1;

/**
 * `encrypt` of scheme.ts with blst's hash to G2 and mcl's pairing: the same bytes for the same
 * seed (test/encryption.test.ts), ~5× faster. For load generators and tools that encrypt many
 * transactions in Node; a client encrypts with `encrypt` (browser-safe).
 */
export function encryptFast(parameters: EncryptParameters): Uint8Array {
  const { message, seed } = parameters;
  if (seed.length !== ENCRYPTION_SEED_BYTES) {
    throw new EncryptionError('INVALID_PARAMETER', `the seed is ${seed.length} bytes, not 32`);
  }
  let publicKey: mcl.G1;
  try {
    publicKey = g1FromBlst(decodePublicKey(parameters.publicKey));
  } catch (cause) {
    if (!(cause instanceof BlsError)) throw cause;
    throw new EncryptionError('INVALID_PUBLIC_KEY', `not a valid G1 point: ${cause.code}`, { cause });
  }
  const r = frFromBigint(encryptionRandomness(seed, message));
  const point = mcl.mul(g1Generator(), r).serialize();
  const identity = encryptionIdentity(parameters, point);
  const hashed = g2FromBlst(decodeSecretKey(UNIT_SECRET_KEY).sign(identity));
  const pairing = canonicalPairingBytes(mcl.pairing(mcl.mul(publicKey, r), hashed));
  const mask = encryptionMask(pairing);
  const ciphertext = new Uint8Array(CIPHERTEXT_OVERHEAD_BYTES + message.length);
  ciphertext.set(point, 0);
  for (let i = 0; i < ENCRYPTION_SEED_BYTES; i++)
    ciphertext[CIPHERTEXT_POINT_BYTES + i] = seed[i]! ^ mask[i]!;
  ciphertext.set(encryptionStream(seed, message), CIPHERTEXT_OVERHEAD_BYTES);
  return ciphertext;
}
