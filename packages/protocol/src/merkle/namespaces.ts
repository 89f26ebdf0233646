import type { Hex } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import { writeBytes32Word, writeUintWord } from '../hashing/abiWords.ts';
import { keccak256Bytes } from '../hashing/keccak.ts';
import type { BlockHeader, Transaction } from '../types.ts';
import { MerkleError } from './errors.ts';
import { transactionLeaf } from './leaves.ts';
import { leafHashBytes, merkleProof, merkleRoot, verifyMerkleProof } from './tree.ts';

/**
 * The namespace commitment of header v2 (docs/protocol.md "Namespaces"): one leaf per distinct
 * namespace among a block's transactions, sorted by namespace ascending, in the usual tree
 * shape, committed as (namespaceRoot, namespaceCount). A leaf says which sequence numbers of its
 * namespace the block holds and binds their transactions in block order (batchHash), so an app
 * contract can settle its namespace's transactions block by block, none skipped or reordered;
 * the sorting makes the absence of a namespace provable by its two neighbours.
 */

/** One leaf of the namespace tree. */
export interface NamespaceEntry {
  /** bytes32 namespace, lowercase hex. */
  namespace: Hex;
  /** Transactions of this namespace in all earlier blocks (heights 1 .. h-1): the first sequence number here. */
  sequenceStart: number;
  /** Transactions of this namespace in this block (≥ 1). */
  count: number;
  /** namespaceBatchHash of those transactions' tx-tree leaves, in block order. */
  batchHash: Hex;
}

/** A leaf of the namespace tree with its position and proof against (namespaceRoot, namespaceCount). */
export interface NamespaceInclusion {
  entry: NamespaceEntry;
  index: number;
  /** depth(namespaceCount) sibling hashes, from the leaf up. */
  proof: Hex[];
}

/**
 * Proof that a namespace has no transaction in a block: its neighbours in the sorted leaves.
 * Neither for a block without transactions; only `right` (leaf 0) when the namespace sorts below
 * every leaf; only `left` (the last leaf) when it sorts above; both, adjacent, otherwise.
 */
export interface NamespaceExclusion {
  left?: NamespaceInclusion;
  right?: NamespaceInclusion;
}

/** A transaction's namespace and its tx-tree leaf (transactionLeaf), as the block content has them. */
export interface NamespacedTransactionLeaf {
  namespace: Hex;
  leaf: Hex;
}

const UINT32_MAX = 0xffff_ffff;
const HASH_BYTES = 32;

function bytes32(value: unknown, what: string): Uint8Array {
  const bytes = parseHex(value, HASH_BYTES);
  if (bytes === undefined) throw new MerkleError('MALFORMED_HASH', `${what} is not a bytes32 hex string`);
  return bytes;
}

/** Lowercase form of a bytes32 namespace; throws MerkleError if it is not one. */
function canonicalNamespace(namespace: unknown): Hex {
  return toLowerHex(bytes32(namespace, 'namespace'));
}

/** Like canonicalNamespace, undefined instead of throwing (for verifiers). */
function tryCanonicalNamespace(namespace: unknown): Hex | undefined {
  const bytes = parseHex(namespace, HASH_BYTES);
  return bytes === undefined ? undefined : toLowerHex(bytes);
}

/**
 * `keccak256(txLeaf_0 ‖ … ‖ txLeaf_{count-1})`: the tx-tree leaf hashes (transactionLeaf) of one
 * namespace's transactions in block order, 32 bytes each, hashed once. Throws MerkleError for a
 * malformed leaf hash.
 */
export function namespaceBatchHash(transactionLeaves: readonly Hex[]): Hex {
  const buffer = new Uint8Array(transactionLeaves.length * HASH_BYTES);
  for (let i = 0; i < transactionLeaves.length; i++) {
    buffer.set(bytes32(transactionLeaves[i], `transaction leaf ${i}`), i * HASH_BYTES);
  }
  return toLowerHex(keccak256Bytes(buffer));
}

/**
 * `abi.encode(bytes32 namespace, uint64 sequenceStart, uint32 count, bytes32 batchHash)` (128
 * bytes). sequenceStart is limited to 2^53 − 1 (a JS number). Throws MerkleError for a malformed
 * field.
 */
