import type { Hex } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { assert } from '../errors.ts';

/**
 * Hex-valued fields on the wire: raw bytes (fixed length, or u32 length + bytes), decoded back
 * to lowercase hex so that a decoded value has exactly one representation. Any case is accepted
 * when encoding; a value that is not hex of the right length is a bug of the caller (values are
 * validated where they enter the node), so encoding asserts.
 */

/** Writes `value` as exactly `length` raw bytes. */
export function writeHexFixed(writer: Writer, value: Hex, length: number, field: string): void {
  const bytes = parseHex(value, length);
  assert(bytes !== undefined, `${field} must be ${length} bytes of hex`);
  writer.fixed(bytes, length);
}

/** Reads `length` raw bytes as lowercase hex. */
export function readHexFixed(reader: Reader, length: number, field: string): Hex {
  return toLowerHex(reader.fixed(length, field));
}

/** Writes `value` as a u32 length and the raw bytes, at most `maxLength`. */
export function writeHexBytes(writer: Writer, value: Hex, maxLength: number, field: string): void {
  const bytes = parseHex(value);
  assert(bytes !== undefined, `${field} must be hex`);
  writer.bytes(bytes, maxLength);
}

/** Reads a u32-length byte field of at most `maxLength` bytes as lowercase hex. */
export function readHexBytes(reader: Reader, maxLength: number, field: string): Hex {
  return toLowerHex(reader.bytesField(maxLength, field));
}
