import {
  type Client,
  type GetBlockReturnType,
  getBlock,
  getNamespaceBatch,
  L1Error,
  type ReadyBatch,
  type SettleNamespaceBatchReturnType,
  type SynodL1Config,
  settleNamespaceBatch,
} from '@synod/sdk';
import { type Address, type Hex, parseEventLogs } from 'viem';
import { clearinghouseAbi } from './abi.ts';
import {
  type Batch,
  type ClearinghouseConfig,
  type ClearinghouseState,
  claim,
  createClearinghouseState,
  deposit,
  escapeExit,
  liquidatableAccounts,
  liquidate,
  MAX_LIQUIDATIONS_PER_CALL,
  settleBatch,
  settlementExtras,
  sweepFees,
} from './model/index.ts';
import {
  decodeSettlementData,
  encodeSettlementData,
  type PriceLeaf,
  settlementData,
} from './settlementData.ts';

/**
 * The clearinghouse's settlement keeper (docs/perps.md "Keeper"): it follows a Synod node through
 * the SDK, keeps the TypeScript model equal to the contract, and settles the namespace's batches
 * on L1 with the settlement data each settle call must end with (the block's price leaves and
 * their multiproof, the resting orders to trigger and the accounts the model finds below
 * maintenance). The node's generic batch relayer cannot compute that data, so it is not
 * configured for the clearinghouse's namespace; the app runs this instead.
 *
 * The model is rebuilt on start from the clearinghouse's L1 history (its events from the
 * deployment block: every settle call with its batches re-read from Synod and its triggers and
 * liquidation list decoded from its calldata, and the deposits, claims, fee sweeps,
 * liquidations and escape exits between them), so a restarted keeper resumes where the
 * contract stands. Replaying from sequence 0 is fine for a test or a young deployment; a
 * snapshot of the model would be needed for a long-lived one.
 *
 * Settle calls must be sent to the clearinghouse directly (as this keeper and the SDK do): the
 * keeper reads the settlement data of others' calls from their transaction input.
 */

export interface KeeperParameters {
  /** A Synod client (createSynodClient / createClient) of the network the clearinghouse settles. */
  client: Client;
  /** The settlement chain: publicClient, walletClient (sends the settle calls), the inbox. */
  l1: SynodL1Config;
  clearinghouse: Address;
  /** What the clearinghouse was deployed with (markets sorted by feedId, escape timeout). */
  config: ClearinghouseConfig;
  /** The L1 block of its deployment: the model starts there (lastSettledAt = its timestamp). */
  deploymentBlock: bigint;
  /** Batches settled per call (1 .. 64, default 8): more when catching up, fewer calls. */
  maxBatches?: number | undefined;
  /**
   * Transactions per call when grouping (default 256, ≈ 11 M gas at ≈ 43,000 per order): a
   * group never outgrows an L1 block; a larger batch still goes, alone.
   */
  maxTransactions?: number | undefined;
  /** L1 blocks per eth_getLogs request (default 10,000). */
  logBlockRange?: bigint | undefined;
  /** Verify blocks' prices against their certified priceRoot (default true). */
  verifyPrices?: boolean | undefined;
}

/**
 * The `liquidate(accounts)` calls a step sent at the marks: accounts below maintenance that no
 * settle call's list held (more than MAX_LIQUIDATIONS_PER_CALL at one batch's prices), each
 * call at most 64 accounts. Empty when every such account fitted in its call's list.
 */
export interface KeeperLiquidations {
  /** The accounts liquidated (Liquidated events of these calls), in call order. */
  accounts: Address[];
  transactionHashes: Hex[];
}

export type KeeperStepResult =
  | (Extract<SettleNamespaceBatchReturnType, { status: 'settled' }> & {
      /** Per settled height: the accounts the call listed for liquidation and the triggers. */
      entries: { height: number; liquidations: Address[]; triggers: bigint[] }[];
      /** The liquidate(accounts) calls sent before or after the settle call. */
      liquidated: KeeperLiquidations;
    })
  | (Extract<SettleNamespaceBatchReturnType, { status: 'up-to-date' }> & {
      /** The liquidate(accounts) calls sent (accounts left from an earlier call). */
      liquidated: KeeperLiquidations;
    });

export interface KeeperRunParameters {
  signal?: AbortSignal | undefined;
  /** Wait between steps when up to date (default 1,000 ms). */
  pollIntervalMs?: number | undefined;
  /** Called with each step's result. */
  onStep?: ((result: KeeperStepResult) => void) | undefined;
  /** Called with a step's error; the loop goes on after `pollIntervalMs` (default: rethrow). */
  onError?: ((error: unknown) => void) | undefined;
}

