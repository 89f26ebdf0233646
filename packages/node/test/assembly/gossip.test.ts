import {
  type Hex,
  type NetworkDomain,
  type SignedTransaction,
  signTransaction,
  TRANSITION_ACTIVATION_DELAY,
  transactionBatchCodec,
  transactionId,
  type Vote,
  VoteKind,
} from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, test } from 'vitest';
import { createGossipValidators, PendingRegossip, splitToFit } from '../../src/assembly/gossip.ts';
import { FUTURE_HEIGHT_WINDOW, NIL_BLOCK_ID } from '../../src/consensus/core.ts';
import type { ConsensusCrypto } from '../../src/consensus/types.ts';
import type { ConsensusDriver } from '../../src/driver/driver.ts';
import { decodePersistedState, encodePersistedState } from '../../src/driver/persistence.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { GOSSIP_MAX_TRANSACTIONS_BYTES } from '../../src/p2p/constants.ts';
import { GossipValidationError } from '../../src/p2p/errors.ts';
import { createFakeCommittee, createFakeCrypto } from '../../src/sim/fakeCrypto.ts';
import type { CatchUpSync } from '../../src/sync/sync.ts';

const DOMAIN: NetworkDomain = {
  networkId: 9,
  chainId: 31_337,
  inbox: '0x00000000000000000000000000000000000051a0',
};
const account = privateKeyToAccount(keccak256(toBytes('synod/test/gossip')));

async function tx(nonce: bigint, payloadBytes = 1): Promise<SignedTransaction> {
  return signTransaction(
    account,
    {
      networkId: DOMAIN.networkId,
      namespace: keccak256(toBytes('app')),
      sender: account.address,
      nonce,
      payload: `0x${'ab'.repeat(payloadBytes)}`,
      validUntil: BigInt(Math.floor(Date.now() / 1000) + 600),
    },
    DOMAIN,
  );
}

function verdictOf(run: () => unknown): string {
  try {
    run();
    return 'ACCEPT';
  } catch (error) {
    if (error instanceof GossipValidationError) return `${error.verdict} ${error.code}`;
    throw error;
  }
}

describe('transaction gossip validation', () => {
  const mempool = new Mempool({ domain: DOMAIN });
  const validators = createGossipValidators({
    domain: DOMAIN,
    committeeAt: () => ({ validatorCount: 4, crypto: {} as ConsensusCrypto }),
    feeds: [],
    mempool,
    driver: () => ({ height: 1 }) as ConsensusDriver,
    sync: () => ({ noteHeight: () => {} }) as unknown as CatchUpSync,
    nowMs: () => Date.now(),
  });
  const from = {} as Parameters<typeof validators.transactions>[1];

  test('admits new transactions, IGNOREs duplicates, REJECTs a bad signature', async () => {
    const good = await tx(0n);
    expect(verdictOf(() => validators.transactions({ transactions: [good] }, from))).toBe('ACCEPT');
    expect(mempool.size).toBe(1);
    expect(verdictOf(() => validators.transactions({ transactions: [good] }, from))).toBe('IGNORE DUPLICATE');
    const other = await tx(1n);
    const forged = { ...other, signature: `0x${'11'.repeat(64)}1b` as const };
    expect(verdictOf(() => validators.transactions({ transactions: [forged] }, from))).toBe(
      'REJECT BAD_SIGNATURE',
    );
    const wrongNetwork = { ...other, networkId: 10 };
    expect(verdictOf(() => validators.transactions({ transactions: [wrongNetwork] }, from))).toMatch(
      /^REJECT /,
    );
  });
});

