// The model alone (no anvil, so many runs): its arithmetic, its invariants over random streams,
// purity, and the cases the anvil property reaches rarely (a vault too small to pay a profit,
// resting orders that expire).
import fc from 'fast-check';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  accountHealth,
  accountView,
  type Batch,
  type ClearinghouseState,
  ceilDiv,
  cloneState,
  createClearinghouseState,
  deposit,
  floorDiv,
  heldCollateral,
  liquidatableAccounts,
  liquidate,
  type MarketConfig,
  settleBatch,
} from '../src/model/index.ts';
import { encodePayload, type Payload } from '../src/payload.ts';

const FEEDS = [keccak256(toHex('ETH/USD')), keccak256(toHex('BTC/USD'))].sort((a, b) =>
  BigInt(a) < BigInt(b) ? -1 : 1,
) as [Hex, Hex];
const ACCOUNTS = Array.from(
  { length: 4 },
  (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Address,
) as Address[];
const LP = '0x00000000000000000000000000000000000000ff' as Address;
const PRICE = (dollars: number) => BigInt(Math.round(dollars * 1e8));
const USD = (dollars: number) => BigInt(Math.round(dollars * 1e6));

const market = (feedId: Hex): MarketConfig => ({
  feedId,
  scale: 10n ** 10n,
  initialMarginBps: 1_000,
  maintenanceMarginBps: 500,
  takerFeeBps: 5,
  liquidationFeeBps: 100,
  maxOpenInterestVaultBps: 10_000,
  maxOpenInterest: 10n ** 14n,
  maxPositionSize: 10n ** 12n,
});
const CONFIG = { markets: FEEDS.map(market), escapeTimeoutSeconds: 3_600n };

/** Applies one batch of `payloads` (by account) at `prices` to `state`. */
function batch(
  state: ClearinghouseState,
  payloads: readonly [Address, Payload | Hex][],
  prices: Partial<Record<Hex, bigint>>,
  extra: Partial<Batch> = {},
) {
  return settleBatch(state, {
    height: 1n,
    timestampMs: 1_700_000_000_000n,
    prices: Object.entries(prices).map(([feedId, answer]) => ({ feedId: feedId as Hex, answer: answer! })),
    transactions: payloads.map(([sender, payload], index) => ({
      sequence: state.appliedCount + BigInt(index),
      sender,
      payload: typeof payload === 'string' ? payload : encodePayload(payload),
    })),
    triggers: [],
    liquidations: [],
    l1TimestampSeconds: 1_700_000_000n,
    ...extra,
  });
}

const order = (
  marketIndex: number,
  side: 'buy' | 'sell',
  size: bigint,
  extra: Partial<Payload> = {},
): Payload =>
  ({
    kind: 'order',
    market: marketIndex,
    side,
    size,
    limitPrice: side === 'buy' ? PRICE(1e9) : 0n,
    expiry: 2_000_000_000n,
    ...extra,
  }) as Payload;

function funded(vaultDollars: number, traderDollars: readonly number[]): ClearinghouseState {
  let state = createClearinghouseState(CONFIG, 1_000n);
  state = deposit(state, LP, USD(vaultDollars)).state;
  for (const [i, dollars] of traderDollars.entries())
    state = deposit(state, ACCOUNTS[i]!, USD(dollars)).state;
  return batch(state, [[LP, { kind: 'vaultDeposit', amount: USD(vaultDollars) }]], {
    [FEEDS[0]]: PRICE(2_000),
    [FEEDS[1]]: PRICE(2_000),
  }).state;
}

describe('rounding', () => {
  it('floorDiv rounds toward −∞ and ceilDiv toward +∞, like the contract', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
        fc.bigInt({ min: 1n, max: 10n ** 36n }),
        (x, d) => {
          const q = floorDiv(x, d);
          expect(q * d <= x && x < (q + 1n) * d).toBe(true);
          if (x >= 0n) {
            const c = ceilDiv(x, d);
            expect(c * d >= x && (c - 1n) * d < x).toBe(true);
          }
        },
      ),
    );
  });
});