export interface Keeper {
  /** The model at the L1 block synced last: what the contract holds there. */
  readonly model: ClearinghouseState;
  /** Applies the clearinghouse's L1 history up to the latest L1 block to the model. */
  sync(signal?: AbortSignal): Promise<void>;
  /**
   * Syncs; liquidates at the marks every account the model finds below maintenance there (left
   * over from an earlier call); settles up to maxBatches ready batches in one call (fewer when a
   * batch leaves more accounts below maintenance than its list holds: that batch ends the call);
   * syncs; and liquidates what the call's lists could not hold with liquidate(accounts) calls at
   * the marks (the last batch's prices), before any later batch is settled.
   */
  step(signal?: AbortSignal): Promise<KeeperStepResult>;
  /**
   * Syncs, then sends liquidate(accounts) (≤ 64 each) at the marks until the model finds no
   * account below maintenance there; step() does this before and after its settle call.
   */
  liquidateBelowMaintenance(signal?: AbortSignal): Promise<KeeperLiquidations>;
  /** Steps until `signal` aborts: at once after a settle call, after pollIntervalMs otherwise. */
  run(parameters?: KeeperRunParameters): Promise<void>;
}

interface SynodBlockData {
  batch: ReadyBatch;
  prices: PriceLeaf[];
}

/**
 * Creates a keeper for one clearinghouse.
 *
 * @example
 * ```ts
 * const keeper = createKeeper({ client, l1: { publicClient, walletClient, addresses: { inbox } },
 *   clearinghouse, config, deploymentBlock });
 * const controller = new AbortController();
 * await keeper.run({ signal: controller.signal, onError: console.error });
 * ```
 */
