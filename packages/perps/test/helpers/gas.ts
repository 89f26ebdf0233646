// The clearinghouse's gas for `pnpm bench gas` (bench/gas.ts): settle calls of 16 and 128 orders
// that update existing positions, the marginal order, and the marginal liquidation in a settle
// call. No vitest here: the benchmark runs outside the test runner.
import type { SignedTransaction } from '@synod/protocol';
import { type Address, type Hex, keccak256, maxUint256, toHex } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { settleBatchArgs } from '../../../contracts/src/calls.ts';
import { postHeader, requireBatch, TransactionFactory } from '../../../contracts/test/helpers/batches.ts';
import type { TestChain } from '../../../contracts/test/helpers/chain.ts';
import { type BlockTransaction, deployFixture, HeaderChain } from '../../../contracts/test/helpers/synod.ts';
import { clearinghouseAbi } from '../../src/abi.ts';
import { testTokenAbi } from '../../src/artifacts.ts';
import { deployClearinghouse, deployTestToken } from '../../src/deploy.ts';
import type { MarketConfig } from '../../src/model/types.ts';
import { encodePayload, type Payload } from '../../src/payload.ts';
import { encodeSettlementData, settlementData } from '../../src/settlementData.ts';

/** Feeds in each block's price tree (the clearinghouse's 2 markets among them). */
const FEED_COUNT = 16;
/** Namespaces in each block (the clearinghouse's and 15 others): a 4-hash namespace proof, as bench settleBatch. */
const BLOCK_NAMESPACES = 16;
const TRADERS = 128;
const VICTIMS = 16;

export interface ClearinghouseGas {
  /** (batch128Gas − batch16Gas) / 112: one more order that updates an existing position. */
  orderMarginalGas: number;
  /** One more liquidation in a settle call's list (one position, collateral left). */
  liquidationGas: number;
  /** settleBatch of 16 orders, each increasing an existing position, with the settlement data. */
  batch16Gas: number;
  batch128Gas: number;
  /** A liquidate([account]) transaction on its own (intrinsic gas included). */
  liquidateCallGas: number;
}

