import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFeedConfig } from '@synod/oracle';
import {
  ENCRYPTED_NAMESPACE,
  encryptTransaction,
  type Hex,
  insecureTrustedDealer,
  type NetworkDomain,
  signTransaction,
  toLowerHex,
  transactionId,
  type Vote,
  VoteCodec,
  VoteKind,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { keccak256, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createBlsConsensusCrypto } from '../../src/consensus/blsCrypto.ts';
import { createEnvelopeOpener } from '../../src/consensus/reveals.ts';
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
/** A committee of four of which only validator 0 runs: it can never reach a quorum. */
const dealingOf4 = insecureTrustedDealer(4, 3, keccak256(toBytes('synod/test/driver/4'), 'bytes'));
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
  /** Messages handed to network.resend (retransmissions), in order. */
  resent: ConsensusMessage[];
  /** Warn-level log lines: message and fields. */
  warnings: { message: string; fields: Record<string, unknown> }[];
}

interface DriverOptions {
  /** Run as validator 0 of a committee of four whose other members never start. */
  alone?: boolean;
  stallWarningMs?: number;
  idleIntervalMs?: number;
  /** One feed, observed at whatever this returns (8 decimals). */
  observedPrice?: () => bigint;
  /** A committee encryption key (threshold 1 of 1): envelopes are admitted and revealed. */
  encryption?: boolean;
}

/** The committee of one's encryption key: its own dealing, not the signing key. */
const encryptionDealing = insecureTrustedDealer(
  1,
  1,
  keccak256(toBytes('synod/test/driver/encryption'), 'bytes'),
);

const FEED = createFeedConfig({ feedId: keccak256(toBytes('ETH/USD')), decimals: 8 });

async function startDriver(
  path: string,
  onVote?: (vote: Vote, driver: ConsensusDriver) => void,
  options: DriverOptions = {},
): Promise<Harness> {
  const store = await openStore(path, { domain: DOMAIN });
  let driver: ConsensusDriver | undefined;
  const mempool = new Mempool({
    domain: DOMAIN,
    nextNonceOf: (sender) => driver?.chain.nextNonce(sender) ?? 0n,
    acceptsEnvelopes: () => options.encryption === true,
  });
  const encryptionKey = {
    threshold: 1,
    publicKey: encryptionDealing.groupPublicKey,
    sharePublicKeys: [encryptionDealing.shares[0]!.publicKey],
  };
  const published: Vote[] = [];
  const unlogged: string[] = [];
  const checks = new Set<Promise<void>>();
  const resent: ConsensusMessage[] = [];
  const warnings: Harness['warnings'] = [];
  const keys = options.alone === true ? dealingOf4 : dealing;
  const crypto = createBlsConsensusCrypto({
    validatorIndex: 0,
    shareSecretKey: keys.shares[0]!.secretKey,
    sharePublicKeys: keys.shares.map((share) => share.publicKey),
    groupPublicKey: keys.groupPublicKey,
  });
  driver = new ConsensusDriver(
    {
      validatorIndex: 0,
      validatorCount: keys.shares.length,
      domain: DOMAIN,
      epoch: 0,
      feeds: options.observedPrice === undefined ? [] : [FEED],
      genesisTimestampMs: 0,
      timeouts: TIMEOUTS,
      stallWarningMs: options.stallWarningMs,
      idleIntervalMs: options.idleIntervalMs,
    },
    {
      crypto,
      ...(options.encryption === true
        ? {
            encryption: {
              ...encryptionKey,
              shareSecretKey: encryptionDealing.shares[0]!.secretKey,
              opener: createEnvelopeOpener(encryptionKey),
            },
          }
        : {}),
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
        async resend(messages: readonly ConsensusMessage[]) {
          resent.push(...messages);
          await Promise.all(messages.map((message) => this.publish(message)));
          return 3;
        },
        fetchTransactions: async () => [],
      },
      ...(options.observedPrice === undefined
        ? {}
        : { priceObserver: { observe: () => [{ feedId: FEED.feedId, price: options.observedPrice!() }] } }),
      logger: captureWarnings(warnings),
    },
  );
  await driver.start();
  return { driver, store, mempool, published, unlogged, checks, resent, warnings };
}

