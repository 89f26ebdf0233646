// `pnpm --filter @synod/perps bot`: a trading bot on the clearinghouse's SDK actions. An LP funds
// the vault, then the trader opens a long, adds to it and closes it, each order limit-priced 1%
// off the latest certified price, and prints each order's outcome at Synod finality (from the
// model, which L1 settles to the same result) and the position after it.
//
// Without SYNOD_RPC_URL it starts an in-process Synod node (the SDK tests' TestChain behind the
// node's real JSON-RPC server, a block every 100 ms, ETH/USD walking up). Against a running
// network: SYNOD_RPC_URL, SYNOD_NETWORK_ID, SYNOD_CHAIN_ID, SYNOD_INBOX (and SYNOD_GROUP_PUBLIC_KEY
// to pin the committee), PERPS_NAMESPACE, TRADER_KEY, LP_KEY; with L1_RPC_URL and CLEARINGHOUSE
// it also waits for each order's L1 settlement and prints the position on L1.
import { createSynodClient, feedId, http, type SendTransactionReturnType } from '@synod/sdk';
import {
  type Address,
  createPublicClient,
  formatUnits,
  type Hex,
  keccak256,
  http as l1Http,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  createClearinghouseState,
  deposit,
  encodePayload,
  type MarketConfig,
  type PerpsModel,
  type PerpsOrder,
  perpsActions,
} from '../src/index.ts';

const env = process.env;
const ETH_USD = feedId('ETH/USD');
// The deployed clearinghouse's market 0 (as in examples/trade.ts): sizes in 1e-8 ETH, 8-decimal
// prices, 6-decimal collateral, 10× initial margin.
const market: MarketConfig = {
  feedId: ETH_USD,
  scale: 10n ** 10n,
  initialMarginBps: 1_000,
  maintenanceMarginBps: 500,
  takerFeeBps: 5,
  liquidationFeeBps: 100,
  maxOpenInterestVaultBps: 10_000,
  maxOpenInterest: 10n ** 14n,
  maxPositionSize: 10n ** 12n,
};

const local = env.SYNOD_RPC_URL === undefined ? await startLocalNode() : undefined;
try {
  const network = local?.network ?? {
    networkId: Number(env.SYNOD_NETWORK_ID ?? 1),
    chainId: Number(env.SYNOD_CHAIN_ID ?? 31337),
    inbox: (env.SYNOD_INBOX ?? '0x5fbdb2315678afecb367f032d93f642f64180aa3') as Address,
  };
  const groupPublicKey = local?.groupPublicKey ?? (env.SYNOD_GROUP_PUBLIC_KEY as Hex | undefined);
  const l1 =
    env.L1_RPC_URL !== undefined && env.CLEARINGHOUSE !== undefined
      ? {
          clearinghouse: env.CLEARINGHOUSE as Address,
          publicClient: createPublicClient({ transport: l1Http(env.L1_RPC_URL) }),
        }
      : {};
  const namespace = (env.PERPS_NAMESPACE ?? keccak256(toHex('synod perps'))) as Hex;
  const trader = privateKeyToAccount((env.TRADER_KEY ?? keccak256(toHex('bot trader'))) as Hex);
  const lp = privateKeyToAccount((env.LP_KEY ?? keccak256(toHex('bot lp'))) as Hex);

  const client = createSynodClient({
    transport: http(local?.url ?? env.SYNOD_RPC_URL!),
    network,
    committee: groupPublicKey ? { epoch: 0, groupPublicKey } : undefined,
  }).extend(perpsActions({ namespace, ...l1 }));

  // The model at Synod finality, with the L1 deposits (the model cannot see L1): $1M for the LP,
  // $10,000 for the trader.
  let state = createClearinghouseState({ markets: [market], escapeTimeoutSeconds: 86_400n }, 0n);
  state = deposit(state, lp.address, 10n ** 12n).state;
  state = deposit(state, trader.address, 10n ** 10n).state;
  let model: PerpsModel = { state, height: 0 };

  // Every order of the namespace, decoded, with its outcome, as blocks finalize.
  const waiting = new Map<Hex, (order: PerpsOrder) => void>();
  const unwatch = client.watchOrders({
    model,
    onOrders: (orders, next) => {
      model = next;
      for (const order of orders) waiting.get(order.txId)?.(order);
    },
    onError: (error) => console.error('watch:', error.message),
  });
  const outcomeOf = (txId: Hex) => new Promise<PerpsOrder>((resolve) => waiting.set(txId, resolve));

  const usd = (amount: bigint) => formatUnits(amount, 6);
  const eth = (size: bigint) => formatUnits(size, 8);
  async function trade(label: string, send: (mark: bigint) => Promise<SendTransactionReturnType>) {
    local?.step();
    const mark = (await client.getPrice({ feedId: ETH_USD, verify: true }))!.answer;
    const { txId, transaction } = await send(mark);
    const order = await outcomeOf(txId);
    const fill = order.events.find((event) => event.type === 'OrderFilled');
    const result =
      order.status === 'rejected'
        ? `rejected ${order.rejection!.name}(${order.rejection!.args.join(', ')})`
        : fill
          ? `filled ${eth(fill.sizeDelta)} ETH at ${formatUnits(fill.price, 8)}, pnl ${usd(fill.realizedPnl)}, fee ${usd(fill.fee)}`
          : 'applied';
    const position = await client.getPosition({ account: trader.address, market: 0, from: 'model', model });
    model = position.model!;
    console.log(
      `${label.padEnd(6)} seq ${order.sequence} height ${order.height}: ${result}; position ${eth(position.size)} ETH, collateral ${usd(position.collateral)}`,
    );
    if (l1.clearinghouse !== undefined) {
      await client.waitForSettlement({ txId, transaction });
      const settled = await client.getPosition({ account: trader.address, market: 0, from: 'l1' });
      console.log(
        `       settled on L1 at height ${settled.height}: position ${eth(settled.size)} ETH, collateral ${usd(settled.collateral)}`,
      );
    }
    return order;
  }

  const expiry = () => BigInt(Math.floor(Date.now() / 1000) + 60);
  const buy = (size: bigint) => (mark: bigint) =>
    client.placeOrder({
      account: trader,
      market: 0,
      side: 'buy',
      size,
      limitPrice: (mark * 101n) / 100n,
      expiry: expiry(),
    });

  await trade('vault', () =>
    client.sendTransaction({
      account: lp,
      namespace,
      payload: encodePayload({ kind: 'vaultDeposit', amount: 10n ** 12n }),
    }),
  );
  await trade('open', buy(2n * 10n ** 8n)); // long 2 ETH
  await trade('add', buy(10n ** 8n)); // + 1 ETH
  await trade('close', (mark) =>
    client.closePosition({ account: trader, market: 0, limitPrice: (mark * 99n) / 100n, expiry: expiry() }),
  );
  unwatch();
} finally {
  await local?.stop();
}

/** An in-process Synod node (test committee, real RPC server) whose ETH/USD moves up $20 a step. */
async function startLocalNode() {
  const { startTestNode, TEST_NETWORK } = await import('../../sdk/test/helpers/server.ts');
  const node = await startTestNode();
  let price = 3_000n * 10n ** 8n;
  node.chain.setPrice(ETH_USD, price);
  node.chain.produceBlock();
  node.chain.startAutoBlocks(100);
  return {
    url: node.url,
    network: TEST_NETWORK,
    groupPublicKey: node.groupPublicKey,
    step() {
      price += 20n * 10n ** 8n;
      node.chain.setPrice(ETH_USD, price);
    },
    stop: () => node.stop(),
  };
}