export function namespaceLeafData(entry: NamespaceEntry): Uint8Array {
  if (typeof entry !== 'object' || entry === null) {
    throw new MerkleError('VALUE_OUT_OF_RANGE', 'namespace entry is not an object');
  }
  const namespace = bytes32(entry.namespace, 'namespace');
  const batchHash = bytes32(entry.batchHash, 'batchHash');
  if (!Number.isSafeInteger(entry.sequenceStart) || entry.sequenceStart < 0) {
    throw new MerkleError('VALUE_OUT_OF_RANGE', `sequenceStart ${entry.sequenceStart} is not a uint64`);
  }
  if (!Number.isSafeInteger(entry.count) || entry.count < 0 || entry.count > UINT32_MAX) {
    throw new MerkleError('VALUE_OUT_OF_RANGE', `count ${entry.count} is not a uint32`);
  }
  const data = new Uint8Array(4 * HASH_BYTES);
  writeBytes32Word(data, 0, namespace);
  writeUintWord(data, 32, entry.sequenceStart);
  writeUintWord(data, 64, entry.count);
  writeBytes32Word(data, 96, batchHash);
  return data;
}

/** leafHash(namespaceLeafData(entry)): a leaf of a block's namespace tree. */
export function namespaceLeaf(entry: NamespaceEntry): Hex {
  return toLowerHex(leafHashBytes(namespaceLeafData(entry)));
}

/**
 * namespaceEntries from tx-tree leaves already computed (the block content has them for txRoot),
 * so no transaction is hashed twice. `leaves` in block order.
 */
export function namespaceEntriesFromLeaves(
  leaves: readonly NamespacedTransactionLeaf[],
  sequenceStart: (namespace: Hex) => number,
): NamespaceEntry[] {
  const batches = new Map<Hex, Hex[]>();
  for (const { namespace, leaf } of leaves) {
    const key = canonicalNamespace(namespace);
    let batch = batches.get(key);
    if (batch === undefined) {
      batch = [];
      batches.set(key, batch);
    }
    batch.push(leaf);
  }
  const entries: NamespaceEntry[] = [];
  for (const [namespace, batch] of batches) {
    const start = sequenceStart(namespace);
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new MerkleError('VALUE_OUT_OF_RANGE', `sequenceStart ${start} of ${namespace} is not a uint64`);
    }
    entries.push({
      namespace,
      sequenceStart: start,
      count: batch.length,
      batchHash: namespaceBatchHash(batch),
    });
  }
  // Equal-length lowercase hex: string order is numeric (uint256) order.
  return entries.sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
}

/**
 * The namespace tree's leaves for a block's transactions (in block order), sorted by namespace,
 * given each namespace's sequence before the block (its finalized transaction count).
 * `sequenceStart` is called once per namespace, with the lowercase namespace. Throws
 * TransactionError for a malformed transaction, MerkleError for a malformed txId or sequence.
 */
export function namespaceEntries(
  transactions: readonly { tx: Transaction; txId: Hex }[],
  sequenceStart: (namespace: Hex) => number,
): NamespaceEntry[] {
  return namespaceEntriesFromLeaves(
    transactions.map(({ tx, txId }) => ({ namespace: tx.namespace, leaf: transactionLeaf(tx, txId) })),
    sequenceStart,
  );
}

/** The namespace root over `entries` (bytes32(0) for none); namespaceCount is entries.length. */
export function namespaceRoot(entries: readonly NamespaceEntry[]): Hex {
  return merkleRoot(entries.map(namespaceLeaf));
}

/** The canonical namespaces of `entries`; throws unless they are strictly ascending (as namespaceEntries returns them). */
function sortedNamespaces(entries: readonly NamespaceEntry[]): Hex[] {
  const namespaces = entries.map((entry) => canonicalNamespace(entry.namespace));
  for (let i = 1; i < namespaces.length; i++) {
    if (namespaces[i - 1]! >= namespaces[i]!) {
      throw new MerkleError('VALUE_OUT_OF_RANGE', 'namespace entries are not strictly sorted by namespace');
    }
  }
  return namespaces;
}

/** Index of the first namespace ≥ `namespace` in the sorted list (binary search). */
function lowerBound(namespaces: readonly Hex[], namespace: Hex): number {
  let low = 0;
  let high = namespaces.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (namespaces[middle]! < namespace) low = middle + 1;
    else high = middle;
  }
  return low;
}

function inclusionAt(
  entries: readonly NamespaceEntry[],
  leaves: readonly Hex[],
  index: number,
): NamespaceInclusion {
  return { entry: entries[index]!, index, proof: merkleProof(leaves, index) };
}

/**
 * The leaf of `namespace` with its proof, or undefined if the block has no transaction of it.
 * `entries` as namespaceEntries returns them; throws MerkleError if they are not sorted.
 */
export function namespaceInclusionProof(
  entries: readonly NamespaceEntry[],
  namespace: Hex,
): NamespaceInclusion | undefined {
  const namespaces = sortedNamespaces(entries);
  const target = canonicalNamespace(namespace);
  const index = lowerBound(namespaces, target);
  if (namespaces[index] !== target) return undefined;
  return inclusionAt(entries, entries.map(namespaceLeaf), index);
}

