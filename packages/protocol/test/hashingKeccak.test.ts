import { keccak_256, keccakP } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHex, toLowerHex } from '../src/codec/hex.ts';
import { keccak256Bytes, keccak256Into, keccak256PrefixedInto } from '../src/hashing/keccak.ts';
import { keccakF1600 } from '../src/hashing/keccakF1600.ts';

describe('keccak256 on a reused state', () => {
  it('the local-variable Keccak-f[1600] permutes like noble keccakP on random states', () => {
    fc.assert(
      fc.property(fc.uint32Array({ minLength: 50, maxLength: 50 }), (words) => {
        const expected = words.slice();
        keccakP(expected, 24);
        const actual = words.slice();
        keccakF1600(actual);
        expect(actual).toEqual(expected);
      }),
    );
  });

  it('equals noble keccak_256 for every length, across block boundaries', () => {
    for (let length = 0; length <= 300; length++) {
      const input = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      expect(keccak256Bytes(input)).toEqual(keccak_256(input));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (input) => {
        expect(keccak256Bytes(input)).toEqual(keccak_256(input));
      }),
    );
  });

  it('hashes prefix ‖ input[start, end) and may write over its own input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 32, maxLength: 400 }),
        fc.nat(),
        fc.nat(),
        (prefix, buffer, a, b) => {
          const start = Math.min(a, b) % buffer.length;
          const end = start + (Math.max(a, b) % (buffer.length - start + 1));
          const expected = keccak_256(Uint8Array.of(prefix, ...buffer.subarray(start, end)));
          const output = buffer.slice();
          keccak256PrefixedInto(prefix, output, start, end, output, 0);
          expect(output.subarray(0, 32)).toEqual(expected);
          expect(output.subarray(32)).toEqual(buffer.subarray(32));
        },
      ),
    );
    const output = new Uint8Array(40);
    keccak256Into(Uint8Array.of(1, 2, 3), output, 8);
    expect(output.subarray(8)).toEqual(keccak_256(Uint8Array.of(1, 2, 3)));
  });
});

describe('strict hex', () => {
  it('round-trips bytes through lowercase hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const hex = toLowerHex(bytes);
        expect(hex).toBe(`0x${Buffer.from(bytes).toString('hex')}`);
        expect(parseHex(hex)).toEqual(bytes);
        expect(parseHex(hex.toUpperCase().replace('0X', '0x'))).toEqual(bytes);
      }),
    );
  });

  it('rejects anything but 0x-prefixed, even-length hex of the requested length', () => {
    for (const bad of ['', '0x0', '12', 'xx12', '0xgg', '0x1 ', '0x١٢', ' 0x12', '0x12\n']) {
      expect(parseHex(bad), bad).toBeUndefined();
    }
    for (const notString of [undefined, null, 12, 12n, {}, ['0x12']])
      expect(parseHex(notString)).toBeUndefined();
    expect(parseHex('0x1234', 3)).toBeUndefined();
    expect(parseHex('0x1234', 2)).toEqual(Uint8Array.of(0x12, 0x34));
    expect(parseHex('0x')).toEqual(new Uint8Array(0));
  });
});