export async function measureClearinghouseGas(chain: TestChain): Promise<ClearinghouseGas> {
  const fixture = await deployFixture(chain, { n: 4, seed: 21 });
  const headers = new HeaderChain(fixture.domain);
  const factory = new TransactionFactory(fixture);
  const namespace = keccak256(toHex('bench perps'));
  const others = Array.from({ length: BLOCK_NAMESPACES - 1 }, (_, i) => keccak256(toHex(`bench other ${i}`)));
  const feeds = Array.from({ length: FEED_COUNT }, (_, i) => keccak256(toHex(`FEED${i}/USD`))).sort((a, b) =>
    BigInt(a) < BigInt(b) ? -1 : 1,
  );
  const marketFeeds = [feeds[3]!, feeds[9]!];
  const markets: MarketConfig[] = marketFeeds.map((feedId) => ({
    feedId,
    scale: 10n ** 10n,
    initialMarginBps: 1_000,
    maintenanceMarginBps: 500,
    takerFeeBps: 5,
    liquidationFeeBps: 100,
    maxOpenInterestVaultBps: 10_000,
    maxOpenInterest: 10n ** 20n,
    maxPositionSize: 10n ** 16n,
  }));
  const token = await deployTestToken(chain.walletClient, chain.publicClient, {
    name: 'Bench USD',
    symbol: 'bUSD',
    decimals: 6,
  });
  const { clearinghouse } = await deployClearinghouse(chain.walletClient, chain.publicClient, {
    inbox: fixture.deployment.inbox,
    namespace,
    collateralToken: token,
    feeRecipient: chain.walletClient.account.address,
    escapeTimeoutSeconds: 86_400n,
    markets,
  });
  const wait = async (hash: Promise<Hex>) => {
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
    if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
    return receipt;
  };
  const traders = Array.from({ length: TRADERS + VICTIMS + 1 }, (_, i) =>
    privateKeyToAccount(keccak256(toHex(`bench perps trader ${i}`))),
  );
  const lp = traders.at(-1)!;
  const deployer = chain.walletClient.account.address;
  await wait(
    chain.walletClient.writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'mint',
      args: [deployer, 10n ** 18n],
    }),
  );
  await wait(
    chain.walletClient.writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'approve',
      args: [clearinghouse, maxUint256],
    }),
  );
  const deposit = (account: Address, amount: bigint) =>
    wait(
      chain.walletClient.writeContract({
        address: clearinghouse,
        abi: clearinghouseAbi,
        functionName: 'deposit',
        args: [account, amount],
      }),
    );
  await deposit(lp.address, 10n ** 14n); // $100M
  for (const trader of traders.slice(0, TRADERS)) await deposit(trader.address, 100_000n * 10n ** 6n);
  for (const victim of traders.slice(TRADERS, TRADERS + VICTIMS))
    await deposit(victim.address, 1_000n * 10n ** 6n);

  let filler = 0;
  const settle = async (
    orders: { trader: PrivateKeyAccount; payload: Payload }[],
    priceOfMarkets: bigint,
    liquidations: Address[] = [],
  ) => {
    const transactions: BlockTransaction<SignedTransaction>[] = [];
    for (const { trader, payload } of orders)
      transactions.push(await factory.sign(trader, namespace, encodePayload(payload)));
    for (const [i, other] of others.entries()) {
      filler += 1;
      transactions.push(await factory.sign(traders[i]!, other, keccak256(toHex(`filler ${filler}`))));
    }
    const prices = feeds.map((feedId, i) => ({
      feedId,
      answer: marketFeeds.includes(feedId) ? priceOfMarkets : 1_000_00000000n + BigInt(i),
    }));
    const block = headers.next({ transactions, prices });
    await postHeader(chain, fixture, block);
    const data = settlementData({
      height: block.header.height,
      blockPrices: block.prices,
      marketFeedIds: marketFeeds,
      liquidations,
    });
    const receipt = await wait(
      chain.walletClient.writeContract({
        address: clearinghouse,
        abi: clearinghouseAbi,
        functionName: 'settleBatch',
        args: settleBatchArgs(block.header, requireBatch(block, namespace)),
        dataSuffix: encodeSettlementData([data]),
      }),
    );
    return Number(receipt.gasUsed);
  };
  const order = (side: 'buy' | 'sell', size: bigint): Payload => ({
    kind: 'order',
    market: 0,
    side,
    size,
    limitPrice: side === 'buy' ? 10n ** 20n : 0n,
    expiry: 2_000_000_000n,
  });
  const PRICE = 3_000_00000000n;
  const ETH = 10n ** 8n;

  await settle([{ trader: lp, payload: { kind: 'vaultDeposit', amount: 10n ** 14n } }], PRICE);
  // Every trader opens a position (zero → nonzero storage); victims at 9×.
  const openers = traders.slice(0, TRADERS).map((trader) => ({ trader, payload: order('buy', ETH) }));
  await settle(openers.slice(0, 64), PRICE);
  await settle(openers.slice(64), PRICE);
  await settle(
    traders.slice(TRADERS, TRADERS + VICTIMS).map((trader) => ({ trader, payload: order('buy', 3n * ETH) })),
    PRICE,
  );
  // Measured: each order increases an existing position (nonzero → nonzero), as in steady trading.
  const increase = (count: number) =>
    traders.slice(0, count).map((trader) => ({ trader, payload: order('buy', ETH / 10n) }));
  const batch16Gas = await settle(increase(16), PRICE);
  const batch128Gas = await settle(increase(128), PRICE);
  // At $2,800 the victims are below maintenance: the same 16 orders without, then with, the list.
  const lower = 2_800_00000000n;
  const without = await settle(increase(16), lower);
  const listed = traders.slice(TRADERS, TRADERS + VICTIMS - 1).map((victim) => victim.address);
  const withList = await settle(increase(16), lower, listed);
  for (const victim of listed) {
    const account = await chain.publicClient.readContract({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName: 'accountOf',
      args: [victim],
    });
    if (account.positionMask !== 0) throw new Error(`victim ${victim} was not liquidated`);
  }
  const liquidateCall = await wait(
    chain.walletClient.writeContract({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName: 'liquidate',
      args: [[traders[TRADERS + VICTIMS - 1]!.address]],
    }),
  );
  return {
    orderMarginalGas: Math.round((batch128Gas - batch16Gas) / 112),
    liquidationGas: Math.round((withList - without) / (VICTIMS - 1)),
    batch16Gas,
    batch128Gas,
    liquidateCallGas: Number(liquidateCall.gasUsed),
  };
}
