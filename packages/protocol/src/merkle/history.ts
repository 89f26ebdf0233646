import type { Hex } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import { MerkleError } from './errors.ts';
import { historyLeaf, historyLeafBytes } from './leaves.ts';
import { merkleDepth, merkleProof, nodeHashBytes, zeroHashBytes } from './tree.ts';

/**
 * The header-history accumulator: an append-only Merkle tree over historyLeaf(headerHash) of
 * heights 1, 2, …, with the same padded shape as every other tree, so its root equals
 * merkleRoot over all appended leaves. It keeps only the frontier, one subtree root per level
 * (as the eth2 deposit contract does): append and root are O(log n) in time and memory.
 *
 * The header of height h commits `historyRoot` = root() after heights 1 .. h-1 were appended.
 */

/** A persisted accumulator: count and the frontier, bytes32(0) where the count's bit is 0. */
export interface HistorySnapshot {
  count: number;
  /** branches[level] is the root of the complete 2^level subtree if bit `level` of count is set. */
  branches: Hex[];
}

/** Bits of `count` (the frontier's length). */
function bitLength(count: number): number {
  let bits = 0;
  while (2 ** bits <= count) bits++;
  return bits;
}

export class HistoryAccumulator {
  #count = 0;
  /** #branches[level]: the latest complete subtree of 2^level leaves; meaningful where bit `level` of #count is 1. */
  readonly #branches: Uint8Array[] = [];
  #root: Uint8Array | undefined;

  /** Number of appended header hashes (= the height of the last appended header). */
  get count(): number {
    return this.#count;
  }

  /** Appends the header hash of height count+1. Throws MerkleError for a malformed hash. */
  append(headerHash: Hex): void {
    let node = historyLeafBytes(headerHash);
    let size = this.#count + 1;
    let level = 0;
    // Carry: each trailing 1-bit of the old count closes a complete subtree one level up.
    while (size % 2 === 0) {
      node = nodeHashBytes(this.#branches[level]!, node);
      size /= 2;
      level++;
    }
    this.#branches[level] = node;
    this.#count++;
    this.#root = undefined;
  }

  /** The root over all appended leaves; equals merkleRoot(headerHashes.map(historyLeaf)). */
  root(): Hex {
    this.#root ??= this.#computeRoot();
    return toLowerHex(this.#root);
  }

  #computeRoot(): Uint8Array {
    const count = this.#count;
    if (count === 0) return zeroHashBytes(0);
    const depth = merkleDepth(count);
    if (2 ** depth === count) return this.#branches[depth]!; // one complete subtree
    // Walk up the right edge of the padded tree: at a set bit the frontier subtree is the left
    // sibling; at a clear bit the right sibling is padding.
    let node = zeroHashBytes(0);
    let size = count;
    for (let level = 0; level < depth; level++) {
      node =
        size % 2 === 1
          ? nodeHashBytes(this.#branches[level]!, node)
          : nodeHashBytes(node, zeroHashBytes(level));
      size = Math.floor(size / 2);
    }
    return node;
  }

  /** The state to persist: restoring it with fromSnapshot continues the same accumulator. */
  snapshot(): HistorySnapshot {
    const branches: Hex[] = [];
    let size = this.#count;
    for (let level = 0; level < bitLength(this.#count); level++) {
      branches.push(toLowerHex(size % 2 === 1 ? this.#branches[level]! : zeroHashBytes(0)));
      size = Math.floor(size / 2);
    }
    return { count: this.#count, branches };
  }

  /** Restores a snapshot. Throws MerkleError if its shape does not match its count. */
  static fromSnapshot(snapshot: HistorySnapshot): HistoryAccumulator {
    const { count, branches } = snapshot;
    if (!Number.isSafeInteger(count) || count < 0 || !Array.isArray(branches)) {
      throw new MerkleError('VALUE_OUT_OF_RANGE', `invalid history snapshot count ${count}`);
    }
    if (branches.length !== bitLength(count)) {
      throw new MerkleError('VALUE_OUT_OF_RANGE', `snapshot of ${count} needs ${bitLength(count)} branches`);
    }
    const accumulator = new HistoryAccumulator();
    for (const [level, branch] of branches.entries()) {
      const bytes = parseHex(branch, 32);
      if (bytes === undefined)
        throw new MerkleError('MALFORMED_HASH', `snapshot branch ${level} is not bytes32`);
      accumulator.#branches[level] = bytes;
    }
    accumulator.#count = count;
    return accumulator;
  }
}

/**
 * Proof of the header of height index+1 against the history root over `headerHashes`
 * (heights 1 .. headerHashes.length). Throws MerkleError for an index outside the list.
 */
export function historyProof(headerHashes: readonly Hex[], index: number): Hex[] {
  return merkleProof(headerHashes.map(historyLeaf), index);
}
