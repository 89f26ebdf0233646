import type { Address } from 'viem';
import { BPS, MAX_UINT128 } from './constants.ts';
import type {
  Account,
  ClearinghouseEvent,
  ClearinghouseState,
  Position,
  Rejection,
  RejectionName,
} from './types.ts';

/**
 * Margin, fills and liquidation: contracts/PerpsCore.sol, function for function, in the same
 * order of checks and with the same rounding. Functions mutate the `Context`'s state draft
 * (the caller clones the state first: the exported API is pure). An `Account` value is a copy,
 * like a Solidity memory struct, and reaches the state only through `storeAccount`.
 */

/** A price as the contract sees it: the batch's (fresh) or the mark. */
export interface MarketPrice {
  price: bigint;
  fresh: boolean;
}

export interface Context {
  state: ClearinghouseState;
  /** Per market, inside a batch; undefined outside (prices are the marks, not fresh). */
  prices: MarketPrice[] | undefined;
  events: ClearinghouseEvent[];
}

export const NO_OVERRIDE = -1;

export function rejection(name: RejectionName, ...args: bigint[]): Rejection {
  return { name, args };
}

export function priceOf(context: Context, market: number): MarketPrice {
  return context.prices?.[market] ?? { price: context.state.markets[market]!.markPrice, fresh: false };
}

export function loadAccount(state: ClearinghouseState, owner: Address): Account {
  const account = state.accounts.get(owner);
  return account === undefined ? { collateral: 0n, positionMask: 0, restingOrders: 0 } : { ...account };
}

export function storeAccount(state: ClearinghouseState, owner: Address, account: Account): void {
  if (account.collateral === 0n && account.positionMask === 0 && account.restingOrders === 0)
    state.accounts.delete(owner);
  else state.accounts.set(owner, { ...account });
}

const positionKey = (owner: Address, market: number) => `${owner}/${market}`;

export function loadPosition(state: ClearinghouseState, owner: Address, market: number): Position {
  return state.positions.get(positionKey(owner, market)) ?? { size: 0n, entryPrice: 0n };
}

function storePosition(state: ClearinghouseState, owner: Address, market: number, position: Position): void {
  if (position.size === 0n) state.positions.delete(positionKey(owner, market));
  else state.positions.set(positionKey(owner, market), { ...position });
}

export function addTo(map: Map<Address, bigint>, key: Address, delta: bigint): void {
  const value = (map.get(key) ?? 0n) + delta;
  if (value < 0n) throw new Error(`balance of ${key} would go negative`);
  if (value === 0n) map.delete(key);
  else map.set(key, value);
}

export const abs = (x: bigint) => (x < 0n ? -x : x);
/** PerpsCore.saturatingAdd: the records (badDebt, unpaidProfit) stop at 2^128 − 1. */
export const saturatingAdd = (total: bigint, amount: bigint) => min(total + amount, MAX_UINT128);
export const positive = (x: bigint) => (x > 0n ? x : 0n);
export const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** x / d rounded toward −∞ (d > 0), as PerpsCore.floorDiv. */
export function floorDiv(x: bigint, d: bigint): bigint {
  const q = x / d;
  return x % d !== 0n && x < 0n ? q - 1n : q;
}

export function ceilDiv(x: bigint, d: bigint): bigint {
  return x === 0n ? 0n : (x - 1n) / d + 1n;
}

export interface Health {
  equity: bigint;
  initial: bigint;
  maintenance: bigint;
  allFresh: boolean;
}

/** PerpsCore.health: equity and requirements, `overrideMarket` with the given size and entry. */
export function health(
  context: Context,
  owner: Address,
  collateral: bigint,
  mask: number,
  overrideMarket = NO_OVERRIDE,
  overrideSize = 0n,
  overrideEntry = 0n,
): Health {
  let equity = collateral;
  let initial = 0n;
  let maintenance = 0n;
  let allFresh = true;
  for (let market = 0; mask !== 0; market++, mask >>>= 1) {
    if ((mask & 1) === 0) continue;
    let size = overrideSize;
    let entry = overrideEntry;
    if (market !== overrideMarket) ({ size, entryPrice: entry } = loadPosition(context.state, owner, market));
    const { price, fresh } = priceOf(context, market);
    allFresh &&= fresh;
    const config = context.state.config.markets[market]!;
    equity += floorDiv(size * (price - entry), config.scale);
    const notional = abs(size) * price;
    initial += ceilDiv(notional * BigInt(config.initialMarginBps), config.scale * BPS);
    maintenance += ceilDiv(notional * BigInt(config.maintenanceMarginBps), config.scale * BPS);
  }
  return { equity, initial, maintenance, allFresh };
}

