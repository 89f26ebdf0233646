import { describe, expect, it } from 'vitest';
import { blsPublicKey, blsSecretKeyFromSeed } from '../src/bls/index.ts';
import { type CommitteeRotation, RotationError, rotationMessage } from '../src/hashing/index.ts';

const rotation: CommitteeRotation = {
  chainId: 31337,
  registry: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  epoch: 2,
  activationHeight: 100,
  committeeSize: 7,
  threshold: 5,
  groupPublicKey: blsPublicKey(blsSecretKeyFromSeed(new Uint8Array(32).fill(9))),
};

describe('rotationMessage', () => {
  it('changes with every field it binds', () => {
    const base = rotationMessage(rotation);
    const otherKey = blsPublicKey(blsSecretKeyFromSeed(new Uint8Array(32).fill(10)));
    const variants: CommitteeRotation[] = [
      { ...rotation, chainId: 1 },
      { ...rotation, registry: '0x0000000000000000000000000000000000000001' },
      { ...rotation, epoch: 3 },
      { ...rotation, activationHeight: 101 },
      { ...rotation, committeeSize: 8 },
      { ...rotation, threshold: 4 },
      { ...rotation, groupPublicKey: otherKey },
    ];
    const messages = new Set(variants.map(rotationMessage));
    expect(messages.size).toBe(variants.length);
    expect(messages.has(base)).toBe(false);
  });

  it('refuses a key that is not a 48-byte compressed G1 point and values the ABI cannot hold', () => {
    expect(() => rotationMessage({ ...rotation, groupPublicKey: new Uint8Array(96) })).toThrow(RotationError);
    expect(() => rotationMessage({ ...rotation, threshold: 2 ** 32 })).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE' }),
    );
  });
});
