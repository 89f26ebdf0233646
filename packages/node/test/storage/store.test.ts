import {
  type CertifiedBlock,
  type Hex,
  transactionId,
  transactionLeaf,
  verifyMerkleProof,
} from '@synod/protocol';
import { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createStorageMetrics,
  openStore,
  StorageError,
  type StorageErrorCode,
  type Store,
  ZERO_HASH,
} from '../../src/storage/index.ts';
import { buildChain, DOMAIN, hashOf, makeBlock, signTransactions } from './fixtures/chain.ts';
import { useTempDirs } from './fixtures/tempDir.ts';

const tempPath = useTempDirs();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function fresh(path?: string, domain = DOMAIN, register?: Registry): Promise<Store> {
  const store = await openStore(path ?? (await tempPath()), {
    domain,
    ...(register ? { metrics: createStorageMetrics(register) } : {}),
  });
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

/** Blocks 1..5 with 5 transactions each (a non-power-of-two tree) and a price every other block. */
let chain: CertifiedBlock[];
beforeAll(async () => {
  chain = await buildChain(5, 5);
});

describe('Store round trips', () => {
  it('starts empty', async () => {
    const store = await fresh();
    expect(store.latestHeight()).toBe(0);
    expect(store.latestHash()).toBe(ZERO_HASH);
    expect(store.prunedBelow()).toBe(1);
    expect(await store.getBlock(1)).toBeUndefined();
    expect(await store.getHeader(1)).toBeUndefined();
    expect(await store.getTransactionLocation(`0x${'11'.repeat(32)}`)).toBeUndefined();
    expect(await store.loadConsensusState()).toBeUndefined();
  });

  it('stores certified blocks and reads them back by height and by hash', async () => {
    const store = await fresh();
    for (const block of chain) await store.commitBlock(block);
    expect(store.latestHeight()).toBe(5);
    expect(store.latestHash()).toBe(hashOf(chain[4]!));
    for (const [i, block] of chain.entries()) {
      const height = i + 1;
      expect(await store.getBlock(height)).toEqual(block);
      expect(await store.getBlockByHash(hashOf(block))).toEqual(block);
      expect(await store.getHeightByHash(hashOf(block).toUpperCase().replace('0X', '0x') as Hex)).toBe(
        height,
      );
      expect(await store.getHeader(height)).toEqual(block.block.header);
      expect(await store.getCertificate(height)).toEqual(block.certificate);
    }
    expect(await store.getBlock(6)).toBeUndefined();
    expect(await store.getBlock(0)).toBeUndefined();
    expect(await store.getBlockByHash(`0x${'77'.repeat(32)}`)).toBeUndefined();
  });

  it('indexes every transaction by txId at its height and position', async () => {
    const store = await fresh();
    for (const block of chain) await store.commitBlock(block);
    for (const [i, block] of chain.entries()) {
      for (const [index, tx] of block.block.transactions.entries()) {
        expect(await store.getTransactionLocation(transactionId(tx, DOMAIN))).toEqual({
          height: i + 1,
          index,
        });
      }
    }
  });

  it('returns transactions with Merkle proofs that verify against the header txRoot', async () => {
    const store = await fresh();
    for (const block of chain) await store.commitBlock(block);
    for (const block of chain) {
      for (const [index, tx] of block.block.transactions.entries()) {
        const txId = transactionId(tx, DOMAIN);
        const found = await store.getTransactionWithProof(txId);
        expect(found).toMatchObject({ txId, transaction: tx, index, header: block.block.header });
        expect(found!.certificate).toEqual(block.certificate);
        const leaf = transactionLeaf(tx, txId);
        expect(found!.leaf).toBe(leaf);
        const { txRoot, txCount } = found!.header;
        expect(verifyMerkleProof({ root: txRoot, count: txCount, index, leaf, proof: found!.proof })).toBe(
          true,
        );
        // The proof is for this leaf and position only.
        const other = (index + 1) % txCount;
        expect(
          verifyMerkleProof({ root: txRoot, count: txCount, index: other, leaf, proof: found!.proof }),
        ).toBe(false);
      }
    }
    expect(await store.getTransactionWithProof(`0x${'11'.repeat(32)}`)).toBeUndefined();
  });

  it('keeps everything across close and reopen, and continues the chain', async () => {
    const path = await tempPath();
    const store = await fresh(path);
    for (const block of chain.slice(0, 4)) await store.commitBlock(block);
    await store.persistConsensusState(Uint8Array.of(1, 2, 3));
    await store.appendVote(5, 0, 1, Uint8Array.of(9));
    await store.close();

    const reopened = await fresh(path);
    expect(reopened.latestHeight()).toBe(4);
    expect(reopened.latestHash()).toBe(hashOf(chain[3]!));
    expect(await reopened.getBlock(2)).toEqual(chain[1]);
    const tx = chain[2]!.block.transactions[3]!;
    expect(await reopened.getTransactionLocation(transactionId(tx, DOMAIN))).toEqual({ height: 3, index: 3 });
    expect(await reopened.loadConsensusState()).toEqual(Uint8Array.of(1, 2, 3));
    expect(await reopened.votesAt(5)).toEqual([{ height: 5, round: 0, kind: 1, bytes: Uint8Array.of(9) }]);
    await reopened.commitBlock(chain[4]!);
    expect(await reopened.getBlock(5)).toEqual(chain[4]);
  });

  it('refuses a data directory of another network, chain or inbox (WRONG_NETWORK)', async () => {
    const path = await tempPath();
    await (await fresh(path)).close();
    expect(await codeOf(openStore(path, { domain: { ...DOMAIN, networkId: 8 } }))).toBe('WRONG_NETWORK');
    expect(await codeOf(openStore(path, { domain: { ...DOMAIN, chainId: 1 } }))).toBe('WRONG_NETWORK');
    const inbox = '0x0000000000000000000000000000000000000001';
    expect(await codeOf(openStore(path, { domain: { ...DOMAIN, inbox } }))).toBe('WRONG_NETWORK');
    // The refused opens released the lock: the right domain still opens.
    expect((await fresh(path)).latestHeight()).toBe(0);
  });

  it('refuses a second open of a directory in use (IO), saying it is locked', async () => {
    const path = await tempPath();
    await fresh(path);
    expect(await codeOf(openStore(path, { domain: DOMAIN }))).toBe('IO');
    await expect(openStore(path, { domain: DOMAIN })).rejects.toThrow(
      /locked by another process \(is another node running on this data directory\?\)/,
    );
  });
});

describe('Store.commitBlock checks', () => {
  it('accepts only the child of the latest block (NOT_NEXT_BLOCK)', async () => {
    const store = await fresh();
    expect(await codeOf(store.commitBlock(chain[1]!))).toBe('NOT_NEXT_BLOCK');
    await store.commitBlock(chain[0]!);
    expect(await codeOf(store.commitBlock(chain[0]!))).toBe('NOT_NEXT_BLOCK');
    const orphan = makeBlock(2, `0x${'99'.repeat(32)}`, chain[1]!.block.transactions);
    expect(await codeOf(store.commitBlock(orphan))).toBe('NOT_NEXT_BLOCK');
    expect(store.latestHeight()).toBe(1);
  });

  it('refuses bodies that do not match the header, repeats and other networks (INVALID_BLOCK)', async () => {
    const store = await fresh();
    const first = chain[0]!;
    const swapped: CertifiedBlock = {
      ...first,
      block: { ...first.block, transactions: [...first.block.transactions].reverse() },
    };
    expect(await codeOf(store.commitBlock(swapped))).toBe('INVALID_BLOCK');
    const badPrice: CertifiedBlock = {
      ...first,
      block: { ...first.block, prices: [{ ...first.block.prices[0]!, answer: 1n }] },
    };
    expect(await codeOf(store.commitBlock(badPrice))).toBe('INVALID_BLOCK');
    const miscounted: CertifiedBlock = {
      ...first,
      block: { ...first.block, transactions: first.block.transactions.slice(1) },
    };
    expect(await codeOf(store.commitBlock(miscounted))).toBe('INVALID_BLOCK');
    const foreign = makeBlock(1, ZERO_HASH, []);
    foreign.block.header.networkId = 8;
    expect(await codeOf(store.commitBlock(foreign))).toBe('INVALID_BLOCK');
    const [tx] = await signTransactions(100, 1);
    expect(await codeOf(store.commitBlock(makeBlock(1, ZERO_HASH, [tx!, tx!])))).toBe('INVALID_BLOCK');

    await store.commitBlock(first);
    // A replay with a correct namespace commitment (5 transactions of the namespace are final):
    // refused for the repeated txId itself.
    const replay = makeBlock(2, hashOf(first), [first.block.transactions[0]!], [], () => 5);
    expect(await codeOf(store.commitBlock(replay))).toBe('INVALID_BLOCK');
    expect(store.latestHeight()).toBe(1);
  });

  it('bounds extensions and evidence (TOO_LARGE)', async () => {
    const store = await fresh();
    const tooMany = Array.from({ length: 129 }, (_, validatorIndex) => ({
      validatorIndex,
      bytes: new Uint8Array(1),
    }));
    expect(await codeOf(store.commitBlock(chain[0]!, { extensions: tooMany }))).toBe('TOO_LARGE');
    const huge = [{ validatorIndex: 0, bytes: new Uint8Array(1 << 20) }];
    expect(await codeOf(store.commitBlock(chain[0]!, { extensions: huge }))).toBe('TOO_LARGE');
    const hugeEvidence = [
      { height: 1, round: 0, kind: 1, validatorIndex: 0, bytes: new Uint8Array(1 << 20) },
    ];
    expect(await codeOf(store.putEvidence(hugeEvidence))).toBe('TOO_LARGE');
    expect(store.latestHeight()).toBe(0);
  });

  it('serializes concurrent commits in call order', async () => {
    const store = await fresh();
    await Promise.all(chain.map((block) => store.commitBlock(block)));
    expect(store.latestHeight()).toBe(5);
  });

  it('reports latest height, commit latency and errors in metrics', async () => {
    const register = new Registry();
    const store = await fresh(undefined, DOMAIN, register);
    await store.commitBlock(chain[0]!);
    await store.commitBlock(chain[0]!).catch(() => {});
    const metric = async (name: string) => (await register.getSingleMetric(name)!.get()).values;
    expect((await metric('synod_storage_latest_height'))[0]!.value).toBe(1);
    const commits = (await metric('synod_storage_commit_seconds')) as {
      metricName?: string;
      value: number;
    }[];
    expect(commits.find((v) => v.metricName === 'synod_storage_commit_seconds_count')!.value).toBe(1);
    expect((await metric('synod_storage_errors_total')).map((v) => [v.labels.code, v.value])).toEqual([
      ['NOT_NEXT_BLOCK', 1],
    ]);
  });
});
