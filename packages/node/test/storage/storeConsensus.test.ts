import { type CertifiedBlock, VoteKind } from '@synod/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StorageError, type StorageErrorCode, type Store } from '../../src/storage/index.ts';
import { buildChain, DOMAIN } from './fixtures/chain.ts';
import { useTempDirs } from './fixtures/tempDir.ts';

const tempPath = useTempDirs();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function fresh(path?: string, maxConsensusStateBytes?: number): Promise<Store> {
  const store = await openStore(path ?? (await tempPath()), {
    domain: DOMAIN,
    ...(maxConsensusStateBytes ? { maxConsensusStateBytes } : {}),
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

const bytes = (...values: number[]) => Uint8Array.from(values);

let chain: CertifiedBlock[];
beforeAll(async () => {
  chain = await buildChain(2, 1);
});

describe('Consensus write-ahead state', () => {
  it('replaces the persisted state and loads the latest one', async () => {
    const store = await fresh();
    await store.persistConsensusState(bytes(1));
    await store.persistConsensusState(bytes(2, 2));
    expect(await store.loadConsensusState()).toEqual(bytes(2, 2));
  });

  it('bounds the state (TOO_LARGE) and keeps the previous one', async () => {
    const store = await fresh(undefined, 4);
    await store.persistConsensusState(bytes(1, 2, 3, 4));
    expect(await codeOf(store.persistConsensusState(bytes(1, 2, 3, 4, 5)))).toBe('TOO_LARGE');
    expect(await store.loadConsensusState()).toEqual(bytes(1, 2, 3, 4));
  });

  it('logs own votes by (height, round, kind) and lists a height in order', async () => {
    const store = await fresh();
    await store.appendVote(3, 1, VoteKind.Precommit, bytes(31));
    await store.appendVote(3, 0, VoteKind.Prevote, bytes(1));
    await store.appendVote(3, 1, VoteKind.Prevote, bytes(11));
    await store.appendVote(3, 0, VoteKind.Precommit, bytes(2));
    await store.appendVote(4, 0, VoteKind.Prevote, bytes(40));
    await store.appendVote(2, 9, VoteKind.Prevote, bytes(29));
    expect(await store.votesAt(3)).toEqual([
      { height: 3, round: 0, kind: 1, bytes: bytes(1) },
      { height: 3, round: 0, kind: 2, bytes: bytes(2) },
      { height: 3, round: 1, kind: 1, bytes: bytes(11) },
      { height: 3, round: 1, kind: 2, bytes: bytes(31) },
    ]);
    expect(await store.votesAt(5)).toEqual([]);
  });

  it('never logs a second, different vote for one (height, round, kind) (CONFLICTING_VOTE)', async () => {
    const path = await tempPath();
    const store = await fresh(path);
    await store.appendVote(3, 0, VoteKind.Prevote, bytes(1));
    await store.appendVote(3, 0, VoteKind.Prevote, bytes(1)); // the same vote again: a no-op
    expect(await codeOf(store.appendVote(3, 0, VoteKind.Prevote, bytes(2)))).toBe('CONFLICTING_VOTE');
    await store.close();
    // After a restart too.
    const reopened = await fresh(path);
    expect(await codeOf(reopened.appendVote(3, 0, VoteKind.Prevote, bytes(2)))).toBe('CONFLICTING_VOTE');
    expect(await reopened.votesAt(3)).toEqual([{ height: 3, round: 0, kind: 1, bytes: bytes(1) }]);
  });

  it('writes state and votes in one batch: a conflicting vote leaves both untouched', async () => {
    const store = await fresh();
    await store.persistConsensusState(bytes(7), {
      votes: [{ height: 1, round: 0, kind: 1, bytes: bytes(1) }],
    });
    expect(await store.votesAt(1)).toHaveLength(1);
    const conflicting = [
      { height: 1, round: 1, kind: 1, bytes: bytes(5) },
      { height: 1, round: 0, kind: 1, bytes: bytes(6) },
    ];
    expect(await codeOf(store.persistConsensusState(bytes(8), { votes: conflicting }))).toBe(
      'CONFLICTING_VOTE',
    );
    expect(await store.loadConsensusState()).toEqual(bytes(7));
    expect(await store.votesAt(1)).toEqual([{ height: 1, round: 0, kind: 1, bytes: bytes(1) }]);
    // Two different votes for one slot inside one call conflict as well.
    const twice = [
      { height: 2, round: 0, kind: 1, bytes: bytes(1) },
      { height: 2, round: 0, kind: 1, bytes: bytes(2) },
    ];
    expect(await codeOf(store.persistConsensusState(bytes(9), { votes: twice }))).toBe('CONFLICTING_VOTE');
    expect(await store.votesAt(2)).toEqual([]);
  });
});

describe('Extensions and evidence', () => {
  it('stores the extensions of a commit by validator and the evidence by (round, kind, validator)', async () => {
    const store = await fresh();
    await store.commitBlock(chain[0]!, {
      extensions: [
        { validatorIndex: 3, bytes: bytes(3) },
        { validatorIndex: 0, bytes: bytes(0) },
        { validatorIndex: 1, bytes: bytes(1) },
      ],
      evidence: [{ height: 1, round: 2, kind: VoteKind.Precommit, validatorIndex: 5, bytes: bytes(52) }],
    });
    await store.putEvidence([
      { height: 1, round: 0, kind: VoteKind.Prevote, validatorIndex: 6, bytes: bytes(61) },
      { height: 2, round: 0, kind: VoteKind.Prevote, validatorIndex: 6, bytes: bytes(62) },
    ]);
    expect(await store.getExtensions(1)).toEqual([
      { validatorIndex: 0, bytes: bytes(0) },
      { validatorIndex: 1, bytes: bytes(1) },
      { validatorIndex: 3, bytes: bytes(3) },
    ]);
    expect(await store.getExtensions(2)).toEqual([]);
    expect(await store.getEvidence(1)).toEqual([
      { height: 1, round: 0, kind: 1, validatorIndex: 6, bytes: bytes(61) },
      { height: 1, round: 2, kind: 2, validatorIndex: 5, bytes: bytes(52) },
    ]);
    expect(await store.getEvidence(2)).toHaveLength(1);
  });

  it('refuses two extensions of one validator in a commit', async () => {
    const store = await fresh();
    const twice = [
      { validatorIndex: 1, bytes: bytes(1) },
      { validatorIndex: 1, bytes: bytes(2) },
    ];
    expect(await codeOf(store.commitBlock(chain[0]!, { extensions: twice }))).toBe('INVALID_BLOCK');
    expect(store.latestHeight()).toBe(0);
  });
});
