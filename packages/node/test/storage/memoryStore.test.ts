import { type CertifiedBlock, transactionId, VoteKind } from '@synod/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StorageError, type Store } from '../../src/storage/index.ts';
import { MemoryStore } from '../../src/storage/memoryStore.ts';
import type { ConsensusStore, SyncedBlockSource } from '../../src/storage/types.ts';
import { buildChain, DOMAIN, hashOf } from './fixtures/chain.ts';
import { useTempDirs } from './fixtures/tempDir.ts';

/**
 * The simulator's MemoryStore stands in for the LevelDB Store under the consensus driver and
 * catch-up: one script of writes and reads, run against both, must give the same answers and the
 * same refusals (codes), and a reopened MemoryStore keeps what was written, as a restarted node's
 * data directory does.
 */

const tempPath = useTempDirs();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

let chain: CertifiedBlock[];
beforeAll(async () => {
  chain = await buildChain(3, 2);
});

const bytes = (...values: number[]) => Uint8Array.from(values);

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    return { code: error.code };
  }
}

/** The answers of one script of ConsensusStore and SyncedBlockSource calls. */
async function script(store: ConsensusStore & SyncedBlockSource): Promise<unknown[]> {
  const extension = (validatorIndex: number) => ({ validatorIndex, bytes: bytes(validatorIndex, 7) });
  const answers: unknown[] = [];
  const record = async (run: () => Promise<unknown>) => answers.push(await outcome(run));
  await record(() => store.commitBlock(chain[1]!)); // not the next block
  await record(() => store.commitBlock(chain[0]!, { extensions: [extension(2), extension(0)] }));
  await record(() => store.commitBlock(chain[0]!)); // again
  await record(() =>
    store.persistConsensusState(bytes(1), {
      votes: [{ height: 2, round: 0, kind: VoteKind.Prevote, bytes: bytes(9) }],
      listedBodies: [
        { height: 1, txId: `0x${'01'.repeat(32)}`, bytes: bytes(1) },
        { height: 2, txId: `0x${'02'.repeat(32)}`, bytes: bytes(2) },
      ],
    }),
  );
  await record(() =>
    store.persistConsensusState(bytes(2), {
      votes: [{ height: 2, round: 0, kind: VoteKind.Prevote, bytes: bytes(8) }],
    }),
  );
  await record(() => store.loadConsensusState());
  await record(() => store.votesAt(2));
  await record(() => store.listedBodies(0));
  await record(() => store.commitBlock(chain[1]!, { contentExtensions: [extension(1)] }));
  await record(() => store.listedBodies(0)); // the one listed at 1 went with the commit of 2
  await record(() => store.getExtensions(1));
  await record(() => store.getContentExtensions(2));
  await record(() => store.getTransactionLocation(transactionId(chain[1]!.block.transactions[1]!, DOMAIN)));
  await record(async () => [...(await store.namespaceSequences())].sort());
  await record(async () => (await store.getBlock(2))?.block.header);
  await record(() => store.getHeader(3));
  await record(async () => store.latestHeight());
  return answers;
}

describe('MemoryStore (the simulator store)', () => {
  it('answers and refuses like the LevelDB Store', async () => {
    const level = await openStore(await tempPath(), { domain: DOMAIN });
    open.push(level);
    const memory = new MemoryStore(DOMAIN);
    const expected = await script(level);
    expect(await script(memory)).toEqual(expected);
    expect(expected[0]).toEqual({ code: 'NOT_NEXT_BLOCK' });
    expect(expected[4]).toEqual({ code: 'CONFLICTING_VOTE' });
    expect(memory.latestHash()).toBe(hashOf(chain[1]!));
  });

  it('keeps its data across a reopen; the closed handle refuses everything (CLOSED)', async () => {
    const first = new MemoryStore(DOMAIN);
    await first.commitBlock(chain[0]!);
    await first.persistConsensusState(bytes(5), {
      votes: [{ height: 2, round: 0, kind: VoteKind.Prevote, bytes: bytes(1) }],
    });
    const second = first.reopen();
    await expect(first.commitBlock(chain[1]!)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(first.loadConsensusState()).rejects.toMatchObject({ code: 'CLOSED' });
    expect(second.latestHeight()).toBe(1);
    expect(await second.loadConsensusState()).toEqual(bytes(5));
    expect(second.loggedVote(2, 0, VoteKind.Prevote)).toEqual(bytes(1));
    await second.commitBlock(chain[1]!);
    expect(second.latestHeight()).toBe(2);
  });
});
