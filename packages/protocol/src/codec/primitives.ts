import { assert, DecodeError } from '../errors.ts';

/**
 * Canonical binary encoding primitives. Every integer has a fixed width (big-endian), so there
 * is exactly one encoding of each value: no varints, no optional padding. Variable-length
 * fields carry a u32 length and a hard cap; lists carry a u32 count and a hard cap.
 * See docs/protocol.md "Wire encoding".
 */

const textEncoder = new TextEncoder();

export class Writer {
  private buffer: Uint8Array;
  private view: DataView;
  private offset = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(byteCount: number): void {
    const needed = this.offset + byteCount;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.offset));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, `u8 out of range: ${value}`);
    this.reserve(1);
    this.view.setUint8(this.offset, value);
    this.offset += 1;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  u16(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffff, `u16 out of range: ${value}`);
    this.reserve(2);
    this.view.setUint16(this.offset, value);
    this.offset += 2;
    return this;
  }

  u32(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, `u32 out of range: ${value}`);
    this.reserve(4);
    this.view.setUint32(this.offset, value);
    this.offset += 4;
    return this;
  }

  /** A u64 that must fit a JS number (heights, rounds, timestamps in ms). */
  u53(value: number): this {
    assert(Number.isSafeInteger(value) && value >= 0, `u53 out of range: ${value}`);
    return this.u64(BigInt(value));
  }

  u64(value: bigint): this {
    assert(value >= 0n && value <= 0xffffffffffffffffn, `u64 out of range: ${value}`);
    this.reserve(8);
    this.view.setBigUint64(this.offset, value);
    this.offset += 8;
    return this;
  }

  /** Signed 256-bit two's complement (prices). */
  i256(value: bigint): this {
    assert(value >= -(1n << 255n) && value < 1n << 255n, `i256 out of range: ${value}`);
    const unsigned = value < 0n ? (1n << 256n) + value : value;
    this.reserve(32);
    for (let i = 0; i < 4; i++) {
      this.view.setBigUint64(this.offset + i * 8, (unsigned >> BigInt(192 - i * 64)) & 0xffffffffffffffffn);
    }
    this.offset += 32;
    return this;
  }

  /** Exactly `length` bytes, no length prefix. */
  fixed(bytes: Uint8Array, length: number): this {
    assert(bytes.length === length, `fixed field must be ${length} bytes, got ${bytes.length}`);
    this.reserve(length);
    this.buffer.set(bytes, this.offset);
    this.offset += length;
    return this;
  }

  /** u32 length prefix, then the bytes; `maxLength` is the field's hard cap. */
  bytes(bytes: Uint8Array, maxLength: number): this {
    assert(bytes.length <= maxLength, `field of ${bytes.length} bytes exceeds cap ${maxLength}`);
    this.u32(bytes.length);
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  string(value: string, maxLength: number): this {
    return this.bytes(textEncoder.encode(value), maxLength);
  }

  /** u32 count prefix, then each item; `maxCount` is the list's hard cap. */
  list<T>(items: readonly T[], maxCount: number, writeItem: (writer: this, item: T) => void): this {
    assert(items.length <= maxCount, `list of ${items.length} exceeds cap ${maxCount}`);
    this.u32(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.offset);
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class Reader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(byteCount: number, field: string): void {
    if (this.remaining < byteCount) {
      throw new DecodeError('TRUNCATED', `${field}: need ${byteCount} bytes, have ${this.remaining}`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  bool(field: string): boolean {
    const value = this.u8(field);
    if (value > 1) throw new DecodeError('INVALID_VALUE', `${field}: boolean must be 0 or 1, got ${value}`);
    return value === 1;
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u53(field: string): number {
    const value = this.u64(field);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new DecodeError('INVALID_VALUE', `${field}: ${value} exceeds 2^53-1`);
    }
    return Number(value);
  }

  u64(field: string): bigint {
    this.need(8, field);
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return value;
  }

  i256(field: string): bigint {
    this.need(32, field);
    let unsigned = 0n;
    for (let i = 0; i < 4; i++) unsigned = (unsigned << 64n) | this.view.getBigUint64(this.offset + i * 8);
    this.offset += 32;
    return unsigned >= 1n << 255n ? unsigned - (1n << 256n) : unsigned;
  }

  fixed(length: number, field: string): Uint8Array {
    this.need(length, field);
    const value = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  bytesField(maxLength: number, field: string): Uint8Array {
    const length = this.u32(`${field}.length`);
    if (length > maxLength) {
      throw new DecodeError('FIELD_TOO_LARGE', `${field}: ${length} bytes exceeds cap ${maxLength}`);
    }
    return this.fixed(length, field);
  }

  string(maxLength: number, field: string): string {
    const bytes = this.bytesField(maxLength, field);
    try {
      return textDecoder.decode(bytes);
    } catch (cause) {
      throw new DecodeError('INVALID_VALUE', `${field}: not valid UTF-8`, { cause });
    }
  }

  list<T>(maxCount: number, field: string, readItem: (reader: this, index: number) => T): T[] {
    const count = this.u32(`${field}.count`);
    if (count > maxCount) {
      throw new DecodeError('LIST_TOO_LONG', `${field}: ${count} items exceeds cap ${maxCount}`);
    }
    // Each item takes at least one byte, so a count larger than what is left is a lie.
    if (count > this.remaining) {
      throw new DecodeError('TRUNCATED', `${field}: ${count} items cannot fit in ${this.remaining} bytes`);
    }
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readItem(this, i));
    return items;
  }

  /** Every decoder ends with this: a valid message has no bytes after its last field. */
  end(messageName: string): void {
    if (this.remaining !== 0) {
      throw new DecodeError('TRAILING_BYTES', `${messageName}: ${this.remaining} bytes after the message`);
    }
  }
}
