import {
  type CertifiedBlock,
  type Hex,
  headerHash,
  historyLeaf,
  merkleRoot,
  transactionId,
  verifyMerkleProof,
  verifyNamespaceBatch,
  verifyNamespaceExclusion,
} from '@synod/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readHeaderProof } from '../../src/assembly/headerProofs.ts';
import { readNamespaceBatch, readNextNamespaceBatch } from '../../src/assembly/namespaceBatches.ts';
import { RpcBackendError } from '../../src/rpc/errors.ts';
import { openStore, type Store } from '../../src/storage/index.ts';
import { buildNamespacedChain, DOMAIN } from '../storage/fixtures/chain.ts';
import { useTempDirs } from '../storage/fixtures/tempDir.ts';

/** synod_getNamespaceBatch's reads over a real store: batches, absences, the next batch, pruning. */

const tempPath = useTempDirs();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

const A: Hex = `0x${'0a'.repeat(32)}`;
const B: Hex = `0x${'0b'.repeat(32)}`;
const C: Hex = `0x${'0c'.repeat(32)}`;

/** Height h+1's transactions by namespace, in block order: A and C interleave, B only in block 1. */
const LAYOUT: Hex[][] = [[A, B, A], [C], [], [C, A, C, A]];
let chain: CertifiedBlock[];
beforeAll(() => {
  ({ chain } = buildNamespacedChain(LAYOUT));
});

async function filled(): Promise<Store> {
  const store = await openStore(await tempPath(), { domain: DOMAIN });
  open.push(store);
  for (const block of chain) await store.commitBlock(block);
  return store;
}

const ofNamespace = (block: CertifiedBlock, namespace: Hex) =>
  block.block.transactions
    .filter((entry) => entry.namespace === namespace)
    .map((entry) => ({ tx: entry, txId: transactionId(entry, DOMAIN) }));

describe('readNamespaceBatch', () => {
  it('serves every batch complete, in block order, with a leaf that verifies against the header', async () => {
    const store = await filled();
    const batch = await readNamespaceBatch(store, DOMAIN, A, 4);
    expect(batch.status).toBe('batch');
    if (batch.status !== 'batch') return;
    expect(batch.transactions).toEqual(ofNamespace(chain[3]!, A));
    expect(batch.inclusion.entry).toMatchObject({ namespace: A, sequenceStart: 2, count: 2 });
    expect(batch.blockHash).toBe(headerHash(chain[3]!.block.header, DOMAIN));
    expect(batch.certificate).toEqual(chain[3]!.certificate);
    expect(verifyNamespaceBatch(batch.header, A, batch.transactions, batch.inclusion)).toBe(true);
    // Dropping, reordering or adding a transaction no longer matches the certified leaf.
    const [first, second] = batch.transactions;
    expect(verifyNamespaceBatch(batch.header, A, [first!], batch.inclusion)).toBe(false);
    expect(verifyNamespaceBatch(batch.header, A, [second!, first!], batch.inclusion)).toBe(false);
    // Upper-case input reads the same namespace.
    const upper = await readNamespaceBatch(store, DOMAIN, `0x${'0A'.repeat(32)}`, 4);
    expect(upper).toEqual(batch);
  });

  it('proves an absence, including in an empty block, and says when a height is not final', async () => {
    const store = await filled();
    // [absent namespace, height, a namespace present there (whose absence must not verify)]
    for (const [namespace, height, present] of [
      [B, 4, A],
      [C, 1, B],
      [A, 2, C],
      [A, 3, undefined],
    ] as const) {
      const batch = await readNamespaceBatch(store, DOMAIN, namespace, height);
      expect(batch.status).toBe('empty');
      if (batch.status !== 'empty') return;
      expect(verifyNamespaceExclusion(batch.header, namespace, batch.exclusion)).toBe(true);
      if (present !== undefined) {
        expect(verifyNamespaceExclusion(batch.header, present, batch.exclusion)).toBe(false);
      } else {
        expect(batch.header.namespaceCount).toBe(0);
      }
    }
    expect(await readNamespaceBatch(store, DOMAIN, A, 5)).toEqual({
      status: 'not-final',
      namespace: A,
      height: 5,
      latestHeight: 4,
    });
  });

  it('finds the next batch above a height in one seek', async () => {
    const store = await filled();
    const next = async (namespace: Hex, after: number) => {
      const batch = await readNextNamespaceBatch(store, DOMAIN, namespace, after);
      return batch.status === 'batch' ? batch.height : batch.status;
    };
    expect(await Promise.all([0, 1, 2, 3, 4].map((h) => next(A, h)))).toEqual([1, 4, 4, 4, 'not-final']);
    expect(await Promise.all([0, 1].map((h) => next(B, h)))).toEqual([1, 'not-final']);
    expect(await Promise.all([0, 1, 2].map((h) => next(C, h)))).toEqual([2, 2, 4]);
  });

  it('refuses with UNAVAILABLE when the body is pruned, but still proves absences there', async () => {
    const store = await filled();
    await store.pruneBelow(4);
    const error = await readNamespaceBatch(store, DOMAIN, A, 1).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RpcBackendError);
    expect((error as RpcBackendError).code).toBe('UNAVAILABLE');
    expect((error as Error).message).toMatch(/pruned/);
    expect((await readNamespaceBatch(store, DOMAIN, C, 1)).status).toBe('empty');
    expect((await readNamespaceBatch(store, DOMAIN, C, 4)).status).toBe('batch');
  });
});

describe('readHeaderProof', () => {
  it('proves every older header against a later header’s historyRoot', async () => {
    const store = await filled();
    for (const [height, anchorHeight] of [
      [1, 2],
      [1, 4],
      [2, 4],
      [3, 4],
    ] as const) {
      const proof = (await readHeaderProof(store, DOMAIN, height, anchorHeight))!;
      expect(proof.header).toEqual(chain[height - 1]!.block.header);
      expect(proof.anchorHash).toBe(headerHash(chain[anchorHeight - 1]!.block.header, DOMAIN));
      const leaf = historyLeaf(headerHash(proof.header, DOMAIN));
      // The store fixtures leave historyRoot zero; the root the proof must lead to is the tree
      // over the header hashes below the anchor.
      const root = merkleRoot(
        chain.slice(0, anchorHeight - 1).map((block) => historyLeaf(headerHash(block.block.header, DOMAIN))),
      );
      const verify = (index: number) =>
        verifyMerkleProof({
          root,
          count: anchorHeight - 1,
          index,
          leaf,
          proof: proof.proof,
        });
      expect(verify(height - 1)).toBe(true);
      if (anchorHeight > 2) expect(verify(height === 1 ? 1 : 0)).toBe(false);
    }
    expect(await readHeaderProof(store, DOMAIN, 2, 5)).toBeUndefined();
    await expect(readHeaderProof(store, DOMAIN, 3, 3)).rejects.toThrow(RangeError);
  });
});
