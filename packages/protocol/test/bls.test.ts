import { bls12_381 } from '@noble/curves/bls12-381.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLS_POP_DST,
  BLS_SIGNATURE_DST,
  BlsError,
  blsProvePossession,
  blsPublicKey,
  blsSecretKeyFromSeed,
  blsSign,
  blsVerify,
  blsVerifyPossession,
  g1ToEip2537,
  g2ToEip2537,
  validatePublicKey,
  validateSignature,
} from '../src/bls/index.ts';

const noble = bls12_381.longSignatures;
const { Fp, Fp2 } = bls12_381.fields;

function hex(value: string): Uint8Array {
  return Uint8Array.from(Buffer.from(value.replace(/^0x/, ''), 'hex'));
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function blsErrorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BlsError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

/** Secret keys as fast-check values: any scalar in [1, r). */
const secretKeyArbitrary = fc
  .bigInt({ min: 1n, max: bls12_381.fields.Fr.ORDER - 1n })
  .map((scalar) => hex(scalar.toString(16).padStart(64, '0')));

function bigintTo48Bytes(value: bigint): Uint8Array {
  return hex(value.toString(16).padStart(96, '0'));
}

/** A compressed G1 encoding of a point on E(Fp) that is not in the prime-order subgroup. */
function offSubgroupG1(): Uint8Array {
  for (let x = 1n; ; x++) {
    try {
      Fp.sqrt(Fp.add(Fp.pow(x, 3n), 4n)); // on the curve iff x³ + 4 is a square
    } catch {
      continue;
    }
    const bytes = bigintTo48Bytes(x);
    bytes[0]! |= 0x80; // compressed flag
    // The cofactor of G1 is ~2^125, so a point found this way is outside the subgroup unless
    // noble (independently) says otherwise, which the test checks.
    return bytes;
  }
}

/** A compressed G2 encoding of a point on E'(Fp2) that is not in the prime-order subgroup. */
function offSubgroupG2(): Uint8Array {
  const b = Fp2.create({ c0: 4n, c1: 4n });
  for (let c0 = 1n; ; c0++) {
    const x = Fp2.create({ c0, c1: 1n });
    try {
      Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b));
    } catch {
      continue;
    }
    const bytes = new Uint8Array(96);
    bytes.set(bigintTo48Bytes(x.c1), 0);
    bytes.set(bigintTo48Bytes(x.c0), 48);
    bytes[0]! |= 0x80;
    return bytes;
  }
}

function identity(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  bytes[0] = 0xc0; // compressed + infinity flags, all else zero
  return bytes;
}

describe('BLS known answers (Ethereum consensus-spec sign vectors, PoP ciphersuite)', () => {
  const vectors = [
    {
      secretKey: '263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3',
      publicKey:
        'a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a',
      message: '0000000000000000000000000000000000000000000000000000000000000000',
      signature:
        'b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55',
    },
    {
      secretKey: '328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216',
      publicKey: undefined,
      message: '5656565656565656565656565656565656565656565656565656565656565656',
      signature:
        'a4efa926610b8bd1c8330c918b7a5e9bf374e53435ef8b7ec186abf62e1b1f65aeaaeb365677ac1d1172a1f5b44b4e6d022c252c58486c0a759fbdc7de15a756acc4d343064035667a594b4c2a6f0b0b421975977f297dba63ee2f63ffe47bb6',
    },
  ];

  for (const vector of vectors) {
    it(`signs ${vector.message.slice(0, 8)}… with key ${vector.secretKey.slice(0, 8)}… to the published signature`, () => {
      const secretKey = hex(vector.secretKey);
      const publicKey = blsPublicKey(secretKey);
      if (vector.publicKey) expect(toHex(publicKey)).toBe(vector.publicKey);
      const signature = blsSign(secretKey, hex(vector.message));
      expect(toHex(signature)).toBe(vector.signature);
      expect(blsVerify(publicKey, hex(vector.message), signature)).toBe(true);
    });
  }
});

