import { assert, type Hex, type NamespaceEntry, parseHex, toLowerHex } from '@synod/protocol';
import { StorageError } from './errors.ts';

/**
 * Key schema of the LevelDB store (schema version STORAGE_SCHEMA_VERSION). Every key starts with
 * a one-byte table tag; integers are fixed-width big-endian so that byte order is numeric order
 * and a height's entries are one contiguous range. `h` = height u64, `r` = round u32,
 * `k` = kind u8, `v` = validator index u32. Values are the protocol's wire encodings where one
 * exists, opaque caller bytes otherwise.
 *
 * | tag  | key                     | value                                                    | pruned |
 * |------|-------------------------|----------------------------------------------------------|--------|
 * | 0x00 | name (ASCII)            | metadata: `schema` u32, `domain` (networkId u64 ‖ chainId u64 ‖ inbox 20), `latestHeight` u64, `prunedBelow` u64 | no |
 * | 0x01 | h                       | CertifiedBlock (certifiedBlockCodec)                     | yes    |
 * | 0x02 | h                       | BlockHeader (blockHeaderCodec)                           | no     |
 * | 0x03 | h                       | Certificate (certificateCodec)                           | no     |
 * | 0x04 | h                       | the block's tx-tree leaf hashes, 32 bytes each, in order | no     |
 * | 0x05 | headerHash (32)         | h                                                        | no     |
 * | 0x06 | txId (32)               | h ‖ index u32                                            | no     |
 * | 0x07 | h ‖ v                   | the signed vote extension of v for block h (opaque)      | yes    |
 * | 0x08 | h ‖ r ‖ k ‖ v           | evidence against v at (h, r, k) (opaque)                 | no     |
 * | 0x09 | (none)                  | the consensus driver's persisted state (opaque)          | —      |
 * | 0x0a | h ‖ r ‖ k               | this node's own signed vote at (h, r, k) (opaque)        | yes    |
 * | 0x0b | h ‖ v                   | the extension of v that block h's content derives from (a precommit extension of the commit of h − 1; opaque) | yes |
 * | 0x0c | h ‖ txId (32)           | SignedTransaction (transactionCodec) this node listed in an extension it signed at h | below latest |
 * | 0x0d | h                       | the block's namespace-tree leaves in order: (namespace 32 ‖ sequenceStart u64 ‖ count u32 ‖ batchHash 32) each | no |
 * | 0x0e | namespace (32)          | transactions of the namespace finalized up to the latest height, u64 | no     |
 * | 0x0f | namespace (32) ‖ h      | sequenceStart u64 of the namespace's leaf in block h (only heights where it has transactions) | no |
 *
 * Pruning keeps everything needed to answer "is txId final, where, and prove it" (headers,
 * certificates, leaves, both indexes) and drops what only serves bodies or the live protocol.
 * The namespace tables (schema 2) are written in the commit batch of each block: 0x0d lets a
 * pruned node still prove a namespace's leaf or its absence at any height, 0x0e is what the
 * next block's sequenceStart values and a restart (which cannot count pruned bodies) read, and
 * 0x0f finds a namespace's next non-empty height (what a batch relayer settles next) in one seek.
 * Tables 0x0b and 0x0c were added without a schema change: a store written before them simply
 * has none. Listed bodies (0x0c) of heights below the latest block are deleted by every commit:
 * they back this node's inclusion lists only until the height those lists feed is final.
 */
export const Table = {
  Meta: 0x00,
  Block: 0x01,
  Header: 0x02,
  Certificate: 0x03,
  TxLeaves: 0x04,
  HashIndex: 0x05,
  TxIndex: 0x06,
  Extension: 0x07,
  Evidence: 0x08,
  ConsensusState: 0x09,
  VoteLog: 0x0a,
  ContentExtension: 0x0b,
  ListedBody: 0x0c,
  NamespaceEntries: 0x0d,
  NamespaceSequence: 0x0e,
  NamespaceBatch: 0x0f,
} as const;
export type Table = (typeof Table)[keyof typeof Table];

export type MetaName = 'schema' | 'domain' | 'latestHeight' | 'prunedBelow';

const HEIGHT_BYTES = 8;

function assertHeight(height: number): void {
  assert(
    Number.isSafeInteger(height) && height >= 0,
    `height must be a safe non-negative integer, got ${height}`,
  );
}

