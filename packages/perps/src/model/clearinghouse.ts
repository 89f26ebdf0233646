import type { Address } from 'viem';
import {
  MAX_HELD_COLLATERAL,
  MAX_LIQUIDATIONS_PER_CALL,
  MAX_ORDERS_PER_BATCH,
  MAX_PRICE,
  MAX_TRIGGERS_PER_CALL,
} from './constants.ts';
import {
  type Context,
  closeAll,
  health,
  liquidateIfBelowMaintenance,
  loadAccount,
  type MarketPrice,
  rejection,
  settle,
  storeAccount,
  trade,
} from './core.ts';
import { applyTransaction, waits } from './transactions.ts';
import type {
  Batch,
  ClearinghouseConfig,
  ClearinghouseEvent,
  ClearinghouseState,
  Rejection,
  TransactionOutcome,
} from './types.ts';

/**
 * The clearinghouse as a pure state machine: each function takes a state and returns the next
 * one (the input is never modified), exactly as Clearinghouse.sol and its libraries would leave
 * their storage. Feed it, in L1 order, every settled batch (`settleBatch`) and every direct L1
 * call (`deposit`, `claim`, `sweepFees`, `liquidate`, `escapeExit`); an app can also feed it
 * certified blocks that L1 has not settled yet, to show users their account at Synod finality.
 * An L1 call the contract would revert makes these functions throw a `ModelRevert`.
 */

export class ModelRevert extends Error {
  override name = 'ModelRevert';
  /** The contract's custom error. */
  readonly errorName: string;
  constructor(errorName: string, message = errorName) {
    super(message);
    this.errorName = errorName;
  }
}

export interface StepResult {
  state: ClearinghouseState;
  events: ClearinghouseEvent[];
}

export interface BatchResult extends StepResult {
  outcomes: TransactionOutcome[];
}

/** The state right after deployment at L1 time `deployedAtSeconds`. */
export function createClearinghouseState(
  config: ClearinghouseConfig,
  deployedAtSeconds: bigint,
): ClearinghouseState {
  return {
    config,
    markets: config.markets.map(() => ({
      markPrice: 0n,
      markHeight: 0n,
      markTimestampMs: 0n,
      longOpenInterest: 0n,
      shortOpenInterest: 0n,
      entryNotional: 0n,
    })),
    accounts: new Map(),
    positions: new Map(),
    claimable: new Map(),
    vaultShares: new Map(),
    resting: new Map(),
    totals: { vault: 0n, insurance: 0n, fees: 0n, totalShares: 0n, badDebt: 0n, unpaidProfit: 0n, held: 0n },
    appliedCount: 0n,
    lastSettledAt: deployedAtSeconds,
  };
}

/** A deep copy (the config is shared: it never changes). */
export function cloneState(state: ClearinghouseState): ClearinghouseState {
  return {
    config: state.config,
    markets: state.markets.map((market) => ({ ...market })),
    accounts: new Map([...state.accounts].map(([key, account]) => [key, { ...account }])),
    positions: new Map([...state.positions].map(([key, position]) => [key, { ...position }])),
    claimable: new Map(state.claimable),
    vaultShares: new Map(state.vaultShares),
    resting: new Map([...state.resting].map(([key, order]) => [key, { ...order }])),
    totals: { ...state.totals },
    appliedCount: state.appliedCount,
    lastSettledAt: state.lastSettledAt,
  };
}

const lower = (address: Address) => address.toLowerCase() as Address;

/**
 * One settle call: the namespace's batch of a certified block (its transactions must start at
 * `state.appliedCount`), with the block's prices, the triggers and the liquidation list the
 * call carried. Mirrors Clearinghouse._applyTransaction with PerpsBatches.prepare and finish.
 */
export function settleBatch(state: ClearinghouseState, batch: Batch): BatchResult {
  const next = cloneState(state);
  const first = batch.transactions[0];
  if (first === undefined || first.sequence !== next.appliedCount) {
    throw new ModelRevert(
      'BatchSkipped',
      `batch starts at ${first?.sequence}, expected ${next.appliedCount}`,
    );
  }
  if (batch.triggers.length > MAX_TRIGGERS_PER_CALL) throw new ModelRevert('TooManyTriggers');
  if (batch.liquidations.length > MAX_LIQUIDATIONS_PER_CALL) throw new ModelRevert('TooManyLiquidations');
  const context: Context = { state: next, prices: prepare(next, batch), events: [] };
  next.appliedCount += BigInt(batch.transactions.length);
  next.lastSettledAt = batch.l1TimestampSeconds;
  const outcomes: TransactionOutcome[] = batch.transactions.map((transaction, index) => {
    const refused =
      index >= MAX_ORDERS_PER_BATCH
        ? rejection('BatchTooLong')
        : applyTransaction(
            context,
            lower(transaction.sender),
            transaction.payload,
            transaction.sequence,
            batch.timestampMs,
          );
    return refused === undefined
      ? { sequence: transaction.sequence }
      : { sequence: transaction.sequence, rejection: refused };
  });
  for (const orderId of batch.triggers) trigger(context, orderId, batch.timestampMs);
  for (const account of batch.liquidations) {
    liquidateIfBelowMaintenance(context, lower(account), loadAccount(next, lower(account)));
  }
  return { state: next, events: context.events, outcomes };
}

