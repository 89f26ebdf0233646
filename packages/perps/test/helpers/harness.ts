// A clearinghouse on a real anvil, driven block by block, with the TypeScript model beside it:
// every settle call is applied to both and every account compared (the differential check).
import type { SignedTransaction } from '@synod/protocol';
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  type Hex,
  keccak256,
  maxUint256,
  parseEventLogs,
  type TransactionReceipt,
  toHex,
} from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { expect } from 'vitest';
import { settlementInboxAbi } from '../../../contracts/src/artifacts.ts';
import { settleBatchArgs, settleBatchesArgs } from '../../../contracts/src/calls.ts';
import { postHeader, requireBatch, TransactionFactory } from '../../../contracts/test/helpers/batches.ts';
import { startTestChain, type TestChain } from '../../../contracts/test/helpers/chain.ts';
import {
  type BlockTransaction,
  type BuiltBlock,
  deployFixture,
  type Fixture,
  HeaderChain,
} from '../../../contracts/test/helpers/synod.ts';
import { clearinghouseAbi, decodeRejection } from '../../src/abi.ts';
import { testTokenAbi } from '../../src/artifacts.ts';
import { deployClearinghouse, deployTestToken } from '../../src/deploy.ts';
import {
  accountView,
  type Batch,
  type ClearinghouseState,
  createClearinghouseState,
  deposit as depositModel,
  heldCollateral,
  liquidatableAccounts,
  type MarketConfig,
  type Rejection,
  settleBatch as settleModel,
  type TransactionOutcome,
} from '../../src/model/index.ts';
import { encodePayload, type Payload } from '../../src/payload.ts';
import { encodeSettlementData, settlementData } from '../../src/settlementData.ts';

export { clearinghouseAbi };

/** Feed ids of the test markets (sorted: the contract requires increasing feedIds). */
export const FEEDS = [keccak256(toHex('ETH/USD')), keccak256(toHex('BTC/USD'))].sort((a, b) =>
  BigInt(a) < BigInt(b) ? -1 : 1,
);

/** 8-decimal prices; size in 1e-8 of the base asset; 6-decimal collateral: scale 1e10. */
export const PRICE = (dollars: number) => BigInt(Math.round(dollars * 1e8));
export const SIZE = (units: number) => BigInt(Math.round(units * 1e8));
export const USD = (dollars: number) => BigInt(Math.round(dollars * 1e6));

export function marketConfig(feedId: Hex, overrides: Partial<MarketConfig> = {}): MarketConfig {
  return {
    feedId,
    scale: 10n ** 10n,
    initialMarginBps: 1_000,
    maintenanceMarginBps: 500,
    takerFeeBps: 5,
    liquidationFeeBps: 100,
    maxOpenInterestVaultBps: 10_000,
    maxOpenInterest: SIZE(1_000_000),
    maxPositionSize: SIZE(10_000),
    ...overrides,
  };
}

/** Deterministic trader keys. */
export const traders: PrivateKeyAccount[] = Array.from({ length: 6 }, (_, i) =>
  privateKeyToAccount(keccak256(toHex(`synod perps trader ${i}`))),
);

export const ESCAPE_TIMEOUT_SECONDS = 3_600n;
export const FAR_EXPIRY = 2_000_000_000n;

export interface Order {
  trader: PrivateKeyAccount;
  payload: Payload | Hex;
}

export interface BlockOptions {
  /** The block's price leaves (feed → answer); a feed left out has no price in the block. */
  prices?: Partial<Record<Hex, bigint>>;
  triggers?: bigint[];
  /** Accounts to list for liquidation; 'model' (default) = what the model finds liquidatable. */
  liquidations?: Address[] | 'model';
  /** Drop these feeds' leaves from the settlement data (to test PriceNotDecided). */
  withholdFeeds?: Hex[];
}

export interface SettledBlock {
  block: BuiltBlock;
  receipt: TransactionReceipt;
  outcomes: TransactionOutcome[];
  /** Rejections the contract emitted, by sequence. */
  rejections: Map<bigint, Rejection>;
  /** Per transaction in order: the rejection's name, undefined when applied. */
  reasons: (string | undefined)[];
  /** Every event of the settle call, decoded with clearinghouseAbi. */
  events: ReturnType<typeof parseEventLogs<typeof clearinghouseAbi>>;
  gasUsed: bigint;
}

