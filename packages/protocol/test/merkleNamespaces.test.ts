import fc from 'fast-check';
import { concat, encodeAbiParameters, type Hex, keccak256, parseAbiParameters } from 'viem';
import { describe, expect, it } from 'vitest';
import { HEADER_VERSION } from '../src/constants.ts';
import * as root from '../src/index.ts';
import {
  MerkleError,
  merkleDepth,
  merkleRoot,
  type NamespaceEntry,
  type NamespaceExclusion,
  type NamespaceInclusion,
  namespaceBatchHash,
  namespaceEntries,
  namespaceEntriesFromLeaves,
  namespaceExclusionProof,
  namespaceInclusionProof,
  namespaceLeaf,
  namespaceLeafData,
  namespaceRoot,
  transactionLeaf,
  verifyNamespaceBatch,
  verifyNamespaceExclusion,
  verifyNamespaceInclusion,
} from '../src/merkle/index.ts';
import * as pure from '../src/pure.ts';
import type { BlockHeader, Transaction } from '../src/types.ts';
import { hash32Arbitrary, transactionArbitrary } from './support/arbitraries.ts';

const ZERO: Hex = `0x${'00'.repeat(32)}`;
const FF: Hex = `0x${'ff'.repeat(32)}`;

type BlockTx = { tx: Transaction; txId: Hex };

/** Namespace number k: 0x…(2k+2), so that every namespace has a free value below and above it. */
function ns(k: number): Hex {
  return `0x${(2 * k + 2).toString(16).padStart(64, '0')}`;
}
/** A namespace strictly between ns(k-1) and ns(k) (below ns(0) for k = 0). */
function gap(k: number): Hex {
  return `0x${(2 * k + 1).toString(16).padStart(64, '0')}`;
}

let txCounter = 0;
function makeTx(namespace: Hex): BlockTx {
  txCounter++;
  const counter = txCounter.toString(16).padStart(40, '0');
  return {
    tx: {
      networkId: 7,
      namespace,
      sender: `0x${counter}`,
      nonce: BigInt(txCounter),
      payload: `0x${counter}`,
      validUntil: 2_000_000_000n,
    },
    txId: keccak256(`0x${counter}`),
  };
}

/**
 * A block of transactions over `namespaceCount` namespaces, namespace k holding 1 + k % 3
 * transactions, interleaved (round-robin) and inserted in descending namespace order so that
 * block order is not sorted order.
 */
function blockOver(namespaceCount: number): BlockTx[] {
  const remaining = Array.from({ length: namespaceCount }, (_, k) => 1 + (k % 3));
  const block: BlockTx[] = [];
  while (remaining.some((n) => n > 0)) {
    for (let k = namespaceCount - 1; k >= 0; k--) {
      if (remaining[k]! > 0) {
        block.push(makeTx(ns(k)));
        remaining[k]!--;
      }
    }
  }
  return block;
}

/** Previous counts: namespace k had 10·k transactions before (namespace 0 none). */
const previous = (namespace: Hex): number => 10 * (Number.parseInt(namespace.slice(2), 16) / 2 - 1);

/** The layout of docs/protocol.md "Namespaces" written the obvious way with viem: the reference. */
function referenceEntries(block: readonly BlockTx[], start: (namespace: Hex) => number): NamespaceEntry[] {
  const namespaces = [...new Set(block.map(({ tx }) => tx.namespace.toLowerCase() as Hex))].sort();
  return namespaces.map((namespace) => {
    const mine = block.filter(({ tx }) => tx.namespace.toLowerCase() === namespace);
    const leaves = mine.map(({ tx, txId }) => transactionLeaf(tx, txId));
    return {
      namespace,
      sequenceStart: start(namespace),
      count: mine.length,
      batchHash: keccak256(leaves.length === 0 ? '0x' : concat(leaves)),
    };
  });
}

function referenceLeaf(entry: NamespaceEntry): Hex {
  const data = encodeAbiParameters(parseAbiParameters('bytes32, uint64, uint32, bytes32'), [
    entry.namespace,
    BigInt(entry.sequenceStart),
    entry.count,
    entry.batchHash,
  ]);
  return keccak256(concat(['0x00', data]));
}

function headerOf(entries: readonly NamespaceEntry[], txCount = 0): BlockHeader {
  return {
    version: HEADER_VERSION,
    networkId: 7,
    epoch: 0,
    height: 3,
    parentHash: ZERO,
    timestampMs: 1,
    txRoot: ZERO,
    txCount,
    namespaceRoot: namespaceRoot(entries),
    namespaceCount: entries.length,
    priceRoot: ZERO,
    priceCount: 0,
    historyRoot: ZERO,
    proposerIndex: 0,
  };
}

