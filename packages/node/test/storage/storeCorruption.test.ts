import { type CertifiedBlock, certifiedBlockCodec, transactionId } from '@synod/protocol';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StorageError, type StorageErrorCode, type Store } from '../../src/storage/index.ts';
import { hashIndexKey, heightKey, metaKey, Table, txIndexKey } from '../../src/storage/keys.ts';
import { buildChain, DOMAIN, hashOf } from './fixtures/chain.ts';
import { useTempDirs } from './fixtures/tempDir.ts';

/** A value damaged on disk is reported as CORRUPT on read, never returned or thrown as something else. */

const tempPath = useTempDirs();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function codeOf(run: Promise<unknown>): Promise<StorageErrorCode | 'ok'> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return (error as StorageError).code;
  }
}

let chain: CertifiedBlock[];
beforeAll(async () => {
  chain = await buildChain(3, 2);
});

/** A store with the chain, closed, then `damage` applied with raw LevelDB access, then reopened. */
async function damaged(damage: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<Store> {
  const path = await tempPath();
  const store = await openStore(path, { domain: DOMAIN });
  for (const block of chain) await store.commitBlock(block);
  await store.close();
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  await damage(db);
  await db.close();
  const reopened = await openStore(path, { domain: DOMAIN });
  open.push(reopened);
  return reopened;
}

describe('Store corruption detection', () => {
  it('detects an undecodable block body', async () => {
    const store = await damaged((db) => db.put(heightKey(Table.Block, 2), Uint8Array.of(1, 2, 3)));
    expect(await codeOf(store.getBlock(2))).toBe('CORRUPT');
    expect(await store.getBlock(1)).toEqual(chain[0]);
  });

  it('detects a valid block stored under another height', async () => {
    const store = await damaged((db) =>
      db.put(heightKey(Table.Block, 2), certifiedBlockCodec.encode(chain[2]!)),
    );
    expect(await codeOf(store.getBlock(2))).toBe('CORRUPT');
  });

  it('detects a missing body inside the stored range', async () => {
    const store = await damaged((db) => db.del(heightKey(Table.Block, 2)));
    expect(await codeOf(store.getBlock(2))).toBe('CORRUPT');
  });

  it('detects a hash index pointing at the wrong block', async () => {
    const store = await damaged((db) =>
      db.put(hashIndexKey(hashOf(chain[0]!)), new Uint8Array(8).fill(0).with(7, 2)),
    );
    expect(await codeOf(store.getBlockByHash(hashOf(chain[0]!)))).toBe('CORRUPT');
  });

  it('detects a damaged tx index entry and tampered leaves', async () => {
    const txId = transactionId(chain[1]!.block.transactions[0]!, DOMAIN);
    const truncated = await damaged((db) => db.put(txIndexKey(txId), Uint8Array.of(0, 0, 2)));
    expect(await codeOf(truncated.getTransactionLocation(txId))).toBe('CORRUPT');
    await truncated.close();

    const tampered = await damaged((db) => db.put(heightKey(Table.TxLeaves, 2), new Uint8Array(64).fill(7)));
    expect(await codeOf(tampered.getTransactionWithProof(txId))).toBe('CORRUPT');
    await tampered.close();

    // Pointing at the other transaction of the same block: the leaves verify, the body does not match.
    const moved = await damaged((db) => db.put(txIndexKey(txId), new Uint8Array(12).with(7, 2).with(11, 1)));
    expect(await codeOf(moved.getTransactionWithProof(txId))).toBe('CORRUPT');
  });

  it('detects damaged metadata at open', async () => {
    const path = await tempPath();
    await (await openStore(path, { domain: DOMAIN })).close();
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    await db.put(metaKey('latestHeight'), Uint8Array.of(1));
    await db.close();
    expect(await codeOf(openStore(path, { domain: DOMAIN }))).toBe('CORRUPT');
  });

  it('refuses a store of another schema version', async () => {
    const path = await tempPath();
    await (await openStore(path, { domain: DOMAIN })).close();
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    await db.put(metaKey('schema'), Uint8Array.of(0, 0, 0, 99));
    await db.close();
    expect(await codeOf(openStore(path, { domain: DOMAIN }))).toBe('SCHEMA_MISMATCH');
  });
});