function assertU32(value: number, what: string): void {
  assert(
    Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff,
    `${what} must be a u32, got ${value}`,
  );
}

function writeU64(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(offset, BigInt(value));
}

/** A key: the tag then the given fixed-width fields. */
function key(table: Table, length: number): Uint8Array {
  const bytes = new Uint8Array(1 + length);
  bytes[0] = table;
  return bytes;
}

export function metaKey(name: MetaName): Uint8Array {
  const bytes = key(Table.Meta, name.length);
  bytes.set(new TextEncoder().encode(name), 1);
  return bytes;
}

/** Key of a per-height table (Block, Header, Certificate, TxLeaves, NamespaceEntries). */
export function heightKey(table: Table, height: number): Uint8Array {
  assertHeight(height);
  const bytes = key(table, HEIGHT_BYTES);
  writeU64(bytes, 1, height);
  return bytes;
}

/** The first key of `height` in a table whose keys start with a height, and the first key past it. */
export function heightRange(
  table: Table,
  fromHeight: number,
  toHeight: number,
): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: heightKey(table, fromHeight), lt: heightKey(table, toHeight) };
}

function hashKey(table: Table, hash: Hex, what: string): Uint8Array {
  const hashBytes = parseHex(hash, 32);
  assert(hashBytes !== undefined, `${what} must be a bytes32 hex string`);
  const bytes = key(table, 32);
  bytes.set(hashBytes, 1);
  return bytes;
}

export function hashIndexKey(headerHash: Hex): Uint8Array {
  return hashKey(Table.HashIndex, headerHash, 'header hash');
}

export function txIndexKey(txId: Hex): Uint8Array {
  return hashKey(Table.TxIndex, txId, 'txId');
}

/** Key of a namespace's finalized transaction count (table 0x0e). */
export function namespaceSequenceKey(namespace: Hex): Uint8Array {
  return hashKey(Table.NamespaceSequence, namespace, 'namespace');
}

/** Key of namespace's batch at `height` (table 0x0f): the namespace, then the height. */
export function namespaceBatchKey(namespace: Hex, height: number): Uint8Array {
  assertHeight(height);
  const namespaceBytes = parseHex(namespace, 32);
  assert(namespaceBytes !== undefined, 'namespace must be a bytes32 hex string');
  const bytes = key(Table.NamespaceBatch, 32 + HEIGHT_BYTES);
  bytes.set(namespaceBytes, 1);
  writeU64(bytes, 1 + 32, height);
  return bytes;
}

/** The height of a namespace-batch key. */
export function namespaceBatchKeyHeight(keyBytes: Uint8Array): number {
  if (keyBytes.length !== 1 + 32 + HEIGHT_BYTES)
    throw new StorageError('CORRUPT', 'namespace batch key length');
  return decodeU64(keyBytes.subarray(1 + 32), 'namespace batch height');
}

/** The namespace of a namespace-sequence key. */
export function namespaceSequenceKeyNamespace(keyBytes: Uint8Array): Hex {
  if (keyBytes.length !== 1 + 32) throw new StorageError('CORRUPT', 'namespace sequence key length');
  return toLowerHex(keyBytes.subarray(1));
}

export function extensionKey(height: number, validatorIndex: number): Uint8Array {
  assertHeight(height);
  assertU32(validatorIndex, 'validatorIndex');
  const bytes = key(Table.Extension, HEIGHT_BYTES + 4);
  writeU64(bytes, 1, height);
  new DataView(bytes.buffer).setUint32(1 + HEIGHT_BYTES, validatorIndex);
  return bytes;
}

/** Key of a content extension of block `height` (table 0x0b, same layout as extensionKey). */
export function contentExtensionKey(height: number, validatorIndex: number): Uint8Array {
  const bytes = extensionKey(height, validatorIndex);
  bytes[0] = Table.ContentExtension;
  return bytes;
}

/** Key of a body this node listed at `height` (table 0x0c). */
export function listedBodyKey(height: number, txId: Hex): Uint8Array {
  assertHeight(height);
  const txBytes = parseHex(txId, 32);
  assert(txBytes !== undefined, 'txId must be a bytes32 hex string');
  const bytes = key(Table.ListedBody, HEIGHT_BYTES + 32);
  writeU64(bytes, 1, height);
  bytes.set(txBytes, 1 + HEIGHT_BYTES);
  return bytes;
}

