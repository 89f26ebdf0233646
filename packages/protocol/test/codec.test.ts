import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineCodec, MessageType, Reader, Writer } from '../src/codec/index.ts';
import { DecodeError } from '../src/errors.ts';

interface Sample {
  height: number;
  nonce: bigint;
  price: bigint;
  flag: boolean;
  hash: Uint8Array;
  payload: Uint8Array;
  names: string[];
}

const sampleCodec = defineCodec<Sample>({
  name: 'Sample',
  type: MessageType.Evidence,
  maxBytes: 1024,
  write(writer, value) {
    writer
      .u53(value.height)
      .u64(value.nonce)
      .i256(value.price)
      .bool(value.flag)
      .fixed(value.hash, 32)
      .bytes(value.payload, 64)
      .list(value.names, 4, (w, name) => w.string(name, 16));
  },
  read(reader) {
    return {
      height: reader.u53('height'),
      nonce: reader.u64('nonce'),
      price: reader.i256('price'),
      flag: reader.bool('flag'),
      hash: reader.fixed(32, 'hash'),
      payload: reader.bytesField(64, 'payload'),
      names: reader.list(4, 'names', (r) => r.string(16, 'name')),
    };
  },
});

const sampleArbitrary = fc.record({
  height: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  price: fc.bigInt({ min: -(1n << 255n), max: (1n << 255n) - 1n }),
  flag: fc.boolean(),
  hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  payload: fc.uint8Array({ maxLength: 64 }),
  names: fc.array(fc.string({ maxLength: 4 }), { maxLength: 4 }),
});

function decodeOrError(bytes: Uint8Array): Sample | DecodeError {
  try {
    return sampleCodec.decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error; // anything else is a bug and fails the property
  }
}

describe('canonical codec', () => {
  it('round-trips every value', () => {
    fc.assert(
      fc.property(sampleArbitrary, (sample) => {
        expect(sampleCodec.decode(sampleCodec.encode(sample))).toEqual(sample);
      }),
    );
  });

  it('rejects every truncation with a typed error', () => {
    fc.assert(
      fc.property(sampleArbitrary, fc.nat(), (sample, cut) => {
        const bytes = sampleCodec.encode(sample);
        const truncated = bytes.subarray(0, cut % bytes.length);
        expect(decodeOrError(truncated)).toBeInstanceOf(DecodeError);
      }),
    );
  });

  it('rejects or changes the value on every single-byte change', () => {
    fc.assert(
      fc.property(sampleArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (sample, at, delta) => {
        const bytes = sampleCodec.encode(sample);
        const mutated = bytes.slice();
        const index = at % bytes.length;
        mutated[index] = (mutated[index]! + delta) & 0xff;
        const result = decodeOrError(mutated);
        if (!(result instanceof DecodeError)) expect(result).not.toEqual(sample);
      }),
    );
  });

  it('rejects trailing bytes, unknown versions and types, and oversize input with distinct codes', () => {
    const bytes = sampleCodec.encode({
      height: 1,
      nonce: 2n,
      price: -3n,
      flag: true,
      hash: new Uint8Array(32),
      payload: new Uint8Array(3),
      names: ['a'],
    });
    const codeOf = (input: Uint8Array) => (decodeOrError(input) as DecodeError).code;
    expect(codeOf(Uint8Array.of(...bytes, 0))).toBe('TRAILING_BYTES');
    expect(codeOf(Uint8Array.of(2, ...bytes.subarray(1)))).toBe('UNKNOWN_VERSION');
    expect(codeOf(Uint8Array.of(1, MessageType.Vote, ...bytes.subarray(2)))).toBe('UNKNOWN_TYPE');
    expect(codeOf(new Uint8Array(2048))).toBe('MESSAGE_TOO_LARGE');
  });

  it('rejects an oversize field, a too-long list, a non-boolean and a u53 overflow', () => {
    const oversizeField = new Writer().u32(65).finish();
    expect(() => new Reader(oversizeField).bytesField(64, 'payload')).toThrow(
      expect.objectContaining({ code: 'FIELD_TOO_LARGE' }),
    );
    const longList = new Writer().u32(5).finish();
    expect(() => new Reader(longList).list(4, 'names', (r) => r.u8('x'))).toThrow(
      expect.objectContaining({ code: 'LIST_TOO_LONG' }),
    );
    expect(() => new Reader(Uint8Array.of(2)).bool('flag')).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
    const big = new Writer().u64(1n << 60n).finish();
    expect(() => new Reader(big).u53('height')).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });
});