/** PerpsBatches.prepare: each market's price in the block, or its mark (halted); marks move. */
function prepare(state: ClearinghouseState, batch: Batch): MarketPrice[] {
  return state.config.markets.map((config, market) => {
    const marketState = state.markets[market]!;
    const leaf = batch.prices.find((price) => BigInt(price.feedId) === BigInt(config.feedId));
    if (leaf !== undefined && leaf.answer > 0n && leaf.answer <= MAX_PRICE) {
      marketState.markPrice = leaf.answer;
      marketState.markHeight = batch.height;
      marketState.markTimestampMs = batch.timestampMs;
      return { price: leaf.answer, fresh: true };
    }
    return { price: marketState.markPrice, fresh: false };
  });
}

/** PerpsBatches.trigger: a keeper asks to fill a resting order now. */
function trigger(context: Context, orderId: bigint, timestampMs: bigint): void {
  const { state } = context;
  const order = state.resting.get(orderId);
  if (order === undefined) return;
  const owner = order.account;
  let account = loadAccount(state, owner);
  let reason: Rejection | undefined;
  if (timestampMs > order.expiry * 1000n) {
    reason = rejection('OrderExpired', order.expiry);
  } else if (liquidateIfBelowMaintenance(context, owner, account)) {
    reason = rejection('AccountLiquidated');
  } else {
    reason = trade(
      context,
      owner,
      account,
      order.market,
      order.sizeDelta,
      order.limitPrice,
      order.reduceOnly,
      orderId,
    );
    if (waits(reason)) return;
    account = loadAccount(state, owner);
  }
  state.resting.delete(orderId);
  account.restingOrders -= 1;
  storeAccount(state, owner, account);
  if (reason !== undefined) context.events.push({ type: 'RestingOrderRemoved', orderId, reason });
}

const outside = (state: ClearinghouseState): Context => ({ state, prices: undefined, events: [] });

/** Clearinghouse.deposit: `amount` credited to `account`. */
export function deposit(state: ClearinghouseState, account: Address, amount: bigint): StepResult {
  const next = cloneState(state);
  if (next.totals.held + amount > MAX_HELD_COLLATERAL) throw new ModelRevert('HeldCollateralCap');
  next.totals.held += amount;
  const stored = loadAccount(next, lower(account));
  stored.collateral += amount;
  storeAccount(next, lower(account), stored);
  return { state: next, events: [] };
}

/** Clearinghouse.claim: pays out `account`'s claimable balance. */
export function claim(state: ClearinghouseState, account: Address): StepResult & { amount: bigint } {
  const next = cloneState(state);
  const amount = next.claimable.get(lower(account)) ?? 0n;
  if (amount === 0n) throw new ModelRevert('NothingToClaim');
  next.claimable.delete(lower(account));
  next.totals.held -= amount;
  return { state: next, events: [], amount };
}

/** Clearinghouse.sweepFees. */
export function sweepFees(state: ClearinghouseState): StepResult & { amount: bigint } {
  const next = cloneState(state);
  const amount = next.totals.fees;
  if (amount === 0n) throw new ModelRevert('NothingToClaim');
  next.totals.fees = 0n;
  next.totals.held -= amount;
  return { state: next, events: [], amount };
}

/** Clearinghouse.liquidate: at the marks, outside any batch. */
export function liquidate(
  state: ClearinghouseState,
  accounts: readonly Address[],
): StepResult & { count: number } {
  if (accounts.length > MAX_LIQUIDATIONS_PER_CALL) throw new ModelRevert('TooManyLiquidations');
  const next = cloneState(state);
  const context = outside(next);
  let count = 0;
  for (const account of accounts) {
    if (liquidateIfBelowMaintenance(context, lower(account), loadAccount(next, lower(account)))) count++;
  }
  return { state: next, events: context.events, count };
}

/** Clearinghouse.escapeExit at L1 time `nowSeconds`. */
export function escapeExit(
  state: ClearinghouseState,
  account: Address,
  nowSeconds: bigint,
): StepResult & { amount: bigint } {
  const activeAt = state.lastSettledAt + state.config.escapeTimeoutSeconds;
  if (nowSeconds < activeAt) throw new ModelRevert('EscapeNotActive');
  const next = cloneState(state);
  const context = outside(next);
  const owner = lower(account);
  const stored = loadAccount(next, owner);
  const { realized } = closeAll(context, owner, stored.positionMask);
  const { collateral: amount } = settle(context, owner, stored.collateral, realized);
  stored.collateral = 0n;
  stored.positionMask = 0;
  storeAccount(next, owner, stored);
  context.events.push({ type: 'EscapeExited', account: owner, realizedPnl: realized, amount });
  next.totals.held -= amount;
  return { state: next, events: context.events, amount };
}