function flip(hash: Hex): Hex {
  return `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}` as Hex;
}

describe('namespace leaves', () => {
  it('leaf data is abi.encode(bytes32 namespace, uint64 sequenceStart, uint32 count, bytes32 batchHash)', () => {
    const entry: NamespaceEntry = {
      namespace: ns(1),
      sequenceStart: 2 ** 53 - 1,
      count: 0xffff_ffff,
      batchHash: keccak256('0x01'),
    };
    const data = namespaceLeafData(entry);
    expect(data.length).toBe(128);
    expect(namespaceLeaf(entry)).toBe(referenceLeaf(entry));
    // The same leaf for a namespace written in uppercase hex.
    expect(
      namespaceLeaf({ ...entry, namespace: entry.namespace.toUpperCase().replace('0X', '0x') as Hex }),
    ).toBe(referenceLeaf(entry));
  });

  it('batchHash is keccak256 of the concatenated tx-tree leaves, hashed once', () => {
    const a = keccak256('0x0a');
    const b = keccak256('0x0b');
    expect(namespaceBatchHash([a])).toBe(keccak256(a));
    expect(namespaceBatchHash([a, b])).toBe(keccak256(concat([a, b])));
    expect(namespaceBatchHash([b, a])).not.toBe(namespaceBatchHash([a, b]));
    expect(() => namespaceBatchHash(['0x12'])).toThrow(MerkleError);
  });

  it('rejects malformed fields with MerkleError', () => {
    const entry: NamespaceEntry = { namespace: ns(0), sequenceStart: 0, count: 1, batchHash: ZERO };
    for (const bad of [
      { namespace: '0x12' as Hex },
      { batchHash: '0xzz' as Hex },
      { sequenceStart: -1 },
      { sequenceStart: 2 ** 53 },
      { sequenceStart: 1.5 },
      { count: 2 ** 32 },
      { count: -1 },
    ]) {
      expect(() => namespaceLeafData({ ...entry, ...bad })).toThrow(MerkleError);
    }
  });

  it('entries: one per distinct namespace, sorted, with sequenceStart from the callback and batches in block order', () => {
    const block = blockOver(5);
    const asked: Hex[] = [];
    const entries = namespaceEntries(block, (namespace) => {
      asked.push(namespace);
      return previous(namespace);
    });
    expect(entries).toEqual(referenceEntries(block, previous));
    expect(entries.map((entry) => entry.namespace)).toEqual([0, 1, 2, 3, 4].map(ns));
    expect(entries.map((entry) => entry.count)).toEqual([1, 2, 3, 1, 2]);
    expect(entries.map((entry) => entry.sequenceStart)).toEqual([0, 10, 20, 30, 40]);
    expect(asked.sort()).toEqual([0, 1, 2, 3, 4].map(ns)); // once per namespace
    // The same entries from precomputed leaves.
    const leaves = block.map(({ tx, txId }) => ({
      namespace: tx.namespace,
      leaf: transactionLeaf(tx, txId),
    }));
    expect(namespaceEntriesFromLeaves(leaves, previous)).toEqual(entries);
  });

  it('entries group namespaces case-insensitively and report them lowercase', () => {
    const lower = `0x${'ab'.repeat(32)}` as Hex;
    const upper = `0x${'AB'.repeat(32)}` as Hex;
    const block = [makeTx(lower), makeTx(upper)];
    const entries = namespaceEntries(block, () => 4);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ namespace: lower, count: 2, sequenceStart: 4 });
  });

  it('an empty block has no entries, root bytes32(0) and count 0', () => {
    expect(namespaceEntries([], () => 0)).toEqual([]);
    expect(namespaceRoot([])).toBe(ZERO);
  });

  it('rejects a bad sequence from the callback', () => {
    expect(() => namespaceEntries([makeTx(ns(0))], () => -1)).toThrow(MerkleError);
    expect(() => namespaceEntries([makeTx(ns(0))], () => Number.NaN)).toThrow(MerkleError);
  });

  it('is exported from the package root and from /pure', () => {
    for (const entry of [root, pure]) {
      expect(entry.namespaceEntries).toBe(namespaceEntries);
      expect(entry.namespaceRoot).toBe(namespaceRoot);
      expect(entry.namespaceBatchHash).toBe(namespaceBatchHash);
      expect(entry.namespaceLeaf).toBe(namespaceLeaf);
      expect(entry.namespaceLeafData).toBe(namespaceLeafData);
      expect(entry.namespaceInclusionProof).toBe(namespaceInclusionProof);
      expect(entry.namespaceExclusionProof).toBe(namespaceExclusionProof);
      expect(entry.verifyNamespaceInclusion).toBe(verifyNamespaceInclusion);
      expect(entry.verifyNamespaceExclusion).toBe(verifyNamespaceExclusion);
      expect(entry.verifyNamespaceBatch).toBe(verifyNamespaceBatch);
    }
  });
});

