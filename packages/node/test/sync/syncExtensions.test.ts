import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFeedConfig } from '@synod/oracle';
import {
  type Hex,
  insecureTrustedDealer,
  type NetworkDomain,
  type PriceObservation,
  VoteExtensionCodec,
} from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createBlsConsensusCrypto } from '../../src/consensus/blsCrypto.ts';
import type { ConsensusMessage, TimeoutConfig } from '../../src/consensus/types.ts';
import { ConsensusDriver } from '../../src/driver/driver.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { openStore, type Store } from '../../src/storage/store.ts';
import { serveSyncedBlocks } from '../../src/sync/serve.ts';
import { CatchUpSync } from '../../src/sync/sync.ts';

/**
 * A validator that catches up by sync carries on like one that followed consensus: blocks are
 * served with their extensions (`blocks-with-extensions`), so the synced node rebuilds each
 * block's oracle breaker state and holds the last block's commit extensions. It then proposes
 * at the next height in round 0 (before: it could not build for lack of extensions, and the
 * round timed out), and its breaker state equals the others' (before: never advanced).
 *
 * Four drivers (real BLS, real LevelDB) on an in-process network; node 3 is down while 0-2
 * finalize heights 1..10 with a price jump that trips the circuit breaker; then 0-2 restart at
 * height 11 (whose round-0 proposer is node 3) and node 3 starts empty and syncs from them.
 */

const N = 4;
const DOMAIN: NetworkDomain = {
  networkId: 12,
  chainId: 31_337,
  inbox: '0x00000000000000000000000000000000000051a2',
};
const dealing = insecureTrustedDealer(N, 3, keccak256(toBytes('synod/test/sync-extensions'), 'bytes'));
const FEED = createFeedConfig({ feedId: keccak256(toBytes('ETH/USD')), decimals: 8 });
const FAST: TimeoutConfig = {
  proposeBaseMs: 150,
  prevoteBaseMs: 80,
  precommitBaseMs: 80,
  perRoundIncrementMs: 40,
  maxMs: 600,
};
/** After the restart: round 0 of height 11 waits long for node 3's proposal. */
const PATIENT: TimeoutConfig = { ...FAST, proposeBaseMs: 6_000, maxMs: 6_000 };
/** 0-2 stop after this height; proposer(SYNCED + 1, round 0) = (SYNCED + 1) mod 4 = 3. */
const SYNCED = 10;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-sync-ext-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** ±0.05% around 3000 USD, then 3300 from height 6: a 10% move the breaker holds for 3 heights. */
function observe(validatorIndex: number, height: number): PriceObservation[] {
  const base = height < 6 ? 3000n : 3300n;
  return [{ feedId: FEED.feedId, price: base * 10n ** 8n + BigInt(validatorIndex) * 150_000n }];
}

interface Member {
  index: number;
  driver: ConsensusDriver;
  store: Store;
  running: boolean;
}

const members: (Member | undefined)[] = [];

async function startMember(
  index: number,
  timeouts: TimeoutConfig,
  onCommitHeight?: (height: number, member: Member) => void,
): Promise<Member> {
  const store = await openStore(join(dir, `node-${index}`), { domain: DOMAIN });
  let driver: ConsensusDriver | undefined;
  const mempool = new Mempool({
    domain: DOMAIN,
    nextNonceOf: (sender) => driver?.chain.nextNonce(sender) ?? 0n,
  });
  driver = new ConsensusDriver(
    {
      validatorIndex: index,
      validatorCount: N,
      domain: DOMAIN,
      epoch: 0,
      feeds: [FEED],
      genesisTimestampMs: 0,
      timeouts,
      fetchTimeoutMs: 300,
    },
    {
      crypto: createBlsConsensusCrypto({
        validatorIndex: index,
        shareSecretKey: dealing.shares[index]!.secretKey,
        sharePublicKeys: dealing.shares.map((share) => share.publicKey),
        groupPublicKey: dealing.groupPublicKey,
      }),
      store,
      mempool,
      priceObserver: { observe: (height) => observe(index, height) },
      network: {
        publish: async (message: ConsensusMessage) => {
          for (const other of members) {
            if (other === undefined || other.index === index || !other.running) continue;
            setImmediate(() => {
              if (other.running) other.driver.receive(message);
            });
          }
        },
        async resend(messages: readonly ConsensusMessage[]) {
          for (const message of messages) await this.publish(message);
          return 1;
        },
        fetchTransactions: async () => [],
      },
      onFatal: (error) => {
        throw error;
      },
    },
  );
  const member: Member = { index, driver, store, running: true };
  if (onCommitHeight !== undefined) driver.onCommit((block) => onCommitHeight(block.height, member));
  members[index] = member;
  await driver.start();
  return member;
}

