import type { FeedConfig, FinalizedPrice } from '@synod/oracle';
import { type BlockHeader, HEADER_VERSION, type Hex } from '@synod/protocol';
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  HttpRequestError,
  NonceTooLowError,
} from 'viem';
import { describe, expect, it } from 'vitest';
import {
  Backlog,
  designatedSubmitter,
  inboxCallAbi,
  isStaleHeightRevert,
  l1ErrorCode,
  planHeight,
  rotationDistance,
} from '../../src/l1/index.ts';

/** The pure rules of the submitter: rotation, the posting plan, the backlog bound, error codes. */

describe('rotation', () => {
  it('rotates the k-th headers through the whole committee, where h mod n would not', () => {
    const k = 16;
    const n = 4;
    const posters = [16, 32, 48, 64, 80].map((height) => designatedSubmitter(height, n, k));
    expect(posters).toEqual([1, 2, 3, 0, 1]);
    expect([16, 32, 48, 64].map((height) => height % n)).toEqual([0, 0, 0, 0]);
  });

  it('orders the takeover by distance behind the designated validator', () => {
    // Height 12 with k = 4, n = 4 belongs to validator 3; 0 is next, then 1, then 2.
    expect([3, 0, 1, 2].map((index) => rotationDistance(index, 12, 4, 4))).toEqual([0, 1, 2, 3]);
    expect(() => rotationDistance(4, 12, 4, 4)).toThrow(RangeError);
    expect(() => designatedSubmitter(12, 4, 0)).toThrow(RangeError);
  });
});

const ETH: Hex = `0x${'11'.repeat(32)}`;
const BTC: Hex = `0x${'22'.repeat(32)}`;
const feed = (feedId: Hex): FeedConfig => ({
  feedId,
  decimals: 8,
  deviationBoundBps: 1000,
  confirmationHeights: 1,
  maxAgeMs: 60_000,
  heartbeatMs: 60_000,
  pushDeviationBps: 100,
});
const FEEDS = [feed(ETH), feed(BTC)];

function header(height: number, timestampMs: number): BlockHeader {
  const zero: Hex = `0x${'00'.repeat(32)}`;
  return {
    version: HEADER_VERSION,
    networkId: 1,
    epoch: 0,
    height,
    parentHash: zero,
    timestampMs,
    txRoot: zero,
    txCount: 0,
    namespaceRoot: zero,
    namespaceCount: 0,
    priceRoot: zero,
    priceCount: 2,
    historyRoot: zero,
    proposerIndex: 0,
  };
}

describe('planHeight', () => {
  const prices = (eth: bigint, btc: bigint) => [
    { feedId: ETH, answer: eth },
    { feedId: BTC, answer: btc },
  ];

  it('needs a height for a first push, a deviation or a heartbeat, and every k-th height', () => {
    let projected = new Map<Hex, FinalizedPrice>();
    const plan = (height: number, timestampMs: number, eth: bigint, btc: bigint) => {
      const planned = planHeight(FEEDS, projected, header(height, timestampMs), prices(eth, btc), 4);
      projected = planned.projected;
      return planned.plan;
    };
    expect(plan(1, 1_000, 100_00n, 200_00n)).toEqual({
      height: 1,
      reason: 'prices',
      pushFeedIds: [ETH, BTC],
    });
    expect(plan(2, 2_000, 100_50n, 200_00n).reason).toBeUndefined(); // 0.5 % < 1 %
    expect(plan(3, 3_000, 101_00n, 200_00n)).toEqual({ height: 3, reason: 'prices', pushFeedIds: [ETH] });
    expect(plan(4, 4_000, 101_00n, 200_00n)).toEqual({ height: 4, reason: 'interval', pushFeedIds: [] });
    // The heartbeat runs on block time: BTC was last pushed at 1,000 ms.
    expect(plan(5, 60_999, 101_00n, 200_00n).reason).toBeUndefined();
    expect(plan(6, 61_000, 101_00n, 200_00n)).toEqual({ height: 6, reason: 'prices', pushFeedIds: [BTC] });
  });

  it('ignores feeds it is not configured for', () => {
    const planned = planHeight([feed(ETH)], new Map(), header(1, 0), prices(1n, 2n), 4);
    expect(planned.plan.pushFeedIds).toEqual([ETH]);
    expect([...planned.projected.keys()]).toEqual([ETH]);
  });
});

describe('Backlog', () => {
  const entry = (height: number) => ({
    height,
    reason: 'interval' as const,
    pushFeedIds: [],
    finalizedAtMs: 0,
    pricesOnly: false,
  });

  it('drops the oldest heights at its cap and always keeps the newest', () => {
    const backlog = new Backlog(3);
    expect([4, 8, 12].map((height) => backlog.push(entry(height)))).toEqual([0, 0, 0]);
    expect(backlog.push(entry(16))).toBe(1);
    expect(backlog.entries().map((e) => e.height)).toEqual([8, 12, 16]);
    const single = new Backlog(1);
    single.push(entry(4));
    single.push(entry(8));
    expect(single.entries().map((e) => e.height)).toEqual([8]);
  });

  it('refuses heights out of order and a cap below one', () => {
    const backlog = new Backlog(2);
    backlog.push(entry(8));
    expect(() => backlog.push(entry(8))).toThrow(RangeError);
    expect(() => new Backlog(0)).toThrow(RangeError);
  });
});

describe('error codes', () => {
  const reverted = (errorName: 'HeightNotIncreasing' | 'InvalidCertificate') =>
    new ContractFunctionExecutionError(
      new ContractFunctionRevertedError({
        abi: inboxCallAbi,
        functionName: 'submitHeader',
        data:
          errorName === 'HeightNotIncreasing'
            ? encodeErrorResult({ abi: inboxCallAbi, errorName, args: [3n, 5n] })
            : encodeErrorResult({ abi: inboxCallAbi, errorName }),
      }),
      { abi: inboxCallAbi, functionName: 'submitHeader', args: [] },
    );

  it('tells the stale-height revert apart from every other failure', () => {
    expect(isStaleHeightRevert(reverted('HeightNotIncreasing'))).toBe(true);
    expect(isStaleHeightRevert(reverted('InvalidCertificate'))).toBe(false);
    expect(l1ErrorCode(reverted('InvalidCertificate'))).toBe('REVERTED');
    expect(l1ErrorCode(new HttpRequestError({ url: 'http://127.0.0.1:1' }))).toBe('RPC_UNAVAILABLE');
    expect(l1ErrorCode(new NonceTooLowError())).toBe('NONCE_TOO_LOW');
    expect(l1ErrorCode(new Error('?'))).toBe('RPC_ERROR');
  });
});