/** A pino-shaped logger that records warn calls (the driver logs `warn(fields, message)`). */
function captureWarnings(into: Harness['warnings']): Logger {
  const logger = {
    warn(fields: Record<string, unknown>, message: string) {
      into.push({ message, fields });
    },
    child: () => logger,
  };
  for (const level of ['trace', 'debug', 'info', 'error', 'fatal'] as const) {
    (logger as Record<string, unknown>)[level] = () => {};
  }
  return logger as unknown as Logger;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `account`'s first transaction (nonce 0) in namespace `app`, valid for a minute. */
function firstTransaction(account: ReturnType<typeof privateKeyToAccount>) {
  return signTransaction(
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
    const tx = await firstTransaction(account);
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

  test('idle at rest: nothing to order holds the next height; a transaction or a moved price starts it at once', {
    timeout: 30_000,
  }, async () => {
    let price = 3_000n * 10n ** 8n;
    const harness = await startDriver(join(dir, 'chain'), undefined, {
      idleIntervalMs: 60_000, // longer than the test: only a wake-up moves the chain
      observedPrice: () => price,
    });
    const { driver } = harness;
    const held = async (what: string) => {
      // The first price finalizes, then nothing is left to order: the height stays put.
      await until(() => driver.chain.feedStates.get(FEED.feedId)?.lastFinalized?.price === price, what);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const height = driver.chain.height;
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(driver.chain.height, `${what}: held`).toBe(height);
      return height;
    };
    const first = await held('the first price');
    // A transaction wakes it: listed by the next height's precommit, included in the one after.
    const tx = await firstTransaction(privateKeyToAccount(keccak256(toBytes('synod/test/driver/idle'))));
    const woken = Date.now();
    harness.mempool.add(tx, { nowMs: Date.now() });
    await until(() => harness.mempool.size === 0, 'the transaction to be finalized', 5_000);
    expect(Date.now() - woken).toBeLessThan(2_000);
    expect(driver.chain.height).toBeGreaterThanOrEqual(first + 2);
    const second = await held('idle again after the transaction');
    // A price that moved by more than the feed's push deviation (2% ≫ its bps) wakes it too.
    expect(FEED.pushDeviationBps).toBeLessThan(200);
    price = (price * 102n) / 100n;
    await until(() => driver.chain.height > second, 'a height for the moved price', 5_000);
    await held('idle again at the new price');
    expect(harness.unlogged).toEqual([]);
    await stop(harness);
  });

  test('idle at rest waits for nothing while an envelope awaits its reveal: the plaintext is final at once', {
    timeout: 30_000,
  }, async () => {
    const harness = await startDriver(join(dir, 'chain'), undefined, {
      idleIntervalMs: 60_000,
      encryption: true,
    });
    const { driver } = harness;
    await until(() => driver.chain.height >= 1, 'the first height');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rest = driver.chain.height;
    const account = privateKeyToAccount(keccak256(toBytes('synod/test/driver/encrypted')));
    const plaintext = await firstTransaction(account);
    const envelope = await signTransaction(
      account,
      {
        ...plaintext,
        namespace: ENCRYPTED_NAMESPACE,
        payload: encryptTransaction({
          publicKey: encryptionDealing.groupPublicKey,
          transaction: plaintext,
          seed: new Uint8Array(32).fill(5),
        }),
      },
      DOMAIN,
    );
    const sent = Date.now();
    harness.mempool.add(envelope, { nowMs: sent });
    // Its block, then two more: the one whose extensions carry the share and the reveal block,
    // none of them held for the 60 s idle interval although the mempool is empty by then.
    const plaintextId = transactionId(plaintext, DOMAIN);
    let location = await harness.store.getTransactionLocation(plaintextId);
    while (location === undefined && Date.now() - sent < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      location = await harness.store.getTransactionLocation(plaintextId);
    }
    const envelopeLocation = await harness.store.getTransactionLocation(transactionId(envelope, DOMAIN));
    expect(location?.height).toBe(envelopeLocation!.height + 2);
    expect(location?.index).toBe(0);
    expect(Date.now() - sent).toBeLessThan(3_000);
    // Then it rests again.
    expect(envelopeLocation!.height).toBeGreaterThan(rest);
    const after = driver.chain.height;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(driver.chain.height).toBeLessThanOrEqual(after + 1);
    expect(harness.unlogged).toEqual([]);
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

  test('retransmissions go to network.resend (gossip drops a second publish of the same bytes), in one batch per step', {
    timeout: 20_000,
  }, async () => {
    const harness = await startDriver(join(dir, 'chain'), undefined, { alone: true, stallWarningMs: 60_000 });
    // Alone in a committee of four it cannot decide height 1: every propose timeout re-sends its votes.
    await until(() => harness.resent.length >= 3, 'retransmissions');
    const votes = harness.resent.filter((m) => m.type === 'vote').map((m) => (m as { vote: Vote }).vote);
    expect(votes.length).toBe(harness.resent.length);
    for (const vote of votes) {
      expect(vote.height).toBe(1);
      expect(vote.validatorIndex).toBe(0);
      // Every retransmitted vote is one it had already published (and logged) once.
      const encoded = toLowerHex(VoteCodec.encode(vote));
      expect(harness.published.some((p) => toLowerHex(VoteCodec.encode(p)) === encoded)).toBe(true);
    }
    expect(harness.unlogged).toEqual([]);
    await stop(harness);
  });

  test('a driver that finalizes nothing reports a stall with its state, in diagnostics and at warn level', {
    timeout: 20_000,
  }, async () => {
    const harness = await startDriver(join(dir, 'chain'), undefined, { alone: true, stallWarningMs: 300 });
    expect(harness.driver.diagnostics().stalled).toBe(false);
    await until(() => harness.driver.diagnostics().stalled, 'a stall to be reported');
    const diagnostics = harness.driver.diagnostics();
    expect(diagnostics.height).toBe(1);
    expect(diagnostics.stalls).toBe(1);
    expect(diagnostics.msSinceProgress).toBeGreaterThanOrEqual(300);
    // Its own prevote of round 0 is there, and nobody else's.
    expect(diagnostics.ownVotes[0]).toMatch(/^0\/prevote\//);
    expect(diagnostics.rounds[0]!.round).toBe(0);
    expect(Object.values(diagnostics.rounds[0]!.prevotes).flat()).toEqual([0]);
    const warning = harness.warnings.find((w) => w.message.startsWith('consensus stalled'));
    expect(warning?.fields.diagnostics).toMatchObject({ height: 1, stalled: true });
    // It keeps reporting while the stall lasts, and counts it once.
    await until(
      () => harness.warnings.filter((w) => w.message.startsWith('consensus stalled')).length >= 2,
      'a second report',
    );
    expect(harness.driver.diagnostics().stalls).toBe(1);
    await stop(harness);
  });

  test('namespace sequences advance with each block and are restored from the store after a restart over pruned bodies', {
    timeout: 30_000,
  }, async () => {
    const path = join(dir, 'chain');
    const apps = [0, 1, 2].map((app) => keccak256(toBytes(`synod/test/driver/app/${app}`)));
    const validUntil = BigInt(Math.floor(Date.now() / 1000) + 60);
    /** Transactions of fresh senders `from` .. `from + count - 1`, sender i in namespace apps[i % 3]. */
    const transactions = (from: number, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) => {
          const account = privateKeyToAccount(keccak256(toBytes(`synod/test/driver/ns-sender/${from + i}`)));
          const namespace = apps[(from + i) % 3]!;
          return signTransaction(
            account,
            {
              networkId: DOMAIN.networkId,
              namespace,
              sender: account.address,
              nonce: 0n,
              payload: '0x01',
              validUntil,
            },
            DOMAIN,
          );
        }),
      );
    const expected = new Map<Hex, number>();
    const count = (txs: readonly { namespace: Hex }[]) => {
      for (const { namespace } of txs) expected.set(namespace, (expected.get(namespace) ?? 0) + 1);
    };

    const first = await startDriver(path);
    const batch1 = await transactions(0, 7); // apps 0, 1, 2 get 3, 2, 2
    for (const tx of batch1) first.mempool.add(tx, { nowMs: Date.now() });
    count(batch1);
    await until(
      () => first.mempool.size === 0 && first.driver.chain.height >= 3,
      'the first batch to be final',
    );
    expect(first.driver.chain.namespaceSequences).toEqual(expected);
    expect(await first.store.namespaceSequences()).toEqual(expected);
    await first.driver.stop();
    await Promise.all(first.checks);
    // Drop every body but the latest block's: a restart cannot count the transactions any more.
    const latest = first.store.latestHeight();
    expect(await first.store.pruneBelow(latest)).toBe(latest);
    await first.store.close();

    const second = await startDriver(path);
    expect(second.driver.chain.height).toBe(latest);
    expect(second.driver.chain.namespaceSequences).toEqual(expected);
    const batch2 = await transactions(7, 4); // apps 1, 2, 0, 1
    for (const tx of batch2) second.mempool.add(tx, { nowMs: Date.now() });
    const before = new Map(expected);
    count(batch2);
    await until(() => second.mempool.size === 0, 'the second batch to be final');
    expect(second.driver.chain.namespaceSequences).toEqual(expected);
    expect(await second.store.namespaceSequences()).toEqual(expected);
    // The blocks after the restart continued each namespace's sequence (the store checks every
    // header's namespace commitment against its own counters when it commits).
    const starts = new Map<Hex, number>();
    for (let height = latest + 1; height <= second.store.latestHeight(); height++) {
      for (const entry of (await second.store.getNamespaceEntries(height))!) {
        if (!starts.has(entry.namespace)) starts.set(entry.namespace, entry.sequenceStart);
      }
    }
    expect(starts).toEqual(before);
    await stop(second);
  });

  test('a healthy driver never reports a stall', { timeout: 20_000 }, async () => {
    const harness = await startDriver(join(dir, 'chain'), undefined, { stallWarningMs: 300 });
    await until(() => harness.driver.chain.height >= 20, 'height 20');
    expect(harness.driver.diagnostics()).toMatchObject({ stalled: false, stalls: 0 });
    expect(harness.warnings.filter((w) => w.message.startsWith('consensus stalled'))).toEqual([]);
    await stop(harness);
  });
});
