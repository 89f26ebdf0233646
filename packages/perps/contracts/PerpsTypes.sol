// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PriceUpdate} from "../../contracts/contracts/core/SynodTypes.sol";

// The clearinghouse's bounds, types, storage, events and reasons, shared by Clearinghouse.sol and
// the two libraries it delegates to (PerpsTransactions, PerpsBatches). The TypeScript model
// mirrors every constant in src/model/constants.ts. Why each bound: docs/decisions.md "Perps: bounds".

/// @dev The payload version byte this clearinghouse reads (docs/perps.md "Payloads").
uint8 constant PAYLOAD_VERSION = 1;
uint8 constant KIND_ORDER = 1;
uint8 constant KIND_CLOSE = 2;
uint8 constant KIND_CANCEL = 3;
uint8 constant KIND_WITHDRAW = 4;
uint8 constant KIND_VAULT_DEPOSIT = 5;
uint8 constant KIND_VAULT_WITHDRAW = 6;
uint256 constant FLAG_REDUCE_ONLY = 1;
uint256 constant FLAG_REST = 2;

uint256 constant MAX_MARKETS = 16;
/// @dev Leverage ≤ 100×.
uint256 constant MIN_INITIAL_MARGIN_BPS = 100;
uint256 constant MAX_INITIAL_MARGIN_BPS = 10_000;
/// @dev Largest |position| (and order size) in size units (int96).
uint256 constant MAX_POSITION_SIZE = 2 ** 95 - 1;
/// @dev Largest open-interest cap per side: keeps Σ size × entry far inside int256.
uint256 constant MAX_OPEN_INTEREST = 2 ** 100;
/// @dev notional (collateral units) = |size| × price / scale.
uint256 constant MAX_SCALE = 1e36;
/// @dev A certified answer outside (0, MAX_PRICE] is no price: the market is halted.
uint256 constant MAX_PRICE = type(uint128).max;
/// @dev Transactions of one batch past this many are refused (BatchTooLong).
uint256 constant MAX_ORDERS_PER_BATCH = 256;
uint256 constant MAX_LIQUIDATIONS_PER_CALL = 64;
uint256 constant MAX_TRIGGERS_PER_CALL = 64;
uint256 constant MAX_RESTING_ORDERS_PER_ACCOUNT = 8;
uint256 constant MIN_ESCAPE_TIMEOUT_SECONDS = 1 hours;
uint256 constant MAX_ESCAPE_TIMEOUT_SECONDS = 30 days;
/// @dev Tokens held for all buckets together: every sum of two buckets fits uint128.
uint256 constant MAX_HELD_COLLATERAL = 2 ** 120;
uint256 constant BPS = 10_000;

/// @notice One market per Synod feed, fixed at deployment.
struct MarketConfig {
    bytes32 feedId;
    /// @dev notional in collateral units = |size| × price / scale.
    uint128 scale;
    uint16 initialMarginBps;
    uint16 maintenanceMarginBps;
    uint16 takerFeeBps;
    uint16 liquidationFeeBps;
    /// @dev Open interest of both sides (notional) ≤ vault × this / 10^4.
    uint16 maxOpenInterestVaultBps;
    /// @dev Per side, in size units.
    uint128 maxOpenInterest;
    uint128 maxPositionSize;
}

struct MarketState {
    /// @dev The last certified price the clearinghouse saw, its height and block time.
    uint128 markPrice;
    uint64 markHeight;
    uint64 markTimestampMs;
    uint128 longOpenInterest;
    uint128 shortOpenInterest;
    /// @dev Σ size × entryPrice of all positions: traders' PnL = price × (long − short) − this.
    int256 entryNotional;
}

struct Account {
    uint128 collateral;
    /// @dev Bit m set ⇔ a nonzero position in market m.
    uint16 positionMask;
    uint8 restingOrders;
}

struct Position {
    int96 size;
    uint128 entryPrice;
}

struct RestingOrder {
    address account;
    uint8 market;
    bool reduceOnly;
    uint64 expiry;
    int128 sizeDelta;
    uint128 limitPrice;
}

/// @dev Every bucket of the collateral token the clearinghouse holds, besides accounts'
///      collateral and claimable balances; `held` is all of it (deposits − payouts).
struct Totals {
    uint128 vault;
    uint128 insurance;
    uint128 fees;
    uint128 totalShares;
    uint128 badDebt;
    uint128 unpaidProfit;
    uint128 held;
}

/// @notice What a settle call carries for one of its batches (docs/perps.md "Settle calls"):
///         the block's price leaves that decide every market with their multiproof, the
///         resting orders to trigger and the accounts to liquidate after the batch.
struct BatchSettlementData {
    /// @dev The height of the batch's header (a call of several batches carries one entry each).
    uint64 height;
    PriceUpdate[] prices;
    bytes32[] priceProof;
    uint64[] triggers;
    address[] liquidations;
}

/// @dev All of the clearinghouse's state, at one slot, so the libraries it delegates to see it.
struct Layout {
    mapping(uint256 market => MarketConfig) configs;
    mapping(uint256 market => MarketState) states;
    mapping(address account => Account) accounts;
    mapping(address account => mapping(uint256 market => Position)) positions;
    mapping(address account => uint256) claimable;
    mapping(address account => uint256) vaultShares;
    mapping(uint64 orderId => RestingOrder) resting;
    Totals totals;
}