/**
 * Proof that the block of `entries` has no transaction of `namespace`: its neighbours among the
 * sorted leaves. Throws MerkleError NAMESPACE_PRESENT if the namespace has a leaf (prove its
 * inclusion instead), or if `entries` are not sorted.
 */
export function namespaceExclusionProof(
  entries: readonly NamespaceEntry[],
  namespace: Hex,
): NamespaceExclusion {
  const namespaces = sortedNamespaces(entries);
  const target = canonicalNamespace(namespace);
  const position = lowerBound(namespaces, target);
  if (namespaces[position] === target) {
    throw new MerkleError(
      'NAMESPACE_PRESENT',
      `namespace ${target} has ${entries[position]!.count} transactions`,
    );
  }
  if (entries.length === 0) return {};
  const leaves = entries.map(namespaceLeaf);
  const exclusion: NamespaceExclusion = {};
  if (position > 0) exclusion.left = inclusionAt(entries, leaves, position - 1);
  if (position < entries.length) exclusion.right = inclusionAt(entries, leaves, position);
  return exclusion;
}

/**
 * Whether the inclusion's leaf is at its index of the header's namespace tree (index <
 * namespaceCount, a proof of exactly depth(namespaceCount) hashes). Never throws.
 */
export function verifyNamespaceInclusion(header: BlockHeader, inclusion: NamespaceInclusion): boolean {
  try {
    if (typeof inclusion !== 'object' || inclusion === null) return false;
    return verifyMerkleProof({
      root: header.namespaceRoot,
      count: header.namespaceCount,
      index: inclusion.index,
      leaf: namespaceLeaf(inclusion.entry),
      proof: inclusion.proof,
    });
  } catch {
    return false; // a malformed entry
  }
}

/**
 * Whether `exclusion` proves that the header's block has no transaction of `namespace`, by the
 * rules of docs/protocol.md "Namespaces": no leaves at all; or leaf 0 above it; or the last
 * leaf below it; or two adjacent leaves around it. Never throws.
 */
export function verifyNamespaceExclusion(
  header: BlockHeader,
  namespace: Hex,
  exclusion: NamespaceExclusion,
): boolean {
  const target = tryCanonicalNamespace(namespace);
  if (target === undefined || typeof exclusion !== 'object' || exclusion === null) return false;
  const { left, right } = exclusion;
  const count = header.namespaceCount;
  if (!Number.isSafeInteger(count) || count < 0) return false;
  const below = (inclusion: NamespaceInclusion): boolean => {
    const neighbour = tryCanonicalNamespace(inclusion.entry?.namespace);
    return neighbour !== undefined && neighbour < target;
  };
  const above = (inclusion: NamespaceInclusion): boolean => {
    const neighbour = tryCanonicalNamespace(inclusion.entry?.namespace);
    return neighbour !== undefined && neighbour > target;
  };
  if (left == null && right == null) return count === 0;
  if (left == null) {
    return right!.index === 0 && above(right!) && verifyNamespaceInclusion(header, right!);
  }
  if (right == null) {
    return left.index === count - 1 && below(left) && verifyNamespaceInclusion(header, left);
  }
  return (
    Number.isSafeInteger(left.index) &&
    right.index === left.index + 1 &&
    below(left) &&
    above(right) &&
    verifyNamespaceInclusion(header, left) &&
    verifyNamespaceInclusion(header, right)
  );
}

/**
 * Whether `transactions` (block order) are exactly the header's block's transactions of
 * `namespace`: the inclusion verifies, its leaf is of `namespace`, and its count and batchHash
 * are those of `transactions`. Never throws.
 */
export function verifyNamespaceBatch(
  header: BlockHeader,
  namespace: Hex,
  transactions: readonly { tx: Transaction; txId: Hex }[],
  inclusion: NamespaceInclusion,
): boolean {
  try {
    const target = tryCanonicalNamespace(namespace);
    if (target === undefined || !Array.isArray(transactions)) return false;
    if (!verifyNamespaceInclusion(header, inclusion)) return false;
    const { entry } = inclusion;
    if (tryCanonicalNamespace(entry.namespace) !== target || entry.count !== transactions.length)
      return false;
    const leaves: Hex[] = [];
    for (const { tx, txId } of transactions) {
      if (tryCanonicalNamespace(tx.namespace) !== target) return false;
      leaves.push(transactionLeaf(tx, txId));
    }
    return tryCanonicalNamespace(entry.batchHash) === namespaceBatchHash(leaves);
  } catch {
    return false; // a malformed transaction or txId
  }
}
