import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CertifiedBlock, type Hex, transactionId } from '@synod/protocol';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StorageError, type Store } from '../../src/storage/index.ts';
import { keyHeight, Table } from '../../src/storage/keys.ts';
import { buildChain, DOMAIN, hashOf } from './fixtures/chain.ts';
import { useTempDirs } from './fixtures/tempDir.ts';

const tempPath = useTempDirs();

/** Transactions per block of fixtures/commitLoop.ts. */
const COMMIT_LOOP_TXS_PER_BLOCK = 16;
/** Kills of the writer; each lands at a random point, mostly inside a commit (hashing or writing). */
const KILL_ROUNDS = 8;
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

let chain: CertifiedBlock[];
beforeAll(async () => {
  chain = await buildChain(2, 3);
});

/** Every key of the database, grouped by table tag. */
async function tablesOf(path: string): Promise<Map<number, Uint8Array[]>> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  const tables = new Map<number, Uint8Array[]>();
  for (const key of await db.keys().all()) {
    const list = tables.get(key[0]!) ?? [];
    list.push(key);
    tables.set(key[0]!, list);
  }
  await db.close();
  return tables;
}

/** Checks that the store holds exactly blocks 1..latest, each with all of its indexes. */
async function expectWholeBlocks(path: string, txsPerBlock: number): Promise<number> {
  const store = await openStore(path, { domain: DOMAIN });
  const latest = store.latestHeight();
  let parentHash: Hex = `0x${'00'.repeat(32)}`;
  for (let height = 1; height <= latest; height++) {
    const certified = (await store.getBlock(height))!;
    expect(certified.block.header.parentHash).toBe(parentHash);
    parentHash = hashOf(certified);
    expect(await store.getHeightByHash(parentHash)).toBe(height);
    expect(certified.block.transactions).toHaveLength(txsPerBlock);
    for (const [index, tx] of certified.block.transactions.entries()) {
      const txId = transactionId(tx, DOMAIN);
      expect(await store.getTransactionLocation(txId)).toEqual({ height, index });
    }
    expect(await store.getExtensions(height)).toHaveLength(1);
  }
  await store.close();
  // Nothing of a block above `latest` is visible: no partially written commit.
  const tables = await tablesOf(path);
  for (const table of [Table.Block, Table.Header, Table.Certificate, Table.TxLeaves, Table.Extension]) {
    const heights = (tables.get(table) ?? []).map(keyHeight);
    expect(heights).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
  }
  expect(tables.get(Table.TxIndex) ?? []).toHaveLength(latest * txsPerBlock);
  expect(tables.get(Table.HashIndex) ?? []).toHaveLength(latest);
  return latest;
}

describe('Store atomicity', () => {
  it('writes nothing of a commit that fails after its block was prepared', async () => {
    const path = await tempPath();
    const store = await openStore(path, { domain: DOMAIN });
    await store.commitBlock(chain[0]!, { extensions: [{ validatorIndex: 0, bytes: Uint8Array.of(1) }] });
    // The evidence bound check comes after the block, its indexes and its extensions were encoded.
    const evidence = [{ height: 2, round: 0, kind: 1, validatorIndex: 0, bytes: new Uint8Array(1 << 21) }];
    const failing = store.commitBlock(chain[1]!, {
      extensions: [{ validatorIndex: 0, bytes: Uint8Array.of(2) }],
      evidence,
    });
    await expect(failing).rejects.toThrow(StorageError);
    expect(store.latestHeight()).toBe(1);
    expect(await store.getBlock(2)).toBeUndefined();
    expect(
      await store.getTransactionLocation(transactionId(chain[1]!.block.transactions[0]!, DOMAIN)),
    ).toBeUndefined();
    expect(await store.getHeightByHash(hashOf(chain[1]!))).toBeUndefined();
    expect(await store.getExtensions(2)).toEqual([]);
    await store.close();
    expect(await expectWholeBlocks(path, 3)).toBe(1);
  });

  it('finishes queued writes on close and refuses later ones (CLOSED)', async () => {
    const store = await openStore(await tempPath(), { domain: DOMAIN });
    const committing = store.commitBlock(chain[0]!);
    await store.close();
    await committing;
    expect(store.latestHeight()).toBe(1);
    await expect(store.commitBlock(chain[1]!)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(store.getBlock(1)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(store.appendVote(1, 0, 1, Uint8Array.of(1))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('keeps only whole blocks when the writing process is killed with SIGKILL at random moments', async () => {
    const path = await tempPath();
    const script = fileURLToPath(new URL('./fixtures/commitLoop.ts', import.meta.url));
    let previous = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const child: ChildProcess = spawn(process.execPath, [script, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`commit loop exited early with ${code}`)));
        child.stdout!.once('data', () => resolve());
      });
      // The child now commits back to back; kill it at a random point of some later commit.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 40));
      child.kill('SIGKILL');
      await exited;
      const latest = await expectWholeBlocks(path, COMMIT_LOOP_TXS_PER_BLOCK);
      expect(latest).toBeGreaterThan(previous);
      previous = latest;
    }
  }, 60_000);
});
