import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Hex,
  insecureTrustedDealer,
  type NetworkDomain,
  signTransaction,
  toLowerHex,
  type Vote,
  VoteCodec,
  VoteKind,
} from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createBlsConsensusCrypto } from '../../src/consensus/blsCrypto.ts';
import type { ConsensusMessage } from '../../src/consensus/types.ts';
import { ConsensusDriver } from '../../src/driver/driver.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { openStore, type Store } from '../../src/storage/store.ts';

/**
 * The driver with the real core, real threshold BLS, a real LevelDB store and real timers, as a
 * committee of one (quorum 1, so it decides alone): it finalizes blocks with transactions, every
 * vote it publishes is already in the fsynced vote log, and a driver stopped mid-height and
 * restarted from the same store resumes there, re-sending byte-identical votes.
 */

const DOMAIN: NetworkDomain = {
  networkId: 9,
  chainId: 31_337,
  inbox: '0x00000000000000000000000000000000000051a0',
};
const dealing = insecureTrustedDealer(1, 1, keccak256(toBytes('synod/test/driver'), 'bytes'));
const TIMEOUTS = {
  proposeBaseMs: 40,
  prevoteBaseMs: 20,
  precommitBaseMs: 20,
  perRoundIncrementMs: 10,
  maxMs: 200,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-driver-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Harness {
  driver: ConsensusDriver;
  store: Store;
  mempool: Mempool;
  published: Vote[];
  /** Votes published before they were in the vote log (must stay empty). */
  unlogged: string[];
  /** Vote-log reads in flight (awaited before the store closes). */
  checks: Set<Promise<void>>;
}

async function startDriver(
  path: string,
  onVote?: (vote: Vote, driver: ConsensusDriver) => void,
): Promise<Harness> {
  const store = await openStore(path, { domain: DOMAIN });
  let driver: ConsensusDriver | undefined;
  const mempool = new Mempool({
    domain: DOMAIN,
    nextNonceOf: (sender) => driver?.chain.nextNonce(sender) ?? 0n,
  });
  const published: Vote[] = [];
  const unlogged: string[] = [];
  const checks = new Set<Promise<void>>();
  const crypto = createBlsConsensusCrypto({
    validatorIndex: 0,
    shareSecretKey: dealing.shares[0]!.secretKey,
    sharePublicKeys: [dealing.shares[0]!.publicKey],
    groupPublicKey: dealing.groupPublicKey,
  });
  driver = new ConsensusDriver(
    {
      validatorIndex: 0,
      validatorCount: 1,
      domain: DOMAIN,
      epoch: 0,
      feeds: [],
      genesisTimestampMs: 0,
      timeouts: TIMEOUTS,
    },
    {
      crypto,
      store,
      mempool,
      network: {
        async publish(message: ConsensusMessage) {
          if (message.type !== 'vote') return;
          const { vote } = message;
          published.push(vote);
          onVote?.(vote, driver!);
          const check = store.votesAt(vote.height).then((logged) => {
            const bytes = toLowerHex(VoteCodec.encode(vote));
            if (!logged.some((entry) => toLowerHex(entry.bytes) === bytes))
              unlogged.push(`${vote.height}/${vote.round}/${vote.kind}`);
          });
          checks.add(check);
          await check;
          checks.delete(check);
        },
        fetchTransactions: async () => [],
      },
    },
  );
  await driver.start();
  return { driver, store, mempool, published, unlogged, checks };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function stop(harness: Harness): Promise<void> {
  await harness.driver.stop();
  await Promise.all(harness.checks);
  await harness.store.close();
}

describe('consensus driver', () => {
  test('finalizes blocks with transactions; every vote is logged before it is published', {
    timeout: 20_000,
  }, async () => {
    const harness = await startDriver(join(dir, 'chain'));
    const account = privateKeyToAccount(keccak256(toBytes('synod/test/driver/sender')));
    const tx = await signTransaction(
      account,
      {
        networkId: DOMAIN.networkId,
        namespace: keccak256(toBytes('app')),
        sender: account.address,
        nonce: 0n,
        payload: '0x01',
        validUntil: BigInt(Math.floor(Date.now() / 1000) + 60),
      },
      DOMAIN,
    );
    const { txId } = harness.mempool.add(tx, { nowMs: Date.now() });
    await until(() => harness.driver.chain.height >= 4, 'height 4');
    await until(() => harness.mempool.size === 0, 'the transaction to be finalized');
    const proof = await harness.store.getTransactionWithProof(txId);
    expect(proof?.transaction).toEqual(tx);
    expect(harness.driver.chain.nextNonce(account.address.toLowerCase() as Hex)).toBe(1n);
    expect(harness.unlogged).toEqual([]);
    expect(harness.published.length).toBeGreaterThan(4);
    await stop(harness);
  });

  test('a driver stopped right after signing resumes at that height and re-sends identical votes', {
    timeout: 20_000,
  }, async () => {
    const path = join(dir, 'chain');
    let stopAt: Vote | undefined;
    const first = await startDriver(path, (vote, driver) => {
      // "Kill" it the moment it has published its first prevote of height 3.
      if (stopAt === undefined && vote.height === 3 && vote.kind === VoteKind.Prevote) {
        stopAt = vote;
        void driver.stop();
      }
    });
    await until(() => stopAt !== undefined, 'a prevote at height 3');
    await first.driver.stop();
    await Promise.all(first.checks);
    const loggedBefore = await first.store.votesAt(3);
    await first.store.close();
    expect(first.unlogged).toEqual([]);

    const second = await startDriver(path);
    // It resumed at height 3 (not at 1, not at 4), and its first message is the prevote it had
    // signed before the stop, byte for byte (re-sent, never re-signed differently).
    await until(() => second.published.length > 0, 'a vote after the restart');
    expect(toLowerHex(VoteCodec.encode(second.published[0]!))).toBe(toLowerHex(VoteCodec.encode(stopAt!)));
    await until(() => second.driver.chain.height >= 5, 'height 5 after the restart');
    // Whatever it published again for (3, round, kind) it had logged is byte-identical.
    const before = new Map(
      loggedBefore.map((entry) => [`${entry.round}/${entry.kind}`, toLowerHex(entry.bytes)]),
    );
    for (const vote of second.published.filter((v) => v.height === 3)) {
      const earlier = before.get(`${vote.round}/${vote.kind}`);
      if (earlier !== undefined) expect(toLowerHex(VoteCodec.encode(vote))).toBe(earlier);
    }
    expect(
      second.published.some(
        (v) =>
          v.height === 3 &&
          toLowerHex(VoteCodec.encode(v)) === before.get(`${stopAt!.round}/${VoteKind.Prevote}`),
      ),
    ).toBe(true);
    expect(second.unlogged).toEqual([]);
    await stop(second);
  });
});
