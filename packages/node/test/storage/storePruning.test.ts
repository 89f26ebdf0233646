import { type CertifiedBlock, transactionId, transactionLeaf, verifyMerkleProof } from '@synod/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, STORAGE_PRUNE_HEIGHTS_PER_BATCH, type Store } from '../../src/storage/index.ts';
import { buildChain, DOMAIN, hashOf } from './fixtures/chain.ts';
import { useTempDirs } from './fixtures/tempDir.ts';

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

const extension = (height: number) => [{ validatorIndex: 0, bytes: Uint8Array.of(height) }];

let chain: CertifiedBlock[];
beforeAll(async () => {
  chain = await buildChain(5, 3);
});

async function filled(path?: string): Promise<Store> {
  const store = await fresh(path);
  for (const [i, block] of chain.entries()) {
    await store.commitBlock(block, {
      extensions: extension(i + 1),
      evidence: [{ height: i + 1, round: 0, kind: 1, validatorIndex: 2, bytes: Uint8Array.of(i) }],
    });
    await store.appendVote(i + 1, 0, 1, Uint8Array.of(i));
  }
  return store;
}

describe('Store.pruneBelow', () => {
  it('drops bodies, extensions and own votes below the height and keeps headers, certificates and proofs', async () => {
    const store = await filled();
    expect(await store.pruneBelow(3)).toBe(3);
    expect(store.prunedBelow()).toBe(3);
    for (const height of [1, 2]) {
      expect(await store.getBlock(height)).toBeUndefined();
      expect(await store.getBlockByHash(hashOf(chain[height - 1]!))).toBeUndefined();
      expect(await store.getHeightByHash(hashOf(chain[height - 1]!))).toBe(height);
      expect(await store.getHeader(height)).toEqual(chain[height - 1]!.block.header);
      expect(await store.getCertificate(height)).toEqual(chain[height - 1]!.certificate);
      expect(await store.getExtensions(height)).toEqual([]);
      expect(await store.votesAt(height)).toEqual([]);
      expect(await store.getEvidence(height)).toHaveLength(1);
    }
    for (const height of [3, 4, 5]) {
      expect(await store.getBlock(height)).toEqual(chain[height - 1]);
      expect(await store.getExtensions(height)).toEqual(extension(height));
      expect(await store.votesAt(height)).toHaveLength(1);
    }
    // A pruned transaction keeps its status and proof; only its body is gone.
    const tx = chain[0]!.block.transactions[2]!;
    const txId = transactionId(tx, DOMAIN);
    const found = await store.getTransactionWithProof(txId);
    expect(found).toMatchObject({ txId, transaction: undefined, height: 1, index: 2 });
    const { txRoot, txCount } = found!.header;
    expect(found!.leaf).toBe(transactionLeaf(tx, txId));
    expect(
      verifyMerkleProof({ root: txRoot, count: txCount, index: 2, leaf: found!.leaf, proof: found!.proof }),
    ).toBe(true);
  });

  it('never prunes the latest block, never goes back, and survives a reopen', async () => {
    const path = await tempPath();
    const store = await filled(path);
    expect(await store.pruneBelow(100)).toBe(5);
    expect(await store.getBlock(5)).toEqual(chain[4]);
    expect(await store.pruneBelow(2)).toBe(5);
    await store.close();
    const reopened = await fresh(path);
    expect(reopened.prunedBelow()).toBe(5);
    expect(await reopened.getBlock(4)).toBeUndefined();
    expect(await reopened.getBlock(5)).toEqual(chain[4]);
  });

  it('prunes across several batches', async () => {
    const store = await fresh();
    const count = 2 * STORAGE_PRUNE_HEIGHTS_PER_BATCH + 5;
    const empty = await buildChain(count, 0);
    for (const block of empty) await store.commitBlock(block, { extensions: extension(1) });
    expect(await store.pruneBelow(count)).toBe(count);
    for (const height of [
      1,
      STORAGE_PRUNE_HEIGHTS_PER_BATCH,
      STORAGE_PRUNE_HEIGHTS_PER_BATCH + 1,
      count - 1,
    ]) {
      expect(await store.getBlock(height)).toBeUndefined();
      expect(await store.getExtensions(height)).toEqual([]);
    }
    expect(await store.getBlock(count)).toEqual(empty[count - 1]);
  });
});
