import { priceLeaf } from '@synod/protocol/pure';
import fc from 'fast-check';
import { decodeAbiParameters, getAddress, type Hex, keccak256, size, slice, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { MAX_POSITION_SIZE, MAX_PRICE, PayloadKind } from '../src/model/constants.ts';
import { encodePayload, splitPayload } from '../src/payload.ts';
import { encodeSettlementData, SETTLEMENT_DATA_TAG, settlementData } from '../src/settlementData.ts';

describe('payloads', () => {
  it('are version 1, the kind, then one 32-byte word per field', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.boolean(),
        fc.bigInt({ min: 1n, max: MAX_POSITION_SIZE }),
        fc.bigInt({ min: 0n, max: MAX_PRICE }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.boolean(),
        fc.boolean(),
        (market, buy, orderSize, limitPrice, expiry, reduceOnly, rest) => {
          const payload = encodePayload({
            kind: 'order',
            market,
            side: buy ? 'buy' : 'sell',
            size: orderSize,
            limitPrice,
            expiry,
            reduceOnly,
            rest,
          });
          expect(size(payload)).toBe(2 + 6 * 32);
          expect(splitPayload(payload)).toEqual({
            version: 1,
            kind: PayloadKind.order,
            words: [
              BigInt(market),
              buy ? 0n : 1n,
              orderSize,
              limitPrice,
              expiry,
              (reduceOnly ? 1n : 0n) | (rest ? 2n : 0n),
            ],
          });
        },
      ),
    );
    expect(encodePayload({ kind: 'cancel', orderId: 7n })).toBe(`0x0103${7n.toString(16).padStart(64, '0')}`);
  });

  it('refuse values the contract would call malformed', () => {
    const order = { kind: 'order', market: 0, side: 'buy', limitPrice: 1n, expiry: 1n } as const;
    expect(() => encodePayload({ ...order, size: 0n })).toThrow(RangeError);
    expect(() => encodePayload({ ...order, size: MAX_POSITION_SIZE + 1n })).toThrow(RangeError);
    expect(() => encodePayload({ kind: 'withdraw', amount: 0n })).toThrow(RangeError);
    expect(splitPayload('0x02')).toBeUndefined();
    expect(splitPayload('0x0101ff')).toBeUndefined();
  });
});

const feed = (name: string) => keccak256(toHex(name));

describe('settlement data', () => {
  const leaves = ['A', 'B', 'C', 'D', 'E']
    .map((name, i) => ({ feedId: feed(name), answer: BigInt(i + 1) }))
    .sort((a, b) => (BigInt(a.feedId) < BigInt(b.feedId) ? -1 : 1));
  const between = (low: Hex, high: Hex): Hex => toHex((BigInt(low) + BigInt(high)) / 2n, { size: 32 });

  it("carries a market's own leaf, or the neighbours that prove it absent", () => {
    const present = settlementData({ height: 1n, blockPrices: leaves, marketFeedIds: [leaves[2]!.feedId] });
    expect(present.prices.map((leaf) => leaf.index)).toEqual([2n]);
    const middle = settlementData({
      height: 1n,
      blockPrices: leaves,
      marketFeedIds: [between(leaves[1]!.feedId, leaves[2]!.feedId)],
    });
    expect(middle.prices.map((leaf) => leaf.index)).toEqual([1n, 2n]);
    const below = settlementData({
      height: 1n,
      blockPrices: leaves,
      marketFeedIds: ['0x0000000000000000000000000000000000000000000000000000000000000001'],
    });
    expect(below.prices.map((leaf) => leaf.index)).toEqual([0n]);
    const above = settlementData({
      height: 1n,
      blockPrices: leaves,
      marketFeedIds: [`0x${'ff'.repeat(32)}`],
    });
    expect(above.prices.map((leaf) => leaf.index)).toEqual([4n]);
    expect(settlementData({ height: 1n, blockPrices: [], marketFeedIds: [leaves[0]!.feedId] })).toMatchObject(
      {
        prices: [],
        priceProof: [],
      },
    );
    // A multiproof over every leaf of a full tree needs no sibling hashes.
    const full = leaves.slice(0, 4);
    expect(
      settlementData({ height: 1n, blockPrices: full, marketFeedIds: full.map((leaf) => leaf.feedId) })
        .priceProof,
    ).toEqual([]);
    expect(priceLeaf(leaves[0]!)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('ends with the tag and its length, after abi.encode(BatchSettlementData[])', () => {
    const entries = [2n, 3n].map((height) =>
      settlementData({
        height,
        blockPrices: leaves,
        marketFeedIds: [leaves[3]!.feedId],
        triggers: [5n],
        liquidations: ['0x00000000000000000000000000000000000000aa'],
      }),
    );
    const encoded = encodeSettlementData(entries);
    const length = Number(BigInt(slice(encoded, size(encoded) - 4)));
    expect(slice(encoded, size(encoded) - 32, size(encoded) - 4)).toBe(SETTLEMENT_DATA_TAG);
    expect(length).toBe(size(encoded) - 32);
    const [decoded] = decodeAbiParameters(
      [
        {
          type: 'tuple[]',
          components: [
            { name: 'height', type: 'uint64' },
            {
              name: 'prices',
              type: 'tuple[]',
              components: [
                { name: 'feedId', type: 'bytes32' },
                { name: 'answer', type: 'int256' },
                { name: 'index', type: 'uint256' },
              ],
            },
            { name: 'priceProof', type: 'bytes32[]' },
            { name: 'triggers', type: 'uint64[]' },
            { name: 'liquidations', type: 'address[]' },
          ],
        },
      ],
      slice(encoded, 0, length),
    );
    expect(decoded).toEqual(
      entries.map((entry) => ({
        ...entry,
        liquidations: [getAddress('0x00000000000000000000000000000000000000aa')],
      })),
    );
  });
});
