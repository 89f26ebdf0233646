import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFeedConfig } from '@synod/oracle';
import {
  type Address,
  type Hex,
  type InclusionEntry,
  insecureTrustedDealer,
  type NetworkDomain,
  type SignedTransaction,
  type SignedVoteExtension,
  toLowerHex,
  type Vote,
  VoteCodec,
  VoteKind,
} from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  censorExtensions,
  conflictingVote,
  createByzantineBehaviour,
  FRONT_RUN_SHIFT_MS,
  inflatePrice,
  isOwnSender,
  PHANTOM_BLOCK_ID,
} from '../../src/behaviour/index.ts';
import type { BehaviourContext, NodeBehaviour } from '../../src/behaviour/types.ts';
import { createBlsConsensusCrypto } from '../../src/consensus/blsCrypto.ts';
import { NIL_BLOCK_ID } from '../../src/consensus/core.ts';
import type { ConsensusMessage, ProposedBlock } from '../../src/consensus/types.ts';
import { ConsensusDriver } from '../../src/driver/driver.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { openStore } from '../../src/storage/store.ts';

/**
 * The test-only byzantine behaviours (packages/node/src/behaviour): each strategy's moves on
 * made-up inputs, and the driver's interception points on a committee of one with real BLS, a
 * real store and real timers: what a hook returns is what the node signs and sends, while the
 * vote log (its own safety) only ever holds its real votes.
 */

const DOMAIN: NetworkDomain = {
  networkId: 9,
  chainId: 31_337,
  inbox: '0x00000000000000000000000000000000000051a0',
};
const FEED = createFeedConfig({ feedId: keccak256(toBytes('ETH/USD')), decimals: 8 });
const dealing = insecureTrustedDealer(1, 1, keccak256(toBytes('synod/test/behaviour'), 'bytes'));
const crypto = createBlsConsensusCrypto({
  validatorIndex: 0,
  shareSecretKey: dealing.shares[0]!.secretKey,
  sharePublicKeys: [dealing.shares[0]!.publicKey],
  groupPublicKey: dealing.groupPublicKey,
});
const OWN: Address = '0x00000000000000000000000000000000000000a2';
const VICTIM: Address = '0x00000000000000000000000000000000000000a3';
const txIdOf = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

/** A context whose bodies are made up: txId n is sent by OWN when n is even, by VICTIM otherwise. */
function fakeContext(nowMs = 1_000_000, validatorCount = 4): BehaviourContext {
  return {
    validatorIndex: 0,
    validatorCount,
    crypto,
    nowMs: () => nowMs,
    body: (txId) => ({ sender: Number(BigInt(txId) % 2n) === 0 ? OWN : VICTIM }) as SignedTransaction,
  };
}

function extension(validatorIndex: number, txIds: number[]): SignedVoteExtension {
  return {
    networkId: 9,
    height: 1,
    round: 0,
    blockId: txIdOf(99),
    validatorIndex,
    timestampMs: 0,
    inclusionList: txIds.map((n) => ({ txId: txIdOf(n), firstSeenMs: 500 })),
    prices: [],
    signature: new Uint8Array(96),
  };
}

