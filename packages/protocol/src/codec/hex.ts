import type { Hex } from 'viem';

/**
 * Strict, fast hex conversions. Hashes, ids and addresses are lowercase 0x-hex in the API and raw
 * bytes on the wire and in hash preimages; these two functions are the only bridge, so every path
 * parses the same way: `0x` prefix, even length, hex digits of either case.
 */

/** Value of each ASCII hex digit, -1 for any other character code below 128. */
const HEX_DIGIT_VALUES = (() => {
  const values = new Int8Array(128).fill(-1);
  for (let digit = 0; digit < 10; digit++) values[48 + digit] = digit;
  for (let digit = 0; digit < 6; digit++) {
    values[97 + digit] = 10 + digit; // a-f
    values[65 + digit] = 10 + digit; // A-F
  }
  return values;
})();

const BYTE_TO_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * Parses `0x`-prefixed hex of either case into bytes; `undefined` if `value` is not such a string
 * or (when given) does not encode exactly `byteLength` bytes. Never throws.
 */
export function parseHex(value: unknown, byteLength?: number): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length % 2 !== 0) return undefined;
  if (value.charCodeAt(0) !== 48 || (value.charCodeAt(1) | 0x20) !== 120) return undefined; // "0x" / "0X"
  const length = (value.length - 2) / 2;
  if (byteLength !== undefined && length !== byteLength) return undefined;
  const bytes = new Uint8Array(length);
  for (let i = 0, at = 2; i < length; i++, at += 2) {
    const high = value.charCodeAt(at);
    const low = value.charCodeAt(at + 1);
    const highValue = high < 128 ? HEX_DIGIT_VALUES[high]! : -1;
    const lowValue = low < 128 ? HEX_DIGIT_VALUES[low]! : -1;
    if (highValue < 0 || lowValue < 0) return undefined;
    bytes[i] = (highValue << 4) | lowValue;
  }
  return bytes;
}

/** Lowercase `0x`-hex of `bytes` (the canonical form of hashes, ids and addresses). */
export function toLowerHex(bytes: Uint8Array): Hex {
  let hex = '0x';
  for (let i = 0; i < bytes.length; i++) hex += BYTE_TO_HEX[bytes[i]!]!;
  return hex as Hex;
}
