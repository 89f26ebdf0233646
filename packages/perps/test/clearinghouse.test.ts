// The clearinghouse on anvil, scenario by scenario. Every settle call also runs through the
// TypeScript model, and the harness compares every account, the totals, the markets and the
// token balance after it (test/helpers/harness.ts), so each scenario is also a differential test.
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountView,
  claim as claimModel,
  escapeExit as escapeModel,
  liquidate as liquidateModel,
} from '../src/model/index.ts';
import {
  ESCAPE_TIMEOUT_SECONDS,
  errorName,
  FAR_EXPIRY,
  FEEDS,
  PerpsHarness,
  PRICE,
  SIZE,
  traders,
  USD,
} from './helpers/harness.ts';

const [ETH, BTC] = [FEEDS[0]!, FEEDS[1]!];
const [alice, bob, carol, dave, erin, lp] = traders as [
  (typeof traders)[number],
  (typeof traders)[number],
  (typeof traders)[number],
  (typeof traders)[number],
  (typeof traders)[number],
  (typeof traders)[number],
];

let perps: PerpsHarness;
const both = (eth: number, btc: number) => ({ [ETH]: PRICE(eth), [BTC]: PRICE(btc) });

beforeAll(async () => {
  perps = await PerpsHarness.start();
  await perps.deposit(lp.address, USD(1_000_000));
  await perps.settle([{ trader: lp, payload: { kind: 'vaultDeposit', amount: USD(1_000_000) } }], {
    prices: both(3_000, 60_000),
  });
});

afterAll(async () => {
  await perps?.stop();
});

const buy = (market: number, size: bigint, limitPrice = PRICE(1_000_000), extra = {}) =>
  ({ kind: 'order', market, side: 'buy', size, limitPrice, expiry: FAR_EXPIRY, ...extra }) as const;
const sell = (market: number, size: bigint, limitPrice = 0n, extra = {}) =>
  ({ kind: 'order', market, side: 'sell', size, limitPrice, expiry: FAR_EXPIRY, ...extra }) as const;

describe('collateral', () => {
  it('is deposited on L1, withdrawn through Synod to a claimable balance and claimed on L1', async () => {
    await perps.deposit(alice.address, USD(10_000));
    const { rejections } = await perps.settle(
      [{ trader: alice, payload: { kind: 'withdraw', amount: USD(4_000) } }],
      {
        prices: both(3_000, 60_000),
      },
    );
    expect(rejections.size).toBe(0);
    expect(await perps.read('claimableOf', [alice.address])).toBe(USD(4_000));
    // claim() pays the caller: impersonate alice on anvil.
    await perps.chain.publicClient.request({
      method: 'anvil_impersonateAccount' as never,
      params: [alice.address] as never,
    });
    await perps.chain.publicClient.request({
      method: 'anvil_setBalance' as never,
      params: [alice.address, '0x56BC75E2D63100000'] as never,
    });
    const hash = await perps.chain.walletClient.writeContract({
      account: alice.address,
      address: perps.clearinghouse,
      abi: (await import('../src/abi.ts')).clearinghouseAbi,
      functionName: 'claim',
    } as never);
    await perps.chain.publicClient.waitForTransactionReceipt({ hash });
    perps.model = claimModel(perps.model, alice.address).state;
    perps.depositedMinusPaid -= USD(4_000);
    await perps.compare();
  });

  it('refuses a withdrawal beyond the collateral or that would break initial margin', async () => {
    await perps.deposit(bob.address, USD(1_000));
    const { rejections, block } = await perps.settle(
      [
        { trader: bob, payload: { kind: 'withdraw', amount: USD(1_001) } },
        { trader: bob, payload: buy(0, SIZE(3)) }, // $9,000 at 10x: $900 initial of $1,000
        { trader: bob, payload: { kind: 'withdraw', amount: USD(200) } },
      ],
      { prices: both(3_000, 60_000) },
    );
    const start = BigInt(
      block.namespaces.find((entry) => entry.namespace === perps.namespace)!.sequenceStart,
    );
    expect(rejections.get(start)?.name).toBe('InsufficientCollateral');
    expect(rejections.has(start + 1n)).toBe(false);
    expect(rejections.get(start + 2n)?.name).toBe('InsufficientMargin');
  });
});
