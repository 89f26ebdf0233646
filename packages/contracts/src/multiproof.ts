import { concat, type Hex, keccak256 } from 'viem';

/**
 * Builds the multiproof PriceFeeds.updatePrices takes: for leaves at `indices` of a tree (the
 * Synod tree shape of docs/protocol.md: node = keccak256(0x01 ‖ left ‖ right), padded with
 * zero hashes to a power of two), the sibling hashes not computable from those leaves, level by
 * level from the leaves up, left to right. Mirrors SynodMerkle.multiproofRoot.
 */

const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

function nodeHash(left: Hex, right: Hex): Hex {
  return keccak256(concat(['0x01', left, right]));
}

/**
 * @param leafHashes Every leaf hash of the tree, in tree order (leafHash of each leaf's data).
 * @param indices Positions of the proven leaves, strictly increasing.
 * @returns The multiproof's sibling hashes.
 */
export function buildMultiproof(leafHashes: readonly Hex[], indices: readonly number[]): Hex[] {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (
      !Number.isInteger(index) ||
      index < 0 ||
      index >= leafHashes.length ||
      (i > 0 && index <= indices[i - 1]!)
    ) {
      throw new RangeError(
        `indices must strictly increase within [0, ${leafHashes.length}), got ${indices.join(',')}`,
      );
    }
  }
  let width = 1;
  while (width < leafHashes.length) width *= 2;
  let level: Hex[] = [...leafHashes, ...Array<Hex>(width - leafHashes.length).fill(ZERO_HASH)];
  let nodes = [...indices];
  const proof: Hex[] = [];
  while (level.length > 1) {
    const parents: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const index = nodes[i]!;
      if (index % 2 === 0 && nodes[i + 1] === index + 1) i++;
      else proof.push(level[index ^ 1]!);
      parents.push(index >> 1);
    }
    nodes = parents;
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return proof;
}