describe('BLS keys', () => {
  it('derives the same key from the same seed and different keys from different seeds', () => {
    const seed = new Uint8Array(32).fill(7);
    expect(blsSecretKeyFromSeed(seed)).toEqual(blsSecretKeyFromSeed(seed.slice()));
    expect(blsSecretKeyFromSeed(seed)).not.toEqual(blsSecretKeyFromSeed(new Uint8Array(32).fill(8)));
  });

  it('refuses a seed shorter than 32 bytes', () => {
    expect(blsErrorCode(() => blsSecretKeyFromSeed(new Uint8Array(31)))).toBe('INVALID_LENGTH');
  });

  it('refuses secret keys that are zero, not below r, or of the wrong length', () => {
    expect(blsErrorCode(() => blsPublicKey(new Uint8Array(32)))).toBe('INVALID_SECRET_KEY');
    expect(blsErrorCode(() => blsPublicKey(new Uint8Array(32).fill(0xff)))).toBe('INVALID_SECRET_KEY');
    const order = hex(bls12_381.fields.Fr.ORDER.toString(16).padStart(64, '0'));
    expect(blsErrorCode(() => blsSign(order, new Uint8Array(32)))).toBe('INVALID_SECRET_KEY');
    expect(blsErrorCode(() => blsPublicKey(new Uint8Array(31).fill(1)))).toBe('INVALID_LENGTH');
  });

  it('derives the same public key as @noble/curves', () => {
    fc.assert(
      fc.property(secretKeyArbitrary, (secretKey) => {
        expect(toHex(blsPublicKey(secretKey))).toBe(noble.getPublicKey(secretKey).toHex(true));
      }),
      { numRuns: 20 },
    );
  });
});

describe('BLS signatures: differential against @noble/curves (min-pk, POP DST)', () => {
  it('blst signatures verify under noble, and noble signatures are byte-identical and verify under blst', () => {
    fc.assert(
      fc.property(secretKeyArbitrary, fc.uint8Array({ maxLength: 64 }), (secretKey, message) => {
        const publicKey = blsPublicKey(secretKey);
        const signature = blsSign(secretKey, message);
        const hashed = noble.hash(message, BLS_SIGNATURE_DST);
        expect(noble.verify(signature, hashed, publicKey)).toBe(true);
        const nobleSignature = noble.Signature.toBytes(noble.sign(hashed, secretKey));
        expect(toHex(nobleSignature)).toBe(toHex(signature));
        expect(blsVerify(publicKey, message, nobleSignature)).toBe(true);
      }),
      { numRuns: 8 },
    );
  });

  it('a signature made with another DST (noble default NUL) does not verify', () => {
    const secretKey = blsSecretKeyFromSeed(new Uint8Array(32).fill(1));
    const message = new Uint8Array(32).fill(2);
    const nul = noble.Signature.toBytes(noble.sign(noble.hash(message), secretKey));
    expect(blsVerify(blsPublicKey(secretKey), message, nul)).toBe(false);
  });

  it('verify is false for another message, another key, or a flipped signature byte', () => {
    const secretKey = blsSecretKeyFromSeed(new Uint8Array(32).fill(1));
    const otherKey = blsPublicKey(blsSecretKeyFromSeed(new Uint8Array(32).fill(2)));
    const message = new Uint8Array(32).fill(3);
    const signature = blsSign(secretKey, message);
    expect(blsVerify(blsPublicKey(secretKey), message, signature)).toBe(true);
    expect(blsVerify(blsPublicKey(secretKey), new Uint8Array(32).fill(4), signature)).toBe(false);
    expect(blsVerify(otherKey, message, signature)).toBe(false);
    for (const position of [0, 1, 47, 95]) {
      const flipped = signature.slice();
      flipped[position]! ^= 0x01;
      expect(blsVerify(blsPublicKey(secretKey), message, flipped)).toBe(false);
    }
  });
});

