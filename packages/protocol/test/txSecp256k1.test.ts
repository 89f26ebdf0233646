import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  type NativeSecp256k1Binding,
  recoverPublicKeyNative,
  recoverPublicKeyNoble,
  secp256k1Backend,
  selectSecp256k1Backend,
  TransactionError,
} from '../src/tx/index.ts';
import { findNonCurveX } from './support/secp256k1.ts';

const secretKeyArbitrary = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter(secp256k1.utils.isValidSecretKey);
const digestArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Throws → the error's code; otherwise the recovered key. */
function outcome(recover: () => Uint8Array): Uint8Array | string {
  try {
    return recover();
  } catch (error) {
    expect(error).toBeInstanceOf(TransactionError);
    return (error as TransactionError).code;
  }
}

describe('secp256k1 backends', () => {
  it('loads the native libsecp256k1 addon here', () => {
    expect(secp256k1Backend).toBe('native');
  });

  it('native and noble recover the signer’s public key for random keys and digests', () => {
    fc.assert(
      fc.property(secretKeyArbitrary, digestArbitrary, (secretKey, digest) => {
        const signature = secp256k1.Signature.fromBytes(
          secp256k1.sign(digest, secretKey, { prehash: false, format: 'recovered' }),
          'recovered',
        );
        const compact = signature.toBytes('compact');
        const expected = secp256k1.getPublicKey(secretKey, false);
        expect(recoverPublicKeyNative(compact, signature.recovery!, digest)).toEqual(expected);
        expect(recoverPublicKeyNoble(compact, signature.recovery!, digest)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('native and noble agree on arbitrary signatures: the same key or both BAD_SIGNATURE', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.constantFrom(0, 1),
        digestArbitrary,
        (signature, recovery, digest) => {
          expect(outcome(() => recoverPublicKeyNative(signature, recovery, digest))).toEqual(
            outcome(() => recoverPublicKeyNoble(signature, recovery, digest)),
          );
        },
      ),
      { numRuns: 50 },
    );
    const noPoint = new Uint8Array(64);
    noPoint.set(Buffer.from(findNonCurveX().toString(16).padStart(64, '0'), 'hex'), 0);
    noPoint[63] = 1;
    for (const recover of [recoverPublicKeyNative, recoverPublicKeyNoble]) {
      expect(outcome(() => recover(noPoint, 0, new Uint8Array(32).fill(7)))).toBe('BAD_SIGNATURE');
      expect(outcome(() => recover(new Uint8Array(64), 0, new Uint8Array(32).fill(7)))).toBe('BAD_SIGNATURE');
    }
  });

  it('falls back to noble with exactly one warning when the addon fails to load', () => {
    const logger = vi.fn();
    const backend = selectSecp256k1Backend({
      logger,
      loadNative: () => {
        throw new Error('no prebuild for this platform');
      },
    });
    expect(backend.name).toBe('noble');
    expect(backend.recoverPublicKey).toBe(recoverPublicKeyNoble);
    expect(logger).toHaveBeenCalledOnce();
    expect(logger.mock.calls[0]![0]).toMatch(/no prebuild for this platform.*@noble\/curves/);
  });

  it('uses an addon that loads, without warning', () => {
    const logger = vi.fn();
    const calls: number[] = [];
    const fake: NativeSecp256k1Binding = {
      ecdsaRecover(_signature, recovery) {
        calls.push(recovery);
        return new Uint8Array(65);
      },
    };
    const backend = selectSecp256k1Backend({ logger, loadNative: () => fake });
    expect(backend.name).toBe('native');
    backend.recoverPublicKey(new Uint8Array(64), 1, new Uint8Array(32));
    expect(calls).toEqual([1]);
    expect(logger).not.toHaveBeenCalled();
    expect(selectSecp256k1Backend({ logger }).name).toBe('native');
  });
});
