// The keeper against the SDK's test node (the node's real JSON-RPC server over a TestChain with
// real certificates) and a clearinghouse on anvil: orders are Synod transactions, blocks carry
// prices, and after every step L1 holds exactly what the keeper's model holds.
import { type AnvilInstance, deploySynod, type SynodDeployment, startAnvil } from '@synod/contracts';
import { g1ToEip2537 } from '@synod/protocol';
import { createSynodClient, http, type SynodClient } from '@synod/sdk';
import {
  type Account,
  type Address,
  bytesToHex,
  type Chain,
  createPublicClient,
  createWalletClient,
  keccak256,
  maxUint256,
  type PublicClient,
  parseEventLogs,
  type Transport,
  toHex,
  http as viemHttp,
  type WalletClient,
} from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain } from '../../sdk/test/helpers/chain.ts';
import { startTestNode, type TestNode } from '../../sdk/test/helpers/server.ts';
import { clearinghouseAbi } from '../src/abi.ts';
import { testTokenAbi } from '../src/artifacts.ts';
import { deployClearinghouse, deployTestToken } from '../src/deploy.ts';
import { createKeeper, type Keeper, type KeeperParameters } from '../src/keeper.ts';
import {
  accountView,
  type ClearinghouseConfig,
  heldCollateral,
  type MarketConfig,
} from '../src/model/index.ts';
import { encodePayload, type Payload } from '../src/payload.ts';
import { decodeSettlementData, encodeSettlementData, settlementData } from '../src/settlementData.ts';

/** anvil's first default account (public test key). */
const DEPLOYER = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const ETH_USD = keccak256(toHex('ETH/USD'));
const NAMESPACE = keccak256(toHex('synod perps keeper test'));
const PRICE = (dollars: number) => BigInt(Math.round(dollars * 1e8));
const SIZE = (units: number) => BigInt(Math.round(units * 1e8));
const USD = (dollars: number) => BigInt(Math.round(dollars * 1e6));
const EXPIRY = 2_000_000_000n;
const keeperTrader = (i: number) => privateKeyToAccount(keccak256(toHex(`keeper trader ${i}`)));
const [lp, trader, gambler] = [keeperTrader(0), keeperTrader(1), keeperTrader(2)];

const market: MarketConfig = {
  feedId: ETH_USD,
  scale: 10n ** 10n,
  initialMarginBps: 1_000,
  maintenanceMarginBps: 500,
  takerFeeBps: 5,
  liquidationFeeBps: 100,
  maxOpenInterestVaultBps: 10_000,
  maxOpenInterest: SIZE(1_000_000),
  maxPositionSize: SIZE(10_000),
};
const config: ClearinghouseConfig = { markets: [market], escapeTimeoutSeconds: 3_600n };

let anvil: AnvilInstance;
let deployment: SynodDeployment;
let node: TestNode;
let publicClient: PublicClient;
let walletClient: WalletClient<Transport, Chain, Account>;
let client: SynodClient;
let token: Address;
let clearinghouse: Address;
let keeperParameters: KeeperParameters;

beforeAll(async () => {
  anvil = await startAnvil();
  publicClient = createPublicClient({
    chain: foundry,
    transport: viemHttp(anvil.rpcUrl),
    pollingInterval: 50,
  }) as PublicClient;
  walletClient = createWalletClient({ account: DEPLOYER, chain: foundry, transport: viemHttp(anvil.rpcUrl) });
  // The committee is dealt first (the test node's deterministic seed), then bound to the inbox.
  const { groupPublicKey } = new TestChain({
    domain: { networkId: 7, chainId: foundry.id, inbox: `0x${'00'.repeat(20)}` },
  }).committee;
  deployment = await deploySynod(walletClient, publicClient, {
    networkId: 7n,
    genesisEpoch: 0n,
    groupPublicKey: bytesToHex(g1ToEip2537(groupPublicKey)),
    committeeSize: 4,
    threshold: 3,
    feeds: [],
  });
  const network = { networkId: 7, chainId: foundry.id, inbox: deployment.inbox };
  node = await startTestNode({ domain: network });
  client = createSynodClient({ transport: http(node.url), network });
  token = await deployTestToken(walletClient, publicClient, {
    name: 'Test USD',
    symbol: 'tUSD',
    decimals: 6,
  });
  ({ clearinghouse } = await deployClearinghouse(walletClient, publicClient, {
    inbox: deployment.inbox,
    namespace: NAMESPACE,
    collateralToken: token,
    feeRecipient: DEPLOYER.address,
    escapeTimeoutSeconds: config.escapeTimeoutSeconds,
    markets: config.markets,
  }));
  keeperParameters = {
    client,
    l1: { publicClient, walletClient, addresses: { inbox: deployment.inbox } },
    clearinghouse,
    config,
    deploymentBlock: await publicClient.getBlockNumber(),
  };
  await send(token, testTokenAbi, 'approve', [clearinghouse, maxUint256]);
});