/** Equity and requirements of `account` at `prices` (per market; default: the marks). */
export function accountHealth(
  state: ClearinghouseState,
  account: Address,
  prices?: readonly MarketPrice[],
): { equity: bigint; initialRequired: bigint; maintenanceRequired: bigint } {
  const stored = loadAccount(state, lower(account));
  const context: Context = { state, prices: prices ? [...prices] : undefined, events: [] };
  const { equity, initial, maintenance } = health(
    context,
    lower(account),
    stored.collateral,
    stored.positionMask,
  );
  return { equity, initialRequired: initial, maintenanceRequired: maintenance };
}

/**
 * Accounts below maintenance margin at a block's prices (a market missing from `blockPrices`
 * keeps its mark). A relayer's `liquidations` list for a batch is this, computed on the state
 * after `settleBatch` of the same batch with an empty list (the list is applied after the
 * batch's transactions and triggers, so it does not change them).
 */
/**
 * Liquidates every account below maintenance at the marks, in liquidate() calls of at most
 * MAX_LIQUIDATIONS_PER_CALL, as the keeper does after a batch whose settle call could list only
 * 64 of them: what L1 holds once the keeper is done with that batch.
 */
export function liquidateAllBelowMaintenance(state: ClearinghouseState): StepResult & { count: number } {
  let current = state;
  const events: StepResult['events'] = [];
  let count = 0;
  for (;;) {
    const pending = liquidatableAccounts(current, []).slice(0, MAX_LIQUIDATIONS_PER_CALL);
    if (pending.length === 0) return { state: current, events, count };
    const step = liquidate(current, pending);
    if (step.count === 0) throw new Error('liquidate() skipped every account liquidatableAccounts listed');
    current = step.state;
    events.push(...step.events);
    count += step.count;
  }
}

export function liquidatableAccounts(
  state: ClearinghouseState,
  blockPrices: readonly { feedId: `0x${string}`; answer: bigint }[],
): Address[] {
  const prices = state.config.markets.map((config, market): MarketPrice => {
    const leaf = blockPrices.find((price) => BigInt(price.feedId) === BigInt(config.feedId));
    return leaf !== undefined && leaf.answer > 0n && leaf.answer <= MAX_PRICE
      ? { price: leaf.answer, fresh: true }
      : { price: state.markets[market]!.markPrice, fresh: false };
  });
  return [...state.accounts]
    .filter(([account, stored]) => {
      if (stored.positionMask === 0) return false;
      const { equity, maintenanceRequired } = accountHealth(state, account, prices);
      return equity < maintenanceRequired;
    })
    .map(([account]) => account);
}

/** Tokens the contract must hold: Σ collateral + Σ claimable + vault + insurance + fees. */
export function heldCollateral(state: ClearinghouseState): bigint {
  let sum = state.totals.vault + state.totals.insurance + state.totals.fees;
  for (const account of state.accounts.values()) sum += account.collateral;
  for (const amount of state.claimable.values()) sum += amount;
  return sum;
}

/**
 * Resting orders worth trying after a batch's transactions, oldest first: expired ones (to
 * remove them) and those whose limit the block's fresh price meets. One whose fill is refused for
 * another reason (margin) is removed with its reason, as the contract does when triggered.
 */
export function triggerableOrders(
  state: ClearinghouseState,
  batch: Pick<Batch, 'timestampMs' | 'prices'>,
): bigint[] {
  const ids: bigint[] = [];
  for (const [orderId, order] of [...state.resting].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (batch.timestampMs > order.expiry * 1000n) {
      ids.push(orderId);
      continue;
    }
    const feedId = state.config.markets[order.market]!.feedId;
    const leaf = batch.prices.find((price) => BigInt(price.feedId) === BigInt(feedId));
    if (leaf === undefined || leaf.answer <= 0n || leaf.answer > MAX_PRICE) continue;
    if (order.sizeDelta > 0n ? leaf.answer <= order.limitPrice : leaf.answer >= order.limitPrice)
      ids.push(orderId);
  }
  return ids;
}

/**
 * What a keeper lists in the settle call of `batch` (whose own triggers and liquidations are
 * ignored): the resting orders to trigger after its transactions (triggerableOrders, at most
 * MAX_TRIGGERS_PER_CALL), then the accounts below maintenance after those (liquidatableAccounts,
 * at most MAX_LIQUIDATIONS_PER_CALL). The keeper sends exactly this; the model at Synod finality
 * assumes it.
 */
export function settlementExtras(
  state: ClearinghouseState,
  batch: Batch,
): { triggers: bigint[]; liquidations: Address[] } {
  const base = { ...batch, triggers: [], liquidations: [] };
  const triggers = triggerableOrders(settleBatch(state, base).state, base).slice(0, MAX_TRIGGERS_PER_CALL);
  const afterTriggers = settleBatch(state, { ...base, triggers }).state;
  const liquidations = liquidatableAccounts(afterTriggers, batch.prices).slice(0, MAX_LIQUIDATIONS_PER_CALL);
  return { triggers, liquidations };
}
