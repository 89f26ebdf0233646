// The clearinghouse on anvil, scenario by scenario. Every settle call also runs through the
// TypeScript model, and the harness compares every account, the totals, the markets and the
// token balance after it (test/helpers/harness.ts): each scenario is also a differential test.
import { type Address, parseEventLogs, size } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearinghouseAbi } from '../src/abi.ts';
import { clearinghouseExtensionAbi } from '../src/artifacts.ts';
import {
  accountView,
  claim as claimModel,
  escapeExit as escapeModel,
  liquidatableAccounts,
  liquidate as liquidateModel,
} from '../src/model/index.ts';
import type { OrderPayload } from '../src/payload.ts';
import { encodeSettlementData } from '../src/settlementData.ts';
import {
  ESCAPE_TIMEOUT_SECONDS,
  FAR_EXPIRY,
  FEEDS,
  PerpsHarness,
  PRICE,
  type SettledBlock,
  SIZE,
  traders,
  USD,
} from './helpers/harness.ts';

const [ETH, BTC] = [FEEDS[0]!, FEEDS[1]!];
const [alice, bob, carol, dave, erin, lp] = traders as [
  (typeof traders)[0],
  (typeof traders)[0],
  (typeof traders)[0],
  (typeof traders)[0],
  (typeof traders)[0],
  (typeof traders)[0],
];
const ETH_MARKET = 0;
const BTC_MARKET = 1;

let perps: PerpsHarness;
const prices = (eth: number, btc = 60_000) => ({ prices: { [ETH]: PRICE(eth), [BTC]: PRICE(btc) } });

const buy = (
  market: number,
  size: bigint,
  limitPrice = PRICE(1_000_000),
  extra: Partial<OrderPayload> = {},
) => ({ kind: 'order', market, side: 'buy', size, limitPrice, expiry: FAR_EXPIRY, ...extra }) as const;
const sell = (market: number, size: bigint, limitPrice = 0n, extra: Partial<OrderPayload> = {}) =>
  ({ kind: 'order', market, side: 'sell', size, limitPrice, expiry: FAR_EXPIRY, ...extra }) as const;
const close = (market: number, limitPrice: bigint) =>
  ({ kind: 'close', market, limitPrice, expiry: FAR_EXPIRY }) as const;

function fills(settled: SettledBlock) {
  return settled.events.flatMap((event) => (event.eventName === 'OrderFilled' ? [event.args] : []));
}

beforeAll(async () => {
  perps = await PerpsHarness.start();
  await perps.deposit(lp.address, USD(1_000_000));
  const settled = await perps.settle(
    [{ trader: lp, payload: { kind: 'vaultDeposit', amount: USD(1_000_000) } }],
    prices(3_000),
  );
  expect(settled.reasons).toEqual([undefined]);
});

afterAll(async () => {
  await perps?.stop();
});

describe('collateral', () => {
  it('is deposited on L1, withdrawn through Synod to a claimable balance, and claimed on L1', async () => {
    await perps.deposit(alice.address, USD(10_000));
    const settled = await perps.settle(
      [{ trader: alice, payload: { kind: 'withdraw', amount: USD(4_000) } }],
      prices(3_000),
    );
    expect(settled.reasons).toEqual([undefined]);
    expect(await perps.read('claimableOf', [alice.address])).toBe(USD(4_000));
    await perps.sendAs(alice.address, 'claim');
    perps.model = claimModel(perps.model, alice.address).state;
    perps.depositedMinusPaid -= USD(4_000);
    await perps.compare();
    expect(await perps.revertOf(alice.address, 'claim')).toBe('NothingToClaim');
  });

  it('refuses a withdrawal beyond the collateral or one that would break initial margin', async () => {
    await perps.deposit(bob.address, USD(1_000));
    const settled = await perps.settle(
      [
        { trader: bob, payload: { kind: 'withdraw', amount: USD(1_001) } },
        { trader: bob, payload: buy(ETH_MARKET, SIZE(3)) }, // $9,000 at 10×: $900 of initial margin
        { trader: bob, payload: { kind: 'withdraw', amount: USD(200) } },
        { trader: bob, payload: { kind: 'withdraw', amount: USD(50) } },
      ],
      prices(3_000),
    );
    expect(settled.reasons).toEqual(['InsufficientCollateral', undefined, 'InsufficientMargin', undefined]);
  });
});

