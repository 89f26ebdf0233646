import type { Address, Hex } from 'viem';
import { splitPayload } from '../payload.ts';
import {
  BPS,
  FLAG_REDUCE_ONLY,
  FLAG_REST,
  MAX_POSITION_SIZE,
  MAX_PRICE,
  MAX_RESTING_ORDERS_PER_ACCOUNT,
  MAX_UINT64,
  MAX_UINT128,
  PayloadKind,
} from './constants.ts';
import {
  addTo,
  type Context,
  ceilDiv,
  checkRemoval,
  floorDiv,
  liquidateIfBelowMaintenance,
  loadAccount,
  loadPosition,
  min,
  priceOf,
  rejection,
  storeAccount,
  trade,
} from './core.ts';
import type { Account, Rejection } from './types.ts';

/**
 * contracts/PerpsTransactions.sol: one transaction of a batch (the batch's prices are in the
 * context). Returns the refusal, or undefined when applied.
 */
export function applyTransaction(
  context: Context,
  sender: Address,
  payloadHex: Hex,
  sequence: bigint,
  timestampMs: bigint,
): Rejection | undefined {
  const payload = splitPayload(payloadHex);
  if (payload === undefined) return rejection('MalformedPayload');
  const { kind, words } = payload;
  const { state } = context;
  const account = loadAccount(state, sender);
  if (liquidateIfBelowMaintenance(context, sender, account)) return rejection('AccountLiquidated');
  const marketCount = state.config.markets.length;

  if (kind === PayloadKind.order || kind === PayloadKind.close) {
    if (words.length !== (kind === PayloadKind.order ? 6 : 3)) return rejection('MalformedPayload');
    const market = words[0]!;
    let side = 0n;
    let size = 0n;
    let limitPrice: bigint;
    let expiry: bigint;
    let flags: bigint;
    if (kind === PayloadKind.order) {
      [side, size, limitPrice, expiry, flags] = words.slice(1) as [bigint, bigint, bigint, bigint, bigint];
      if (side > 1n || size === 0n || size > MAX_POSITION_SIZE || flags > (FLAG_REDUCE_ONLY | FLAG_REST)) {
        return rejection('MalformedPayload');
      }
    } else {
      [limitPrice, expiry, flags] = [words[1]!, words[2]!, FLAG_REDUCE_ONLY];
    }
    if (limitPrice > MAX_PRICE || expiry > MAX_UINT64) return rejection('MalformedPayload');
    if (market >= BigInt(marketCount)) return rejection('UnknownMarket', market);
    if (timestampMs > expiry * 1000n) return rejection('OrderExpired', expiry);
    const marketIndex = Number(market);
    let delta: bigint;
    if (kind === PayloadKind.order) {
      delta = side === 0n ? size : -size;
    } else {
      delta = -loadPosition(state, sender, marketIndex).size;
      if (delta === 0n) return rejection('NoPosition', market);
    }
    const reduceOnly = (flags & FLAG_REDUCE_ONLY) !== 0n;
    const refused = trade(context, sender, account, marketIndex, delta, limitPrice, reduceOnly, sequence);
    if ((flags & FLAG_REST) !== 0n && waits(refused)) {
      if (account.restingOrders >= MAX_RESTING_ORDERS_PER_ACCOUNT) return rejection('TooManyRestingOrders');
      state.resting.set(sequence, {
        account: sender,
        market: marketIndex,
        reduceOnly,
        expiry,
        sizeDelta: delta,
        limitPrice,
      });
      account.restingOrders += 1;
      storeAccount(state, sender, account);
      context.events.push({ type: 'OrderRested', orderId: sequence, account: sender });
      return undefined;
    }
    return refused;
  }
  if (kind === PayloadKind.cancel) {
    if (words.length !== 1 || words[0]! > MAX_UINT64) return rejection('MalformedPayload');
    const orderId = words[0]!;
    if (state.resting.get(orderId)?.account !== sender) return rejection('UnknownOrder', orderId);
    state.resting.delete(orderId);
    account.restingOrders -= 1;
    storeAccount(state, sender, account);
    context.events.push({ type: 'RestingOrderRemoved', orderId, reason: rejection('OrderCancelled') });
    return undefined;
  }
  if (
    kind === PayloadKind.withdraw ||
    kind === PayloadKind.vaultDeposit ||
    kind === PayloadKind.vaultWithdraw
  ) {
    if (words.length !== 1 || words[0] === 0n || words[0]! > MAX_UINT128)
      return rejection('MalformedPayload');
    const amount = words[0]!;
    if (kind === PayloadKind.withdraw) return withdraw(context, sender, account, amount, sequence);
    if (kind === PayloadKind.vaultDeposit) return vaultDeposit(context, sender, account, amount, sequence);
    return vaultWithdraw(context, sender, account, amount, sequence);
  }
  return rejection('MalformedPayload');
}

