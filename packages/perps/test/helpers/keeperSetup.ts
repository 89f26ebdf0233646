// The keeper's test setup: anvil with Synod's contracts, a test token and a clearinghouse, and
// the SDK's test node (the node's real JSON-RPC server over a TestChain with real certificates)
// whose blocks carry the orders and prices; helpers to deposit, send orders and compare L1 with
// a keeper's model account by account.
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
  type Hex,
  keccak256,
  maxUint256,
  type PublicClient,
  type Transport,
  toHex,
  http as viemHttp,
  type WalletClient,
} from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { expect } from 'vitest';
import { TestChain } from '../../../sdk/test/helpers/chain.ts';
import { startTestNode, type TestNode } from '../../../sdk/test/helpers/server.ts';
import { clearinghouseAbi } from '../../src/abi.ts';
import { testTokenAbi } from '../../src/artifacts.ts';
import { clearinghouseReader, compareL1WithModel } from '../../src/compare.ts';
import { deployClearinghouse, deployTestToken } from '../../src/deploy.ts';
import type { Keeper, KeeperParameters } from '../../src/keeper.ts';
import type { ClearinghouseConfig, ClearinghouseState, MarketConfig } from '../../src/model/index.ts';
import { encodePayload, type Payload } from '../../src/payload.ts';

/** anvil's first default account (public test key). */
const DEPLOYER = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
export const ETH_USD = keccak256(toHex('ETH/USD'));
export const PRICE = (dollars: number) => BigInt(Math.round(dollars * 1e8));
export const SIZE = (units: number) => BigInt(Math.round(units * 1e8));
export const USD = (dollars: number) => BigInt(Math.round(dollars * 1e6));
export const EXPIRY = 2_000_000_000n;

export const market: MarketConfig = {
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
export const config: ClearinghouseConfig = { markets: [market], escapeTimeoutSeconds: 3_600n };

export const buy = (size: number, limit: number): Payload => ({
  kind: 'order',
  market: 0,
  side: 'buy',
  size: SIZE(size),
  limitPrice: PRICE(limit),
  expiry: EXPIRY,
});

export const sell = (size: number, limit: number): Payload => ({
  kind: 'order',
  market: 0,
  side: 'sell',
  size: SIZE(size),
  limitPrice: PRICE(limit),
  expiry: EXPIRY,
});

export interface KeeperSetup {
  anvil: AnvilInstance;
  deployment: SynodDeployment;
  node: TestNode;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  client: SynodClient;
  token: Address;
  clearinghouse: Address;
  namespace: Hex;
  keeperParameters: KeeperParameters;
  /** Mints and deposits `amount` for each account (one L1 transaction per account). */
  deposit(accounts: readonly Address[], amount: bigint): Promise<void>;
  /** Sends `payload` as a Synod transaction of the namespace (final at the next produceBlock). */
  order(account: PrivateKeyAccount, payload: Payload): Promise<void>;
  read<T>(functionName: string, args?: readonly unknown[]): Promise<T>;
  /** Every account in `accounts`, the totals, the market and the token balance: L1 = `model`. */
  expectL1Matches(model: ClearinghouseState, accounts: readonly Address[]): Promise<void>;
  /** Every account of the model (all that ever deposited or traded): L1 = the keeper's model. */
  expectL1MatchesKeeper(keeper: Keeper): Promise<void>;
  stop(): Promise<void>;
}

export async function startKeeperSetup(name: string): Promise<KeeperSetup> {
  const namespace = keccak256(toHex(name));
  const anvil = await startAnvil();
  const publicClient = createPublicClient({
    chain: foundry,
    transport: viemHttp(anvil.rpcUrl),
    pollingInterval: 50,
  }) as PublicClient;
  const walletClient = createWalletClient({
    account: DEPLOYER,
    chain: foundry,
    transport: viemHttp(anvil.rpcUrl),
  });
  // The committee is dealt first (the test node's deterministic seed), then bound to the inbox.
  const { groupPublicKey } = new TestChain({
    domain: { networkId: 7, chainId: foundry.id, inbox: `0x${'00'.repeat(20)}` },
  }).committee;
  const deployment = await deploySynod(walletClient, publicClient, {
    networkId: 7n,
    genesisEpoch: 0n,
    groupPublicKey: bytesToHex(g1ToEip2537(groupPublicKey)),
    committeeSize: 4,
    threshold: 3,
    feeds: [],
  });
  const network = { networkId: 7, chainId: foundry.id, inbox: deployment.inbox };
  const node = await startTestNode({ domain: network });
  const client = createSynodClient({ transport: http(node.url), network });
  const token = await deployTestToken(walletClient, publicClient, {
    name: 'Test USD',
    symbol: 'tUSD',
    decimals: 6,
  });
  const { clearinghouse } = await deployClearinghouse(walletClient, publicClient, {
    inbox: deployment.inbox,
    namespace,
    collateralToken: token,
    feeRecipient: DEPLOYER.address,
    escapeTimeoutSeconds: config.escapeTimeoutSeconds,
    markets: config.markets,
  });
  const keeperParameters: KeeperParameters = {
    client,
    l1: { publicClient, walletClient, addresses: { inbox: deployment.inbox } },
    clearinghouse,
    config,
    deploymentBlock: await publicClient.getBlockNumber(),
  };

  async function send(address: Address, abi: unknown, functionName: string, args: readonly unknown[]) {
    const hash = await walletClient.writeContract({ address, abi, functionName, args } as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
  }
  await send(token, testTokenAbi, 'approve', [clearinghouse, maxUint256]);

  const read = clearinghouseReader(publicClient, clearinghouse);

  async function expectL1Matches(model: ClearinghouseState, accounts: readonly Address[]) {
    expect(await compareL1WithModel(publicClient, { clearinghouse, token }, model, accounts, 50)).toEqual([]);
  }

  return {
    anvil,
    deployment,
    node,
    publicClient,
    walletClient,
    client,
    token,
    clearinghouse,
    namespace,
    keeperParameters,
    async deposit(accounts, amount) {
      await send(token, testTokenAbi, 'mint', [DEPLOYER.address, amount * BigInt(accounts.length)]);
      const hashes: Hex[] = [];
      for (const account of accounts) {
        // anvil mines each at once, so the next nonce is read after it.
        hashes.push(
          await walletClient.writeContract({
            address: clearinghouse,
            abi: clearinghouseAbi,
            functionName: 'deposit',
            args: [account, amount],
          }),
        );
      }
      for (const hash of hashes) {
        expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
      }
    },
    async order(account, payload) {
      await client.sendTransaction({ account, namespace, payload: encodePayload(payload) });
    },
    read,
    expectL1Matches,
    expectL1MatchesKeeper: (keeper) => expectL1Matches(keeper.model, [...keeper.model.accounts.keys()]),
    async stop() {
      await node.stop();
      await anvil.stop();
    },
  };
}
