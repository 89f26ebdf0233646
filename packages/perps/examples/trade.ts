// `pnpm --filter @synod/perps example`: a clearinghouse on a local anvil. An LP funds the vault,
// a trader opens and closes a long with Synod transactions, each block is certified by a test
// committee and settled on L1 with its prices, and the TypeScript model shows the same account
// as the contract after every settle call. The Synod side (committee, certified headers) is the
// contract tests' stand-in for a network; with a real one the blocks come from a node.
import { type Address, keccak256, maxUint256, parseEventLogs, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { settleBatchArgs } from '../../contracts/src/calls.ts';
import { postHeader, requireBatch, TransactionFactory } from '../../contracts/test/helpers/batches.ts';
import { startTestChain } from '../../contracts/test/helpers/chain.ts';
import { type BuiltBlock, deployFixture, HeaderChain } from '../../contracts/test/helpers/synod.ts';
import {
  accountView,
  type Batch,
  type ClearinghouseState,
  clearinghouseAbi,
  createClearinghouseState,
  deployClearinghouse,
  deployTestToken,
  deposit,
  encodePayload,
  encodeSettlementData,
  type MarketConfig,
  type Payload,
  settleBatch,
  settlementData,
  testTokenAbi,
} from '../src/index.ts';

const chain = await startTestChain();
try {
  const synod = await deployFixture(chain); // SettlementInbox & co. and a 4-validator test committee
  const blocks = new HeaderChain(synod.domain);
  const signer = new TransactionFactory(synod);
  await postHeader(chain, synod, blocks.next()); // height 1

  // One market: ETH/USD, 8-decimal prices, sizes in 1e-8 ETH, 6-decimal collateral (scale 1e10), 10×.
  const ethUsd: MarketConfig = {
    feedId: keccak256(toHex('ETH/USD')),
    scale: 10n ** 10n,
    initialMarginBps: 1_000,
    maintenanceMarginBps: 500,
    takerFeeBps: 5,
    liquidationFeeBps: 100,
    maxOpenInterestVaultBps: 10_000,
    maxOpenInterest: 10n ** 14n,
    maxPositionSize: 10n ** 12n,
  };
  const token = await deployTestToken(chain.walletClient, chain.publicClient, {
    name: 'Test USD',
    symbol: 'tUSD',
    decimals: 6,
  });
  const namespace = keccak256(toHex('perps example'));
  const { clearinghouse } = await deployClearinghouse(chain.walletClient, chain.publicClient, {
    inbox: synod.deployment.inbox,
    namespace,
    collateralToken: token,
    feeRecipient: chain.walletClient.account.address,
    escapeTimeoutSeconds: 86_400n,
    markets: [ethUsd],
  });
  const send = async (request: Parameters<typeof chain.walletClient.writeContract>[0]) =>
    chain.publicClient.waitForTransactionReceipt({ hash: await chain.walletClient.writeContract(request) });

  const lp = privateKeyToAccount(keccak256(toHex('example lp')));
  const trader = privateKeyToAccount(keccak256(toHex('example trader')));
  let model: ClearinghouseState = createClearinghouseState(
    { markets: [ethUsd], escapeTimeoutSeconds: 86_400n },
    await chain.publicClient.readContract({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName: 'lastSettledAt',
    }),
  );

  // Deposits are L1 calls: $1M for the LP, $10,000 for the trader.
  await send({
    address: token,
    abi: testTokenAbi,
    functionName: 'mint',
    args: [chain.walletClient.account.address, 10n ** 13n],
  });
  await send({
    address: token,
    abi: testTokenAbi,
    functionName: 'approve',
    args: [clearinghouse, maxUint256],
  });
  for (const [account, amount] of [
    [lp.address, 10n ** 12n],
    [trader.address, 10n ** 10n],
  ] as [Address, bigint][]) {
    await send({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName: 'deposit',
      args: [account, amount],
    });
    model = deposit(model, account, amount).state;
  }

  // Everything else is a Synod transaction, settled block by block at the block's own price.
  async function block(orders: [typeof trader, Payload][], ethPrice: bigint) {
    const transactions = [];
    for (const [account, payload] of orders)
      transactions.push(await signer.sign(account, namespace, encodePayload(payload)));
    const built: BuiltBlock = blocks.next({
      transactions,
      prices: [{ feedId: ethUsd.feedId, answer: ethPrice }],
    });
    await postHeader(chain, synod, built); // the committee's certificate, posted to the inbox
    const batch = requireBatch(built, namespace);
    const data = settlementData({
      height: built.header.height,
      blockPrices: built.prices,
      marketFeedIds: [ethUsd.feedId],
    });
    const receipt = await send({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName: 'settleBatch',
      args: settleBatchArgs(built.header, batch),
      dataSuffix: encodeSettlementData([data]),
    });
    const l1 = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const input: Batch = {
      height: BigInt(built.header.height),
      timestampMs: BigInt(built.header.timestampMs),
      prices: built.prices,
      transactions: batch.transactions.map((tx, i) => ({
        sequence: BigInt(batch.inclusion.entry.sequenceStart + i),
        sender: tx.sender,
        payload: tx.payload,
      })),
      triggers: [],
      liquidations: [],
      l1TimestampSeconds: l1.timestamp,
    };
    model = settleBatch(model, input).state;
    for (const event of parseEventLogs({
      abi: clearinghouseAbi,
      logs: receipt.logs,
      eventName: 'OrderFilled',
    })) {
      const { sizeDelta, price, realizedPnl, fee } = event.args;
      console.log(
        `filled ${sizeDelta} at ${price}: realized ${realizedPnl}, fee ${fee} (gas ${receipt.gasUsed})`,
      );
    }
  }

  const expiry = 2_000_000_000n;
  await block([[lp, { kind: 'vaultDeposit', amount: 10n ** 12n }]], 3_000_00000000n);
  await block(
    [
      [
        trader,
        { kind: 'order', market: 0, side: 'buy', size: 2n * 10n ** 8n, limitPrice: 3_010_00000000n, expiry },
      ],
    ],
    3_000_00000000n,
  );
  await block([[trader, { kind: 'close', market: 0, limitPrice: 3_200_00000000n, expiry }]], 3_250_00000000n);

  const onL1 = await chain.publicClient.readContract({
    address: clearinghouse,
    abi: clearinghouseAbi,
    functionName: 'accountOf',
    args: [trader.address],
  });
  console.log('trader on L1:   collateral', onL1.collateral, 'positions', onL1.positionMask);
  console.log(
    'trader (model): collateral',
    accountView(model, trader.address).collateral,
    'positions',
    accountView(model, trader.address).positionMask,
  );
} finally {
  await chain.anvil.stop();
}