describe('byzantine strategies (pure)', () => {
  test('own senders are those whose address ends in an even hex digit', () => {
    expect(isOwnSender(OWN)).toBe(true);
    expect(isOwnSender(VICTIM)).toBe(false);
    expect(isOwnSender('0x000000000000000000000000000000000000000F')).toBe(false);
  });

  test('front-run: early first-seen for its own transactions, late for victims; ordering own first', () => {
    const behaviour = createByzantineBehaviour('front-run');
    const list: InclusionEntry[] = [
      { txId: txIdOf(1), firstSeenMs: 900_000 },
      { txId: txIdOf(2), firstSeenMs: 900_100 },
    ];
    const payload = behaviour.extendVote!(
      { timestampMs: 1, inclusionList: list, prices: [] },
      2,
      fakeContext(),
    );
    expect(payload.inclusionList).toEqual([
      { txId: txIdOf(1), firstSeenMs: 1_000_000 + FRONT_RUN_SHIFT_MS },
      { txId: txIdOf(2), firstSeenMs: 900_100 - FRONT_RUN_SHIFT_MS },
    ]);
    const block = {
      transactionIds: [txIdOf(1), txIdOf(3), txIdOf(2)],
      prices: [],
    } as unknown as ProposedBlock;
    expect(behaviour.proposedBlock!(block, 2, fakeContext()).transactionIds).toEqual([
      txIdOf(2),
      txIdOf(1),
      txIdOf(3),
    ]);
  });

  test('censor: unlists victims, drops extensions listing them down to 2f+1, and every other block drops them', () => {
    const acts: string[] = [];
    const behaviour = createByzantineBehaviour('censor', (action) => acts.push(action));
    const list = [1, 2, 3, 4].map((n) => ({ txId: txIdOf(n), firstSeenMs: 5 }));
    expect(
      behaviour.extendVote!({ timestampMs: 1, inclusionList: list, prices: [] }, 2, fakeContext())
        .inclusionList,
    ).toEqual([list[1], list[3]]);
    // Four extensions: its own (only own txs) and three honest ones listing a victim.
    const extensions = [extension(0, [2]), extension(1, [1, 2]), extension(2, [3]), extension(3, [2, 5])];
    const chosen = behaviour.proposalExtensions!(extensions, 2, fakeContext());
    expect(chosen.map((e) => e.validatorIndex)).toEqual([0, 1, 2]); // 2f+1 = 3, in validator order
    expect(censorExtensions(extensions, () => false, 7).length).toBe(4); // n = 7 needs 5: keeps all it has
    const block = { transactionIds: [txIdOf(1), txIdOf(2)], prices: [] } as unknown as ProposedBlock;
    expect(behaviour.proposedBlock!(block, 2, fakeContext()).transactionIds).toEqual(block.transactionIds);
    expect(behaviour.proposedBlock!(block, 3, fakeContext()).transactionIds).toEqual([txIdOf(2)]);
    expect(new Set(acts)).toEqual(
      new Set(['victims-unlisted', 'extensions-dropped', 'victims-dropped-from-block']),
    );
  });

  test('manipulate-prices: +4% in its observations and in the prices it proposes', () => {
    const behaviour = createByzantineBehaviour('manipulate-prices');
    const prices = [{ feedId: FEED.feedId, price: 300_000_000_000n }];
    expect(
      behaviour.extendVote!({ timestampMs: 1, inclusionList: [], prices }, 2, fakeContext()).prices,
    ).toEqual([{ feedId: FEED.feedId, price: 312_000_000_000n }]);
    const block = {
      transactionIds: [],
      prices: [{ feedId: FEED.feedId, answer: 100n }],
    } as unknown as ProposedBlock;
    expect(behaviour.proposedBlock!(block, 2, fakeContext()).prices).toEqual([
      { feedId: FEED.feedId, answer: 104n },
    ]);
    expect(inflatePrice(10_000n)).toBe(10_400n);
  });

  test('equivocate: each vote goes out with a really signed conflicting one, order alternating by round', () => {
    const body = { kind: VoteKind.Prevote, networkId: 9, height: 5, round: 0, blockId: txIdOf(7) };
    const vote: Vote = { ...body, validatorIndex: 0, signature: crypto.signVote(body), extension: null };
    const behaviour = createByzantineBehaviour('equivocate');
    const [first, second] = behaviour.outgoing!({ type: 'vote', vote }, fakeContext());
    expect(first).toEqual({ type: 'vote', vote });
    const conflicting = (second as Extract<ConsensusMessage, { type: 'vote' }>).vote;
    expect(conflicting.blockId).toBe(NIL_BLOCK_ID);
    expect(crypto.verifyVote(0, conflicting, conflicting.signature)).toBe(true);
    // A nil precommit's twin is a precommit for a phantom block, with a signed (empty) extension.
    const nilBody = { ...body, kind: VoteKind.Precommit, round: 1, blockId: NIL_BLOCK_ID };
    const nil: Vote = { ...nilBody, validatorIndex: 0, signature: crypto.signVote(nilBody), extension: null };
    const twin = conflictingVote(nil, { crypto, validatorIndex: 0, nowMs: 42 });
    expect(twin.blockId).toBe(PHANTOM_BLOCK_ID);
    expect(twin.extension).not.toBeNull();
    expect(crypto.verifyExtension(twin.extension!)).toBe(true);
    const [firstOfRound1] = behaviour.outgoing!({ type: 'vote', vote: nil }, fakeContext());
    expect((firstOfRound1 as Extract<ConsensusMessage, { type: 'vote' }>).vote.blockId).toBe(
      PHANTOM_BLOCK_ID,
    );
    // Proposals pass unchanged.
    const proposal = { type: 'proposal' } as unknown as ConsensusMessage;
    expect(behaviour.outgoing!(proposal, fakeContext())).toEqual([proposal]);
  });
});