/** A resting order waits on these reasons; any other refusal is final. */
export function waits(refused: Rejection | undefined): boolean {
  return refused?.name === 'LimitPriceNotMet' || refused?.name === 'MarketHalted';
}

function withdraw(
  context: Context,
  owner: Address,
  account: Account,
  amount: bigint,
  sequence: bigint,
): Rejection | undefined {
  const refused = checkRemoval(context, owner, account, amount);
  if (refused !== undefined) return refused;
  account.collateral -= amount;
  storeAccount(context.state, owner, account);
  addTo(context.state.claimable, owner, amount);
  context.events.push({ type: 'Withdrawn', sequence, account: owner, amount });
  return undefined;
}

function vaultDeposit(
  context: Context,
  owner: Address,
  account: Account,
  amount: bigint,
  sequence: bigint,
): Rejection | undefined {
  const refused = checkRemoval(context, owner, account, amount);
  if (refused !== undefined) return refused;
  const { nav, halted } = netAssetValue(context);
  if (halted !== undefined) return rejection('MarketHalted', BigInt(halted));
  const sums = context.state.totals;
  let shares = amount;
  if (sums.totalShares !== 0n) {
    if (nav <= 0n) return rejection('VaultInsolvent');
    shares = (amount * sums.totalShares) / nav;
    if (shares === 0n || sums.totalShares + shares > MAX_UINT128) return rejection('VaultInsolvent');
  }
  account.collateral -= amount;
  storeAccount(context.state, owner, account);
  sums.vault += amount;
  sums.totalShares += shares;
  addTo(context.state.vaultShares, owner, shares);
  context.events.push({ type: 'VaultDeposited', sequence, account: owner, amount, shares });
  return undefined;
}

function vaultWithdraw(
  context: Context,
  owner: Address,
  account: Account,
  shares: bigint,
  sequence: bigint,
): Rejection | undefined {
  const { state } = context;
  if (shares > (state.vaultShares.get(owner) ?? 0n)) return rejection('InsufficientShares');
  const { nav, halted } = netAssetValue(context);
  if (halted !== undefined) return rejection('MarketHalted', BigInt(halted));
  if (nav <= 0n) return rejection('VaultInsolvent');
  const sums = state.totals;
  const amount = (shares * nav) / sums.totalShares;
  if (amount > sums.vault) return rejection('VaultInsolvent');
  const remaining = sums.vault - amount;
  for (const [market, marketState] of state.markets.entries()) {
    const openInterest = marketState.longOpenInterest + marketState.shortOpenInterest;
    if (openInterest === 0n) continue;
    const config = state.config.markets[market]!;
    if (
      ceilDiv(openInterest * priceOf(context, market).price, config.scale) * BPS >
      remaining * BigInt(config.maxOpenInterestVaultBps)
    ) {
      return rejection('VaultReserveBreached', BigInt(market));
    }
  }
  sums.vault = remaining;
  sums.totalShares -= shares;
  addTo(state.vaultShares, owner, -shares);
  account.collateral += amount;
  storeAccount(state, owner, account);
  context.events.push({ type: 'VaultWithdrawn', sequence, account: owner, shares, amount });
  return undefined;
}

/**
 * PerpsTransactions.netAssetValue: the vault's balance minus traders' unrealized PnL (floored
 * per market, the total capped at 2^128 − 1), and the first market with open interest and no
 * fresh price.
 */
export function netAssetValue(context: Context): { nav: bigint; halted: number | undefined } {
  const { state } = context;
  let nav = state.totals.vault;
  let halted: number | undefined;
  for (const [market, marketState] of state.markets.entries()) {
    if (marketState.longOpenInterest === 0n && marketState.shortOpenInterest === 0n) continue;
    const { price, fresh } = priceOf(context, market);
    if (!fresh && halted === undefined) halted = market;
    const netSize = marketState.longOpenInterest - marketState.shortOpenInterest;
    nav += floorDiv(marketState.entryNotional - netSize * price, state.config.markets[market]!.scale);
  }
  return { nav: min(nav, MAX_UINT128), halted };
}