export function createKeeper(parameters: KeeperParameters): Keeper {
  const { client, l1, clearinghouse, config } = parameters;
  const maxBatches = parameters.maxBatches ?? 8;
  const maxTransactions = parameters.maxTransactions ?? 256;
  const logBlockRange = parameters.logBlockRange ?? 10_000n;
  const verifyPrices = parameters.verifyPrices ?? true;
  const marketFeedIds = config.markets.map((market) => market.feedId);
  const publicClient = l1.publicClient;

  let model: ClearinghouseState | undefined;
  let namespace: Hex | undefined;
  /** The next L1 block whose logs are not applied yet. */
  let nextBlock = parameters.deploymentBlock;
  /** Synod data of heights fetched but not yet applied to the model (settled by us or pending). */
  const cache = new Map<number, SynodBlockData>();

  const timestampOf = async (blockNumber: bigint) => (await publicClient.getBlock({ blockNumber })).timestamp;

  async function blockData(
    height: number,
    signal?: AbortSignal,
    known?: ReadyBatch,
  ): Promise<SynodBlockData> {
    const cached = cache.get(height);
    if (cached !== undefined) return cached;
    const [batch, block] = await Promise.all([
      known ?? getNamespaceBatch(client, { namespace: namespace!, height, signal }),
      getBlock(client, { height, verify: verifyPrices, signal }),
    ]);
    if (batch.status !== 'batch') {
      throw new L1Error(
        `The clearinghouse settled height ${height}, where the node has no batch of its namespace.`,
      );
    }
    const prices = pricesOf(block, height);
    const data = { batch, prices };
    cache.set(height, data);
    return data;
  }

  async function start(): Promise<ClearinghouseState> {
    if (model !== undefined) return model;
    const ns = await publicClient.readContract({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName: 'namespace',
    });
    namespace = ns.toLowerCase() as Hex;
    model = createClearinghouseState(config, await timestampOf(parameters.deploymentBlock));
    return model;
  }

  async function sync(signal?: AbortSignal): Promise<void> {
    let state = await start();
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    while (nextBlock <= latest) {
      signal?.throwIfAborted();
      const toBlock = nextBlock + logBlockRange - 1n < latest ? nextBlock + logBlockRange - 1n : latest;
      const logs = parseEventLogs({
        abi: clearinghouseAbi,
        logs: await publicClient.getLogs({ address: clearinghouse, fromBlock: nextBlock, toBlock }),
      });
      // One L1 transaction at a time, in L1 order.
      const transactions: (typeof logs)[] = [];
      for (const log of logs) {
        const last = transactions.at(-1);
        if (last !== undefined && last[0]!.transactionHash === log.transactionHash) last.push(log);
        else transactions.push([log]);
      }
      for (const transactionLogs of transactions) {
        state = await applyTransaction(state, transactionLogs, signal);
        model = state;
      }
      nextBlock = toBlock + 1n;
    }
  }

  async function applyTransaction(
    initial: ClearinghouseState,
    logs: ReturnType<typeof parseEventLogs<typeof clearinghouseAbi>>,
    signal?: AbortSignal,
  ): Promise<ClearinghouseState> {
    let state = initial;
    const { transactionHash, blockNumber } = logs[0]!;
    const settled = logs.filter((log) => log.eventName === 'BatchSettled');
    if (settled.length > 0) {
      const transaction = await publicClient.getTransaction({ hash: transactionHash! });
      const entries = decodeSettlementData(transaction.input);
      if (entries === undefined) {
        throw new L1Error(`Settle call ${transactionHash} has no settlement data in its input.`, {
          details: 'the keeper reads it from transactions sent to the clearinghouse directly',
        });
      }
      const l1TimestampSeconds = await timestampOf(blockNumber!);
      for (const log of settled) {
        const { height } = log.args as { height: bigint };
        const entry = entries.find((candidate) => candidate.height === height);
        if (entry === undefined)
          throw new L1Error(`Settle call ${transactionHash} has no entry for height ${height}.`);
        const { batch, prices } = await blockData(Number(height), signal);
        state = settleBatch(state, {
          ...modelBatch(batch, prices),
          triggers: entry.triggers,
          liquidations: entry.liquidations,
          l1TimestampSeconds,
        }).state;
        cache.delete(Number(height));
      }
      return state;
    }
    const liquidated: Address[] = [];
    for (const log of logs) {
      switch (log.eventName) {
        case 'Deposited': {
          const { account, amount } = log.args as { account: Address; amount: bigint };
          state = deposit(state, account, amount).state;
          break;
        }
        case 'Claimed': {
          const { account } = log.args as { account: Address };
          state = claim(state, account).state;
          break;
        }
        case 'FeesSwept':
          state = sweepFees(state).state;
          break;
        case 'Liquidated':
          // liquidate(accounts) outside a batch: an account not below maintenance is skipped
          // and leaves no event, so replaying the liquidated ones is the same call.
          liquidated.push((log.args as { account: Address }).account);
          break;
        case 'EscapeExited': {
          const { account } = log.args as { account: Address };
          state = escapeExit(state, account, await timestampOf(log.blockNumber!)).state;
          break;
        }
        default:
          break;
      }
    }
    if (liquidated.length > 0) state = liquidate(state, liquidated).state;
    return state;
  }

  /**
   * The settlement data of `batches` (consecutive, from the model's appliedCount). Throws
   * CallCut when a batch before the last leaves accounts below maintenance that its list (≤ 64)
   * could not hold: the call must end with that batch, so that they are liquidated at its
   * prices (liquidate at the marks) before the next batch is applied.
   */
  async function settlementEntries(batches: readonly ReadyBatch[], signal?: AbortSignal) {
    let dry = model!;
    const entries: ReturnType<typeof settlementData>[] = [];
    for (const [index, batch] of batches.entries()) {
      const { prices } = await blockData(batch.height, signal, batch);
      const base = { ...modelBatch(batch, prices), l1TimestampSeconds: 0n };
      const { triggers, liquidations } = settlementExtras(dry, base);
      dry = settleBatch(dry, { ...base, triggers, liquidations }).state;
      entries.push(
        settlementData({ height: batch.height, blockPrices: prices, marketFeedIds, triggers, liquidations }),
      );
      if (index < batches.length - 1 && liquidatableAccounts(dry, prices).length > 0) {
        throw new CallCut(index + 1);
      }
    }
    return entries;
  }

  /** liquidate(accounts) at the marks, ≤ 64 per call, until the model finds none below maintenance. */
  async function liquidateBelowMaintenance(signal?: AbortSignal): Promise<KeeperLiquidations> {
    await sync(signal);
    const done: KeeperLiquidations = { accounts: [], transactionHashes: [] };
    for (;;) {
      // No leaves: every market at its mark, as liquidate(accounts) prices them.
      const pending = liquidatableAccounts(model!, []);
      if (pending.length === 0) return done;
      signal?.throwIfAborted();
      const accounts = pending.slice(0, MAX_LIQUIDATIONS_PER_CALL);
      const walletClient = l1.walletClient;
      if (walletClient === undefined) throw new L1Error('A walletClient is needed to send L1 transactions.');
      let transactionHash: Hex;
      try {
        const { request } = await publicClient.simulateContract({
          address: clearinghouse,
          abi: clearinghouseAbi,
          functionName: 'liquidate',
          args: [accounts],
          account: walletClient.account,
        });
        transactionHash = await walletClient.writeContract({ ...request, chain: walletClient.chain ?? null });
        const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
        if (receipt.status !== 'success')
          throw new L1Error('liquidate reverted.', { details: transactionHash });
        done.transactionHashes.push(transactionHash);
        for (const log of parseEventLogs({
          abi: clearinghouseAbi,
          logs: receipt.logs,
          eventName: 'Liquidated',
        }))
          done.accounts.push(log.args.account.toLowerCase() as Address);
      } catch (cause) {
        if (cause instanceof L1Error) throw cause;
        throw new L1Error(`Could not liquidate ${accounts.length} accounts at the marks.`, { cause });
      }
      await sync(signal);
      // The call (or another liquidator's before it) must have liquidated them all: if the
      // contract skipped one the model finds below maintenance, the two disagree; stop here.
      const left = new Set(liquidatableAccounts(model!, []));
      const stuck = accounts.filter((account) => left.has(account));
      if (stuck.length > 0) {
        throw new L1Error(
          'The contract did not liquidate accounts the keeper’s model finds below maintenance.',
          {
            details: `${stuck.join(', ')} (transaction ${transactionHash})`,
          },
        );
      }
    }
  }

  async function step(signal?: AbortSignal): Promise<KeeperStepResult> {
    // Accounts an earlier call could not list (e.g. the keeper stopped between its settle call
    // and the liquidate calls after it) go first, at the marks that made them liquidatable.
    const before = await liquidateBelowMaintenance(signal);
    let entries: ReturnType<typeof settlementData>[] = [];
    const settle = (batches: number) =>
      settleNamespaceBatch(client, l1, {
        contract: clearinghouse,
        maxBatches: batches,
        maxTransactions,
        signal,
        calldataSuffix: async (ready) => {
          const first = ready[0]!;
          if (BigInt(first.inclusion.entry.sequenceStart) !== model!.appliedCount) {
            throw new L1Error('The keeper’s model is not at the contract’s appliedCount; sync again.', {
              details: `model ${model!.appliedCount}, batch ${first.inclusion.entry.sequenceStart}`,
            });
          }
          entries = await settlementEntries(ready, signal);
          return encodeSettlementData(entries);
        },
      });
    let result: SettleNamespaceBatchReturnType;
    try {
      result = await settle(maxBatches);
    } catch (error) {
      if (!(error instanceof CallCut)) throw error;
      result = await settle(error.batches);
    }
    if (result.status !== 'settled') return { ...result, liquidated: before };
    const after = await liquidateBelowMaintenance(signal);
    return {
      ...result,
      entries: entries.map((entry) => ({
        height: Number(entry.height),
        liquidations: entry.liquidations,
        triggers: entry.triggers,
      })),
      liquidated: {
        accounts: [...before.accounts, ...after.accounts],
        transactionHashes: [...before.transactionHashes, ...after.transactionHashes],
      },
    };
  }

  async function run(runParameters: KeeperRunParameters = {}): Promise<void> {
    const { signal, onStep, onError } = runParameters;
    const pollIntervalMs = runParameters.pollIntervalMs ?? 1_000;
    const aborted = () => signal?.aborted === true;
    while (!aborted()) {
      let wait = true;
      try {
        const result = await step(signal);
        onStep?.(result);
        wait = result.status !== 'settled';
      } catch (error) {
        if (aborted()) return;
        if (onError === undefined) throw error;
        onError(error);
      }
      if (wait) await sleep(pollIntervalMs, signal);
    }
  }

  return {
    get model() {
      if (model === undefined) throw new Error('the keeper has not synced yet (call sync or step)');
      return model;
    },
    sync,
    step,
    liquidateBelowMaintenance,
    run,
  };
}

/** A call must end after its first `batches` batches (settlementEntries). */
class CallCut extends Error {
  readonly batches: number;
  constructor(batches: number) {
    super(`the settle call ends after ${batches} batches`);
    this.batches = batches;
  }
}

/** The model's batch for a Synod batch and its block's prices (no triggers, no list, L1 time 0). */
function modelBatch(batch: ReadyBatch, prices: readonly PriceLeaf[]): Omit<Batch, 'l1TimestampSeconds'> {
  const { sequenceStart } = batch.inclusion.entry;
  return {
    height: BigInt(batch.height),
    timestampMs: BigInt(batch.header.timestampMs),
    prices,
    transactions: batch.transactions.map((transaction, index) => ({
      sequence: BigInt(sequenceStart + index),
      sender: transaction.sender,
      payload: transaction.payload,
    })),
    triggers: [],
    liquidations: [],
  };
}

function pricesOf(block: GetBlockReturnType, height: number): PriceLeaf[] {
  if (block === null) throw new L1Error(`The node has no block at height ${height}.`);
  return block.prices.map((price) => ({ feedId: price.feedId, answer: price.answer }));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
