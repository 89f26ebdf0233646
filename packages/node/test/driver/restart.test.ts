import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Hex,
  insecureTrustedDealer,
  type NetworkDomain,
  type SignedTransaction,
  signTransaction,
  transactionId,
  VoteExtensionCodec,
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
 * The testnet stall of a committee stopped under load and started again (all at once): four
 * drivers with real BLS and real LevelDB stores on an in-process network, stopped right after
 * committing a height whose commit extensions list transactions that are still pending, and
 * restarted from their stores with empty mempools (the mempool is memory only).
 *
 * The next block's content is a function of those extensions, so it needs the bodies of the
 * transactions they list. Before the fix no node had them any more (nor could fetch them from
 * a peer): no proposer could build, every round timed out on nil, forever. Now every validator
 * persists the bodies it lists together with the vote that carries the list, and serves them.
 */

const N = 4;
const DOMAIN: NetworkDomain = {
  networkId: 11,
  chainId: 31_337,
  inbox: '0x00000000000000000000000000000000000051a1',
};
const dealing = insecureTrustedDealer(N, 3, keccak256(toBytes('synod/test/driver-restart'), 'bytes'));
const TIMEOUTS = {
  proposeBaseMs: 150,
  prevoteBaseMs: 80,
  precommitBaseMs: 80,
  perRoundIncrementMs: 40,
  maxMs: 600,
};
/** The height after whose commit the whole committee stops. */
const STOP_AT = 6;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-driver-restart-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Member {
  index: number;
  driver: ConsensusDriver;
  store: Store;
  mempool: Mempool;
  running: boolean;
}

class Committee {
  readonly members: (Member | undefined)[] = Array.from({ length: N }, () => undefined);
  /**
   * Gossip is held until every member of a (re)start is up, as peers' messages reach a node once
   * it is connected: without catch-up sync here, a node started last could otherwise find the
   * others a height ahead with nobody re-sending what it missed.
   */
  #held: (() => void)[] | null = [];

  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const deliver of held) deliver();
  }

  #deliver(deliver: () => void): void {
    if (this.#held !== null) this.#held.push(deliver);
    else setImmediate(deliver);
  }

  async start(index: number, onCommitHeight?: (height: number, member: Member) => void): Promise<Member> {
    const store = await openStore(join(dir, `node-${index}`), { domain: DOMAIN });
    let driver: ConsensusDriver | undefined;
    const mempool = new Mempool({
      domain: DOMAIN,
      nextNonceOf: (sender) => driver?.chain.nextNonce(sender) ?? 0n,
    });
    const crypto = createBlsConsensusCrypto({
      validatorIndex: index,
      shareSecretKey: dealing.shares[index]!.secretKey,
      sharePublicKeys: dealing.shares.map((share) => share.publicKey),
      groupPublicKey: dealing.groupPublicKey,
    });
    driver = new ConsensusDriver(
      {
        validatorIndex: index,
        validatorCount: N,
        domain: DOMAIN,
        epoch: 0,
        feeds: [],
        genesisTimestampMs: 0,
        timeouts: TIMEOUTS,
        fetchTimeoutMs: 300,
      },
      {
        crypto,
        store,
        mempool,
        network: {
          publish: async (message: ConsensusMessage) => {
            for (const other of this.members) {
              if (other === undefined || other.index === index || !other.running) continue;
              this.#deliver(() => {
                if (other.running) other.driver.receive(message);
              });
            }
          },
          // Retransmissions reach every running member directly, like the node's resend protocol.
          async resend(messages: readonly ConsensusMessage[]) {
            for (const message of messages) await this.publish(message);
            return 1;
          },
          // As the node's `/synod/1/req/transactions` handler answers: driver bodies, then finalized ones.
          fetchTransactions: async (txIds) => {
            const found: SignedTransaction[] = [];
            for (const txId of txIds) {
              for (const other of this.members) {
                if (other === undefined || other.index === index || !other.running) continue;
                const body =
                  other.driver.body(txId) ?? (await other.store.getTransactionWithProof(txId))?.transaction;
                if (body !== undefined) {
                  found.push(body);
                  break;
                }
              }
            }
            return found;
          },
        },
        onFatal: (error) => {
          throw error;
        },
      },
    );
    const member: Member = { index, driver, store, mempool, running: true };
    if (onCommitHeight !== undefined) driver.onCommit((block) => onCommitHeight(block.height, member));
    this.members[index] = member;
    await driver.start();
    return member;
  }

  async stop(member: Member): Promise<void> {
    member.running = false;
    await member.driver.stop();
    await member.store.close();
  }

  running(): Member[] {
    return this.members.filter((member): member is Member => member?.running === true);
  }
}