describe('vote gossip validation', () => {
  test('accepts votes up to FUTURE_HEIGHT_WINDOW heights ahead (a lagging node keeps them for after catch-up), IGNOREs further ones', () => {
    const crypto = createFakeCrypto(createFakeCommittee(4, 7), 0);
    const noted: number[] = [];
    // The window lies within the heights whose committee is settled (no transition can change them).
    expect(TRANSITION_ACTIVATION_DELAY).toBeGreaterThan(FUTURE_HEIGHT_WINDOW);
    const settled = 9 + TRANSITION_ACTIVATION_DELAY; // the driver at height 10 has finalized 9
    const validators = createGossipValidators({
      domain: DOMAIN,
      committeeAt: (height) => (height <= settled ? { validatorCount: 4, crypto } : undefined),
      feeds: [],
      mempool: new Mempool({ domain: DOMAIN }),
      driver: () => ({ height: 10 }) as ConsensusDriver,
      sync: () =>
        ({ noteHeight: (_peer: string, height: number) => noted.push(height) }) as unknown as CatchUpSync,
      nowMs: () => Date.now(),
    });
    const prevote = (height: number) => {
      const body = {
        kind: VoteKind.Prevote,
        networkId: DOMAIN.networkId,
        height,
        round: 0,
        blockId: NIL_BLOCK_ID,
      };
      return { ...body, validatorIndex: 0, signature: crypto.signVote(body), extension: null };
    };
    const from = { toString: () => 'peer' };
    expect(verdictOf(() => validators.votes(prevote(10 + FUTURE_HEIGHT_WINDOW), from))).toBe('ACCEPT');
    expect(verdictOf(() => validators.votes(prevote(11 + FUTURE_HEIGHT_WINDOW), from))).toBe(
      'IGNORE FUTURE_HEIGHT',
    );
    expect(verdictOf(() => validators.votes(prevote(8), from))).toBe('IGNORE STALE_HEIGHT');
    // Beyond the settled committees a vote cannot be checked (its signer may be of an epoch not
    // known yet): IGNOREd, but noted as a hint that the peer is far ahead.
    const forged = { ...prevote(settled + 1), signature: new Uint8Array(96) };
    expect(verdictOf(() => validators.votes(forged, from))).toBe('IGNORE FUTURE_HEIGHT');
    // Within them a forged vote is REJECTed and tells sync nothing.
    expect(verdictOf(() => validators.votes({ ...prevote(12), signature: new Uint8Array(96) }, from))).toBe(
      'REJECT BAD_SIGNATURE',
    );
    // Sync learns of every future height all the same.
    expect(noted).toEqual([10 + FUTURE_HEIGHT_WINDOW, 11 + FUTURE_HEIGHT_WINDOW, settled + 1]);
  });
});

describe('evidence gossip validation', () => {
  const crypto = createFakeCrypto(createFakeCommittee(4, 7), 0);
  /** A driver stub that records evidence the way the node's handler does (recordEvidence). */
  const recorded = new Set<string>();
  const keyOf = (vote: Vote) => `${vote.height}/${vote.round}/${vote.kind}/${vote.validatorIndex}`;
  const validators = () => {
    recorded.clear();
    return createGossipValidators({
      domain: DOMAIN,
      committeeAt: () => ({ validatorCount: 4, crypto }),
      feeds: [],
      mempool: new Mempool({ domain: DOMAIN }),
      driver: () =>
        ({
          height: 10,
          knowsEvidence: (vote: Vote) => recorded.has(keyOf(vote)),
        }) as unknown as ConsensusDriver,
      sync: () => ({ noteHeight: () => {} }) as unknown as CatchUpSync,
      nowMs: () => Date.now(),
    });
  };
  const signer = (index: number) => createFakeCrypto(createFakeCommittee(4, 7), index);
  const prevote = (validatorIndex: number, height: number, blockByte: string) => {
    const body = {
      kind: VoteKind.Prevote,
      networkId: DOMAIN.networkId,
      height,
      round: 1,
      blockId: `0x${blockByte.repeat(32)}` as Hex,
    };
    return { ...body, validatorIndex, signature: signer(validatorIndex).signVote(body), extension: null };
  };
  const from = { toString: () => 'peer' };

  test('accepts two signed votes of one validator for one step and different blocks, once', () => {
    const check = validators();
    const evidence = { first: prevote(2, 5, 'aa'), second: prevote(2, 5, 'bb') };
    expect(verdictOf(() => check.evidence(evidence, from))).toBe('ACCEPT');
    recorded.add(keyOf(evidence.first));
    expect(verdictOf(() => check.evidence(evidence, from))).toBe('IGNORE DUPLICATE');
  });

  test('REJECTs what proves nothing or is forged', () => {
    const check = validators();
    const first = prevote(2, 5, 'aa');
    const cases: [string, { first: Vote; second: Vote }, string][] = [
      ['same block twice', { first, second: prevote(2, 5, 'aa') }, 'REJECT INVALID_CONTENT'],
      ['two validators', { first, second: prevote(1, 5, 'bb') }, 'REJECT INVALID_CONTENT'],
      ['two heights', { first, second: prevote(2, 6, 'bb') }, 'REJECT INVALID_CONTENT'],
      [
        'a vote signed by another validator',
        { first, second: { ...prevote(1, 5, 'bb'), validatorIndex: 2 } },
        'REJECT BAD_SIGNATURE',
      ],
      [
        'another network',
        { first, second: { ...prevote(2, 5, 'bb'), networkId: 10 } },
        'REJECT WRONG_NETWORK',
      ],
      [
        'a validator outside the committee',
        { first: { ...first, validatorIndex: 9 }, second: { ...prevote(2, 5, 'bb'), validatorIndex: 9 } },
        'REJECT UNKNOWN_SIGNER',
      ],
    ];
    for (const [name, evidence, verdict] of cases)
      expect(
        verdictOf(() => check.evidence(evidence, from)),
        name,
      ).toBe(verdict);
  });
});