async function stopMember(member: Member): Promise<void> {
  member.running = false;
  await member.driver.stop();
  await member.store.close();
}

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** 0-2 finalize 1..SYNCED and stop; they come back at SYNCED + 1 (round 0: node 3 proposes). */
async function chainWithoutNode3(): Promise<void> {
  members.length = 0;
  const stopping: Promise<void>[] = [];
  for (let i = 0; i < N - 1; i++) {
    await startMember(i, FAST, (height, member) => {
      if (height === SYNCED && member.running) stopping.push(stopMember(member));
    });
  }
  await until(() => stopping.length === N - 1, `nodes 0-2 to finalize ${SYNCED}`, 30_000);
  await Promise.all(stopping);
  for (let i = 0; i < N - 1; i++) await startMember(i, PATIENT);
}

describe('catch-up sync with extensions', () => {
  test('a synced validator proposes at the next height in round 0, with the same oracle state', {
    timeout: 60_000,
  }, async () => {
    await chainWithoutNode3();
    const node3 = await startMember(3, FAST);
    const sync = new CatchUpSync({
      driver: node3.driver,
      domain: DOMAIN,
      network: {
        requestBlocks: (peer, fromHeight, count) =>
          serveSyncedBlocks(members[Number(peer)]!.store, { fromHeight, count: Math.min(count, 32) }),
      },
    });
    // What their gossip would tell it: they are at SYNCED + 1.
    for (let i = 0; i < N - 1; i++) sync.noteHeight(String(i), SYNCED + 1);
    sync.start();
    try {
      await until(
        () => members.every((member) => member!.driver.chain.height >= SYNCED + 2),
        `every node to finalize ${SYNCED + 2}`,
        20_000,
      );
      // Node 3 synced 1..SYNCED, stored their commit extensions, and proposed SYNCED + 1 itself.
      const stored = await node3.store.getExtensions(SYNCED);
      expect(stored.length).toBeGreaterThanOrEqual(3);
      for (const entry of stored) expect(VoteExtensionCodec.decode(entry.bytes).height).toBe(SYNCED);
      for (const member of members) {
        const block = await member!.store.getBlock(SYNCED + 1);
        expect(block!.block.header.proposerIndex).toBe(3);
        expect(block!.certificate.round).toBe(0);
      }
      // Its breaker state is the others' (the 10% move at height 6 was held, then confirmed).
      const reference = members[0]!.driver.chain;
      expect(node3.driver.chain.height).toBe(reference.height);
      expect(reference.feedStates.get(FEED.feedId as Hex)?.lastFinalized).toBeDefined();
      expect(node3.driver.chain.feedStates).toEqual(reference.feedStates);
    } finally {
      await sync.stop();
      for (const member of members) if (member?.running) await stopMember(member);
    }
  });

  test('a best peer that never answers costs the hedge, not the request timeout: the next one serves the blocks', {
    timeout: 60_000,
  }, async () => {
    await chainWithoutNode3();
    const node3 = await startMember(3, FAST);
    const asked: { peer: string; signal: AbortSignal }[] = [];
    const sync = new CatchUpSync({
      driver: node3.driver,
      domain: DOMAIN,
      // Far beyond the test's wait: only the hedge can get node 3 its blocks in time.
      requestTimeoutMs: 120_000,
      hedgeMs: 300,
      network: {
        requestBlocks: (peer, fromHeight, count, signal) => {
          asked.push({ peer, signal });
          if (peer === 'silent')
            return new Promise((_, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
            );
          return serveSyncedBlocks(members[Number(peer)]!.store, { fromHeight, count: Math.min(count, 32) });
        },
      },
    });
    // A peer cut off silently was seen ahead of everyone just before: it is asked first.
    sync.noteHeight('silent', SYNCED + 2);
    for (let i = 0; i < N - 1; i++) sync.noteHeight(String(i), SYNCED + 1);
    sync.start();
    try {
      await until(() => node3.driver.chain.height >= SYNCED, `node 3 to sync to ${SYNCED}`, 15_000);
      expect(asked[0]!.peer).toBe('silent');
      expect(asked.some((entry) => entry.peer !== 'silent')).toBe(true);
      // Once a peer served the range, the request still open at the silent one was abandoned.
      await until(() => asked[0]!.signal.aborted, 'the first request to the silent peer to end', 5_000);
    } finally {
      await sync.stop();
      for (const member of members) if (member?.running) await stopMember(member);
    }
  });
});