describe('the driver with a behaviour (committee of one)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synod-behaviour-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(behaviour: NodeBehaviour, untilHeight: number) {
    const store = await openStore(join(dir, 'chain'), { domain: DOMAIN });
    let driver: ConsensusDriver | undefined;
    const mempool = new Mempool({ domain: DOMAIN, nextNonceOf: (s) => driver?.chain.nextNonce(s) ?? 0n });
    const published: Vote[] = [];
    driver = new ConsensusDriver(
      {
        validatorIndex: 0,
        validatorCount: 1,
        domain: DOMAIN,
        epoch: 0,
        feeds: [FEED],
        genesisTimestampMs: 0,
        timeouts: {
          proposeBaseMs: 40,
          prevoteBaseMs: 20,
          precommitBaseMs: 20,
          perRoundIncrementMs: 10,
          maxMs: 200,
        },
      },
      {
        crypto,
        store,
        mempool,
        network: {
          publish: async (message) => {
            if (message.type === 'vote') published.push(message.vote);
          },
          resend: async () => 0,
          fetchTransactions: async () => [],
        },
        priceObserver: { observe: () => [{ feedId: FEED.feedId, price: 300_000_000_000n }] },
        behaviour,
      },
    );
    await driver.start();
    const deadline = Date.now() + 15_000;
    while (driver.chain.height < untilHeight) {
      if (Date.now() > deadline) throw new Error(`stuck at height ${driver.chain.height}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await driver.stop();
    const logged = new Map<string, string>();
    for (let height = 1; height <= untilHeight + 1; height++)
      for (const entry of await store.votesAt(height))
        logged.set(`${entry.height}/${entry.round}/${entry.kind}`, toLowerHex(entry.bytes));
    await store.close();
    return { published, logged };
  }

  test('equivocate: two signed votes per step are published, only the real one is in the vote log', {
    timeout: 20_000,
  }, async () => {
    const { published, logged } = await run(createByzantineBehaviour('equivocate'), 3);
    const bySlot = new Map<string, Vote[]>();
    for (const vote of published) {
      const key = `${vote.height}/${vote.round}/${vote.kind}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), vote]);
    }
    expect(bySlot.size).toBeGreaterThanOrEqual(6);
    for (const [key, votes] of bySlot) {
      expect(new Set(votes.map((vote) => vote.blockId)).size, key).toBe(2);
      for (const vote of votes) expect(crypto.verifyVote(0, vote, vote.signature)).toBe(true);
      const real = logged.get(key);
      expect(real, key).toBeDefined();
      const encoded = votes.map((vote) => toLowerHex(VoteCodec.encode(vote)));
      expect(encoded).toContain(real);
    }
  });

  test('extendVote, proposalExtensions and proposedBlock see the honest values and what they return is signed', {
    timeout: 20_000,
  }, async () => {
    const calls = { extensions: 0, blocks: 0 };
    const behaviour: NodeBehaviour = {
      name: 'recording',
      extendVote: (payload) => ({
        ...payload,
        prices: payload.prices.map((p) => ({ ...p, price: p.price + 1n })),
      }),
      proposalExtensions: (extensions) => {
        calls.extensions++;
        return [...extensions];
      },
      proposedBlock: (block) => {
        calls.blocks++;
        return block;
      },
    };
    const { published } = await run(behaviour, 3);
    const extensions = published.flatMap((vote) => (vote.extension === null ? [] : [vote.extension]));
    expect(extensions.length).toBeGreaterThanOrEqual(3);
    for (const signed of extensions) {
      expect(signed.prices).toEqual([{ feedId: FEED.feedId, price: 300_000_000_001n }]);
      expect(crypto.verifyExtension(signed)).toBe(true);
    }
    expect(calls.extensions).toBeGreaterThanOrEqual(3);
    expect(calls.blocks).toBeGreaterThanOrEqual(3);
  });
});
