import * as blst from '@chainsafe/blst';
import { blsPublicKey, blsSecretKeyFromSeed, blsSign } from '@synod/protocol';
import { bytesToHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { blsBackend, blsBackendReady, verifyBlsSignature } from '../src/index.ts';
import { verifyInputs, verifyWithBlst, verifyWithNoble } from '../src/utils/bls.ts';

const secretKey = blsSecretKeyFromSeed(new Uint8Array(32).fill(7));
const otherSecretKey = blsSecretKeyFromSeed(new Uint8Array(32).fill(8));
const publicKey = blsPublicKey(secretKey);
const message = new TextEncoder().encode('synod certificate message');
const signature = blsSign(secretKey, message);

/** The compressed identity of G1 / G2: flags 0xc0, then zeros. */
const identity = (bytes: number) => Uint8Array.from({ length: bytes }, (_, i) => (i === 0 ? 0xc0 : 0));
const flipped = (bytes: Uint8Array, index: number) => {
  const copy = Uint8Array.from(bytes);
  copy[index]! ^= 1;
  return copy;
};

const cases: [
  string,
  Uint8Array | `0x${string}`,
  Uint8Array | `0x${string}`,
  Uint8Array | `0x${string}`,
  boolean,
][] = [
  ['valid', publicKey, message, signature, true],
  ['valid, hex arguments', bytesToHex(publicKey), bytesToHex(message), bytesToHex(signature), true],
  ['another message', publicKey, new TextEncoder().encode('another'), signature, false],
  ['another key', blsPublicKey(otherSecretKey), message, signature, false],
  ['another signer', publicKey, message, blsSign(otherSecretKey, message), false],
  ['signature bit flipped', publicKey, message, flipped(signature, 40), false],
  ['key bit flipped', flipped(publicKey, 20), message, signature, false],
  ['identity key', identity(48), message, signature, false],
  ['identity signature', publicKey, message, identity(96), false],
  ['uncompressed-length key', new Uint8Array(96), message, signature, false],
  ['short signature', publicKey, message, signature.subarray(0, 95), false],
  ['garbage signature', publicKey, message, new Uint8Array(96).fill(0xff), false],
  ['malformed hex', '0xzz', message, signature, false],
];

describe('BLS backends', () => {
  it('uses native blst in Node when @chainsafe/blst is installed', async () => {
    expect(await blsBackendReady).toBe('blst');
    expect(blsBackend()).toBe('blst');
  });

  it.each(cases)('blst and noble agree: %s', (_name, key, bytes, sig, expected) => {
    // Wrong lengths and malformed hex stop before either backend (verifyInputs); the rest go to both.
    let inputs: ReturnType<typeof verifyInputs>;
    try {
      inputs = verifyInputs(key, bytes, sig);
    } catch {
      inputs = undefined;
    }
    if (inputs !== undefined) {
      expect(verifyWithBlst(blst, inputs)).toBe(expected);
      expect(verifyWithNoble(inputs)).toBe(expected);
    }
    expect(verifyBlsSignature(key, bytes, sig)).toBe(expected);
  });
});
