import fc from 'fast-check';
import { concat, encodeAbiParameters, type Hex, keccak256, parseAbiParameters } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  historyLeaf,
  leafHash,
  MerkleError,
  merkleDepth,
  merkleProof,
  merkleRoot,
  merkleZeroHash,
  nodeHash,
  priceLeaf,
  priceLeafData,
  transactionLeaf,
  transactionLeafData,
  verifyMerkleProof,
} from '../src/merkle/index.ts';
import { TransactionError } from '../src/tx/errors.ts';
import { feedPriceArbitrary, hash32Arbitrary, transactionArbitrary } from './support/arbitraries.ts';

const ZERO: Hex = `0x${'00'.repeat(32)}`;

/** The tree of docs/protocol.md written the obvious way, with viem's keccak: the reference. */
function referenceRoot(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) return ZERO;
  let level = [...leaves];
  while (level.length < 2 ** merkleDepth(leaves.length)) level.push(ZERO);
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(keccak256(concat(['0x01', level[i]!, level[i + 1]!])));
    level = next;
  }
  return level[0]!;
}

/** Distinct leaf hashes as real leaves are: outputs of leafHash, never bytes32(0). */
const leavesArbitrary = (minLength: number, maxLength: number) =>
  fc
    .array(fc.uint8Array({ maxLength: 8 }), { minLength, maxLength })
    .map((datas) => datas.map((data, i) => leafHash(Uint8Array.of(...data, i & 0xff, i >> 8))));

describe('Merkle hashing', () => {
  it('domain-separates leaves (0x00) from nodes (0x01)', () => {
    const a = keccak256('0xaa');
    const b = keccak256('0xbb');
    expect(leafHash('0xaabb')).toBe(keccak256('0x00aabb'));
    expect(leafHash(Uint8Array.of(0xaa, 0xbb))).toBe(keccak256('0x00aabb'));
    expect(nodeHash(a, b)).toBe(keccak256(concat(['0x01', a, b])));
    expect(leafHash(concat([a, b]))).not.toBe(nodeHash(a, b));
  });

  it('precomputes the all-padding subtree roots', () => {
    expect(merkleZeroHash(0)).toBe(ZERO);
    expect(merkleZeroHash(1)).toBe(nodeHash(ZERO, ZERO));
    expect(merkleZeroHash(2)).toBe(nodeHash(merkleZeroHash(1), merkleZeroHash(1)));
    expect(() => merkleZeroHash(65)).toThrow(MerkleError);
  });

  it('depth is ⌈log2 count⌉, 0 for zero or one leaf', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 3],
      [8192, 13],
      [8193, 14],
    ];
    for (const [count, depth] of cases) expect(merkleDepth(count)).toBe(depth);
    expect(merkleDepth(2 ** 53 - 1)).toBe(53);
  });
});

describe('merkleRoot', () => {
  it('equals the reference padded tree for every count', () => {
    fc.assert(
      fc.property(leavesArbitrary(0, 70), (leaves) => {
        expect(merkleRoot(leaves)).toBe(referenceRoot(leaves));
      }),
    );
  });

  it('has the documented small shapes', () => {
    const [a, b, c] = [keccak256('0x01'), keccak256('0x02'), keccak256('0x03')];
    expect(merkleRoot([])).toBe(ZERO);
    expect(merkleRoot([a])).toBe(a);
    expect(merkleRoot([a, b])).toBe(nodeHash(a, b));
    expect(merkleRoot([a, b, c])).toBe(nodeHash(nodeHash(a, b), nodeHash(c, ZERO)));
  });

  it('accepts any hex case and rejects malformed leaf hashes', () => {
    const a = keccak256('0x01');
    expect(merkleRoot([a.toUpperCase().replace('0X', '0x') as Hex, a])).toBe(merkleRoot([a, a]));
    expect(() => merkleRoot([a, '0x1234'])).toThrow(expect.objectContaining({ code: 'MALFORMED_HASH' }));
  });
});

