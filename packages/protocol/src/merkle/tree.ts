import type { Hex } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import { MERKLE_LEAF_PREFIX, MERKLE_NODE_PREFIX } from '../constants.ts';
import { keccak256PrefixedInto } from '../hashing/keccak.ts';
import { MerkleError } from './errors.ts';

/**
 * The padded positional Merkle tree of docs/protocol.md "Merkle trees":
 * leafHash(data) = keccak256(0x00 ‖ data), nodeHash(l, r) = keccak256(0x01 ‖ l ‖ r); `count`
 * leaf hashes are padded with bytes32(0) to 2^depth, depth = ⌈log2 count⌉; one leaf is its own
 * root; zero leaves give bytes32(0). Subtrees made only of padding are precomputed per level.
 */

const HASH_BYTES = 32;

/**
 * Levels of precomputed all-padding subtree roots. Counts are JS numbers (< 2^53), so no tree is
 * deeper than 53 levels; 64 leaves margin.
 */
const MAX_DEPTH = 64;

/** ZERO_HASHES[level] = root of a subtree of 2^level padding leaves (level 0: bytes32(0)). */
const ZERO_HASHES: readonly Uint8Array[] = (() => {
  const hashes = [new Uint8Array(HASH_BYTES)];
  const pair = new Uint8Array(2 * HASH_BYTES);
  for (let level = 1; level <= MAX_DEPTH; level++) {
    const below = hashes[level - 1]!;
    pair.set(below, 0);
    pair.set(below, HASH_BYTES);
    const hash = new Uint8Array(HASH_BYTES);
    keccak256PrefixedInto(MERKLE_NODE_PREFIX, pair, 0, pair.length, hash, 0);
    hashes.push(hash);
  }
  return hashes;
})();

/** Root of a subtree of 2^level padding leaves as bytes (level ≤ 64). */
export function zeroHashBytes(level: number): Uint8Array {
  const hash = ZERO_HASHES[level];
  if (hash === undefined) throw new MerkleError('VALUE_OUT_OF_RANGE', `no zero hash for level ${level}`);
  return hash;
}

/** Root of a subtree of 2^level padding leaves (level 0 is bytes32(0)). */
export function merkleZeroHash(level: number): Hex {
  return toLowerHex(zeroHashBytes(level));
}

/** depth(count) = ⌈log2 count⌉, and 0 for 0 or 1 leaves: the length of every proof for `count` leaves. */
export function merkleDepth(count: number): number {
  let depth = 0;
  while (2 ** depth < count) depth++;
  return depth;
}

function hashBytes(value: unknown, what: string): Uint8Array {
  const bytes = parseHex(value, HASH_BYTES);
  if (bytes === undefined) throw new MerkleError('MALFORMED_HASH', `${what} is not a bytes32 hex string`);
  return bytes;
}

/** keccak256(0x00 ‖ data) as bytes. */
export function leafHashBytes(data: Uint8Array): Uint8Array {
  const hash = new Uint8Array(HASH_BYTES);
  keccak256PrefixedInto(MERKLE_LEAF_PREFIX, data, 0, data.length, hash, 0);
  return hash;
}

/** keccak256(0x00 ‖ data): the hash of a leaf's data. `data` as bytes or hex. */
export function leafHash(data: Uint8Array | Hex): Hex {
  const bytes = typeof data === 'string' ? parseHex(data) : data;
  if (bytes === undefined) throw new MerkleError('MALFORMED_HASH', 'leaf data is not a hex string');
  return toLowerHex(leafHashBytes(bytes));
}

/** keccak256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Hex, right: Hex): Hex {
  return toLowerHex(nodeHashBytes(hashBytes(left, 'left'), hashBytes(right, 'right')));
}

/** keccak256(0x01 ‖ left ‖ right) of two 32-byte values, as new bytes. */
export function nodeHashBytes(left: Uint8Array, right: Uint8Array): Uint8Array {
  const pair = new Uint8Array(2 * HASH_BYTES);
  pair.set(left, 0);
  pair.set(right, HASH_BYTES);
  keccak256PrefixedInto(MERKLE_NODE_PREFIX, pair, 0, pair.length, pair, 0);
  return pair.slice(0, HASH_BYTES);
}

