import type { Hex } from '@synod/protocol';
import { describe, expect, it } from 'vitest';
import type { NodeL1Status } from '../../src/rpc/backend.ts';
import { encodeL1Status } from '../../src/rpc/encoding.ts';

/** The relayer's part of synod_status l1: one `batches` entry per settled namespace, JSON-safe. */

const hash = (byte: string) => `0x${byte.repeat(32)}` as Hex;
const address = (byte: string) => `0x${byte.repeat(20)}` as Hex;

const base: NodeL1Status = {
  running: true,
  resumed: true,
  reachable: true,
  validatorIndex: 0,
  l1LatestHeight: 16,
  plannedHeight: 20,
  backlog: 0,
  backlogHeights: [],
  lastPostedHeight: 16,
  lastError: undefined,
  pendingTransaction: {
    hash: hash('11'),
    hashes: [hash('11')],
    nonce: 7,
    height: 18,
    kind: 'settleBatch',
    namespace: hash('aa'),
    maxFeePerGas: 30_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    firstSentAtMs: 5,
    replacements: 0,
  },
  headersPosted: 1,
  pricesPosted: 0,
  duplicateSubmissions: 0,
  feeBumps: 0,
  account: address('ab'),
  inbox: address('cd'),
  priceFeeds: null,
  postEveryHeaders: 16,
  chainChecked: true,
};

describe('synod_status l1.batches', () => {
  it('lists each settled namespace with its counters, backlog, settlement in flight and last error', () => {
    const encoded = encodeL1Status({
      ...base,
      batches: [
        {
          namespace: hash('aa'),
          contract: address('01'),
          resumed: true,
          appliedCount: 12,
          lastSettledHeight: 17,
          finalizedCount: 15,
          scannedHeight: 20,
          backlog: 2,
          backlogHeights: [18, 20],
          pending: { height: 18, kind: 'settleBatch', hash: hash('11'), nonce: 7 },
          batchesSettled: 3,
          transactionsSettled: 5,
          lastSettledByThisNodeHeight: 17,
          duplicates: 1,
          overtaken: 0,
          lastError: { code: 'RPC_UNAVAILABLE', message: 'down', atMs: 9 },
        },
      ],
    });
    expect(encoded.pendingTransaction).toMatchObject({ kind: 'settleBatch', namespace: hash('aa') });
    expect(encoded.batches).toEqual([
      {
        namespace: hash('aa'),
        contract: address('01'),
        resumed: true,
        appliedCount: 12,
        lastSettledHeight: 17,
        finalizedCount: 15,
        scannedHeight: 20,
        backlog: 2,
        backlogHeights: [18, 20],
        pending: { height: 18, kind: 'settleBatch', hash: hash('11'), nonce: 7 },
        batchesSettled: 3,
        transactionsSettled: 5,
        lastSettledByThisNodeHeight: 17,
        duplicates: 1,
        overtaken: 0,
        lastError: { code: 'RPC_UNAVAILABLE', message: 'down', atMs: 9 },
      },
    ]);
    expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded);
  });

  it('is an empty list without l1.settlement, and a header posting has no namespace', () => {
    const { namespace: _, ...headerPending } = base.pendingTransaction!;
    const encoded = encodeL1Status({
      ...base,
      pendingTransaction: { ...headerPending, kind: 'submitHeader' },
    });
    expect(encoded.batches).toEqual([]);
    expect(encoded.pendingTransaction!.namespace).toBeNull();
  });
});