describe('merkle proofs', () => {
  it('verify for every index of random trees', () => {
    fc.assert(
      fc.property(leavesArbitrary(1, 40), (leaves) => {
        const root = merkleRoot(leaves);
        for (let index = 0; index < leaves.length; index++) {
          const proof = merkleProof(leaves, index);
          expect(proof).toHaveLength(merkleDepth(leaves.length));
          expect(verifyMerkleProof({ root, count: leaves.length, index, leaf: leaves[index]!, proof })).toBe(
            true,
          );
        }
      }),
    );
  });

  it('fail for a wrong index, leaf or sibling', () => {
    fc.assert(
      fc.property(leavesArbitrary(2, 40), fc.nat(), fc.nat(), fc.nat(), (leaves, i, j, at) => {
        const count = leaves.length;
        const root = merkleRoot(leaves);
        const index = i % count;
        const proof = merkleProof(leaves, index);
        const leaf = leaves[index]!;
        const otherIndex = (index + 1 + (j % (count - 1))) % count;
        expect(verifyMerkleProof({ root, count, index: otherIndex, leaf, proof })).toBe(false);
        expect(verifyMerkleProof({ root, count, index, leaf: leaves[otherIndex]!, proof })).toBe(false);
        const level = at % proof.length;
        const tampered = proof.map((sibling, k) => (k === level ? nodeHash(sibling, sibling) : sibling));
        expect(verifyMerkleProof({ root, count, index, leaf, proof: tampered })).toBe(false);
      }),
    );
  });

  it('fail when the count implies another depth or excludes the index', () => {
    fc.assert(
      fc.property(leavesArbitrary(2, 40), fc.nat(), (leaves, i) => {
        const count = leaves.length;
        const root = merkleRoot(leaves);
        const index = i % count;
        const proof = merkleProof(leaves, index);
        const leaf = leaves[index]!;
        const depth = merkleDepth(count);
        for (const wrongCount of [2 ** (depth + 1), 2 ** (depth - 1), index]) {
          expect(verifyMerkleProof({ root, count: wrongCount, index, leaf, proof })).toBe(false);
        }
      }),
    );
  });

  it('never verify a padding slot', () => {
    fc.assert(
      fc.property(
        leavesArbitrary(1, 40).filter((leaves) => 2 ** merkleDepth(leaves.length) > leaves.length),
        fc.nat(),
        (leaves, i) => {
          const count = leaves.length;
          const padded = [...leaves];
          while (padded.length < 2 ** merkleDepth(count)) padded.push(ZERO);
          const root = merkleRoot(leaves);
          expect(merkleRoot(padded)).toBe(root); // the padded tree is the same tree...
          const index = count + (i % (padded.length - count));
          const proof = merkleProof(padded, index); // ...so this proof is arithmetically valid
          expect(verifyMerkleProof({ root, count: padded.length, index, leaf: ZERO, proof })).toBe(true);
          // but against the committed count it is refused.
          expect(verifyMerkleProof({ root, count, index, leaf: ZERO, proof })).toBe(false);
          expect(() => merkleProof(leaves, index)).toThrow(
            expect.objectContaining({ code: 'INDEX_OUT_OF_RANGE' }),
          );
        },
      ),
    );
  });

  it('a root for one count never verifies a proof built for another count', () => {
    fc.assert(
      fc.property(leavesArbitrary(2, 40), fc.nat(), fc.nat(), (leaves, cut, i) => {
        const countN = leaves.length;
        const countM = 1 + (cut % (countN - 1)); // a strict prefix of the same leaves
        const prefix = leaves.slice(0, countM);
        const index = i % countM;
        const proofM = merkleProof(prefix, index);
        const leaf = leaves[index]!;
        const rootN = merkleRoot(leaves);
        expect(merkleRoot(prefix)).not.toBe(rootN);
        expect(verifyMerkleProof({ root: rootN, count: countN, index, leaf, proof: proofM })).toBe(false);
        expect(verifyMerkleProof({ root: rootN, count: countM, index, leaf, proof: proofM })).toBe(false);
      }),
    );
  });

  it('a single leaf is its own root with an empty proof', () => {
    const leaf = keccak256('0x01');
    expect(merkleProof([leaf], 0)).toEqual([]);
    expect(verifyMerkleProof({ root: leaf, count: 1, index: 0, leaf, proof: [] })).toBe(true);
    expect(verifyMerkleProof({ root: leaf, count: 0, index: 0, leaf, proof: [] })).toBe(false);
  });

  it('return false for malformed input instead of throwing', () => {
    const leaves = [keccak256('0x01'), keccak256('0x02')];
    const valid = {
      root: merkleRoot(leaves),
      count: 2,
      index: 0,
      leaf: leaves[0]!,
      proof: merkleProof(leaves, 0),
    };
    expect(verifyMerkleProof(valid)).toBe(true);
    const broken: Record<string, unknown>[] = [
      { root: '0x12' },
      { leaf: 'nothex' },
      { proof: ['0x1234'] },
      { proof: 'not an array' },
      { index: -1 },
      { index: 0.5 },
      { count: Number.NaN },
    ];
    for (const change of broken) {
      expect(verifyMerkleProof({ ...valid, ...change } as typeof valid)).toBe(false);
    }
  });
});

describe('leaf builders', () => {
  it('transaction leaves are leafHash(abi.encode(txId, sender, namespace, nonce, keccak256(payload)))', () => {
    fc.assert(
      fc.property(transactionArbitrary({ maxPayloadBytes: 300 }), hash32Arbitrary, (tx, txId) => {
        const expected = encodeAbiParameters(
          parseAbiParameters('bytes32, address, bytes32, uint64, bytes32'),
          [txId, tx.sender, tx.namespace, tx.nonce, keccak256(tx.payload)],
        );
        expect(transactionLeafData(tx, txId)).toEqual(Uint8Array.from(Buffer.from(expected.slice(2), 'hex')));
        expect(transactionLeaf(tx, txId)).toBe(leafHash(expected));
      }),
    );
  });

  it('price leaves are leafHash(abi.encode(feedId, int256 answer)), negative answers included', () => {
    fc.assert(
      fc.property(feedPriceArbitrary, (price) => {
        const expected = encodeAbiParameters(parseAbiParameters('bytes32, int256'), [
          price.feedId,
          price.answer,
        ]);
        expect(priceLeaf(price)).toBe(leafHash(expected));
      }),
    );
    expect(() => priceLeafData({ feedId: ZERO, answer: 1n << 255n })).toThrow(
      expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }),
    );
    expect(() => priceLeafData({ feedId: '0x12', answer: 1n })).toThrow(MerkleError);
  });

  it('history leaves are leafHash(headerHash)', () => {
    const headerHash = keccak256('0x01');
    expect(historyLeaf(headerHash)).toBe(keccak256(concat(['0x00', headerHash])));
    expect(() => historyLeaf('0x12')).toThrow(expect.objectContaining({ code: 'MALFORMED_HASH' }));
  });

  it('reject a malformed transaction or txId with a typed error', () => {
    const tx = {
      networkId: 1,
      namespace: ZERO,
      sender: `0x${'11'.repeat(20)}`,
      nonce: 0n,
      payload: '0x',
      validUntil: 0n,
    } as const;
    expect(() => transactionLeaf({ ...tx, sender: '0x11' }, ZERO)).toThrow(TransactionError);
    expect(() => transactionLeaf(tx, '0x00')).toThrow(MerkleError);
  });
});