describe('trading at the certified price', () => {
  it('opens and closes at the price of the block that settles each order', async () => {
    const opened = await perps.settle([{ trader: alice, payload: buy(ETH_MARKET, SIZE(1)) }], prices(3_000));
    expect(fills(opened)).toMatchObject([
      { price: PRICE(3_000), sizeDelta: SIZE(1), realizedPnl: 0n, fee: USD(1.5) },
    ]);
    const closed = await perps.settle([{ trader: alice, payload: close(ETH_MARKET, 0n) }], prices(3_300));
    expect(fills(closed)).toMatchObject([
      { price: PRICE(3_300), sizeDelta: -SIZE(1), realizedPnl: USD(300), fee: USD(1.65) },
    ]);
    expect(accountView(perps.model, alice.address).positionMask).toBe(0);
    expect(accountView(perps.model, alice.address).collateral).toBe(USD(6_000 - 1.5 + 300 - 1.65));
  });

  it('honours the limit price or refuses the order', async () => {
    const settled = await perps.settle(
      [
        { trader: alice, payload: buy(ETH_MARKET, SIZE(1), PRICE(2_999)) },
        { trader: alice, payload: sell(ETH_MARKET, SIZE(1), PRICE(3_001)) },
        { trader: alice, payload: buy(ETH_MARKET, SIZE(1), PRICE(3_000)) },
        { trader: alice, payload: sell(ETH_MARKET, SIZE(1), PRICE(3_000)) },
      ],
      prices(3_000),
    );
    expect(settled.reasons).toEqual(['LimitPriceNotMet', 'LimitPriceNotMet', undefined, undefined]);
    expect(settled.rejections.get(settled.outcomes[0]!.sequence)?.args).toEqual([PRICE(3_000), PRICE(2_999)]);
  });

  it('refuses an order that would leave the account below initial margin, or is malformed', async () => {
    await perps.deposit(carol.address, USD(1_000));
    const settled = await perps.settle(
      [
        { trader: carol, payload: buy(ETH_MARKET, SIZE(3.4)) }, // $10,200: needs $1,020
        { trader: carol, payload: buy(ETH_MARKET, SIZE(3)) },
        { trader: carol, payload: sell(ETH_MARKET, SIZE(4), 0n, { reduceOnly: true }) },
        { trader: carol, payload: buy(7, SIZE(1)) },
        { trader: carol, payload: buy(ETH_MARKET, SIZE(1), PRICE(4_000), { expiry: 1_000n }) },
        { trader: carol, payload: '0x02' },
        { trader: carol, payload: close(BTC_MARKET, PRICE(1_000_000)) },
      ],
      prices(3_000),
    );
    expect(settled.reasons).toEqual([
      'InsufficientMargin',
      undefined,
      'ReduceOnlyIncreases',
      'UnknownMarket',
      'OrderExpired',
      'MalformedPayload',
      'NoPosition',
    ]);
  });
});

describe('liquidation', () => {
  it('liquidates a 9× long in the same call that brings a 30% crash, insurance first, then bad debt', async () => {
    await perps.deposit(dave.address, USD(1_000));
    await perps.deposit(erin.address, USD(20_000));
    // At $2,800 bob and carol (3 ETH from $3,000 on ≈ $1,000) fall below maintenance and are
    // liquidated in this very call, solvent: their liquidation fees fund the insurance.
    const dip = await perps.settle(
      [
        { trader: dave, payload: buy(ETH_MARKET, SIZE(3)) },
        { trader: erin, payload: buy(ETH_MARKET, SIZE(1)) },
      ],
      prices(2_800),
    );
    expect(dip.events.filter((event) => event.eventName === 'Liquidated')).toHaveLength(2);
    const insurance = perps.model.totals.insurance;
    expect(insurance).toBe(2n * USD(84)); // 1% of 3 × $2,800 each
    // −30%. The crash arrives with an unrelated transaction; the relayer lists what the model finds.
    const crash = await perps.settle(
      [{ trader: erin, payload: sell(BTC_MARKET, SIZE(0.01)) }],
      prices(1_960),
    );
    const liquidated = crash.events.flatMap((event) =>
      event.eventName === 'Liquidated' ? [event.args] : [],
    );
    expect(liquidated.map((event) => event.account.toLowerCase())).toEqual([dave.address.toLowerCase()]);
    // 3 ETH × −$840 = −$2,520 against $1,000 − $4.20 of fees: $1,524.20 short, $168 of it insured.
    expect(liquidated[0]).toMatchObject({
      realizedPnl: -USD(2_520),
      fee: 0n,
      insurancePaid: insurance,
      badDebt: USD(1_524.2) - insurance,
    });
    expect(perps.model.totals).toMatchObject({ insurance: 0n, badDebt: USD(1_524.2) - insurance });
    expect(accountView(perps.model, dave.address)).toMatchObject({ collateral: 0n, positionMask: 0 });
    // No account below maintenance at the crash price survived the call that brought it.
    expect(liquidatableAccounts(perps.model, crash.block.prices)).toEqual([]);
  });

  it('liquidates an account that sends an order while below maintenance, instead of the order', async () => {
    await perps.deposit(dave.address, USD(1_000));
    await perps.settle([{ trader: dave, payload: buy(ETH_MARKET, SIZE(4)) }], prices(2_100)); // 8.4×
    const settled = await perps.settle([{ trader: dave, payload: buy(BTC_MARKET, SIZE(0.001)) }], {
      ...prices(1_900),
      liquidations: [],
    });
    expect(settled.reasons).toEqual(['AccountLiquidated']);
    expect(settled.events.some((event) => event.eventName === 'Liquidated')).toBe(true);
  });

  it('leaves an unlisted account to anyone who calls liquidate() at the marks afterwards', async () => {
    await perps.deposit(dave.address, USD(1_000));
    await perps.settle([{ trader: dave, payload: buy(ETH_MARKET, SIZE(4)) }], prices(2_000));
    await perps.settle([{ trader: erin, payload: buy(BTC_MARKET, SIZE(0.001)) }], {
      ...prices(1_800),
      liquidations: [],
    });
    expect(accountView(perps.model, dave.address).positionMask).not.toBe(0);
    await perps.send({ functionName: 'liquidate', args: [[dave.address, erin.address]] });
    const result = liquidateModel(perps.model, [dave.address, erin.address]);
    expect(result.count).toBe(1);
    perps.model = result.state;
    await perps.compare();
    expect(accountView(perps.model, dave.address).positionMask).toBe(0);
  });
});

