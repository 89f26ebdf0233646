import {
  type CertifiedBlock,
  type Hex,
  headerHash,
  namespaceEntries,
  namespaceExclusionProof,
  namespaceInclusionProof,
  transactionId,
  verifyNamespaceBatch,
  verifyNamespaceExclusion,
} from '@synod/protocol';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StorageError, type StorageErrorCode, type Store } from '../../src/storage/index.ts';
import { heightKey, namespaceBatchKey, namespaceSequenceKey, Table } from '../../src/storage/keys.ts';
import { buildNamespacedChain, DOMAIN, makeBlock, ZERO } from './fixtures/chain.ts';
import { useTempDirs } from './fixtures/tempDir.ts';

/** The namespace tables: entries per height and a counter per namespace, in the commit batch. */

const tempPath = useTempDirs();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function fresh(path?: string): Promise<Store> {
  const store = await openStore(path ?? (await tempPath()), { domain: DOMAIN });
  open.push(store);
  return store;
}

async function codeOf(run: Promise<unknown>): Promise<StorageErrorCode | 'ok'> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return (error as StorageError).code;
  }
}

const NS: Hex[] = [`0x${'0a'.repeat(32)}`, `0x${'0b'.repeat(32)}`, `0x${'0c'.repeat(32)}`];

/** Block h's namespaces (indexes into NS) in block order; block 3 is empty. */
const LAYOUT = [[0, 1, 0], [2, 2, 1], [], [1, 0, 2, 0], [0]];

/** Finalized count of each namespace after each height (index 0: before block 1). */
let counts: Map<Hex, number>[];
let chain: CertifiedBlock[];
beforeAll(() => {
  ({ chain, counts } = buildNamespacedChain(LAYOUT.map((layout) => layout.map((k) => NS[k]!))));
});

const withIds = (block: CertifiedBlock) =>
  block.block.transactions.map((tx) => ({ tx, txId: transactionId(tx, DOMAIN) }));

async function filled(path?: string): Promise<Store> {
  const store = await fresh(path);
  for (const block of chain) await store.commitBlock(block);
  return store;
}