/** PerpsCore.firstHalted: the first market of `mask` without a fresh price. */
export function firstHalted(context: Context, mask: number): number {
  let market = 0;
  for (; mask !== 0; market++, mask >>>= 1) {
    if ((mask & 1) !== 0 && !priceOf(context, market).fresh) return market;
  }
  return market;
}

/** PerpsCore.liquidateIfBelowMaintenance: mutates `account` like the Solidity memory struct. */
export function liquidateIfBelowMaintenance(context: Context, owner: Address, account: Account): boolean {
  if (account.positionMask === 0) return false;
  const { equity, maintenance } = health(context, owner, account.collateral, account.positionMask);
  if (equity >= maintenance) return false;
  liquidate(context, owner, account);
  return true;
}

/** PerpsCore.trade: one fill, applied only if every check passes. */
export function trade(
  context: Context,
  owner: Address,
  account: Account,
  market: number,
  delta: bigint,
  limitPrice: bigint,
  reduceOnly: boolean,
  orderId: bigint,
): Rejection | undefined {
  const { state } = context;
  const { price, fresh } = priceOf(context, market);
  const { size: oldSize, entryPrice: oldEntry } = loadPosition(state, owner, market);
  const config = state.config.markets[market]!;
  const newSize = oldSize + delta;
  const oldAbs = abs(oldSize);
  const deltaAbs = abs(delta);
  let increases: boolean;
  let newEntry: bigint;
  let realized = 0n;
  if (oldSize === 0n || oldSize > 0n === delta > 0n) {
    increases = true;
    const weighted = oldAbs * oldEntry + deltaAbs * price;
    const newAbs = abs(newSize);
    newEntry = oldSize === 0n ? price : newSize > 0n ? ceilDiv(weighted, newAbs) : weighted / newAbs;
  } else {
    const closedAbs = min(deltaAbs, oldAbs);
    const closed = oldSize > 0n ? closedAbs : -closedAbs;
    realized = floorDiv(closed * (price - oldEntry), config.scale);
    increases = deltaAbs > oldAbs;
    newEntry = increases ? price : newSize === 0n ? 0n : oldEntry;
  }
  if (reduceOnly && increases) return rejection('ReduceOnlyIncreases');
  if ((increases && !fresh) || price === 0n) return rejection('MarketHalted', BigInt(market));
  if (delta > 0n ? price > limitPrice : price < limitPrice) {
    return rejection('LimitPriceNotMet', price, limitPrice);
  }

  const marketState = state.markets[market]!;
  const longOpenInterest = marketState.longOpenInterest + positive(newSize) - positive(oldSize);
  const shortOpenInterest = marketState.shortOpenInterest + positive(-newSize) - positive(-oldSize);
  const sums = state.totals;
  if (increases) {
    if (abs(newSize) > config.maxPositionSize) return rejection('PositionTooLarge', BigInt(market));
    const side = newSize > 0n ? longOpenInterest : shortOpenInterest;
    if (
      side > config.maxOpenInterest ||
      ceilDiv((longOpenInterest + shortOpenInterest) * price, config.scale) * BPS >
        sums.vault * BigInt(config.maxOpenInterestVaultBps)
    ) {
      return rejection('OpenInterestCapExceeded', BigInt(market));
    }
  }

  const fee = ceilDiv(deltaAbs * price * BigInt(config.takerFeeBps), config.scale * BPS);
  let collateral = account.collateral;
  let paid = 0n;
  if (realized >= 0n) {
    paid = min(realized, sums.vault);
    collateral += paid;
  } else {
    if (collateral < -realized) return rejection('InsufficientCollateral');
    collateral += realized;
  }
  if (collateral < fee) return rejection('InsufficientCollateral');
  collateral -= fee;

  const bit = 1 << market;
  const mask = newSize === 0n ? account.positionMask & ~bit : account.positionMask | bit;
  if (mask !== 0) {
    const after = health(context, owner, collateral, mask, market, newSize, newEntry);
    if (increases) {
      if (!after.allFresh) return rejection('MarketHalted', BigInt(firstHalted(context, mask)));
      if (after.equity < after.initial) return rejection('InsufficientMargin', after.equity, after.initial);
    } else if (after.equity < after.maintenance) {
      return rejection('InsufficientMargin', after.equity, after.maintenance);
    }
  }

  storePosition(state, owner, market, { size: newSize, entryPrice: newEntry });
  marketState.longOpenInterest = longOpenInterest;
  marketState.shortOpenInterest = shortOpenInterest;
  marketState.entryNotional += newSize * newEntry - oldSize * oldEntry;
  if (realized >= 0n) {
    sums.vault -= paid;
    if (paid < realized) {
      sums.unpaidProfit = saturatingAdd(sums.unpaidProfit, realized - paid);
      context.events.push({ type: 'ProfitCapped', account: owner, owed: realized, paid });
    }
  } else {
    sums.vault -= realized;
  }
  sums.fees += fee;
  account.collateral = collateral;
  account.positionMask = mask;
  storeAccount(state, owner, account);
  context.events.push({
    type: 'OrderFilled',
    orderId,
    account: owner,
    market,
    sizeDelta: delta,
    price,
    realizedPnl: realized,
    fee,
  });
  return undefined;
}

