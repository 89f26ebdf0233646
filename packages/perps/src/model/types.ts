import type { Address, Hex } from 'viem';

/** One market per Synod feed (the Solidity MarketConfig). */
export interface MarketConfig {
  feedId: Hex;
  /** notional in collateral units = |size| × price / scale. */
  scale: bigint;
  initialMarginBps: number;
  maintenanceMarginBps: number;
  takerFeeBps: number;
  liquidationFeeBps: number;
  /** Open interest of both sides (notional) ≤ vault × this / 10⁴. */
  maxOpenInterestVaultBps: number;
  /** Per side, in size units. */
  maxOpenInterest: bigint;
  maxPositionSize: bigint;
}

export interface ClearinghouseConfig {
  /** Sorted by feedId, strictly increasing (the contract refuses anything else). */
  markets: readonly MarketConfig[];
  escapeTimeoutSeconds: bigint;
}

export interface MarketState {
  /** The last certified price seen (0 before the first), its height and block time. */
  markPrice: bigint;
  markHeight: bigint;
  markTimestampMs: bigint;
  longOpenInterest: bigint;
  shortOpenInterest: bigint;
  /** Σ size × entryPrice of all positions. */
  entryNotional: bigint;
}

export interface Account {
  collateral: bigint;
  /** Bit m set ⇔ a nonzero position in market m. */
  positionMask: number;
  restingOrders: number;
}

export interface Position {
  size: bigint;
  entryPrice: bigint;
}

export interface RestingOrder {
  account: Address;
  market: number;
  reduceOnly: boolean;
  /** Unix seconds. */
  expiry: bigint;
  sizeDelta: bigint;
  limitPrice: bigint;
}

/** Every bucket of collateral besides accounts' balances; `held` is all of it. */
export interface Totals {
  vault: bigint;
  insurance: bigint;
  fees: bigint;
  totalShares: bigint;
  badDebt: bigint;
  unpaidProfit: bigint;
  held: bigint;
}

/**
 * Everything the contract stores, as plain data. Addresses are lowercase. Maps hold only
 * nonzero entries (a zero entry is what the contract returns for an unknown key).
 */
export interface ClearinghouseState {
  config: ClearinghouseConfig;
  markets: MarketState[];
  accounts: Map<Address, Account>;
  /** Key `${account}/${market}`. */
  positions: Map<string, Position>;
  claimable: Map<Address, bigint>;
  vaultShares: Map<Address, bigint>;
  /** orderId (the sequence number that placed it) → order. */
  resting: Map<bigint, RestingOrder>;
  totals: Totals;
  /** Transactions of the namespace applied so far (the base's appliedCount). */
  appliedCount: bigint;
  /** L1 time (seconds) of the last settled batch, deployment time before the first. */
  lastSettledAt: bigint;
}

/** A refusal, as the contract's ABI-encoded error: its name and arguments. */
export interface Rejection {
  name: RejectionName;
  args: readonly bigint[];
}

export type RejectionName =
  | 'MalformedPayload'
  | 'UnknownMarket'
  | 'OrderExpired'
  | 'MarketHalted'
  | 'LimitPriceNotMet'
  | 'InsufficientMargin'
  | 'InsufficientCollateral'
  | 'ReduceOnlyIncreases'
  | 'PositionTooLarge'
  | 'OpenInterestCapExceeded'
  | 'AccountLiquidated'
  | 'UnknownOrder'
  | 'TooManyRestingOrders'
  | 'NoPosition'
  | 'BatchTooLong'
  | 'VaultInsolvent'
  | 'InsufficientShares'
  | 'VaultReserveBreached'
  | 'OrderCancelled';

/** What the contract emits, minus the base's own events (data, in emission order). */
export type ClearinghouseEvent =
  | {
      type: 'OrderFilled';
      orderId: bigint;
      account: Address;
      market: number;
      sizeDelta: bigint;
      price: bigint;
      realizedPnl: bigint;
      fee: bigint;
    }
  | { type: 'OrderRested'; orderId: bigint; account: Address }
  | { type: 'RestingOrderRemoved'; orderId: bigint; reason: Rejection }
  | {
      type: 'Liquidated';
      account: Address;
      realizedPnl: bigint;
      fee: bigint;
      insurancePaid: bigint;
      badDebt: bigint;
    }
  | { type: 'ProfitCapped'; account: Address; owed: bigint; paid: bigint }
  | { type: 'Withdrawn'; sequence: bigint; account: Address; amount: bigint }
  | { type: 'VaultDeposited'; sequence: bigint; account: Address; amount: bigint; shares: bigint }
  | { type: 'VaultWithdrawn'; sequence: bigint; account: Address; shares: bigint; amount: bigint }
  | { type: 'EscapeExited'; account: Address; realizedPnl: bigint; amount: bigint };

/** One transaction of a batch, as the model needs it. */
export interface BatchTransaction {
  /** Its sequence number in the namespace. */
  sequence: bigint;
  sender: Address;
  payload: Hex;
}

/** A certified block's batch of the namespace and what the settle call carried with it. */
export interface Batch {
  height: bigint;
  timestampMs: bigint;
  /** Every price of the block (its price leaves). */
  prices: readonly { feedId: Hex; answer: bigint }[];
  /** The namespace's transactions of the block, in order. */
  transactions: readonly BatchTransaction[];
  /** Resting orders the settle call triggers, in order. */
  triggers: readonly bigint[];
  /** Accounts the settle call asks to liquidate, in order. */
  liquidations: readonly Address[];
  /** L1 block time (seconds) of the settle call. */
  l1TimestampSeconds: bigint;
}

/** The outcome of one transaction: applied, or refused with its reason. */
export interface TransactionOutcome {
  sequence: bigint;
  rejection?: Rejection;
}