async function until(
  condition: () => boolean,
  what: string,
  timeoutMs: number,
  state: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function signedLoad(count: number): Promise<SignedTransaction[]> {
  const validUntil = BigInt(Math.floor(Date.now() / 1000) + 600);
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const account = privateKeyToAccount(keccak256(toBytes(`synod/test/driver-restart/sender/${i}`)));
      return signTransaction(
        account,
        {
          networkId: DOMAIN.networkId,
          namespace: keccak256(toBytes('app')),
          sender: account.address,
          nonce: 0n,
          payload: '0x01',
          validUntil,
        },
        DOMAIN,
      );
    }),
  );
}

describe('consensus driver: whole committee restarted under load', () => {
  test('restarted with empty mempools, the committee finalizes the next heights', {
    timeout: 60_000,
  }, async () => {
    const load = await signedLoad(400);
    const committee = new Committee();
    const stopped: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      await committee.start(i, (height, member) => {
        // "Ctrl-C" the moment it has stored STOP_AT: nothing of height STOP_AT + 1 goes out.
        if (height === STOP_AT && member.running) stopped.push(committee.stop(member));
      });
    }
    // Load: one new transaction every 5 ms, gossiped to every running mempool.
    let next = 0;
    const feeder = setInterval(() => {
      const tx = load[next++];
      if (tx === undefined) return;
      for (const member of committee.running()) member.mempool.add(tx, { nowMs: Date.now() });
    }, 5);
    committee.release();
    try {
      await until(() => stopped.length === N, `every node to commit height ${STOP_AT}`, 30_000);
    } finally {
      clearInterval(feeder);
    }
    await Promise.all(stopped);

    // The situation of the testnet: the commit of STOP_AT lists pending transactions that the
    // next block must include (≥ f+1 lists), and no node holds them in a mempool any more.
    const reopened = await openStore(join(dir, 'node-0'), { domain: DOMAIN });
    expect(reopened.latestHeight()).toBe(STOP_AT);
    const extensions = (await reopened.getExtensions(STOP_AT)).map((e) => VoteExtensionCodec.decode(e.bytes));
    const lists = new Map<Hex, number>();
    for (const extension of extensions)
      for (const entry of extension.inclusionList) lists.set(entry.txId, (lists.get(entry.txId) ?? 0) + 1);
    const pendingCandidates: Hex[] = [];
    for (const [txId, count] of lists) {
      if (count >= 2 && (await reopened.getTransactionLocation(txId)) === undefined)
        pendingCandidates.push(txId);
    }
    await reopened.close();
    expect(pendingCandidates.length).toBeGreaterThan(0);

    // Start again: same stores, fresh (empty) mempools, no new load.
    committee.hold();
    for (let i = 0; i < N; i++) await committee.start(i);
    committee.release();
    try {
      await until(
        () => committee.running().every((member) => member.driver.chain.height >= STOP_AT + 2),
        `every node to finalize height ${STOP_AT + 2} after the restart`,
        20_000,
        () =>
          committee
            .running()
            .map((member) => `v${member.index}@${member.driver.height}/${member.driver.round}`)
            .join(' '),
      );
      // The candidates the restart could have lost are in block STOP_AT + 1, at every node.
      const loadIds = new Set(load.map((tx) => transactionId(tx, DOMAIN)));
      for (const member of committee.running()) {
        const block = await member.store.getBlock(STOP_AT + 1);
        const ids = new Set(block!.block.transactions.map((tx) => transactionId(tx, DOMAIN)));
        for (const txId of pendingCandidates) {
          expect(loadIds.has(txId)).toBe(true);
          expect(ids.has(txId)).toBe(true);
        }
      }
    } finally {
      for (const member of committee.running()) await committee.stop(member);
    }
  });
});