describe('circuit breaker', () => {
  it('refuses new exposure in a market without a price in the block and allows reductions at the mark', async () => {
    const mark = perps.model.markets[ETH_MARKET]!.markPrice;
    const settled = await perps.settle(
      [
        { trader: erin, payload: buy(ETH_MARKET, SIZE(0.1)) },
        { trader: erin, payload: sell(BTC_MARKET, SIZE(0.001)) }, // adds to her BTC short; her ETH is stale
        { trader: erin, payload: sell(ETH_MARKET, SIZE(0.5), 0n, { reduceOnly: true }) },
        { trader: erin, payload: { kind: 'withdraw', amount: USD(1) } },
      ],
      { prices: { [BTC]: PRICE(61_000) } },
    );
    expect(settled.reasons).toEqual(['MarketHalted', 'MarketHalted', undefined, 'MarketHalted']);
    expect(fills(settled)).toMatchObject([{ price: mark, sizeDelta: -SIZE(0.5) }]);
  });

  it('reverts a settle call that withholds a price, carries a wrong one, or carries no settlement data', async () => {
    const block = await perps.buildBlock(
      [{ trader: erin, payload: buy(ETH_MARKET, SIZE(0.1)) }],
      prices(1_850),
    );
    expect(
      await perps.settleExpectingRevert(block, perps.settlementSuffix(block, { withholdFeeds: [ETH] }, [])),
    ).toBe('PriceNotDecided');
    expect(await perps.settleExpectingRevert(block, undefined)).toBe('MissingSettlementData');
    const forged = { ...block, prices: block.prices.map((leaf) => ({ ...leaf, answer: leaf.answer * 2n })) };
    expect(await perps.settleExpectingRevert(block, perps.settlementSuffix(forged, {}, []))).toBe(
      'InvalidPriceProof',
    );
    // The honest call still settles it.
    const settled = await perps.settleBlock(block, prices(1_850));
    expect(settled.reasons).toEqual([undefined]);
  });
});

describe('settle calls', () => {
  it('settle several heights in one settleBatches call, each at its own block price', async () => {
    const settled = await perps.settleMultiple([
      { orders: [{ trader: alice, payload: buy(BTC_MARKET, SIZE(0.01)) }], options: prices(1_850, 61_000) },
      { orders: [{ trader: alice, payload: sell(BTC_MARKET, SIZE(0.01)) }], options: prices(1_850, 62_000) },
    ]);
    expect(settled.reasons).toEqual([undefined, undefined]);
    const filled = parseEventLogs({
      abi: clearinghouseAbi,
      logs: settled.receipt.logs,
      eventName: 'OrderFilled',
    });
    expect(filled.map((event) => event.args.price)).toEqual([PRICE(61_000), PRICE(62_000)]);
  });

  it('revert without an entry for the batch, and the pieces fit EIP-170', async () => {
    const block = await perps.buildBlock(
      [{ trader: alice, payload: buy(BTC_MARKET, SIZE(0.001)) }],
      prices(1_850),
    );
    const other = encodeSettlementData([{ ...perps.settlementEntry(block, {}, []), height: 999n }]);
    expect(await perps.settleExpectingRevert(block, other)).toBe('NoSettlementDataForHeight');
    await perps.settleBlock(block, prices(1_850));
    const extension = await perps.read<Address>('extension');
    for (const address of [perps.clearinghouse, extension]) {
      const code = await perps.chain.publicClient.getCode({ address });
      expect(size(code!)).toBeLessThanOrEqual(24_576);
    }
    // The extension refuses to run on its own storage.
    await expect(
      perps.chain.publicClient.simulateContract({
        address: extension,
        abi: clearinghouseExtensionAbi,
        functionName: 'deposit',
        args: [alice.address, 1n],
        account: alice.address,
      }),
    ).rejects.toThrow(/NotDelegated/);
  });
});