/**
 * Leaf hashes in one buffer with room for one padding slot, so that every level can be hashed
 * pairwise in place: the parent of nodes 2i, 2i+1 overwrites slot i.
 */
function leafBuffer(leafHashes: readonly Hex[]): Uint8Array {
  const buffer = new Uint8Array((leafHashes.length + 1) * HASH_BYTES);
  for (let i = 0; i < leafHashes.length; i++)
    buffer.set(hashBytes(leafHashes[i], `leaf ${i}`), i * HASH_BYTES);
  return buffer;
}

/** Replaces the `width` nodes of `level` in `buffer` by their ceil(width/2) parents; returns the new width. */
function hashLevel(buffer: Uint8Array, width: number, level: number): number {
  if (width % 2 === 1) buffer.set(ZERO_HASHES[level]!, width * HASH_BYTES); // right sibling is padding
  const parents = Math.ceil(width / 2);
  for (let i = 0; i < parents; i++) {
    const start = 2 * i * HASH_BYTES;
    keccak256PrefixedInto(MERKLE_NODE_PREFIX, buffer, start, start + 2 * HASH_BYTES, buffer, i * HASH_BYTES);
  }
  return parents;
}

/** The root over `leafHashes` (bytes32(0) for none). Throws MerkleError for a malformed hash. */
export function merkleRoot(leafHashes: readonly Hex[]): Hex {
  if (leafHashes.length === 0) return toLowerHex(ZERO_HASHES[0]!);
  const buffer = leafBuffer(leafHashes);
  let width = leafHashes.length;
  for (let level = 0; width > 1; level++) width = hashLevel(buffer, width, level);
  return toLowerHex(buffer.subarray(0, HASH_BYTES));
}

/**
 * The depth(count) sibling hashes of leaf `index`, from the leaf up. Throws MerkleError for an
 * index outside [0, count) or a malformed hash.
 */
export function merkleProof(leafHashes: readonly Hex[], index: number): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new MerkleError('INDEX_OUT_OF_RANGE', `index ${index} outside [0, ${leafHashes.length})`);
  }
  const buffer = leafBuffer(leafHashes);
  const proof: Hex[] = [];
  let width = leafHashes.length;
  let position = index;
  for (let level = 0; width > 1; level++) {
    const sibling = position % 2 === 0 ? position + 1 : position - 1;
    const siblingHash =
      sibling < width
        ? buffer.subarray(sibling * HASH_BYTES, (sibling + 1) * HASH_BYTES)
        : ZERO_HASHES[level]!;
    proof.push(toLowerHex(siblingHash));
    width = hashLevel(buffer, width, level);
    position = Math.floor(position / 2);
  }
  return proof;
}

export interface MerkleProofParameters {
  /** The committed root. */
  root: Hex;
  /** The committed leaf count (txCount, priceCount or height-1). */
  count: number;
  /** 0-based position of the leaf. */
  index: number;
  /** The leaf hash (leafHash of the leaf data). */
  leaf: Hex;
  /** depth(count) sibling hashes, from the leaf up. */
  proof: readonly Hex[];
}

/**
 * Whether `leaf` is at `index` of the tree of `count` leaves with `root`. Requires index < count
 * and proof.length == depth(count), as the Solidity verifier does, so a padding slot or a proof
 * of another depth never verifies. Returns false (never throws) for any malformed input.
 */
export function verifyMerkleProof({ root, count, index, leaf, proof }: MerkleProofParameters): boolean {
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(index) || index < 0 || index >= count)
    return false;
  if (!Array.isArray(proof) || proof.length !== merkleDepth(count)) return false;
  const rootBytes = parseHex(root, HASH_BYTES);
  const leafBytes = parseHex(leaf, HASH_BYTES);
  if (rootBytes === undefined || leafBytes === undefined) return false;
  let node = leafBytes;
  let position = index;
  for (const siblingHex of proof) {
    const sibling = parseHex(siblingHex, HASH_BYTES);
    if (sibling === undefined) return false;
    node = position % 2 === 1 ? nodeHashBytes(sibling, node) : nodeHashBytes(node, sibling);
    position = Math.floor(position / 2);
  }
  return equalBytes(node, rootBytes);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