describe('Store namespace tables', () => {
  it('stores each block’s namespace leaves and advances every namespace’s count', async () => {
    const store = await fresh();
    for (const ns of NS) expect(await store.namespaceSequence(ns)).toBe(0);
    expect(await store.namespaceSequences()).toEqual(new Map());
    for (const [i, block] of chain.entries()) {
      await store.commitBlock(block);
      const height = i + 1;
      const entries = await store.getNamespaceEntries(height);
      expect(entries).toEqual(namespaceEntries(withIds(block), (ns) => counts[i]!.get(ns) ?? 0));
      expect(entries).toHaveLength(block.block.header.namespaceCount);
      for (const ns of NS) expect(await store.namespaceSequence(ns)).toBe(counts[height]!.get(ns) ?? 0);
      expect(await store.namespaceSequences()).toEqual(counts[height]);
    }
    expect(await store.getNamespaceEntries(3)).toEqual([]);
    expect(await store.getNamespaceEntries(0)).toBeUndefined();
    expect(await store.getNamespaceEntries(6)).toBeUndefined();
    // Block 4: namespace 0b starts at 2 (one in block 1, one in block 2), 0a at 2, 0c at 2.
    expect((await store.getNamespaceEntries(4))!.map((entry) => [entry.sequenceStart, entry.count])).toEqual([
      [2, 2],
      [2, 1],
      [2, 1],
    ]);
    // A mixed-case namespace reads the same counter.
    expect(await store.namespaceSequence(NS[0]!.toUpperCase().replace('0X', '0x') as Hex)).toBe(5);
  });

  it('serves entries that prove batches and absences against the stored headers', async () => {
    const store = await filled();
    const header = (await store.getHeader(4))!;
    const entries = (await store.getNamespaceEntries(4))!;
    const block = withIds(chain[3]!);
    for (const ns of NS) {
      const batch = block.filter(({ tx }) => tx.namespace === ns);
      expect(verifyNamespaceBatch(header, ns, batch, namespaceInclusionProof(entries, ns)!)).toBe(true);
    }
    const absent: Hex = `0x${'0d'.repeat(32)}`;
    expect(verifyNamespaceExclusion(header, absent, namespaceExclusionProof(entries, absent))).toBe(true);
    const empty = (await store.getHeader(3))!;
    expect(verifyNamespaceExclusion(empty, NS[0]!, namespaceExclusionProof([], NS[0]!))).toBe(true);
  });

  it('finds a namespace’s next non-empty height in one seek, also after pruning', async () => {
    const store = await filled();
    const next = (ns: Hex, after: number) => store.nextNamespaceBatchHeight(ns, after);
    // LAYOUT: 0a in blocks 1, 4, 5; 0b in 1, 2, 4; 0c in 2, 4; block 3 empty.
    expect(await Promise.all([0, 1, 2, 3, 4, 5].map((h) => next(NS[0]!, h)))).toEqual([
      1,
      4,
      4,
      4,
      5,
      undefined,
    ]);
    expect(await Promise.all([0, 1, 2, 3, 4].map((h) => next(NS[1]!, h)))).toEqual([1, 2, 4, 4, undefined]);
    expect(await Promise.all([0, 2, 4].map((h) => next(NS[2]!, h)))).toEqual([2, 4, undefined]);
    expect(await next(`0x${'0d'.repeat(32)}`, 0)).toBeUndefined();
    // A neighbouring namespace's keys are never read as this one's.
    expect(await next(`0x${'0a'.repeat(31)}0b`, 0)).toBeUndefined();
    await store.pruneBelow(5);
    expect(await next(NS[2]!, 0)).toBe(2);
  });

  it('never finds a height above the latest one (a commit being written is not final yet)', async () => {
    const path = await tempPath();
    const store = await filled(path);
    await store.close();
    open.splice(open.indexOf(store), 1);
    // The index key of a block 6 whose commit is not (yet) reflected in latestHeight.
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    await db.put(namespaceBatchKey(NS[1]!, 6), new Uint8Array(8));
    await db.close();
    const reopened = await fresh(path);
    expect(reopened.latestHeight()).toBe(5);
    expect(await reopened.nextNamespaceBatchHeight(NS[1]!, 4)).toBeUndefined();
    expect(await reopened.nextNamespaceBatchHeight(NS[1]!, 5)).toBeUndefined();
    expect(await reopened.nextNamespaceBatchHeight(NS[1]!, 1)).toBe(2);
  });

  it('keeps entries and counters through pruning and a reopen', async () => {
    const path = await tempPath();
    const store = await filled(path);
    const before = await Promise.all([1, 2, 3, 4, 5].map((h) => store.getNamespaceEntries(h)));
    expect(await store.pruneBelow(5)).toBe(5);
    expect(await store.getBlock(1)).toBeUndefined();
    expect(await Promise.all([1, 2, 3, 4, 5].map((h) => store.getNamespaceEntries(h)))).toEqual(before);
    await store.close();
    open.splice(open.indexOf(store), 1);
    const reopened = await fresh(path);
    expect(await reopened.namespaceSequences()).toEqual(counts[5]);
    expect(await Promise.all([1, 2, 3, 4, 5].map((h) => reopened.getNamespaceEntries(h)))).toEqual(before);
  });

  it('refuses a block whose namespace commitment disagrees with the stored counts, writing nothing', async () => {
    const store = await fresh();
    await store.commitBlock(chain[0]!);
    const next = chain[1]!;
    const transactions = next.block.transactions;
    const parent = headerHash(chain[0]!.block.header, DOMAIN);
    // The right transactions, but sequences that ignore block 1.
    const stale = makeBlock(2, parent, transactions, [], () => 0);
    expect(await codeOf(store.commitBlock(stale))).toBe('INVALID_BLOCK');
    // A wrong namespaceCount or namespaceRoot.
    for (const change of [
      { namespaceCount: next.block.header.namespaceCount + 1 },
      { namespaceRoot: ZERO },
    ]) {
      const tampered: CertifiedBlock = {
        ...next,
        block: { ...next.block, header: { ...next.block.header, ...change } },
      };
      expect(await codeOf(store.commitBlock(tampered))).toBe('INVALID_BLOCK');
    }
    expect(store.latestHeight()).toBe(1);
    expect(await store.namespaceSequences()).toEqual(counts[1]);
    await store.commitBlock(next);
    expect(await store.namespaceSequences()).toEqual(counts[2]);
  });

  it('reports damaged entries and counters as CORRUPT', async () => {
    const path = await tempPath();
    const store = await filled(path);
    await store.close();
    open.splice(open.indexOf(store), 1);
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const first = Uint8Array.from((await db.get(heightKey(Table.NamespaceEntries, 1)))!);
    const fourth = Uint8Array.from((await db.get(heightKey(Table.NamespaceEntries, 4)))!);
    expect([first.length, fourth.length]).toEqual([2 * 76, 3 * 76]);
    await db.put(heightKey(Table.NamespaceEntries, 1), first.subarray(0, 70)); // truncated
    await db.put(heightKey(Table.NamespaceEntries, 2), first); // block 1's two entries
    fourth[39] = fourth[39]! ^ 1; // the first entry's sequenceStart
    await db.put(heightKey(Table.NamespaceEntries, 4), fourth);
    await db.put(namespaceSequenceKey(NS[0]!), Uint8Array.of(1, 2, 3));
    await db.close();
    const reopened = await fresh(path);
    expect(await codeOf(reopened.getNamespaceEntries(1))).toBe('CORRUPT');
    expect(await codeOf(reopened.getNamespaceEntries(2))).toBe('CORRUPT');
    expect(await codeOf(reopened.getNamespaceEntries(4))).toBe('CORRUPT');
    expect(await codeOf(reopened.namespaceSequence(NS[0]!))).toBe('CORRUPT');
    expect(await codeOf(reopened.namespaceSequences())).toBe('CORRUPT');
  });
});