describe('micro-batches', () => {
  test('are split to fit the transactions topic cap', async () => {
    const big = await Promise.all(Array.from({ length: 80 }, (_, i) => tx(BigInt(i), 4 * 1024)));
    const batches = splitToFit(big);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flatMap((batch) => batch.transactions)).toEqual(big);
    for (const batch of batches)
      expect(transactionBatchCodec.encode(batch).length).toBeLessThanOrEqual(GOSSIP_MAX_TRANSACTIONS_BYTES);
  });
});

describe('persisted driver state', () => {
  test('round-trips the safety record and the oracle breaker snapshots', () => {
    const state = {
      record: {
        height: 5,
        round: 2,
        step: 'prevote' as const,
        lockedRound: -1,
        lockedProposal: null,
        validRound: -1,
        validProposal: null,
        ownVotes: [
          {
            kind: 1 as const,
            networkId: 9,
            height: 5,
            round: 2,
            blockId: `0x${'00'.repeat(32)}` as const,
            validatorIndex: 1,
            signature: new Uint8Array(96).fill(3),
            extension: null,
          },
        ],
        ownProposals: [],
      },
      feedSnapshots: [
        {
          height: 4,
          states: new Map([
            [`0x${'aa'.repeat(32)}` as const, { stale: false, lastFinalized: { answer: 123n } } as never],
          ]),
        },
      ],
    };
    const decoded = decodePersistedState(encodePersistedState(state));
    expect(decoded).toEqual(state);
  });
});

describe('re-gossip of transactions that stay pending', () => {
  test('re-sends a pending transaction after the minimum age, then at doubling intervals, until it leaves the pool', async () => {
    const mempool = new Mempool({ domain: DOMAIN });
    const sent: bigint[][] = [];
    const regossip = new PendingRegossip(
      mempool,
      async (transactions) => {
        sent.push(transactions.map((t) => t.nonce));
      },
      { minAgeMs: 1_000, maxIntervalMs: 4_000 },
    );
    const t0 = 1_000_000;
    const first = await tx(0n);
    mempool.add(first, { nowMs: t0 });
    mempool.add(await tx(1n), { nowMs: t0 + 500 });

    expect(regossip.tick(t0 + 999)).toBe(0); // too young: a healthy network finalizes it first
    expect(regossip.tick(t0 + 1_000)).toBe(1); // nonce 0 only; nonce 1 is 500 ms old
    expect(regossip.tick(t0 + 1_500)).toBe(1); // nonce 1 now
    expect(regossip.tick(t0 + 1_999)).toBe(0);
    expect(regossip.tick(t0 + 2_000)).toBe(1); // nonce 0 again after 1 s
    expect(regossip.tick(t0 + 3_999)).toBe(1); // nonce 1 (due at 2.5 s), nonce 0 waits 2 s
    expect(regossip.tick(t0 + 4_000)).toBe(1); // nonce 0 again after 2 s
    expect(sent).toEqual([[0n], [1n], [0n], [1n], [0n]]);
    // The interval stops doubling at the cap: nonce 0 is due every 4 s from here.
    expect(regossip.tick(t0 + 8_000)).toBe(2);
    expect(regossip.tick(t0 + 11_999)).toBe(0);
    expect(regossip.tick(t0 + 12_000)).toBe(2);

    mempool.markFinalized([
      { sender: account.address.toLowerCase() as Hex, nonce: 0n, txId: transactionId(first, DOMAIN) },
    ]);
    expect(regossip.tick(t0 + 60_000)).toBe(1);
    expect(sent.at(-1)).toEqual([1n]);
  });

  test('re-sends the oldest first and at most maxPerTick per tick', async () => {
    const mempool = new Mempool({ domain: DOMAIN });
    const sent: bigint[][] = [];
    const regossip = new PendingRegossip(
      mempool,
      async (transactions) => {
        sent.push(transactions.map((t) => t.nonce));
      },
      { minAgeMs: 100, maxPerTick: 2 },
    );
    for (let nonce = 0n; nonce < 5n; nonce++) mempool.add(await tx(nonce), { nowMs: 1_000 + Number(nonce) });
    expect(regossip.tick(2_000)).toBe(2);
    expect(regossip.tick(2_001)).toBe(2);
    expect(regossip.tick(2_002)).toBe(1);
    expect(sent).toEqual([[0n, 1n], [2n, 3n], [4n]]);
  });
});