/** PerpsCore.checkRemoval: taking `amount` out of the collateral. */
export function checkRemoval(
  context: Context,
  owner: Address,
  account: Account,
  amount: bigint,
): Rejection | undefined {
  if (amount > account.collateral) return rejection('InsufficientCollateral');
  if (account.positionMask === 0) return undefined;
  const after = health(context, owner, account.collateral - amount, account.positionMask);
  if (!after.allFresh) return rejection('MarketHalted', BigInt(firstHalted(context, account.positionMask)));
  if (after.equity < after.initial) return rejection('InsufficientMargin', after.equity, after.initial);
  return undefined;
}

/** PerpsCore.liquidate. */
export function liquidate(context: Context, owner: Address, account: Account): void {
  const { realized, fee: owedFee } = closeAll(context, owner, account.positionMask);
  const settled = settle(context, owner, account.collateral, realized);
  const fee = min(owedFee, settled.collateral);
  context.state.totals.insurance += fee;
  account.collateral = settled.collateral - fee;
  account.positionMask = 0;
  storeAccount(context.state, owner, account);
  context.events.push({
    type: 'Liquidated',
    account: owner,
    realizedPnl: realized,
    fee,
    insurancePaid: settled.insurancePaid,
    badDebt: settled.badDebt,
  });
}

/** PerpsCore.closeAll: every position of `mask` closed at the current prices. */
export function closeAll(context: Context, owner: Address, mask: number): { realized: bigint; fee: bigint } {
  let realized = 0n;
  let fee = 0n;
  for (let market = 0; mask !== 0; market++, mask >>>= 1) {
    if ((mask & 1) === 0) continue;
    const { size, entryPrice } = loadPosition(context.state, owner, market);
    const { price } = priceOf(context, market);
    const config = context.state.config.markets[market]!;
    realized += floorDiv(size * (price - entryPrice), config.scale);
    fee += ceilDiv(abs(size) * price * BigInt(config.liquidationFeeBps), config.scale * BPS);
    const marketState = context.state.markets[market]!;
    if (size > 0n) marketState.longOpenInterest -= size;
    else marketState.shortOpenInterest += size;
    marketState.entryNotional -= size * entryPrice;
    storePosition(context.state, owner, market, { size: 0n, entryPrice: 0n });
  }
  return { realized, fee };
}

/** PerpsCore.settle: a realized PnL between an account and the vault, insurance, bad debt. */
export function settle(
  context: Context,
  owner: Address,
  collateral: bigint,
  realized: bigint,
): { collateral: bigint; insurancePaid: bigint; badDebt: bigint } {
  const sums = context.state.totals;
  let insurancePaid = 0n;
  let badDebt = 0n;
  if (realized >= 0n) {
    const paid = min(realized, sums.vault);
    sums.vault -= paid;
    collateral += paid;
    if (paid < realized) {
      sums.unpaidProfit = saturatingAdd(sums.unpaidProfit, realized - paid);
      context.events.push({ type: 'ProfitCapped', account: owner, owed: realized, paid });
    }
  } else {
    const loss = -realized;
    const taken = min(loss, collateral);
    collateral -= taken;
    const shortfall = loss - taken;
    insurancePaid = min(shortfall, sums.insurance);
    badDebt = shortfall - insurancePaid;
    sums.insurance -= insurancePaid;
    sums.vault += taken + insurancePaid;
    sums.badDebt = saturatingAdd(sums.badDebt, badDebt);
  }
  return { collateral, insurancePaid, badDebt };
}
