import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Codec, WIRE_VERSION } from '../../src/codec/envelope.ts';
import { DecodeError, type DecodeErrorCode } from '../../src/errors.ts';

/**
 * The properties every wire codec must have (docs/protocol.md "Wire encoding"), generic over a
 * Codec<T> and an fc.Arbitrary<T> of canonical values (hex in lowercase, as decoders return it).
 *
 *   describeCodecProperties(transactionCodec, signedTransactionArbitrary());
 *
 * Any exception other than DecodeError fails the property: decoders must never throw untyped.
 */

export interface CodecPropertyOptions {
  /** fast-check runs per property (default 100). */
  numRuns?: number;
  /** Encodings up to this length have every prefix checked; longer ones a sample (default 256). */
  exhaustiveTruncationBytes?: number;
}

/** decode, returning a DecodeError instead of throwing it; any other exception propagates. */
export function decodeOrError<T>(codec: Codec<T>, bytes: Uint8Array): T | DecodeError {
  try {
    return codec.decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
}

/** Asserts that decoding `bytes` fails with a DecodeError of `code`. */
export function expectDecodeError<T>(codec: Codec<T>, bytes: Uint8Array, code: DecodeErrorCode): void {
  const result = decodeOrError(codec, bytes);
  expect(result, `expected DecodeError ${code}`).toBeInstanceOf(DecodeError);
  expect((result as DecodeError).code).toBe(code);
}

/** Cut points to try for an encoding of `length` bytes: all of them, or the edges plus a sample. */
function cutPoints(length: number, exhaustiveUpTo: number, sample: readonly number[]): number[] {
  if (length <= exhaustiveUpTo) return Array.from({ length }, (_, cut) => cut);
  return [0, 1, 2, length - 1, ...sample.map((at) => at % length)];
}

/** Registers the shared codec properties as a describe block of vitest tests. */
export function describeCodecProperties<T>(
  codec: Codec<T>,
  arbitrary: fc.Arbitrary<T>,
  options: CodecPropertyOptions = {},
): void {
  const { numRuns = 100, exhaustiveTruncationBytes = 256 } = options;
  const parameters = { numRuns };

  describe(`${codec.name} codec`, () => {
    it('round-trips every value and re-encodes to the same bytes', () => {
      fc.assert(
        fc.property(arbitrary, (value) => {
          const bytes = codec.encode(value);
          expect(bytes.length).toBeLessThanOrEqual(codec.maxBytes);
          const decoded = codec.decode(bytes);
          expect(decoded).toEqual(value);
          expect(codec.encode(decoded)).toEqual(bytes);
        }),
        parameters,
      );
    });

    it('rejects every truncation with a DecodeError', () => {
      fc.assert(
        fc.property(arbitrary, fc.array(fc.nat(), { minLength: 32, maxLength: 32 }), (value, sample) => {
          const bytes = codec.encode(value);
          for (const cut of cutPoints(bytes.length, exhaustiveTruncationBytes, sample)) {
            expect(decodeOrError(codec, bytes.subarray(0, cut))).toBeInstanceOf(DecodeError);
          }
        }),
        parameters,
      );
    });

    it('rejects every single-byte change or decodes it to a different, canonical value', () => {
      fc.assert(
        fc.property(
          arbitrary,
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 8, maxLength: 8 }),
          (value, changes) => {
            const bytes = codec.encode(value);
            for (const [at, delta] of changes) {
              const mutated = bytes.slice();
              const index = at % bytes.length;
              mutated[index] = (mutated[index]! + delta) & 0xff;
              const result = decodeOrError(codec, mutated);
              if (result instanceof DecodeError) continue;
              expect(result).not.toEqual(value);
              // Whatever decodes is canonical: it re-encodes to exactly the bytes it came from.
              expect(codec.encode(result)).toEqual(mutated);
            }
          },
        ),
        parameters,
      );
    });

    it('rejects random bytes after a valid envelope with a DecodeError or decodes them canonically', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (body) => {
          const bytes = Uint8Array.of(WIRE_VERSION, codec.type, ...body);
          const result = decodeOrError(codec, bytes);
          if (!(result instanceof DecodeError)) expect(codec.encode(result)).toEqual(bytes);
        }),
        parameters,
      );
    });

    it('rejects trailing bytes, unknown versions and other message types', () => {
      fc.assert(
        fc.property(
          arbitrary,
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 0, max: 255 }).filter((version) => version !== WIRE_VERSION),
          fc.integer({ min: 0, max: 255 }).filter((type) => type !== codec.type),
          (value, extra, version, type) => {
            const bytes = codec.encode(value);
            const trailing = Uint8Array.of(...bytes, extra);
            expectDecodeError(
              codec,
              trailing,
              trailing.length > codec.maxBytes ? 'MESSAGE_TOO_LARGE' : 'TRAILING_BYTES',
            );
            expectDecodeError(codec, Uint8Array.of(version, ...bytes.subarray(1)), 'UNKNOWN_VERSION');
            expectDecodeError(codec, Uint8Array.of(bytes[0]!, type, ...bytes.subarray(2)), 'UNKNOWN_TYPE');
          },
        ),
        parameters,
      );
    });

    it('rejects input over its size cap before reading it', () => {
      const oversize = new Uint8Array(codec.maxBytes + 1);
      oversize[0] = WIRE_VERSION;
      oversize[1] = codec.type;
      expectDecodeError(codec, oversize, 'MESSAGE_TOO_LARGE');
    });
  });
}
