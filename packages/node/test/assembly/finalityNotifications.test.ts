import {
  type Hex,
  headerHash,
  merkleProof,
  transactionId,
  transactionLeaf,
  verifyMerkleProof,
} from '@synod/protocol';
import { describe, expect, test } from 'vitest';
import { createNodeBackend } from '../../src/assembly/backend.ts';
import type { CommitteeJson } from '../../src/dkg/committee.ts';
import type { ConsensusDriver } from '../../src/driver/driver.ts';
import type { CommittedBlock } from '../../src/driver/types.ts';
import type { Mempool } from '../../src/mempool/mempool.ts';
import type { TransactionInclusion } from '../../src/rpc/backend.ts';
import { type FinalityListener, SubscriptionHub } from '../../src/rpc/subscriptions.ts';
import type { Store } from '../../src/storage/store.ts';
import type { CatchUpSync } from '../../src/sync/sync.ts';
import { DOMAIN, makeBlock, unsignedTransactions, ZERO } from '../storage/fixtures/chain.ts';

/**
 * Finality notifications of the node backend: built from the committed block in memory, with a
 * proof only for the transactions a listener wants (the RPC hub: the watched ones), never by a
 * store round trip per transaction.
 */

/** A store that counts every method call (the commit handler should make none). */
function countingStore(): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const store = new Proxy({} as Store, {
    get: (_target, property) => {
      if (typeof property !== 'string' || property === 'then') return undefined;
      return (..._args: unknown[]) => {
        calls.push(property);
        throw new Error(`unexpected store.${property}`);
      };
    },
  });
  return { store, calls };
}

function setup(txCount: number, height = 1) {
  const { store, calls } = countingStore();
  let commit: ((block: CommittedBlock) => void) | undefined;
  const backend = createNodeBackend({
    domain: DOMAIN,
    committee: {} as CommitteeJson,
    store,
    mempool: {} as Mempool,
    driver: {
      onCommit: (listener: (block: CommittedBlock) => void) => {
        commit = listener;
        return () => {};
      },
      chain: { feedStates: new Map() },
    } as unknown as ConsensusDriver,
    sync: {} as CatchUpSync,
    peerCount: () => 0,
    disseminate: () => {},
    nowMs: () => 0,
  });
  const certified = makeBlock(height, ZERO, unsignedTransactions(0, txCount));
  const transactionIds = certified.block.transactions.map((tx) => transactionId(tx, DOMAIN));
  const committed = {
    height,
    hash: headerHash(certified.block.header, DOMAIN),
    certified,
    transactionIds,
    content: { reveals: [] },
    committedAtMs: 0,
  } as unknown as CommittedBlock;
  const leaves = certified.block.transactions.map((tx, i) => transactionLeaf(tx, transactionIds[i]!));
  return { backend, commit: () => commit!(committed), committed, transactionIds, leaves, storeCalls: calls };
}

function expectValidInclusion(
  inclusion: TransactionInclusion,
  committed: CommittedBlock,
  index: number,
  leaves: Hex[],
): void {
  const { header } = committed.certified.block;
  expect(inclusion).toEqual({
    height: committed.height,
    index,
    blockHash: committed.hash,
    header,
    certificate: committed.certified.certificate,
    proof: merkleProof(leaves, index),
  });
  expect(
    verifyMerkleProof({
      root: header.txRoot,
      count: header.txCount,
      index,
      leaf: leaves[index]!,
      proof: inclusion.proof,
    }),
  ).toBe(true);
}

describe('finality notifications on commit', () => {
  test('a 1000-tx block with 3 watched transactions: 3 proofs, no store call', () => {
    const { backend, commit, committed, transactionIds, leaves, storeCalls } = setup(1000);
    const watchedIndices = [0, 517, 999];
    const watched = new Set(watchedIndices.map((index) => transactionIds[index]!));
    const asked: Hex[] = [];
    const received: [Hex, TransactionInclusion][] = [];
    const listener: FinalityListener = Object.assign(
      (txId: Hex, inclusion: TransactionInclusion) => {
        received.push([txId, inclusion]);
      },
      {
        wants: (txId: Hex) => {
          asked.push(txId);
          return watched.has(txId);
        },
      },
    );
    backend.onTransactionFinalized(listener);
    commit();
    expect(storeCalls).toEqual([]);
    expect(asked).toEqual(transactionIds); // each asked once
    expect(received.map(([txId]) => txId)).toEqual(watchedIndices.map((index) => transactionIds[index]));
    received.forEach(([, inclusion], i) => {
      expectValidInclusion(inclusion, committed, watchedIndices[i]!, leaves);
    });
  });

  test('nobody watching: no notification, no store call', () => {
    const { backend, commit, storeCalls } = setup(200);
    let calls = 0;
    backend.onTransactionFinalized(Object.assign(() => calls++, { wants: () => false }));
    commit();
    expect(calls).toBe(0);
    expect(storeCalls).toEqual([]);
  });

  test('through the subscription hub: only the k subscribed transactions are notified, with valid proofs', () => {
    const { backend, commit, committed, transactionIds, leaves, storeCalls } = setup(300);
    const hub = new SubscriptionHub(backend);
    hub.start();
    const notified: { id: string; result: Record<string, unknown> }[] = [];
    const socket = hub.openSocket(
      { notify: (id, result) => notified.push({ id, result: result as Record<string, unknown> }) },
      100,
    );
    // Count what the backend delivers to the hub's listener alone (a spy that wants the same).
    let delivered = 0;
    backend.onTransactionFinalized(
      Object.assign(() => delivered++, { wants: (txId: Hex) => hub.hasTransactionSubscribers(txId) }),
    );
    const watchedIndices = [3, 150, 299];
    const subscriptions = watchedIndices.map((index) => {
      const subscription = socket.subscribe('transactionFinality', transactionIds[index]!);
      socket.activate(subscription);
      return subscription;
    });
    expect(hub.hasTransactionSubscribers(transactionIds[3]!)).toBe(true);
    expect(hub.hasTransactionSubscribers(transactionIds[4]!)).toBe(false);
    commit();
    expect(storeCalls).toEqual([]);
    expect(delivered).toBe(3);
    expect(notified.map((entry) => entry.id)).toEqual(subscriptions.map((subscription) => subscription.id));
    const { header } = committed.certified.block;
    notified.forEach(({ result }, i) => {
      const index = watchedIndices[i]!;
      expect(result).toMatchObject({ status: 'finalized', height: 1, index, blockHash: committed.hash });
      const proof = result.proof as Hex[];
      expect(proof).toEqual(merkleProof(leaves, index));
      expect(
        verifyMerkleProof({ root: header.txRoot, count: header.txCount, index, leaf: leaves[index]!, proof }),
      ).toBe(true);
    });
    // One-shot: delivered subscriptions are gone, so a later commit asks for nothing.
    expect(hub.hasTransactionSubscribers(transactionIds[3]!)).toBe(false);
    expect(hub.size).toBe(0);
    hub.stop();
  });

  test('a listener without `wants` gets every transaction; proofs equal merkleProof for every tree size', () => {
    for (let count = 1; count <= 33; count++) {
      const { backend, commit, committed, transactionIds, leaves, storeCalls } = setup(count);
      const received: [Hex, TransactionInclusion][] = [];
      backend.onTransactionFinalized((txId, inclusion) => {
        received.push([txId, inclusion]);
      });
      commit();
      expect(storeCalls).toEqual([]);
      expect(received.map(([txId]) => txId)).toEqual(transactionIds);
      received.forEach(([, inclusion], index) => {
        expectValidInclusion(inclusion, committed, index, leaves);
      });
    }
  });
});
