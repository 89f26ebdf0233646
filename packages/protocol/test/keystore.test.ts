import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blsPublicKey, blsSecretKeyFromSeed } from '../src/bls/index.ts';
import {
  decryptShareKeystore,
  encryptShareKeystore,
  KEYSTORE_RANDOMNESS_BYTES,
  KeystoreError,
  type KeystoreKdf,
} from '../src/keystore/index.ts';

interface VectorFile {
  password: string;
  encodedPassword: string;
  secret: string;
  keystores: ({ crypto: { kdf: { function: string } } } & Record<string, unknown>)[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/eip2335-keystores.json', import.meta.url), 'utf8'),
) as VectorFile;

function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

async function keystoreErrorCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof KeystoreError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

/** Cheap KDF settings so round trips take milliseconds; the published vectors cover full cost. */
const fastKdfs: KeystoreKdf[] = [
  { function: 'scrypt', n: 1024, r: 8, p: 1 },
  { function: 'pbkdf2', c: 1000 },
];

const secretKey = blsSecretKeyFromSeed(new Uint8Array(32).fill(0x42));
const pubkey = blsPublicKey(secretKey);
const randomness = Uint8Array.from({ length: KEYSTORE_RANDOMNESS_BYTES }, (_, i) => i);

describe('EIP-2335 published vectors', () => {
  it('the password normalizes to the published encoding (NFKD, control codes stripped)', () => {
    // 𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑 → "testpassword🔑"
    expect(toHex(new TextEncoder().encode(vectors.password.normalize('NFKD')))).toBe(vectors.encodedPassword);
  });

  for (const vector of vectors.keystores) {
    it(`decrypts the ${vector.crypto.kdf.function} vector to the published secret`, {
      timeout: 20_000,
    }, async () => {
      const secret = await decryptShareKeystore(JSON.stringify(vector), vectors.password);
      expect(toHex(secret)).toBe(vectors.secret);
    });
  }

  it('refuses the pbkdf2 vector with a wrong password', { timeout: 20_000 }, async () => {
    const pbkdf2 = vectors.keystores.find((vector) => vector.crypto.kdf.function === 'pbkdf2')!;
    expect(await keystoreErrorCode(() => decryptShareKeystore(JSON.stringify(pbkdf2), 'testpassword'))).toBe(
      'WRONG_PASSWORD',
    );
  });
});

describe('share keystores', () => {
  for (const kdf of fastKdfs) {
    it(`round-trips a share through ${kdf.function}`, async () => {
      const json = await encryptShareKeystore(
        secretKey,
        'correct horse',
        { pubkey, path: '', kdf },
        randomness,
      );
      const parsed = JSON.parse(json);
      expect(parsed.version).toBe(4);
      expect(parsed.pubkey).toBe(toHex(pubkey).slice(2));
      expect(parsed.crypto.kdf.function).toBe(kdf.function);
      expect(await decryptShareKeystore(json, 'correct horse')).toEqual(secretKey);
    });

    it(`reports a wrong password as WRONG_PASSWORD (${kdf.function})`, async () => {
      const json = await encryptShareKeystore(
        secretKey,
        'correct horse',
        { pubkey, path: '', kdf },
        randomness,
      );
      expect(await keystoreErrorCode(() => decryptShareKeystore(json, 'battery staple'))).toBe(
        'WRONG_PASSWORD',
      );
    });
  }

  it('is deterministic given randomness, and fresh randomness changes salt, IV and UUID', async () => {
    const kdf = fastKdfs[1]!;
    const options = { pubkey, path: 'm/12381/3600/0/0/0', description: 'share 1', kdf };
    const first = await encryptShareKeystore(secretKey, 'pw', options, randomness);
    expect(await encryptShareKeystore(secretKey, 'pw', options, randomness)).toBe(first);
    const other = JSON.parse(
      await encryptShareKeystore(
        secretKey,
        'pw',
        options,
        randomness.map((b) => b ^ 0xff),
      ),
    );
    const parsed = JSON.parse(first);
    expect(parsed.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(other.uuid).not.toBe(parsed.uuid);
    expect(other.crypto.kdf.params.salt).not.toBe(parsed.crypto.kdf.params.salt);
    expect(other.crypto.cipher.params.iv).not.toBe(parsed.crypto.cipher.params.iv);
    expect(parsed.path).toBe('m/12381/3600/0/0/0');
    expect(parsed.description).toBe('share 1');
    const unseeded = JSON.parse(await encryptShareKeystore(secretKey, 'pw', options));
    expect(unseeded.crypto.kdf.params.salt).not.toBe(parsed.crypto.kdf.params.salt);
  });

  it('refuses to label a secret with someone else’s pubkey', async () => {
    const otherPubkey = blsPublicKey(blsSecretKeyFromSeed(new Uint8Array(32).fill(1)));
    expect(
      await keystoreErrorCode(() =>
        encryptShareKeystore(secretKey, 'pw', { pubkey: otherPubkey, path: '', kdf: fastKdfs[1] }),
      ),
    ).toBe('PUBKEY_MISMATCH');
  });

  it('detects a keystore whose pubkey field was swapped (the checksum does not cover it)', async () => {
    const json = JSON.parse(
      await encryptShareKeystore(secretKey, 'pw', { pubkey, path: '', kdf: fastKdfs[1] }, randomness),
    );
    json.pubkey = toHex(blsPublicKey(blsSecretKeyFromSeed(new Uint8Array(32).fill(1)))).slice(2);
    expect(await keystoreErrorCode(() => decryptShareKeystore(JSON.stringify(json), 'pw'))).toBe(
      'PUBKEY_MISMATCH',
    );
  });

  it('reports malformed input as INVALID_KEYSTORE', async () => {
    const valid = JSON.parse(
      await encryptShareKeystore(secretKey, 'pw', { pubkey, path: '', kdf: fastKdfs[1] }, randomness),
    );
    const missingCipher = { ...valid, crypto: { ...valid.crypto, cipher: undefined } };
    for (const json of ['not json', '{}', '[]', JSON.stringify(missingCipher)]) {
      expect(await keystoreErrorCode(() => decryptShareKeystore(json, 'pw'))).toBe('INVALID_KEYSTORE');
    }
  });
});
