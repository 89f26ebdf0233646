import type { Address, Hex, SignedTransaction } from '@synod/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fairTimestamps, orderTransactions } from '../src/consensus/fairOrder.ts';

/** The fair-content function's ordering rules (docs/consensus.md "Fair block content"). */

const id = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const list = (entries: [number, number][]) => ({
  inclusionList: entries.map(([tx, firstSeenMs]) => ({ txId: id(tx), firstSeenMs })),
});

function body(sender: number, nonce: number): SignedTransaction {
  return {
    networkId: 7,
    namespace: id(0),
    sender: `0x${sender.toString(16).padStart(40, '0')}` as Address,
    nonce: BigInt(nonce),
    payload: '0x',
    validUntil: 10n ** 10n,
    signature: '0x',
  };
}

describe('fair timestamps', () => {
  it('is the (f+1)-th smallest report, and a transaction in at most f lists is not a candidate', () => {
    const f = 1;
    const result = fairTimestamps(f, [
      list([
        [1, 10],
        [2, 50],
      ]),
      list([[1, 30]]),
      list([
        [1, 20],
        [3, 5],
      ]),
    ]);
    expect(result).toEqual([{ txId: id(1), fairTimestampMs: 20, reportCount: 3 }]);
  });

  it('orders by (fair timestamp, txId)', () => {
    const result = fairTimestamps(0, [
      list([
        [2, 10],
        [1, 10],
        [3, 5],
      ]),
    ]);
    expect(result.map((entry) => entry.txId)).toEqual([id(3), id(1), id(2)]);
  });

  it('f byzantine lists can neither pull a timestamp before every honest report nor push it after every honest one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 1000, max: 2000 }), { minLength: 7, maxLength: 7 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }), {
          minLength: 3,
          maxLength: 3,
        }),
        (f, honestTimes, byzantineTimes) => {
          const honest = honestTimes.slice(0, f + 1).map((time) => list([[1, time]]));
          const byzantine = byzantineTimes
            .slice(0, f)
            .map((time) => list(time === undefined ? [] : [[1, time]]));
          const [entry] = fairTimestamps(f, [...honest, ...byzantine]);
          const reported = honestTimes.slice(0, f + 1);
          expect(entry).toBeDefined();
          expect(entry!.fairTimestampMs).toBeGreaterThanOrEqual(Math.min(...reported));
          expect(entry!.fairTimestampMs).toBeLessThanOrEqual(Math.max(...reported));
        },
      ),
    );
  });
});

describe('ordering with nonces', () => {
  const bodies = new Map<Hex, SignedTransaction>([
    [id(1), body(1, 0)],
    [id(2), body(1, 1)],
    [id(3), body(2, 0)],
    [id(4), body(1, 3)],
    [id(5), body(2, 0)],
  ]);
  const order = (candidates: [number, number][], nextNonce = () => 0n) =>
    orderTransactions({
      candidates: candidates.map(([tx, fairTimestampMs]) => ({
        txId: id(tx),
        fairTimestampMs,
        reportCount: 1,
      })),
      body: (txId) => bodies.get(txId),
      isValid: () => true,
      nextNonce,
      maxCount: 100,
    });

  it("keeps each sender's nonce order: a later nonce waits for its predecessor", () => {
    // tx2 (nonce 1) has an earlier fair timestamp than tx1 (nonce 0) of the same sender.
    const { ordered } = order([
      [2, 5],
      [3, 8],
      [1, 10],
    ]);
    expect(ordered.map((entry) => entry.txId)).toEqual([id(3), id(1), id(2)]);
    expect(ordered[2]!.effectiveTimestampMs).toBe(10);
  });

  it('stops a sender at the first nonce gap and drops used nonces', () => {
    const { ordered } = order(
      [
        [2, 1],
        [4, 2],
      ],
      () => 1n,
    );
    expect(ordered.map((entry) => entry.txId)).toEqual([id(2)]); // nonce 3 waits for nonce 2
    expect(order([[1, 1]], () => 1n).ordered).toEqual([]); // nonce 0 already used
  });

  it('of two transactions for one (sender, nonce), keeps the earlier', () => {
    const { ordered } = order([
      [5, 1],
      [3, 2],
    ]);
    expect(ordered.map((entry) => entry.txId)).toEqual([id(5)]);
  });

  it('reports candidates without a body instead of guessing', () => {
    expect(order([[99, 1]]).missing).toEqual([id(99)]);
  });
});
