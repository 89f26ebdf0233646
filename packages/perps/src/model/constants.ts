/**
 * The clearinghouse's bounds and encodings, equal to the constants of contracts/PerpsTypes.sol
 * (test/constants.test.ts reads them back from the compiled contract). Why each bound:
 * docs/decisions.md "Perps: bounds".
 */

/** The payload version byte (docs/perps.md "Payloads"). */
export const PAYLOAD_VERSION = 1;

/** Payload kinds: the byte after the version. */
export const PayloadKind = {
  order: 1,
  close: 2,
  cancel: 3,
  withdraw: 4,
  vaultDeposit: 5,
  vaultWithdraw: 6,
} as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

/** Order flags (a bit set). */
export const FLAG_REDUCE_ONLY = 1n;
export const FLAG_REST = 2n;

export const MAX_MARKETS = 16;
/** Leverage ≤ 100×. */
export const MIN_INITIAL_MARGIN_BPS = 100;
export const MAX_INITIAL_MARGIN_BPS = 10_000;
/** Largest |position| and order size, in size units (int96). */
export const MAX_POSITION_SIZE = 2n ** 95n - 1n;
/** Largest open-interest cap per side. */
export const MAX_OPEN_INTEREST = 2n ** 100n;
/** notional (collateral units) = |size| × price / scale. */
export const MAX_SCALE = 10n ** 36n;
/** A certified answer outside (0, MAX_PRICE] is no price: the market is halted. */
export const MAX_PRICE = 2n ** 128n - 1n;
/** Transactions of one batch past this many are refused (BatchTooLong). */
export const MAX_ORDERS_PER_BATCH = 256;
export const MAX_LIQUIDATIONS_PER_CALL = 64;
export const MAX_TRIGGERS_PER_CALL = 64;
export const MAX_RESTING_ORDERS_PER_ACCOUNT = 8;
export const MIN_ESCAPE_TIMEOUT_SECONDS = 3_600n;
export const MAX_ESCAPE_TIMEOUT_SECONDS = 30n * 86_400n;
/** Tokens held for all buckets together. */
export const MAX_HELD_COLLATERAL = 2n ** 120n;
export const BPS = 10_000n;
export const MAX_UINT64 = 2n ** 64n - 1n;
export const MAX_UINT128 = 2n ** 128n - 1n;
