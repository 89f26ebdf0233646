/**
 * Writers of 32-byte ABI words into a zero-filled buffer, for hash preimages built without the
 * generic ABI encoder (which costs ~10× more on hot paths). Callers validate ranges first; the
 * asserts here catch our own bugs.
 */
import { assert } from '../errors.ts';

/** Writes a uint (≤ 2^64 − 1) right-aligned into the 32-byte word at `offset`. */
export function writeUintWord(buffer: Uint8Array, offset: number, value: number | bigint): void {
  let high: number;
  let low: number;
  if (typeof value === 'number') {
    assert(Number.isSafeInteger(value) && value >= 0, `uint word out of range: ${value}`);
    high = Math.floor(value / 0x1_0000_0000);
    low = value >>> 0;
  } else {
    assert(value >= 0n && value <= 0xffffffffffffffffn, `uint word out of range: ${value}`);
    high = Number(value >> 32n);
    low = Number(value & 0xffffffffn);
  }
  // Plain byte stores: a DataView per word costs more than the hashing it feeds.
  const at = offset + 24;
  buffer[at] = high >>> 24;
  buffer[at + 1] = high >>> 16;
  buffer[at + 2] = high >>> 8;
  buffer[at + 3] = high;
  buffer[at + 4] = low >>> 24;
  buffer[at + 5] = low >>> 16;
  buffer[at + 6] = low >>> 8;
  buffer[at + 7] = low;
}

/** Writes a two's-complement int256 into the 32-byte word at `offset`. */
export function writeInt256Word(buffer: Uint8Array, offset: number, value: bigint): void {
  assert(value >= -(1n << 255n) && value < 1n << 255n, `int256 out of range: ${value}`);
  let unsigned = value < 0n ? (1n << 256n) + value : value;
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset, 32);
  for (let lane = 3; lane >= 0; lane--) {
    view.setBigUint64(lane * 8, unsigned & 0xffffffffffffffffn);
    unsigned >>= 64n;
  }
}

/** Writes 32 bytes (bytes32) as the word at `offset`. */
export function writeBytes32Word(buffer: Uint8Array, offset: number, bytes: Uint8Array): void {
  assert(bytes.length === 32, `bytes32 word needs 32 bytes, got ${bytes.length}`);
  buffer.set(bytes, offset);
}

/** Writes a 20-byte address right-aligned into the word at `offset`. */
export function writeAddressWord(buffer: Uint8Array, offset: number, address: Uint8Array): void {
  assert(address.length === 20, `address word needs 20 bytes, got ${address.length}`);
  buffer.set(address, offset + 12);
}