describe('BLS point validation', () => {
  const goodKey = blsPublicKey(blsSecretKeyFromSeed(new Uint8Array(32).fill(1)));
  const goodSignature = blsSign(blsSecretKeyFromSeed(new Uint8Array(32).fill(1)), new Uint8Array(32));

  it('accepts valid keys and signatures', () => {
    expect(blsErrorCode(() => validatePublicKey(goodKey))).toBe('NO_ERROR');
    expect(blsErrorCode(() => validateSignature(goodSignature))).toBe('NO_ERROR');
  });

  it('classifies bad public keys with a bounded code', () => {
    expect(blsErrorCode(() => validatePublicKey(goodKey.subarray(1)))).toBe('INVALID_LENGTH');
    expect(blsErrorCode(() => validatePublicKey(new Uint8Array(96)))).toBe('INVALID_LENGTH');
    expect(blsErrorCode(() => validatePublicKey(identity(48)))).toBe('IDENTITY_POINT');
    const uncompressedFlag = goodKey.slice();
    uncompressedFlag[0]! &= 0x7f;
    expect(blsErrorCode(() => validatePublicKey(uncompressedFlag))).toBe('INVALID_POINT');
    const aboveP = bigintTo48Bytes(Fp.ORDER);
    aboveP[0]! |= 0x80;
    expect(blsErrorCode(() => validatePublicKey(aboveP))).toBe('INVALID_POINT');
    const notInfinity = identity(48);
    notInfinity[47] = 1; // infinity flag with a non-zero coordinate is not canonical
    expect(blsErrorCode(() => validatePublicKey(notInfinity))).toBe('INVALID_POINT');
  });

  it('rejects a G1 point on the curve but outside the subgroup (noble agrees it is invalid)', () => {
    const point = offSubgroupG1();
    expect(blsErrorCode(() => validatePublicKey(point))).toBe('NOT_IN_SUBGROUP');
    expect(() => bls12_381.G1.Point.fromBytes(point).assertValidity()).toThrow();
    expect(blsVerify(point, new Uint8Array(32), goodSignature)).toBe(false);
  });

  it('classifies bad signatures with a bounded code', () => {
    expect(blsErrorCode(() => validateSignature(goodSignature.subarray(1)))).toBe('INVALID_LENGTH');
    expect(blsErrorCode(() => validateSignature(identity(96)))).toBe('IDENTITY_POINT');
    const point = offSubgroupG2();
    expect(blsErrorCode(() => validateSignature(point))).toBe('NOT_IN_SUBGROUP');
    expect(() => noble.Signature.fromBytes(point)).toThrow();
    expect(blsVerify(goodKey, new Uint8Array(32), point)).toBe(false);
    expect(blsVerify(goodKey, new Uint8Array(32), identity(96))).toBe(false);
    expect(blsVerify(identity(48), new Uint8Array(32), goodSignature)).toBe(false);
  });

  it('never throws from verify, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.boolean(),
        (publicKey, signature, flags) => {
          if (flags && publicKey.length > 0) publicKey[0]! |= 0x80;
          if (flags && signature.length > 0) signature[0]! |= 0x80;
          expect(blsVerify(publicKey, new Uint8Array(32), signature)).toBe(false);
          expect(blsVerifyPossession(publicKey, signature)).toBe(false);
        },
      ),
    );
  });

  it('agrees with noble on random 48-byte strings with the compression flag', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (bytes) => {
        bytes[0] = (bytes[0]! & 0x1f) | 0x80; // compressed, not infinity, so the curve code runs
        let nobleValid: boolean;
        try {
          const point = bls12_381.G1.Point.fromBytes(bytes);
          point.assertValidity();
          nobleValid = !point.is0();
        } catch {
          nobleValid = false;
        }
        expect(blsErrorCode(() => validatePublicKey(bytes)) === 'NO_ERROR').toBe(nobleValid);
      }),
      { numRuns: 200 },
    );
  });
});

describe('proof of possession', () => {
  const secretKey = blsSecretKeyFromSeed(new Uint8Array(32).fill(5));
  const publicKey = blsPublicKey(secretKey);
  const proof = blsProvePossession(secretKey);

  it('verifies for its key and equals noble with the PoP DST', () => {
    expect(blsVerifyPossession(publicKey, proof)).toBe(true);
    const expected = noble.Signature.toBytes(noble.sign(noble.hash(publicKey, BLS_POP_DST), secretKey));
    expect(toHex(proof)).toBe(toHex(expected));
  });

  it('does not verify for another key', () => {
    const other = blsPublicKey(blsSecretKeyFromSeed(new Uint8Array(32).fill(6)));
    expect(blsVerifyPossession(other, proof)).toBe(false);
  });

  it('is domain-separated from signatures: neither replays as the other', () => {
    const signatureOverKey = blsSign(secretKey, publicKey);
    expect(blsVerifyPossession(publicKey, signatureOverKey)).toBe(false);
    expect(blsVerify(publicKey, publicKey, proof)).toBe(false);
  });
});

describe('EIP-2537 encodings', () => {
  function padded(value: bigint): string {
    return value.toString(16).padStart(128, '0');
  }

  it('encodes G1 as x ‖ y, each 64 bytes, matching noble affine coordinates', () => {
    fc.assert(
      fc.property(secretKeyArbitrary, (secretKey) => {
        const publicKey = blsPublicKey(secretKey);
        const { x, y } = bls12_381.G1.Point.fromBytes(publicKey).toAffine();
        expect(toHex(g1ToEip2537(publicKey))).toBe(padded(x) + padded(y));
      }),
      { numRuns: 10 },
    );
  });

  it('encodes G2 as x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, each 64 bytes, matching noble', () => {
    fc.assert(
      fc.property(secretKeyArbitrary, fc.uint8Array({ maxLength: 32 }), (secretKey, message) => {
        const signature = blsSign(secretKey, message);
        const { x, y } = noble.Signature.fromBytes(signature).toAffine();
        expect(toHex(g2ToEip2537(signature))).toBe(padded(x.c0) + padded(x.c1) + padded(y.c0) + padded(y.c1));
      }),
      { numRuns: 5 },
    );
  });

  it('refuses invalid points instead of encoding them', () => {
    expect(blsErrorCode(() => g1ToEip2537(identity(48)))).toBe('IDENTITY_POINT');
    expect(blsErrorCode(() => g2ToEip2537(offSubgroupG2()))).toBe('NOT_IN_SUBGROUP');
  });
});