export class PerpsHarness {
  readonly chain: TestChain;
  readonly fixture: Fixture;
  readonly headers: HeaderChain;
  readonly factory: TransactionFactory;
  readonly namespace: Hex;
  readonly token: Address;
  readonly clearinghouse: Address;
  readonly markets: readonly MarketConfig[];
  model: ClearinghouseState;
  /** Accounts to compare (every trader who ever did something). */
  readonly known = new Set<Address>();
  /** Token deposits − payouts, as the test saw them (the conservation identity's right side). */
  depositedMinusPaid = 0n;

  private constructor(
    chain: TestChain,
    fixture: Fixture,
    token: Address,
    clearinghouse: Address,
    markets: readonly MarketConfig[],
    model: ClearinghouseState,
    namespace: Hex,
  ) {
    this.chain = chain;
    this.fixture = fixture;
    this.headers = new HeaderChain(fixture.domain);
    this.factory = new TransactionFactory(fixture);
    this.token = token;
    this.clearinghouse = clearinghouse;
    this.markets = markets;
    this.model = model;
    this.namespace = namespace;
  }

  /** Deploys Synod's contracts, a test token and a clearinghouse on `chain` (one per test file). */
  static async create(
    chain: TestChain,
    options: { markets?: MarketConfig[]; namespace?: string; seed?: number } = {},
  ): Promise<PerpsHarness> {
    const fixture = await deployFixture(chain, { n: 4, seed: options.seed ?? 3 });
    const token = await deployTestToken(chain.walletClient, chain.publicClient, {
      name: 'Test USD',
      symbol: 'tUSD',
      decimals: 6,
    });
    const markets = options.markets ?? FEEDS.map((feed) => marketConfig(feed));
    const namespace = keccak256(toHex(options.namespace ?? 'synod perps test'));
    const { clearinghouse } = await deployClearinghouse(chain.walletClient, chain.publicClient, {
      inbox: fixture.deployment.inbox,
      namespace,
      collateralToken: token,
      feeRecipient: chain.walletClient.account.address,
      escapeTimeoutSeconds: ESCAPE_TIMEOUT_SECONDS,
      markets,
    });
    const deployedAt = await chain.publicClient.readContract({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName: 'lastSettledAt',
    });
    const model = createClearinghouseState(
      { markets, escapeTimeoutSeconds: ESCAPE_TIMEOUT_SECONDS },
      deployedAt,
    );
    const harness = new PerpsHarness(chain, fixture, token, clearinghouse, markets, model, namespace);
    // Height 1 is a filler so every later block has a parent.
    await postHeader(chain, fixture, harness.headers.next());
    return harness;
  }

  static async start(options: Parameters<typeof PerpsHarness.create>[1] = {}): Promise<PerpsHarness> {
    return await PerpsHarness.create(await startTestChain(), options);
  }

  async stop(): Promise<void> {
    await this.chain.anvil.stop();
  }