describe('resting orders', () => {
  it('rest until a keeper triggers them at a price within the limit, and their owner can cancel them', async () => {
    const placed = await perps.settle(
      [
        { trader: erin, payload: buy(ETH_MARKET, SIZE(0.5), PRICE(1_700), { rest: true }) },
        { trader: erin, payload: buy(ETH_MARKET, SIZE(0.5), PRICE(1_600), { rest: true }) },
      ],
      prices(1_850),
    );
    expect(placed.reasons).toEqual([undefined, undefined]);
    const [first, second] = placed.outcomes.map((outcome) => outcome.sequence) as [bigint, bigint];
    expect(accountView(perps.model, erin.address).restingOrders).toBe(2);
    // Triggered while the limit is not met: it stays.
    const early = await perps.settle([{ trader: alice, payload: buy(BTC_MARKET, SIZE(0.001)) }], {
      ...prices(1_800),
      triggers: [first, 999n],
    });
    expect(fills(early).map((fill) => fill.orderId)).not.toContain(first);
    const cancelled = await perps.settle(
      [
        { trader: alice, payload: { kind: 'cancel', orderId: second } },
        { trader: erin, payload: { kind: 'cancel', orderId: second } },
      ],
      { ...prices(1_650), triggers: [first] },
    );
    expect(cancelled.reasons).toEqual(['UnknownOrder', undefined]);
    expect(fills(cancelled)).toMatchObject([{ orderId: first, price: PRICE(1_650), sizeDelta: SIZE(0.5) }]);
    expect(accountView(perps.model, erin.address).restingOrders).toBe(0);
  });
});

describe('LP vault', () => {
  it('mints and redeems shares at the net asset value, keeping the reserve for open interest', async () => {
    await perps.deposit(carol.address, USD(50_000));
    const settled = await perps.settle(
      [
        { trader: carol, payload: { kind: 'vaultDeposit', amount: USD(50_000) } },
        { trader: carol, payload: { kind: 'vaultWithdraw', shares: 10n ** 30n } },
      ],
      prices(1_650),
    );
    expect(settled.reasons).toEqual([undefined, 'InsufficientShares']);
    const shares = accountView(perps.model, carol.address).vaultShares;
    const redeemed = await perps.settle(
      [{ trader: carol, payload: { kind: 'vaultWithdraw', shares } }],
      prices(1_650),
    );
    expect(redeemed.reasons).toEqual([undefined]);
    expect(accountView(perps.model, carol.address).vaultShares).toBe(0n);
  });
});

describe('escape hatch', () => {
  it('opens after escapeTimeoutSeconds without a settled batch, and not before', async () => {
    expect(await perps.revertOf(erin.address, 'escapeExit')).toBe('EscapeNotActive');
    await perps.advanceTime(ESCAPE_TIMEOUT_SECONDS - 10n);
    expect(await perps.revertOf(erin.address, 'escapeExit')).toBe('EscapeNotActive');
    await perps.advanceTime(10n);
    expect(accountView(perps.model, erin.address).positionMask).not.toBe(0);
    const receipt = await perps.sendAs(erin.address, 'escapeExit');
    const l1Block = await perps.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const result = escapeModel(perps.model, erin.address, l1Block.timestamp);
    perps.model = result.state;
    perps.depositedMinusPaid -= result.amount;
    await perps.compare();
    expect(accountView(perps.model, erin.address)).toMatchObject({ collateral: 0n, positionMask: 0 });
    // A settled batch closes the hatch again.
    await perps.settle([{ trader: alice, payload: buy(BTC_MARKET, SIZE(0.001)) }], prices(1_650));
    expect(await perps.revertOf(alice.address, 'escapeExit')).toBe('EscapeNotActive');
  });
});