const action = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        account: fc.integer({ min: 0, max: 3 }),
        market: fc.integer({ min: 0, max: 1 }),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        size: fc.bigInt({ min: 1n, max: 10n ** 9n }),
        reduceOnly: fc.boolean(),
        rest: fc.boolean(),
        limit: fc.bigInt({ min: 0n, max: PRICE(5_000) }),
      })
      .map(
        ({ account, market: m, side, size, reduceOnly, rest, limit }) =>
          [ACCOUNTS[account]!, order(m, side, size, { reduceOnly, rest, limitPrice: limit })] as [
            Address,
            Payload,
          ],
      ),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        account: fc.integer({ min: 0, max: 3 }),
        market: fc.integer({ min: 0, max: 1 }),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        size: fc.bigInt({ min: 10n ** 7n, max: 10n ** 9n }),
      })
      .map(
        ({ account, market: m, side, size }) =>
          [ACCOUNTS[account]!, order(m, side, size)] as [Address, Payload],
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ account: fc.integer({ min: 0, max: 3 }), market: fc.integer({ min: 0, max: 1 }) })
      .map(
        ({ account, market: m }) =>
          [ACCOUNTS[account]!, { kind: 'close', market: m, limitPrice: 0n, expiry: 2_000_000_000n }] as [
            Address,
            Payload,
          ],
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        account: fc.integer({ min: 0, max: 3 }),
        kind: fc.constantFrom('withdraw' as const, 'vaultDeposit' as const),
        amount: fc.bigInt({ min: 1n, max: USD(5_000) }),
      })
      .map(({ account, kind, amount }) => [ACCOUNTS[account]!, { kind, amount }] as [Address, Payload]),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ account: fc.integer({ min: 0, max: 4 }), shares: fc.bigInt({ min: 1n, max: USD(5_000) }) })
      .map(
        ({ account, shares }) =>
          [ACCOUNTS[account] ?? LP, { kind: 'vaultWithdraw', shares }] as [Address, Payload],
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ account: fc.integer({ min: 0, max: 3 }), orderId: fc.bigInt({ min: 0n, max: 30n }) })
      .map(({ account, orderId }) => [ACCOUNTS[account]!, { kind: 'cancel', orderId }] as [Address, Payload]),
  },
);
const move = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -100, max: 100 }) },
  { weight: 1, arbitrary: fc.constantFrom(-300, 300, -500) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const stream = fc.record({
  vault: fc.integer({ min: 100, max: 1_000_000 }),
  deposits: fc.array(fc.integer({ min: 10, max: 20_000 }), { minLength: 4, maxLength: 4 }),
  steps: fc.array(
    fc.record({
      actions: fc.array(action, { minLength: 1, maxLength: 8 }),
      moves: fc.tuple(move, move),
      triggers: fc.boolean(),
      liquidateAfter: fc.boolean(),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

describe('model invariants over random streams', () => {
  it('conserves collateral, keeps every bucket ≥ 0, never mutates its input, and is deterministic', () => {
    fc.assert(
      fc.property(stream, ({ vault, deposits, steps }) => {
        let state = funded(vault, deposits);
        const prices = [PRICE(2_000), PRICE(2_000)];
        for (const step of steps) {
          const blockPrices: Partial<Record<Hex, bigint>> = {};
          for (const [i, change] of step.moves.entries()) {
            if (change === undefined) continue;
            prices[i] = (prices[i]! * BigInt(1_000 + change)) / 1_000n;
            blockPrices[FEEDS[i]!] = prices[i]!;
          }
          const before = cloneState(state);
          const dry = batch(state, step.actions, blockPrices, { triggers: [...state.resting.keys()] });
          const liquidations = liquidatableAccounts(dry.state, toLeaves(blockPrices));
          const result = batch(state, step.actions, blockPrices, {
            triggers: [...state.resting.keys()],
            liquidations,
          });
          expect(state).toEqual(before);
          expect(
            batch(state, step.actions, blockPrices, { triggers: [...state.resting.keys()], liquidations }),
          ).toEqual(result);
          state = result.state;
          // The relayer's list leaves nobody below maintenance at the block's prices.
          expect(liquidatableAccounts(state, toLeaves(blockPrices))).toEqual([]);
          if (step.liquidateAfter) state = liquidate(state, [...ACCOUNTS]).state;
          expect(heldCollateral(state)).toBe(state.totals.held);
          for (const value of Object.values(state.totals)) expect(value >= 0n).toBe(true);
          for (const account of state.accounts.values()) expect(account.collateral >= 0n).toBe(true);
          const openInterest = state.markets.map(() => [0n, 0n]);
          for (const [key, position] of state.positions) {
            const m = Number(key.split('/')[1]);
            if (position.size > 0n) openInterest[m]![0]! += position.size;
            else openInterest[m]![1]! -= position.size;
          }
          for (const [m, marketState] of state.markets.entries()) {
            expect([marketState.longOpenInterest, marketState.shortOpenInterest]).toEqual(openInterest[m]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets a fill that adds exposure leave its account below initial margin', () => {
    fc.assert(
      fc.property(stream, ({ vault, deposits, steps }) => {
        let state = funded(vault, deposits);
        const prices = [PRICE(2_000), PRICE(2_000)];
        for (const step of steps) {
          const blockPrices = { [FEEDS[0]]: prices[0]!, [FEEDS[1]]: prices[1]! };
          for (const [i, change] of step.moves.entries()) {
            prices[i] = (prices[i]! * BigInt(1_000 + (change ?? 0))) / 1_000n;
          }
          // One transaction per batch: the state right after it is the state after the fill.
          for (const single of step.actions) {
            const result = batch(state, [single], blockPrices);
            for (const event of result.events) {
              if (event.type !== 'OrderFilled') continue;
              const before = accountView(state, event.account).positions[event.market]!.size;
              const after = accountView(result.state, event.account).positions[event.market]!.size;
              const increased =
                after !== 0n &&
                (before === 0n ||
                  before > 0n !== after > 0n ||
                  (after > 0n ? after > before : after < before));
              if (!increased) continue;
              const atBlock = FEEDS.map((feed) => ({ price: blockPrices[feed]!, fresh: true }));
              const health = accountHealth(result.state, event.account, atBlock);
              expect(health.equity >= health.initialRequired).toBe(true);
            }
            state = result.state;
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

function toLeaves(prices: Partial<Record<Hex, bigint>>) {
  return Object.entries(prices).map(([feedId, answer]) => ({ feedId: feedId as Hex, answer: answer! }));
}

describe('edge cases', () => {
  it('pays a profit only up to the vault and records the rest as unpaid', () => {
    let state = funded(100, [10_000]);
    const trader = ACCOUNTS[0]!;
    state = batch(state, [[trader, order(0, 'buy', 10n ** 6n)]], { [FEEDS[0]]: PRICE(2_000) }).state; // $20
    const closed = batch(
      state,
      [[trader, { kind: 'close', market: 0, limitPrice: 0n, expiry: 2_000_000_000n }]],
      {
        [FEEDS[0]]: PRICE(40_000),
      },
    );
    const capped = closed.events.find((event) => event.type === 'ProfitCapped');
    expect(capped).toMatchObject({ owed: USD(380), paid: state.totals.vault });
    expect(closed.state.totals.vault).toBe(0n);
    expect(closed.state.totals.unpaidProfit).toBe(USD(380) - state.totals.vault);
    expect(heldCollateral(closed.state)).toBe(closed.state.totals.held);
  });

  it('removes a triggered resting order after its expiry, and keeps one whose limit is not met', () => {
    let state = funded(100_000, [10_000]);
    const trader = ACCOUNTS[0]!;
    const placed = batch(
      state,
      [
        [
          trader,
          order(0, 'buy', 10n ** 7n, { rest: true, limitPrice: PRICE(1_500), expiry: 1_700_000_001n }),
        ],
        [trader, order(0, 'buy', 10n ** 7n, { rest: true, limitPrice: PRICE(1_500) })],
      ],
      { [FEEDS[0]]: PRICE(2_000) },
    );
    state = placed.state;
    const [expiring, lasting] = [...state.resting.keys()] as [bigint, bigint];
    const later = settleBatch(state, {
      height: 2n,
      timestampMs: 1_700_000_002_000n,
      prices: [{ feedId: FEEDS[0], answer: PRICE(1_900) }],
      transactions: [{ sequence: state.appliedCount, sender: trader, payload: '0x' }],
      triggers: [expiring, lasting],
      liquidations: [],
      l1TimestampSeconds: 1_700_000_010n,
    });
    expect(later.events).toContainEqual({
      type: 'RestingOrderRemoved',
      orderId: expiring,
      reason: { name: 'OrderExpired', args: [1_700_000_001n] },
    });
    expect([...later.state.resting.keys()]).toEqual([lasting]);
    expect(accountView(later.state, trader).restingOrders).toBe(1);
  });

  it('refuses transactions past the 256th of a batch', () => {
    const state = funded(100_000, [10_000]);
    const payloads = Array.from({ length: 257 }, () => [ACCOUNTS[0]!, '0x'] as [Address, Hex]);
    const result = batch(state, payloads, {});
    expect(result.outcomes.at(-1)?.rejection?.name).toBe('BatchTooLong');
    expect(result.outcomes.at(-2)?.rejection?.name).toBe('MalformedPayload');
  });
});