describe.each([0, 1, 2, 3, 5, 16])('a block over %i namespaces', (count) => {
  const block = blockOver(count);
  const entries = namespaceEntries(block, previous);
  const header = headerOf(entries, block.length);
  const batchOf = (k: number) => block.filter(({ tx }) => tx.namespace === ns(k));

  it('root and count are the reference tree over the sorted leaves', () => {
    expect(entries).toHaveLength(count);
    expect(header.namespaceCount).toBe(count);
    expect(header.namespaceRoot).toBe(merkleRoot(entries.map(referenceLeaf)));
    if (count === 0) expect(header.namespaceRoot).toBe(ZERO);
  });

  it('proves every present namespace and its batch', () => {
    for (let k = 0; k < count; k++) {
      const inclusion = namespaceInclusionProof(entries, ns(k))!;
      expect(inclusion.index).toBe(k);
      expect(inclusion.entry).toEqual(entries[k]);
      expect(inclusion.proof).toHaveLength(merkleDepth(count));
      expect(verifyNamespaceInclusion(header, inclusion)).toBe(true);
      expect(verifyNamespaceBatch(header, ns(k), batchOf(k), inclusion)).toBe(true);
      expect(() => namespaceExclusionProof(entries, ns(k))).toThrow(
        expect.objectContaining({ code: 'NAMESPACE_PRESENT' }),
      );
    }
  });

  it('proves the absence of every other namespace: below the first, between two, above the last', () => {
    const absent = [...Array.from({ length: count + 1 }, (_, k) => gap(k)), ZERO, FF];
    for (const namespace of absent) {
      expect(namespaceInclusionProof(entries, namespace)).toBeUndefined();
      const exclusion = namespaceExclusionProof(entries, namespace);
      expect(verifyNamespaceExclusion(header, namespace, exclusion)).toBe(true);
      if (count === 0) expect(exclusion).toEqual({});
    }
    if (count > 0) {
      expect(namespaceExclusionProof(entries, gap(0))).toEqual({
        right: namespaceInclusionProof(entries, ns(0)),
      });
      expect(namespaceExclusionProof(entries, gap(count))).toEqual({
        left: namespaceInclusionProof(entries, ns(count - 1)),
      });
    }
    for (let k = 1; k < count; k++) {
      expect(namespaceExclusionProof(entries, gap(k))).toEqual({
        left: namespaceInclusionProof(entries, ns(k - 1)),
        right: namespaceInclusionProof(entries, ns(k)),
      });
    }
  });
});