// ───────────────────────────── events ─────────────────────────────

event Deposited(address indexed account, uint256 amount);
event Claimed(address indexed account, uint256 amount);
event Withdrawn(uint64 indexed sequence, address indexed account, uint256 amount);
/// @notice orderId is the sequence number of the transaction that placed the order.
event OrderFilled(
    uint64 indexed orderId,
    address indexed account,
    uint256 market,
    int256 sizeDelta,
    uint256 price,
    int256 realizedPnl,
    uint256 fee
);
event OrderRested(uint64 indexed orderId, address indexed account);
/// @notice A resting order left unfilled: cancelled, expired, or refused when triggered.
event RestingOrderRemoved(uint64 indexed orderId, bytes reason);
event Liquidated(address indexed account, int256 realizedPnl, uint256 fee, uint256 insurancePaid, uint256 badDebt);
/// @notice The vault paid less than a realized profit (it had no more); the rest is unpaidProfit.
event ProfitCapped(address indexed account, uint256 owed, uint256 paid);
event VaultDeposited(uint64 indexed sequence, address indexed account, uint256 amount, uint256 shares);
event VaultWithdrawn(uint64 indexed sequence, address indexed account, uint256 shares, uint256 amount);
event EscapeExited(address indexed account, int256 realizedPnl, uint256 amount);
event FeesSwept(address indexed recipient, uint256 amount);

// ───────────────────────────── reasons (TransactionRejected.reason, RestingOrderRemoved.reason) ─────────────────────────────

/// @notice The reasons a transaction (or a resting order) is refused, ABI-encoded as errors in
///         TransactionRejected.reason / RestingOrderRemoved.reason. Declared in an interface so
///         that they are in an ABI (src/abi.ts merges it into clearinghouseAbi).
interface Rejections {
    error MalformedPayload();
    error UnknownMarket(uint256 market);
    error OrderExpired(uint64 expiry);
    error MarketHalted(uint256 market);
    error LimitPriceNotMet(uint256 price, uint256 limitPrice);
    error InsufficientMargin(int256 equity, uint256 required);
    error InsufficientCollateral();
    error ReduceOnlyIncreases();
    error PositionTooLarge(uint256 market);
    error OpenInterestCapExceeded(uint256 market);
    error AccountLiquidated();
    error UnknownOrder(uint64 orderId);
    error TooManyRestingOrders();
    error NoPosition(uint256 market);
    error BatchTooLong();
    error VaultInsolvent();
    error InsufficientShares();
    error VaultReserveBreached(uint256 market);
    error OrderCancelled();
}

// ───────────────────────────── reverts ─────────────────────────────

error MissingSettlementData();
/// @notice The settlement data has no entry for the batch at `height`.
error NoSettlementDataForHeight(uint64 height);
error InvalidPriceProof();
/// @notice The settlement data neither proves the market's price nor its absence.
error PriceNotDecided(uint256 market);
error TooManyLiquidations(uint256 count);
error TooManyTriggers(uint256 count);
error InvalidMarketConfig(uint256 market);
error InvalidEscapeTimeout(uint256 timeoutSeconds);
error SettlementInProgress();
error EscapeNotActive(uint256 activeAt);
/// @notice ClearinghouseExtension's functions run only inside the Clearinghouse (DELEGATECALL).
error NotDelegated();
error HeldCollateralCap();
error TransferFailed();
error NothingToClaim();

/// @title PerpsStorage: where the clearinghouse's state lives, and the batch's transient prices
library PerpsStorage {
    /// @dev keccak256("synod/perps/clearinghouse") − 1: no Solidity-assigned slot can reach it.
    bytes32 internal constant LAYOUT_SLOT = bytes32(uint256(keccak256("synod/perps/clearinghouse")) - 1);
    /// @dev Transient: nonzero while a batch is applied.
    uint256 internal constant IN_BATCH_SLOT = uint256(keccak256("synod/perps/in-batch")) - 1;
    /// @dev Transient: market m's price in the batch at BATCH_PRICE_SLOT + m (price | FRESH).
    uint256 internal constant BATCH_PRICE_SLOT = uint256(keccak256("synod/perps/batch-price")) - 1;
    uint256 internal constant FRESH = 1 << 128;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = LAYOUT_SLOT;
        assembly ("memory-safe") {
            l.slot := slot
        }
    }

    function inBatch() internal view returns (bool active) {
        uint256 slot = IN_BATCH_SLOT;
        assembly ("memory-safe") {
            active := tload(slot)
        }
    }

    function setInBatch(bool active) internal {
        uint256 slot = IN_BATCH_SLOT;
        assembly ("memory-safe") {
            tstore(slot, active)
        }
    }

    function setBatchPrice(uint256 market, uint256 word) internal {
        uint256 slot = BATCH_PRICE_SLOT + market;
        assembly ("memory-safe") {
            tstore(slot, word)
        }
    }

    /// @dev Market m's price: inside a batch the block's (fresh) or the mark; outside, the mark.
    function price(Layout storage l, uint256 market) internal view returns (uint256 value, bool fresh) {
        if (!inBatch()) return (l.states[market].markPrice, false);
        uint256 slot = BATCH_PRICE_SLOT + market;
        uint256 word;
        assembly ("memory-safe") {
            word := tload(slot)
        }
        return (uint128(word), word & FRESH != 0);
    }
}
