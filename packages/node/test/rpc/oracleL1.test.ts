import type { Hex } from '@synod/protocol';
import { describe, expect, test } from 'vitest';
import type { L1ProofResult, NodeStatus, OracleFeedStatus, SynodRpcBackend } from '../../src/rpc/backend.ts';
import { RpcBackendError } from '../../src/rpc/errors.ts';
import { CERTIFICATE, call, hash, makeBlock, STATUS, StubBackend, startServer } from './helpers.ts';

/** synod_getPrice with its proof, synod_getL1Proof and the oracle / L1 parts of synod_status, as JSON. */

const FEED: OracleFeedStatus = {
  feedId: hash(0xfe),
  pair: 'ETH/USD',
  decimals: 8,
  stale: false,
  lastPrice: { answer: 300_012_345_678n, height: 9, timestampMs: 9_000 },
  ageMs: 250,
  breaker: { direction: 'up', consecutiveHeights: 2, firstHeight: 8, lastMedian: 360_000_000_000n },
  observation: {
    price: 300_000_000_000n,
    priceAtMs: 8_900,
    observedAtMs: 9_100,
    reason: null,
    usedSourceIds: ['coinbase'],
  },
  sources: [
    {
      id: 'coinbase',
      kind: 'coinbase',
      healthy: true,
      consecutiveFailures: 0,
      retryAtMs: null,
      lastPrice: 300_000_000_000n,
      lastPriceAtMs: 8_900,
      ageMs: 200,
      lastErrorCode: null,
      lastErrorMessage: null,
    },
  ],
};

class Backend extends StubBackend {
  l1Proof: L1ProofResult = { status: 'unknown' };
  override getPrice: SynodRpcBackend['getPrice'] = async (feedId) => {
    const block = makeBlock(3);
    return {
      feedId,
      answer: 123n,
      height: 3,
      timestampMs: block.block.header.timestampMs,
      proof: {
        index: 1,
        blockHash: block.hash,
        header: block.block.header,
        certificate: CERTIFICATE,
        siblings: [hash(0xaa)],
      },
    };
  };
  override status: SynodRpcBackend['status'] = async (): Promise<NodeStatus> => ({
    ...STATUS,
    oracle: [FEED],
    l1: {
      running: true,
      resumed: true,
      reachable: true,
      validatorIndex: 1,
      l1LatestHeight: 16,
      plannedHeight: 20,
      backlog: 1,
      backlogHeights: [20],
      lastPostedHeight: 16,
      lastError: undefined,
      pendingTransaction: {
        hash: hash(0x11),
        hashes: [hash(0x11)],
        nonce: 4,
        height: 20,
        kind: 'submitHeader',
        maxFeePerGas: 30_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
        firstSentAtMs: 5,
        replacements: 0,
      },
      headersPosted: 3,
      pricesPosted: 2,
      duplicateSubmissions: 1,
      feeBumps: 0,
      account: `0x${'ab'.repeat(20)}`,
      inbox: `0x${'cd'.repeat(20)}`,
      priceFeeds: null,
      postEveryHeaders: 16,
      chainChecked: true,
    },
  });
  getL1Proof = async (): Promise<L1ProofResult> => this.l1Proof;
}

async function withServer<T>(backend: SynodRpcBackend, run: (url: string) => Promise<T>): Promise<T> {
  const { server, address } = await startServer({ backend });
  try {
    return await run(address.url);
  } finally {
    await server.stop();
  }
}

describe('oracle and L1 over JSON-RPC', () => {
  test('synod_getPrice carries the header, certificate, leaf index and Merkle proof', async () => {
    await withServer(new Backend(), async (url) => {
      const { result } = await call(url, 'synod_getPrice', [hash(0xfe)]);
      expect(result).toMatchObject({
        feedId: hash(0xfe),
        answer: '123',
        height: 3,
        index: 1,
        blockHash: hash(3),
        header: { height: 3 },
        certificate: { round: 0 },
        proof: [hash(0xaa)],
      });
    });
  });

  test('synod_status shows each feed (sources, health, age, stale, breaker) and the submitter, bigints as decimals', async () => {
    await withServer(new Backend(), async (url) => {
      const { result } = (await call(url, 'synod_status')) as { result: Record<string, never> };
      expect(result.oracle).toEqual([
        {
          ...FEED,
          lastPrice: { answer: '300012345678', height: 9, timestampMs: 9_000 },
          breaker: { direction: 'up', consecutiveHeights: 2, firstHeight: 8, lastMedian: '360000000000' },
          observation: { ...FEED.observation, price: '300000000000' },
          sources: [{ ...FEED.sources[0], lastPrice: '300000000000' }],
        },
      ]);
      expect(result.l1).toMatchObject({
        backlog: 1,
        lastPostedHeight: 16,
        lastError: null,
        pendingTransaction: { nonce: 4, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' },
        chainChecked: true,
      });
    });
    // A backend without oracle or L1: empty list and null.
    await withServer(new StubBackend(), async (url) => {
      const { result } = (await call(url, 'synod_status')) as { result: Record<string, unknown> };
      expect(result.oracle).toEqual([]);
      expect(result.l1).toBeNull();
    });
  });

  test('synod_getL1Proof: the view call with JSON-safe args, or why there is none', async () => {
    const backend = new Backend();
    await withServer(backend, async (url) => {
      expect((await call(url, 'synod_getL1Proof', [hash(1)])).result).toEqual({ status: 'unknown' });
      backend.l1Proof = { status: 'not-yet-on-l1', height: 7, l1LatestHeight: 4 };
      expect((await call(url, 'synod_getL1Proof', [hash(1)])).result).toEqual(backend.l1Proof);
      backend.l1Proof = {
        status: 'proven',
        txId: hash(1),
        height: 7,
        anchorHeight: 8,
        contract: `0x${'cd'.repeat(20)}`,
        function: 'verifyTransactionInHistory',
        args: [{ height: 8n, root: hash(2) }, [hash(3)], 5n],
        data: '0x1234',
      };
      expect((await call(url, 'synod_getL1Proof', [hash(1)])).result).toEqual({
        ...backend.l1Proof,
        args: [{ height: '8', root: hash(2) }, [hash(3)], '5'],
      });
      backend.getL1Proof = async () => {
        throw new RpcBackendError('UNAVAILABLE', 'L1 down');
      };
      const failed = await call(url, 'synod_getL1Proof', [hash(1)]);
      expect(failed.error).toMatchObject({ code: -32009, data: { code: 'UNAVAILABLE' } });
    });
    // No L1 configured: UNAVAILABLE.
    await withServer(new StubBackend(), async (url) => {
      const failed = await call(url, 'synod_getL1Proof', [hash(1) as Hex]);
      expect(failed.error).toMatchObject({ code: -32009, data: { code: 'UNAVAILABLE' } });
    });
  });
});