describe('namespace proofs that must fail', () => {
  const block = blockOver(5);
  const entries = namespaceEntries(block, previous);
  const header = headerOf(entries, block.length);
  const inclusion = (k: number) => namespaceInclusionProof(entries, ns(k))!;
  const batchOf = (k: number) => block.filter(({ tx }) => tx.namespace === ns(k));

  it('inclusion: wrong index, altered proof, wrong proof length, altered leaf, another header', () => {
    const good = inclusion(2);
    expect(verifyNamespaceInclusion(header, good)).toBe(true);
    const bad: NamespaceInclusion[] = [
      { ...good, index: 3 },
      { ...good, index: 5 }, // a padding slot: index ≥ count
      { ...good, index: -1 },
      { ...good, proof: [flip(good.proof[0]!), ...good.proof.slice(1)] },
      { ...good, proof: good.proof.slice(1) },
      { ...good, proof: [...good.proof, ZERO] },
      { ...good, entry: { ...good.entry, sequenceStart: good.entry.sequenceStart + 1 } },
      { ...good, entry: { ...good.entry, count: good.entry.count + 1 } },
      { ...good, entry: { ...good.entry, batchHash: flip(good.entry.batchHash) } },
      { ...good, entry: { ...good.entry, namespace: ns(7) } },
      { ...good, entry: { ...good.entry, namespace: '0x12' } }, // malformed: false, not a throw
      { ...good, proof: ['0x12', ...good.proof.slice(1)] },
    ];
    for (const inclusion of bad) expect(verifyNamespaceInclusion(header, inclusion)).toBe(false);
    expect(verifyNamespaceInclusion({ ...header, namespaceCount: 9 }, good)).toBe(false); // another depth
    expect(verifyNamespaceInclusion({ ...header, namespaceCount: 2 }, good)).toBe(false); // index ≥ count
    expect(verifyNamespaceInclusion({ ...header, namespaceRoot: flip(header.namespaceRoot) }, good)).toBe(
      false,
    );
    expect(verifyNamespaceInclusion(header, null as unknown as NamespaceInclusion)).toBe(false);
  });

  it('batch: another namespace, reordered, missing, extra, foreign or altered transactions', () => {
    const batch = batchOf(2); // 3 transactions
    const good = inclusion(2);
    expect(verifyNamespaceBatch(header, ns(2), batch, good)).toBe(true);
    expect(verifyNamespaceBatch(header, ns(1), batch, good)).toBe(false);
    expect(verifyNamespaceBatch(header, ns(1), batchOf(1), good)).toBe(false);
    expect(verifyNamespaceBatch(header, ns(2), [batch[1]!, batch[0]!, batch[2]!], good)).toBe(false);
    expect(verifyNamespaceBatch(header, ns(2), batch.slice(0, 2), good)).toBe(false);
    expect(verifyNamespaceBatch(header, ns(2), [...batch, makeTx(ns(2))], good)).toBe(false);
    expect(verifyNamespaceBatch(header, ns(2), [...batch.slice(0, 2), batchOf(1)[0]!], good)).toBe(false);
    const altered = { ...batch[0]!, tx: { ...batch[0]!.tx, payload: '0x99' as Hex } };
    expect(verifyNamespaceBatch(header, ns(2), [altered, ...batch.slice(1)], good)).toBe(false);
    const renamed = { ...batch[0]!, txId: flip(batch[0]!.txId) };
    expect(verifyNamespaceBatch(header, ns(2), [renamed, ...batch.slice(1)], good)).toBe(false);
    expect(verifyNamespaceBatch(header, ns(2), batch, { ...good, index: 1 })).toBe(false);
    // A leaf whose count matches a shorter list but whose proof is another leaf's.
    expect(verifyNamespaceBatch(header, ns(3), batchOf(3), { ...good, entry: entries[3]! })).toBe(false);
    const malformed = { ...batch[0]!, tx: { ...batch[0]!.tx, sender: '0x12' as Hex } };
    expect(verifyNamespaceBatch(header, ns(2), [malformed, ...batch.slice(1)], good)).toBe(false);
  });

  it('exclusion: a present namespace is never excluded', () => {
    // Neighbours around a present namespace, the namespace itself as a neighbour, nothing.
    const attempts: NamespaceExclusion[] = [
      { left: inclusion(1), right: inclusion(3) },
      { left: inclusion(1), right: inclusion(2) },
      { left: inclusion(2), right: inclusion(3) },
      { left: inclusion(2) },
      { right: inclusion(2) },
      {},
    ];
    for (const attempt of attempts) expect(verifyNamespaceExclusion(header, ns(2), attempt)).toBe(false);
    expect(verifyNamespaceExclusion(header, ns(0), { right: inclusion(0) })).toBe(false);
    expect(verifyNamespaceExclusion(header, ns(4), { left: inclusion(4) })).toBe(false);
  });

  it('exclusion: non-adjacent, swapped, misplaced or altered neighbours', () => {
    const good = namespaceExclusionProof(entries, gap(2)); // between ns(1) and ns(2)
    expect(verifyNamespaceExclusion(header, gap(2), good)).toBe(true);
    const bad: NamespaceExclusion[] = [
      { left: inclusion(0), right: inclusion(2) }, // not adjacent
      { left: inclusion(1), right: inclusion(3) }, // not adjacent
      { left: inclusion(2), right: inclusion(1) }, // swapped
      { left: inclusion(1) }, // only left, but not the last leaf
      { right: inclusion(2) }, // only right, but not leaf 0
      { left: good.left!, right: { ...good.right!, index: 3 } },
      { left: { ...good.left!, index: 0 }, right: good.right! },
      {
        left: good.left!,
        right: { ...good.right!, entry: { ...good.right!.entry, sequenceStart: 0 } },
      },
      {
        left: { ...good.left!, proof: [flip(good.left!.proof[0]!), ...good.left!.proof.slice(1)] },
        right: good.right!,
      },
      {}, // no neighbours, but the block has namespaces
    ];
    for (const exclusion of bad) expect(verifyNamespaceExclusion(header, gap(2), exclusion)).toBe(false);
    // The right neighbours for another namespace.
    expect(verifyNamespaceExclusion(header, gap(3), good)).toBe(false);
    expect(verifyNamespaceExclusion(header, gap(1), good)).toBe(false);
  });

  it('exclusion at the ends: below the first needs leaf 0 above it, above the last needs the last leaf below it', () => {
    expect(verifyNamespaceExclusion(header, ZERO, { right: inclusion(0) })).toBe(true);
    expect(verifyNamespaceExclusion(header, ZERO, { right: inclusion(1) })).toBe(false);
    expect(verifyNamespaceExclusion(header, FF, { left: inclusion(4) })).toBe(true);
    expect(verifyNamespaceExclusion(header, FF, { left: inclusion(3) })).toBe(false);
    // A left neighbour claiming to be the last one of a header with another count.
    expect(verifyNamespaceExclusion({ ...header, namespaceCount: 6 }, FF, { left: inclusion(4) })).toBe(
      false,
    );
    // FF is above the last leaf: a "right" neighbour below it proves nothing.
    expect(verifyNamespaceExclusion(header, FF, { right: inclusion(0) })).toBe(false);
    expect(verifyNamespaceExclusion(header, ZERO, { left: inclusion(4) })).toBe(false);
  });

  it('exclusion for an empty block needs no neighbours, and no neighbour can be proven in it', () => {
    const empty = headerOf([]);
    expect(verifyNamespaceExclusion(empty, ns(2), {})).toBe(true);
    expect(verifyNamespaceExclusion(empty, ns(2), { right: inclusion(3) })).toBe(false);
    expect(verifyNamespaceExclusion(empty, ns(2), { left: inclusion(1) })).toBe(false);
    // A non-empty block never accepts the empty-block form.
    expect(verifyNamespaceExclusion(header, gap(0), {})).toBe(false);
  });

  it('malformed inputs are false, not thrown', () => {
    const good = namespaceExclusionProof(entries, gap(2));
    expect(verifyNamespaceExclusion(header, '0x12', good)).toBe(false);
    expect(verifyNamespaceExclusion(header, gap(2), null as unknown as NamespaceExclusion)).toBe(false);
    expect(
      verifyNamespaceExclusion(header, gap(2), {
        left: { ...good.left!, entry: null as unknown as NamespaceEntry },
      }),
    ).toBe(false);
    expect(verifyNamespaceBatch(header, ns(2), null as unknown as BlockTx[], inclusion(2))).toBe(false);
  });

  it('the proof builders require sorted, unique entries', () => {
    const unsorted = [entries[1]!, entries[0]!];
    expect(() => namespaceInclusionProof(unsorted, ns(0))).toThrow(MerkleError);
    expect(() => namespaceExclusionProof([entries[0]!, entries[0]!], gap(2))).toThrow(MerkleError);
    expect(() => namespaceInclusionProof(entries, '0x12')).toThrow(MerkleError);
  });
});