afterAll(async () => {
  await node?.stop();
  await anvil?.stop();
});

async function send(address: Address, abi: unknown, functionName: string, args: readonly unknown[]) {
  const hash = await walletClient.writeContract({ address, abi, functionName, args } as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

async function depositFor(account: Address, amount: bigint) {
  await send(token, testTokenAbi, 'mint', [DEPLOYER.address, amount]);
  await send(clearinghouse, clearinghouseAbi, 'deposit', [account, amount]);
}

async function order(account: PrivateKeyAccount, payload: Payload) {
  await client.sendTransaction({ account, namespace: NAMESPACE, payload: encodePayload(payload) });
}

const buy = (size: number, limit: number): Payload => ({
  kind: 'order',
  market: 0,
  side: 'buy',
  size: SIZE(size),
  limitPrice: PRICE(limit),
  expiry: EXPIRY,
});

/** Every account, the totals, the market and the token balance: L1 equals the keeper's model. */
async function expectL1MatchesModel(keeper: Keeper) {
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  for (const { address } of [lp, trader, gambler]) {
    const [stored, claimable, vaultShares, position] = await Promise.all([
      read<{ collateral: bigint; positionMask: number; restingOrders: number }>('accountOf', [address]),
      read<bigint>('claimableOf', [address]),
      read<bigint>('vaultSharesOf', [address]),
      read<{ size: bigint; entryPrice: bigint }>('positionOf', [address, 0n]),
    ]);
    expect(
      {
        collateral: stored.collateral,
        positionMask: stored.positionMask,
        restingOrders: stored.restingOrders,
        claimable,
        vaultShares,
        positions: [{ size: position.size, entryPrice: position.entryPrice }],
      },
      `account ${address}`,
    ).toEqual(accountView(keeper.model, address));
  }
  expect({ ...(await read<Record<string, bigint>>('totals')) }).toEqual(keeper.model.totals);
  expect({ ...(await read<Record<string, bigint>>('marketState', [0n])) }).toEqual(keeper.model.markets[0]);
  expect(await read<bigint>('appliedCount')).toBe(keeper.model.appliedCount);
  const balance = await publicClient.readContract({
    address: token,
    abi: testTokenAbi,
    functionName: 'balanceOf',
    args: [clearinghouse],
  });
  expect(heldCollateral(keeper.model)).toBe(balance);
}

describe('keeper (SDK test node, anvil clearinghouse)', () => {
  let keeper: Keeper;

  it('settles ready batches in one call with the settlement data, the model equal to L1', async () => {
    keeper = createKeeper(keeperParameters);
    expect(await keeper.step()).toMatchObject({ status: 'up-to-date', appliedCount: 0 });
    await depositFor(lp.address, USD(10_000));
    await depositFor(trader.address, USD(10_000));
    await depositFor(gambler.address, USD(400));
    node.chain.setPrice(ETH_USD, PRICE(3_000));
    await order(lp, { kind: 'vaultDeposit', amount: USD(9_000) });
    node.chain.produceBlock();
    node.chain.produceBlock(); // no transaction of the namespace: not a batch
    await order(trader, buy(1, 3_100));
    await order(gambler, buy(1, 3_100));
    node.chain.produceBlock();

    const result = await keeper.step();
    expect(result).toMatchObject({
      status: 'settled',
      entryPoint: 'submitHeaderAndSettleBatches',
      heights: [1, 3],
      sequenceStart: 0,
      count: 3,
    });
    await expectL1MatchesModel(keeper);
    expect(keeper.model.appliedCount).toBe(3n);
    expect(accountView(keeper.model, gambler.address).positions[0]!.size).toBe(SIZE(1));
    expect(await keeper.step()).toMatchObject({ status: 'up-to-date', appliedCount: 3 });
  });

  it('liquidates in the call that brings a 30% crash', async () => {
    node.chain.setPrice(ETH_USD, PRICE(2_100));
    await order(trader, {
      kind: 'order',
      market: 0,
      side: 'sell',
      size: SIZE(0.5),
      limitPrice: 0n,
      expiry: EXPIRY,
    });
    node.chain.produceBlock();
    const result = await keeper.step();
    if (result.status !== 'settled') throw new Error('expected a settle call');
    expect(result.entries).toEqual([
      { height: 4, liquidations: [gambler.address.toLowerCase()], triggers: [] },
    ]);
    const receipt = await publicClient.getTransactionReceipt({ hash: result.transactionHash });
    const liquidated = parseEventLogs({ abi: clearinghouseAbi, logs: receipt.logs, eventName: 'Liquidated' });
    expect(liquidated.map((log) => log.args.account.toLowerCase())).toEqual([gambler.address.toLowerCase()]);
    expect(accountView(keeper.model, gambler.address).positionMask).toBe(0);
    await expectL1MatchesModel(keeper);
  });

  it('a restarted keeper rebuilds the model from L1 and Synod and goes on', async () => {
    await depositFor(trader.address, USD(1_000));
    const restarted = createKeeper(keeperParameters);
    await Promise.all([restarted.sync(), keeper.sync()]);
    expect(restarted.model).toEqual(keeper.model);
    await expectL1MatchesModel(restarted);
    node.chain.setPrice(ETH_USD, PRICE(2_200));
    await order(trader, buy(0.25, 2_300));
    node.chain.produceBlock();
    expect(await restarted.step()).toMatchObject({
      status: 'settled',
      entryPoint: 'submitHeaderAndSettleBatch',
    });
    await expectL1MatchesModel(restarted);
    // The first keeper follows the settle call it did not send.
    await keeper.sync();
    expect(keeper.model).toEqual(restarted.model);
  });

  it('triggers a resting order once a block price meets its limit', async () => {
    // A buy limited at 2,000 cannot fill at 2,200: it rests (its id is its sequence number).
    await order(trader, { ...buy(0.1, 2_000), rest: true } as Payload);
    node.chain.produceBlock();
    const rested = await keeper.step();
    expect(rested).toMatchObject({ status: 'settled', entries: [{ triggers: [] }] });
    const orderId = keeper.model.appliedCount - 1n;
    expect(keeper.model.resting.has(orderId)).toBe(true);
    await expectL1MatchesModel(keeper);
    // At 1,950 (in a block with any transaction of the namespace) the keeper triggers it.
    node.chain.setPrice(ETH_USD, PRICE(1_950));
    await order(lp, { kind: 'withdraw', amount: USD(1) });
    node.chain.produceBlock();
    const filled = await keeper.step();
    expect(filled).toMatchObject({ status: 'settled', entries: [{ triggers: [orderId] }] });
    expect(keeper.model.resting.has(orderId)).toBe(false);
    await expectL1MatchesModel(keeper);
  });

  it('run() settles until aborted', async () => {
    await order(trader, buy(0.25, 2_300));
    node.chain.produceBlock();
    const controller = new AbortController();
    const results: string[] = [];
    await keeper.run({
      signal: controller.signal,
      pollIntervalMs: 20,
      onStep: (result) => {
        results.push(result.status);
        if (result.status === 'up-to-date') controller.abort();
      },
    });
    expect(results).toEqual(['settled', 'up-to-date']);
    await expectL1MatchesModel(keeper);
  });
});

describe('decodeSettlementData', () => {
  it('reads back what encodeSettlementData appended to any calldata, and nothing else', () => {
    const entries = [
      settlementData({
        height: 9,
        blockPrices: [{ feedId: ETH_USD, answer: PRICE(3_000) }],
        marketFeedIds: [ETH_USD],
        triggers: [4n],
        liquidations: [gambler.address],
      }),
      settlementData({ height: 10, blockPrices: [], marketFeedIds: [ETH_USD] }),
    ];
    const calldata = `0x12345678${'ab'.repeat(100)}${encodeSettlementData(entries).slice(2)}` as const;
    expect(decodeSettlementData(calldata)).toEqual(entries);
    expect(decodeSettlementData(`0x12345678${'ab'.repeat(100)}`)).toBeUndefined();
  });
});