/** The txId of a listed-body key. */
export function listedBodyKeyTxId(keyBytes: Uint8Array): Hex {
  if (keyBytes.length !== 1 + HEIGHT_BYTES + 32) throw new StorageError('CORRUPT', 'listed body key length');
  return toLowerHex(keyBytes.subarray(1 + HEIGHT_BYTES));
}

export function evidenceKey(height: number, round: number, kind: number, validatorIndex: number): Uint8Array {
  assertHeight(height);
  assertU32(round, 'round');
  assert(Number.isInteger(kind) && kind >= 0 && kind <= 0xff, `kind must be a u8, got ${kind}`);
  assertU32(validatorIndex, 'validatorIndex');
  const bytes = key(Table.Evidence, HEIGHT_BYTES + 4 + 1 + 4);
  const view = new DataView(bytes.buffer);
  writeU64(bytes, 1, height);
  view.setUint32(1 + HEIGHT_BYTES, round);
  view.setUint8(1 + HEIGHT_BYTES + 4, kind);
  view.setUint32(1 + HEIGHT_BYTES + 5, validatorIndex);
  return bytes;
}

export const CONSENSUS_STATE_KEY: Uint8Array = Uint8Array.of(Table.ConsensusState);

export function voteLogKey(height: number, round: number, kind: number): Uint8Array {
  assertHeight(height);
  assertU32(round, 'round');
  assert(Number.isInteger(kind) && kind >= 0 && kind <= 0xff, `kind must be a u8, got ${kind}`);
  const bytes = key(Table.VoteLog, HEIGHT_BYTES + 4 + 1);
  const view = new DataView(bytes.buffer);
  writeU64(bytes, 1, height);
  view.setUint32(1 + HEIGHT_BYTES, round);
  view.setUint8(1 + HEIGHT_BYTES + 4, kind);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Reading keys and small values back. A wrong length is corruption, never a bug of ours.

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readU64Number(bytes: Uint8Array, offset: number, what: string): number {
  const value = view(bytes).getBigUint64(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new StorageError('CORRUPT', `${what} ${value} is not a safe integer`);
  return Number(value);
}

/** A stored u64 value (heights, metadata). */
export function encodeU64(value: number): Uint8Array {
  assertHeight(value);
  const bytes = new Uint8Array(HEIGHT_BYTES);
  writeU64(bytes, 0, value);
  return bytes;
}

export function decodeU64(bytes: Uint8Array, what: string): number {
  if (bytes.length !== HEIGHT_BYTES)
    throw new StorageError('CORRUPT', `${what} is ${bytes.length} bytes, not 8`);
  return readU64Number(bytes, 0, what);
}

export function encodeU32(value: number): Uint8Array {
  assertU32(value, 'value');
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

export function decodeU32(bytes: Uint8Array, what: string): number {
  if (bytes.length !== 4) throw new StorageError('CORRUPT', `${what} is ${bytes.length} bytes, not 4`);
  return view(bytes).getUint32(0);
}

/** Tx index value: height u64 ‖ index u32. */
export function encodeTxLocation(height: number, index: number): Uint8Array {
  assertHeight(height);
  assertU32(index, 'index');
  const bytes = new Uint8Array(HEIGHT_BYTES + 4);
  writeU64(bytes, 0, height);
  new DataView(bytes.buffer).setUint32(HEIGHT_BYTES, index);
  return bytes;
}

export function decodeTxLocation(bytes: Uint8Array): { height: number; index: number } {
  if (bytes.length !== HEIGHT_BYTES + 4)
    throw new StorageError('CORRUPT', `tx index value is ${bytes.length} bytes`);
  return { height: readU64Number(bytes, 0, 'tx height'), index: view(bytes).getUint32(HEIGHT_BYTES) };
}

/** The height of a per-height key (any table whose key starts with h). */
export function keyHeight(keyBytes: Uint8Array): number {
  if (keyBytes.length < 1 + HEIGHT_BYTES)
    throw new StorageError('CORRUPT', `key of ${keyBytes.length} bytes has no height`);
  return readU64Number(keyBytes, 1, 'key height');
}

/** The fields after the height of an extension key: the validator index. */
export function extensionKeyValidator(keyBytes: Uint8Array): number {
  // Also content-extension keys (table 0x0b): same layout.
  if (keyBytes.length !== 1 + HEIGHT_BYTES + 4) throw new StorageError('CORRUPT', 'extension key length');
  return view(keyBytes).getUint32(1 + HEIGHT_BYTES);
}

/** round, kind (and validator for evidence) of a vote-log or evidence key. */
export function roundKindOfKey(keyBytes: Uint8Array): {
  round: number;
  kind: number;
  validatorIndex: number;
} {
  const isEvidence = keyBytes[0] === Table.Evidence;
  const expected = 1 + HEIGHT_BYTES + 4 + 1 + (isEvidence ? 4 : 0);
  if (keyBytes.length !== expected) throw new StorageError('CORRUPT', `vote key of ${keyBytes.length} bytes`);
  const fields = view(keyBytes);
  return {
    round: fields.getUint32(1 + HEIGHT_BYTES),
    kind: fields.getUint8(1 + HEIGHT_BYTES + 4),
    validatorIndex: isEvidence ? fields.getUint32(1 + HEIGHT_BYTES + 5) : -1,
  };
}

/** Concatenated 32-byte leaf hashes. */
export function encodeLeaves(leaves: readonly Hex[]): Uint8Array {
  const bytes = new Uint8Array(32 * leaves.length);
  leaves.forEach((leaf, i) => {
    const leafBytes = parseHex(leaf, 32);
    assert(leafBytes !== undefined, 'leaf must be bytes32');
    bytes.set(leafBytes, 32 * i);
  });
  return bytes;
}

export function decodeLeaves(bytes: Uint8Array, count: number): Hex[] {
  if (bytes.length !== 32 * count) {
    throw new StorageError('CORRUPT', `leaves value of ${bytes.length} bytes for ${count} transactions`);
  }
  return Array.from({ length: count }, (_, i) => toLowerHex(bytes.subarray(32 * i, 32 * i + 32)));
}

/** namespace 32 ‖ sequenceStart u64 ‖ count u32 ‖ batchHash 32. */
const NAMESPACE_ENTRY_BYTES = 32 + HEIGHT_BYTES + 4 + 32;

/** A block's namespace entries (table 0x0d value), in leaf order. */
export function encodeNamespaceEntries(entries: readonly NamespaceEntry[]): Uint8Array {
  const bytes = new Uint8Array(NAMESPACE_ENTRY_BYTES * entries.length);
  const fields = new DataView(bytes.buffer);
  entries.forEach((entry, i) => {
    const at = NAMESPACE_ENTRY_BYTES * i;
    const namespace = parseHex(entry.namespace, 32);
    const batchHash = parseHex(entry.batchHash, 32);
    assert(namespace !== undefined && batchHash !== undefined, 'namespace entry hashes must be bytes32');
    assertHeight(entry.sequenceStart);
    assertU32(entry.count, 'namespace entry count');
    bytes.set(namespace, at);
    writeU64(bytes, at + 32, entry.sequenceStart);
    fields.setUint32(at + 32 + HEIGHT_BYTES, entry.count);
    bytes.set(batchHash, at + 32 + HEIGHT_BYTES + 4);
  });
  return bytes;
}

export function decodeNamespaceEntries(bytes: Uint8Array, count: number): NamespaceEntry[] {
  if (bytes.length !== NAMESPACE_ENTRY_BYTES * count) {
    throw new StorageError(
      'CORRUPT',
      `namespace entries value of ${bytes.length} bytes for ${count} namespaces`,
    );
  }
  const fields = view(bytes);
  return Array.from({ length: count }, (_, i) => {
    const at = NAMESPACE_ENTRY_BYTES * i;
    return {
      namespace: toLowerHex(bytes.subarray(at, at + 32)),
      sequenceStart: readU64Number(bytes, at + 32, 'namespace sequenceStart'),
      count: fields.getUint32(at + 32 + HEIGHT_BYTES),
      batchHash: toLowerHex(bytes.subarray(at + 32 + HEIGHT_BYTES + 4, at + NAMESPACE_ENTRY_BYTES)),
    };
  });
}