describe('namespace commitment properties', () => {
  /** Random blocks over a random pool of namespaces, some absent, with random previous counts. */
  const blockArbitrary = fc.uniqueArray(hash32Arbitrary, { minLength: 1, maxLength: 8 }).chain((pool) =>
    fc.record({
      pool: fc.constant(pool),
      picks: fc.array(fc.nat({ max: pool.length - 1 }), { maxLength: 14 }),
      transactions: fc.array(transactionArbitrary({ maxPayloadBytes: 8 }), { minLength: 14, maxLength: 14 }),
      txIds: fc.array(hash32Arbitrary, { minLength: 14, maxLength: 14 }),
      previous: fc.array(fc.nat({ max: 1_000_000 }), { minLength: pool.length, maxLength: pool.length }),
    }),
  );

  it('every present namespace is included with its batch; every absent one is excluded', () => {
    fc.assert(
      fc.property(blockArbitrary, ({ pool, picks, transactions, txIds, previous: counts }) => {
        const block: BlockTx[] = picks.map((pick, i) => ({
          tx: { ...transactions[i]!, namespace: pool[pick]! },
          txId: txIds[i]!,
        }));
        const start = (namespace: Hex) => counts[pool.indexOf(namespace)]!;
        const entries = namespaceEntries(block, start);
        expect(entries).toEqual(referenceEntries(block, start));
        const header = headerOf(entries, block.length);
        expect(header.namespaceRoot).toBe(merkleRoot(entries.map(referenceLeaf)));
        for (const namespace of pool) {
          const batch = block.filter(({ tx }) => tx.namespace === namespace);
          const inclusion = namespaceInclusionProof(entries, namespace);
          if (batch.length > 0) {
            expect(inclusion).toBeDefined();
            expect(inclusion!.entry.sequenceStart).toBe(start(namespace));
            expect(verifyNamespaceInclusion(header, inclusion!)).toBe(true);
            expect(verifyNamespaceBatch(header, namespace, batch, inclusion!)).toBe(true);
            expect(() => namespaceExclusionProof(entries, namespace)).toThrow(MerkleError);
          } else {
            expect(inclusion).toBeUndefined();
            expect(
              verifyNamespaceExclusion(header, namespace, namespaceExclusionProof(entries, namespace)),
            ).toBe(true);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('no exclusion proof built for an absent namespace excludes a present one', () => {
    fc.assert(
      fc.property(blockArbitrary, hash32Arbitrary, ({ pool, picks, transactions, txIds }, absent) => {
        fc.pre(!pool.includes(absent));
        const block: BlockTx[] = picks.map((pick, i) => ({
          tx: { ...transactions[i]!, namespace: pool[pick]! },
          txId: txIds[i]!,
        }));
        const entries = namespaceEntries(block, () => 0);
        const header = headerOf(entries, block.length);
        const exclusion = namespaceExclusionProof(entries, absent);
        expect(verifyNamespaceExclusion(header, absent, exclusion)).toBe(true);
        for (const entry of entries) {
          expect(verifyNamespaceExclusion(header, entry.namespace, exclusion)).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('the worked example of docs/protocol.md "Namespaces"', () => {
  const [A, B, C, D] = ['11', '22', '33', '44'].map((byte) => `0x${byte.repeat(32)}` as Hex);
  const block = [makeTx(B!), makeTx(A!), makeTx(B!), makeTx(C!), makeTx(B!)];
  const before = new Map<Hex, number>([
    [A!, 7],
    [C!, 12],
    [D!, 3],
  ]);
  const entries = namespaceEntries(block, (namespace) => before.get(namespace) ?? 0);
  const header = headerOf(entries, block.length);
  const L = block.map(({ tx, txId }) => transactionLeaf(tx, txId));
  const N = entries.map(namespaceLeaf);

  it('has the leaves, root and proofs the example shows', () => {
    expect(entries).toEqual([
      { namespace: A, sequenceStart: 7, count: 1, batchHash: keccak256(L[1]!) },
      { namespace: B, sequenceStart: 0, count: 3, batchHash: keccak256(concat([L[0]!, L[2]!, L[4]!])) },
      { namespace: C, sequenceStart: 12, count: 1, batchHash: keccak256(L[3]!) },
    ]);
    const node = (l: Hex, r: Hex) => keccak256(concat(['0x01', l, r]));
    expect(header.namespaceRoot).toBe(node(node(N[0]!, N[1]!), node(N[2]!, ZERO)));
    const b = namespaceInclusionProof(entries, B!)!;
    expect(b).toMatchObject({ index: 1, proof: [N[0], node(N[2]!, ZERO)] });
    const batch = [block[0]!, block[2]!, block[4]!];
    expect(verifyNamespaceBatch(header, B!, batch, b)).toBe(true);
    expect(verifyNamespaceBatch(header, B!, [block[2]!, block[0]!, block[4]!], b)).toBe(false);
    expect(verifyNamespaceBatch(header, B!, [block[0]!, block[2]!], b)).toBe(false);
    const d = namespaceExclusionProof(entries, D!);
    expect(d).toEqual({ left: { entry: entries[2], index: 2, proof: [ZERO, node(N[0]!, N[1]!)] } });
    expect(verifyNamespaceExclusion(header, D!, d)).toBe(true);
    const between = `0x${'1a'.repeat(32)}` as Hex;
    expect(namespaceExclusionProof(entries, between)).toMatchObject({
      left: { index: 0 },
      right: { index: 1 },
    });
    const below = `0x${'05'.repeat(32)}` as Hex;
    expect(namespaceExclusionProof(entries, below)).toEqual({ right: namespaceInclusionProof(entries, A!) });
    expect(
      verifyNamespaceExclusion(header, B!, {
        left: namespaceInclusionProof(entries, A!),
        right: namespaceInclusionProof(entries, C!),
      }),
    ).toBe(false);
  });
});