  async send(
    call: { functionName: string; args?: readonly unknown[]; address?: Address; abi?: unknown },
    dataSuffix?: Hex,
  ) {
    const hash = await this.chain.walletClient.writeContract({
      address: call.address ?? this.clearinghouse,
      abi: (call.abi ?? clearinghouseAbi) as typeof clearinghouseAbi,
      functionName: call.functionName,
      args: call.args,
      dataSuffix,
    } as never);
    const receipt = await this.chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${call.functionName} reverted`);
    return receipt;
  }

  /** Mints `amount` to the deployer and deposits it for `trader`, on L1 and in the model. */
  async deposit(trader: Address, amount: bigint): Promise<void> {
    const deployer = this.chain.walletClient.account.address;
    await this.send({
      address: this.token,
      abi: testTokenAbi,
      functionName: 'mint',
      args: [deployer, amount],
    });
    await this.send({
      address: this.token,
      abi: testTokenAbi,
      functionName: 'approve',
      args: [this.clearinghouse, maxUint256],
    });
    await this.send({ functionName: 'deposit', args: [trader, amount] });
    this.model = depositModel(this.model, trader, amount).state;
    this.known.add(trader.toLowerCase() as Address);
    this.depositedMinusPaid += amount;
  }

  /** Builds the next block: `orders` of this namespace (plus one of another app), `prices`; posts its header unless `post` is false. */
  async buildBlock(orders: readonly Order[], options: BlockOptions = {}, post = true): Promise<BuiltBlock> {
    const transactions: BlockTransaction<SignedTransaction>[] = [];
    for (const order of orders) {
      const payload = typeof order.payload === 'string' ? order.payload : encodePayload(order.payload);
      transactions.push(await this.factory.sign(order.trader, this.namespace, payload));
      this.known.add(order.trader.address.toLowerCase() as Address);
    }
    transactions.push(await this.factory.sign(traders[0]!, keccak256(toHex('another app')), '0x01'));
    const prices = Object.entries(options.prices ?? {}).map(([feedId, answer]) => ({
      feedId: feedId as Hex,
      answer: answer!,
    }));
    const block = this.headers.next({ transactions, prices });
    if (post) await postHeader(this.chain, this.fixture, block);
    return block;
  }

  /** The settle call's data for `block` (what a relayer appends). */
  settlementSuffix(block: BuiltBlock, options: BlockOptions, liquidations: Address[]): Hex {
    return encodeSettlementData([this.settlementEntry(block, options, liquidations)]);
  }

  settlementEntry(block: BuiltBlock, options: BlockOptions, liquidations: Address[]) {
    const withheld = new Set((options.withholdFeeds ?? []).map((feed) => BigInt(feed)));
    return settlementData({
      height: block.header.height,
      blockPrices: block.prices,
      marketFeedIds: this.markets
        .map((market) => market.feedId)
        .filter((feed) => !withheld.has(BigInt(feed))),
      triggers: options.triggers,
      liquidations,
    });
  }

  /** The model's batch for `block` (transactions of this namespace, in order). */
  modelBatch(
    block: BuiltBlock,
    options: BlockOptions,
    liquidations: Address[],
    l1TimestampSeconds: bigint,
  ): Batch {
    const batch = requireBatch(block, this.namespace);
    return {
      height: BigInt(block.header.height),
      timestampMs: BigInt(block.header.timestampMs),
      prices: block.prices,
      transactions: batch.transactions.map((tx, index) => ({
        sequence: BigInt(batch.inclusion.entry.sequenceStart + index),
        sender: tx.sender,
        payload: tx.payload,
      })),
      triggers: options.triggers ?? [],
      liquidations,
      l1TimestampSeconds,
    };
  }

  /**
   * One block with `orders`, settled on L1 (settleBatch with the settlement data) and in the
   * model; the outcomes must agree transaction by transaction, and every account after.
   */
  async settle(orders: readonly Order[], options: BlockOptions = {}): Promise<SettledBlock> {
    return await this.settleBlock(await this.buildBlock(orders, options), options);
  }

  /** Settles an already built (and posted) block, as `settle`. */
  async settleBlock(block: BuiltBlock, options: BlockOptions = {}): Promise<SettledBlock> {
    let liquidations: Address[];
    if (options.liquidations === undefined || options.liquidations === 'model') {
      // The list a relayer computes: the model after the batch, at the block's prices.
      const dry = settleModel(this.model, this.modelBatch(block, options, [], 0n));
      liquidations = liquidatableAccounts(dry.state, block.prices);
    } else {
      liquidations = options.liquidations;
    }
    const receipt = await this.send(
      {
        functionName: 'settleBatch',
        args: settleBatchArgs(block.header, requireBatch(block, this.namespace)),
      },
      this.settlementSuffix(block, options, liquidations),
    );
    const l1Block = await this.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const result = settleModel(this.model, this.modelBatch(block, options, liquidations, l1Block.timestamp));
    this.model = result.state;
    const rejections = new Map<bigint, Rejection>();
    for (const log of parseEventLogs({
      abi: clearinghouseAbi,
      logs: receipt.logs,
      eventName: 'TransactionRejected',
    })) {
      rejections.set(log.args.sequence, decodeRejection(log.args.reason));
    }
    for (const outcome of result.outcomes) {
      expect(rejections.get(outcome.sequence), `transaction ${outcome.sequence}`).toEqual(outcome.rejection);
    }
    expect(rejections.size).toBe(result.outcomes.filter((outcome) => outcome.rejection).length);
    await this.compare();
    return {
      block,
      receipt,
      outcomes: result.outcomes,
      rejections,
      gasUsed: receipt.gasUsed,
      reasons: result.outcomes.map((outcome) => outcome.rejection?.name),
      events: parseEventLogs({ abi: clearinghouseAbi, logs: receipt.logs }),
    };
  }

  /**
   * Several blocks settled by one settleBatches call against the last one (the only header
   * posted; the others are proven by its history root), and in the model one after the other.
   */
  async settleMultiple(blocks: readonly { orders: readonly Order[]; options?: BlockOptions }[]) {
    const built: BuiltBlock[] = [];
    for (const [i, { orders, options }] of blocks.entries()) {
      built.push(await this.buildBlock(orders, options, i === blocks.length - 1));
    }
    const anchor = built.at(-1)!;
    let dry = this.model;
    const lists = built.map((block, i) => {
      const options = blocks[i]!.options ?? {};
      const after = settleModel(dry, this.modelBatch(block, options, [], 0n));
      const list = Array.isArray(options.liquidations)
        ? options.liquidations
        : liquidatableAccounts(after.state, block.prices);
      dry = settleModel(dry, this.modelBatch(block, options, list, 0n)).state;
      return list;
    });
    const receipt = await this.send(
      {
        functionName: 'settleBatches',
        args: settleBatchesArgs(
          anchor.header,
          built.map((block) => ({
            header: block.header,
            historyProof:
              block === anchor ? [] : this.headers.historyProof(block.header.height, anchor.header.height),
            batch: requireBatch(block, this.namespace),
          })),
        ),
      },
      encodeSettlementData(
        built.map((block, i) => this.settlementEntry(block, blocks[i]!.options ?? {}, lists[i]!)),
      ),
    );
    const l1Block = await this.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const outcomes: TransactionOutcome[] = [];
    for (const [i, block] of built.entries()) {
      const result = settleModel(
        this.model,
        this.modelBatch(block, blocks[i]!.options ?? {}, lists[i]!, l1Block.timestamp),
      );
      this.model = result.state;
      outcomes.push(...result.outcomes);
    }
    expectOutcomes(rejectionsOf(receipt), outcomes);
    await this.compare();
    return { receipt, outcomes, reasons: outcomes.map((outcome) => outcome.rejection?.name) };
  }

  /** Calls the clearinghouse as `account` (anvil impersonation), e.g. claim() or escapeExit(). */
  async sendAs(account: Address, functionName: string, args: readonly unknown[] = []) {
    await this.chain.publicClient.request({
      method: 'anvil_impersonateAccount' as never,
      params: [account] as never,
    });
    await this.chain.publicClient.request({
      method: 'anvil_setBalance' as never,
      params: [account, '0x56bc75e2d63100000'] as never,
    });
    const hash = await this.chain.walletClient.writeContract({
      account,
      address: this.clearinghouse,
      abi: clearinghouseAbi,
      functionName,
      args,
    } as never);
    const receipt = await this.chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
    return receipt;
  }

  /** The custom error `functionName` as `account` reverts with. */
  async revertOf(account: Address, functionName: string, args: readonly unknown[] = []): Promise<string> {
    try {
      await this.chain.publicClient.simulateContract({
        account,
        address: this.clearinghouse,
        abi: clearinghouseAbi,
        functionName,
        args,
      } as never);
    } catch (error) {
      return errorName(error);
    }
    throw new Error(`expected ${functionName} to revert`);
  }

  /** Sends a settle call for `block` that must revert; returns the decoded error name. */
  async settleExpectingRevert(block: BuiltBlock, suffix: Hex | undefined): Promise<string> {
    try {
      await this.chain.publicClient.call({
        account: this.chain.walletClient.account,
        to: this.clearinghouse,
        data: `${encodeFunctionData({
          abi: clearinghouseAbi,
          functionName: 'settleBatch',
          args: settleBatchArgs(block.header, requireBatch(block, this.namespace)),
        })}${suffix?.slice(2) ?? ''}` as Hex,
      });
    } catch (error) {
      return errorName(error);
    }
    throw new Error('expected the settle call to revert');
  }

  read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.chain.publicClient.readContract({
      address: this.clearinghouse,
      abi: clearinghouseAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  }

  /** Every known account, the totals, the markets and the token balance: L1 equals the model. */
  async compare(): Promise<void> {
    for (const account of this.known) {
      const expected = accountView(this.model, account);
      const [stored, claimable, vaultShares, ...positions] = await Promise.all([
        this.read<{ collateral: bigint; positionMask: number; restingOrders: number }>('accountOf', [
          account,
        ]),
        this.read<bigint>('claimableOf', [account]),
        this.read<bigint>('vaultSharesOf', [account]),
        ...this.markets.map((_, market) =>
          this.read<{ size: bigint; entryPrice: bigint }>('positionOf', [account, BigInt(market)]),
        ),
      ]);
      expect(
        {
          collateral: stored.collateral,
          positionMask: stored.positionMask,
          restingOrders: stored.restingOrders,
          claimable,
          vaultShares,
          positions: positions.map((position) => ({ size: position.size, entryPrice: position.entryPrice })),
        },
        `account ${account}`,
      ).toEqual(expected);
    }
    const totals = await this.read<Record<string, bigint>>('totals');
    expect({ ...totals }).toEqual(this.model.totals);
    for (const [market, expected] of this.model.markets.entries()) {
      const state = await this.read<Record<string, bigint>>('marketState', [BigInt(market)]);
      expect({ ...state }, `market ${market}`).toEqual(expected);
    }
    const balance = await this.chain.publicClient.readContract({
      address: this.token,
      abi: testTokenAbi,
      functionName: 'balanceOf',
      args: [this.clearinghouse],
    });
    // Conservation, to the unit: balances + vault + insurance + fees = deposits − payouts.
    expect(heldCollateral(this.model)).toBe(this.model.totals.held);
    expect(balance).toBe(this.model.totals.held);
    expect(balance).toBe(this.depositedMinusPaid);
  }

  /** Moves anvil's clock forward by `seconds` (the next block's timestamp). */
  async advanceTime(seconds: bigint): Promise<void> {
    await this.chain.publicClient.request({
      method: 'evm_increaseTime' as never,
      params: [Number(seconds)] as never,
    });
    await this.chain.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
  }
}

function rejectionsOf(receipt: TransactionReceipt): Map<bigint, Rejection> {
  const rejections = new Map<bigint, Rejection>();
  for (const log of parseEventLogs({
    abi: clearinghouseAbi,
    logs: receipt.logs,
    eventName: 'TransactionRejected',
  })) {
    rejections.set(log.args.sequence, decodeRejection(log.args.reason));
  }
  return rejections;
}

/** The contract refused exactly the transactions the model refused, for the same reasons. */
function expectOutcomes(rejections: Map<bigint, Rejection>, outcomes: readonly TransactionOutcome[]): void {
  for (const outcome of outcomes) {
    expect(rejections.get(outcome.sequence), `transaction ${outcome.sequence}`).toEqual(outcome.rejection);
  }
  expect(rejections.size).toBe(outcomes.filter((outcome) => outcome.rejection).length);
}

/** Errors a settle call can revert with: the clearinghouse's and the inbox's. */
const revertErrors = [...clearinghouseAbi, ...settlementInboxAbi].filter(
  (item) => item.type === 'error',
) as Abi;

/** The custom error name of a failed call (or its message). */
export function errorName(error: unknown): string {
  if (!(error instanceof BaseError)) return String(error);
  const reverted = error.walk((inner) => inner instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError)
    return reverted.data?.errorName ?? reverted.shortMessage;
  // A raw eth_call: the revert data is on the innermost error that carries it.
  const withData = error.walk(
    (inner) => typeof (inner as { data?: unknown }).data === 'string',
  ) as unknown as { data: Hex } | null;
  if (withData !== null) {
    try {
      return decodeErrorResult({ abi: revertErrors, data: withData.data }).errorName;
    } catch {
      return withData.data;
    }
  }
  return error.shortMessage;
}
