import fc from 'fast-check';
import { type Hex, keccak256, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  HistoryAccumulator,
  historyLeaf,
  historyProof,
  merkleRoot,
  verifyMerkleProof,
} from '../src/merkle/index.ts';
import { hash32Arbitrary } from './support/arbitraries.ts';

const headerHashes = (count: number): Hex[] => Array.from({ length: count }, (_, i) => keccak256(toHex(i)));

describe('HistoryAccumulator', () => {
  it('root after every append equals merkleRoot over all appended leaves', () => {
    fc.assert(
      fc.property(fc.array(hash32Arbitrary, { maxLength: 80 }), (hashes) => {
        const accumulator = new HistoryAccumulator();
        const leaves: Hex[] = [];
        expect(accumulator.root()).toBe(merkleRoot([]));
        for (const hash of hashes) {
          accumulator.append(hash);
          leaves.push(historyLeaf(hash));
          expect(accumulator.count).toBe(leaves.length);
          expect(accumulator.root()).toBe(merkleRoot(leaves));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('matches merkleRoot around powers of two up to 2^11', () => {
    const hashes = headerHashes(2049);
    const leaves = hashes.map(historyLeaf);
    const checkpoints = new Set([1, 2, 3, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049]);
    const accumulator = new HistoryAccumulator();
    for (const [i, hash] of hashes.entries()) {
      accumulator.append(hash);
      if (checkpoints.has(i + 1)) expect(accumulator.root()).toBe(merkleRoot(leaves.slice(0, i + 1)));
    }
  });

  it('proves every earlier header against its root', () => {
    fc.assert(
      fc.property(fc.array(hash32Arbitrary, { minLength: 1, maxLength: 40 }), (hashes) => {
        const accumulator = new HistoryAccumulator();
        for (const hash of hashes) accumulator.append(hash);
        for (const [index, hash] of hashes.entries()) {
          const proof = historyProof(hashes, index);
          const claim = { root: accumulator.root(), count: accumulator.count, index, proof };
          expect(verifyMerkleProof({ ...claim, leaf: historyLeaf(hash) })).toBe(true);
          expect(verifyMerkleProof({ ...claim, leaf: hash })).toBe(false); // a header hash is not its leaf
        }
      }),
      { numRuns: 40 },
    );
  });

  it('continues identically after a snapshot round trip', () => {
    fc.assert(
      fc.property(
        fc.array(hash32Arbitrary, { maxLength: 40 }),
        fc.array(hash32Arbitrary, { maxLength: 10 }),
        (before, after) => {
          const original = new HistoryAccumulator();
          for (const hash of before) original.append(hash);
          const restored = HistoryAccumulator.fromSnapshot(structuredClone(original.snapshot()));
          expect(restored.snapshot()).toEqual(original.snapshot());
          for (const hash of after) {
            original.append(hash);
            restored.append(hash);
          }
          expect(restored.count).toBe(original.count);
          expect(restored.root()).toBe(original.root());
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps only one hash per level of the count', () => {
    const accumulator = new HistoryAccumulator();
    for (const hash of headerHashes(1000)) accumulator.append(hash);
    expect(accumulator.snapshot().branches).toHaveLength(10); // 1000 < 2^10
  });

  it('rejects malformed hashes and snapshots with a typed error', () => {
    expect(() => new HistoryAccumulator().append('0x12')).toThrow(
      expect.objectContaining({ code: 'MALFORMED_HASH' }),
    );
    const zero = `0x${'00'.repeat(32)}` as const;
    expect(() => HistoryAccumulator.fromSnapshot({ count: 3, branches: [zero] })).toThrow(
      expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }),
    );
    expect(() => HistoryAccumulator.fromSnapshot({ count: -1, branches: [] })).toThrow(
      expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }),
    );
    expect(() => HistoryAccumulator.fromSnapshot({ count: 1, branches: ['0x12'] })).toThrow(
      expect.objectContaining({ code: 'MALFORMED_HASH' }),
    );
  });
});
