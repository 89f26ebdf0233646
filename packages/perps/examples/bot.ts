// `pnpm --filter @synod/perps bot`: a trading bot on the clearinghouse's SDK actions. An LP funds
// the vault, then the trader opens a long, adds to it and closes it, each order limit-priced 1%
// off the latest certified price. For each order it prints the outcome at Synod finality (from
// the model, watchOrders) and the position, then waits for its L1 settlement and prints the
// position the contract holds.
//
// Without SYNOD_RPC_URL it starts the perps test setup: anvil with the Synod contracts and a
// clearinghouse, an in-process Synod node (the SDK tests' TestChain behind the node's real
// JSON-RPC server) and the keeper settling every batch. Against a running network: SYNOD_RPC_URL,
// SYNOD_NETWORK_ID, SYNOD_CHAIN_ID, SYNOD_INBOX (and SYNOD_GROUP_PUBLIC_KEY to pin the committee),
// PERPS_NAMESPACE, TRADER_KEY, LP_KEY; L1_RPC_URL and CLEARINGHOUSE for the L1 part.
import { createSynodClient, feedId, http, type SendTransactionReturnType } from '@synod/sdk';
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  formatUnits,
  type Hex,
  keccak256,
  http as l1Http,
  maxUint256,
  type PublicClient,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import {
  clearinghouseAbi,
  createClearinghouseState,
  createKeeper,
  deployClearinghouse,
  deployTestToken,
  deposit,
  encodePayload,
  type MarketConfig,
  type PerpsModel,
  type PerpsOrder,
  perpsActions,
  testTokenAbi,
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

const trader = privateKeyToAccount((env.TRADER_KEY ?? keccak256(toHex('bot trader'))) as Hex);
const lp = privateKeyToAccount((env.LP_KEY ?? keccak256(toHex('bot lp'))) as Hex);
/** The L1 deposits: $1M for the LP (then put in the vault), $10,000 for the trader. */
const DEPOSITS: [Address, bigint][] = [
  [lp.address, 10n ** 12n],
  [trader.address, 10n ** 10n],
];

const local = env.SYNOD_RPC_URL === undefined ? await startLocalNetwork() : undefined;
try {
  const network = local?.network ?? {
    networkId: Number(env.SYNOD_NETWORK_ID ?? 1),
    chainId: Number(env.SYNOD_CHAIN_ID ?? 31337),
    inbox: (env.SYNOD_INBOX ?? '0x5fbdb2315678afecb367f032d93f642f64180aa3') as Address,
  };
  const groupPublicKey = local?.groupPublicKey ?? (env.SYNOD_GROUP_PUBLIC_KEY as Hex | undefined);
  const l1 =
    local?.l1 ??
    (env.L1_RPC_URL !== undefined && env.CLEARINGHOUSE !== undefined
      ? {
          clearinghouse: env.CLEARINGHOUSE as Address,
          publicClient: createPublicClient({ transport: l1Http(env.L1_RPC_URL) }) as PublicClient,
        }
      : {});
  const namespace = local?.namespace ?? ((env.PERPS_NAMESPACE ?? keccak256(toHex('synod perps'))) as Hex);

  const client = createSynodClient({
    transport: http(local?.url ?? env.SYNOD_RPC_URL!),
    network,
    committee: groupPublicKey ? { epoch: 0, groupPublicKey } : undefined,
  }).extend(perpsActions({ namespace, ...l1 }));

  // The model at Synod finality, with the L1 deposits (the model cannot see L1).
  let state = createClearinghouseState({ markets: [market], escapeTimeoutSeconds: 86_400n }, 0n);
  for (const [account, amount] of DEPOSITS) state = deposit(state, account, amount).state;
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

/**
 * The perps test setup: anvil with the Synod contracts and a clearinghouse (market 0 = `market`,
 * a test token, the deposits), an in-process Synod node whose committee the inbox knows (the SDK
 * tests' TestChain behind the node's real JSON-RPC server, a block every 100 ms, ETH/USD moving
 * up $20 a step), and the keeper settling every batch on L1.
 */
async function startLocalNetwork() {
  const { startAnvil, deploySynod } = await import('@synod/contracts');
  const { g1ToEip2537 } = await import('@synod/protocol');
  const { TestChain } = await import('../../sdk/test/helpers/chain.ts');
  const { startTestNode } = await import('../../sdk/test/helpers/server.ts');
  const anvil = await startAnvil();
  const controller = new AbortController();
  let node: Awaited<ReturnType<typeof startTestNode>> | undefined;
  try {
    const publicClient = createPublicClient({
      chain: foundry,
      transport: l1Http(anvil.rpcUrl),
      pollingInterval: 50,
    });
    // anvil's first default account (public test key): deploys, mints and deposits.
    const deployer = privateKeyToAccount(
      '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    );
    const walletClient = createWalletClient({
      account: deployer,
      chain: foundry,
      transport: l1Http(anvil.rpcUrl),
    });
    const { groupPublicKey } = new TestChain({
      domain: { networkId: 7, chainId: foundry.id, inbox: `0x${'00'.repeat(20)}` },
    }).committee;
    const synod = await deploySynod(walletClient, publicClient as PublicClient, {
      networkId: 7n,
      genesisEpoch: 0n,
      groupPublicKey: bytesToHex(g1ToEip2537(groupPublicKey)),
      committeeSize: 4,
      threshold: 3,
      feeds: [],
    });
    const network = { networkId: 7, chainId: foundry.id, inbox: synod.inbox };
    node = await startTestNode({ domain: network });
    const token = await deployTestToken(walletClient, publicClient as PublicClient, {
      name: 'Test USD',
      symbol: 'tUSD',
      decimals: 6,
    });
    const namespace = keccak256(toHex('synod perps'));
    const config = { markets: [market], escapeTimeoutSeconds: 86_400n };
    const { clearinghouse } = await deployClearinghouse(walletClient, publicClient as PublicClient, {
      inbox: synod.inbox,
      namespace,
      collateralToken: token,
      feeRecipient: deployer.address,
      escapeTimeoutSeconds: config.escapeTimeoutSeconds,
      markets: config.markets,
    });
    const deploymentBlock = await publicClient.getBlockNumber();
    const write = async (request: Parameters<typeof walletClient.writeContract>[0]) =>
      publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract(request) });
    await write({
      address: token,
      abi: testTokenAbi,
      functionName: 'mint',
      args: [deployer.address, 10n ** 13n],
    });
    await write({
      address: token,
      abi: testTokenAbi,
      functionName: 'approve',
      args: [clearinghouse, maxUint256],
    });
    for (const [account, amount] of DEPOSITS) {
      await write({
        address: clearinghouse,
        abi: clearinghouseAbi,
        functionName: 'deposit',
        args: [account, amount],
      });
    }

    let price = 3_000n * 10n ** 8n;
    node.chain.setPrice(ETH_USD, price);
    node.chain.produceBlock();
    node.chain.startAutoBlocks(100);
    const client = createSynodClient({ transport: http(node.url), network });
    const keeper = createKeeper({
      client,
      l1: { publicClient: publicClient as PublicClient, walletClient, addresses: { inbox: synod.inbox } },
      clearinghouse,
      config,
      deploymentBlock,
    });
    const running = keeper.run({
      signal: controller.signal,
      pollIntervalMs: 100,
      onError: (error) => console.error('keeper:', (error as Error).message),
    });
    const started = node;
    return {
      url: node.url,
      network,
      namespace,
      groupPublicKey: node.groupPublicKey,
      l1: { clearinghouse, publicClient: publicClient as PublicClient },
      step() {
        price += 20n * 10n ** 8n;
        started.chain.setPrice(ETH_USD, price);
      },
      async stop() {
        controller.abort();
        await running.catch(() => {});
        await started.stop();
        await anvil.stop();
      },
    };
  } catch (error) {
    controller.abort();
    await node?.stop();
    await anvil.stop();
    throw error;
  }
}
