// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import "./PerpsTypes.sol";

/// @title PerpsCore: margin, fills and liquidation (internal; compiled into each library that uses it)
/// @notice Every division rounds against the account (PnL floored; requirements, fees and a
///         long's average entry ceiled; a short's average entry floored) and the vault takes
///         exactly the opposite of what an account realizes (docs/decisions.md "Perps: cross
///         margin …"). src/model/core.ts is the same, line for line.
library PerpsCore {
    using PerpsStorage for Layout;

    /// @dev An order being evaluated (memory keeps the stack small).
    struct Trade {
        uint256 price;
        bool fresh;
        int256 oldSize;
        uint256 oldEntry;
        int256 newSize;
        uint256 newEntry;
        bool increases;
        int256 realized;
        uint256 paid;
        uint256 fee;
        uint256 collateral;
        uint256 mask;
        uint256 longOpenInterest;
        uint256 shortOpenInterest;
    }

    /// @dev Checks of an account before any of its transactions: below maintenance at the
    ///      batch's prices, it is liquidated and true is returned.
    function liquidateIfBelowMaintenance(Layout storage l, address owner, Account memory account)
        internal
        returns (bool)
    {
        if (account.positionMask == 0) return false;
        (int256 equity,, uint256 maintenance,) =
            health(l, owner, account.collateral, account.positionMask, type(uint256).max, 0, 0);
        if (equity >= int256(maintenance)) return false;
        liquidate(l, owner, account);
        return true;
    }

    /// @dev Evaluates one fill of `delta` in `market` for `owner` at the current price and, if
    ///      allowed, applies it. Nothing is written unless it is applied. Returns the reason
    ///      (an ABI-encoded error) or empty.
    function trade(
        Layout storage l,
        address owner,
        Account memory account,
        uint256 market,
        int256 delta,
        uint256 limitPrice,
        bool reduceOnly,
        uint64 orderId
    ) internal returns (bytes memory) {
        Trade memory t;
        (t.price, t.fresh) = l.price(market);
        Position memory position = l.positions[owner][market];
        t.oldSize = position.size;
        t.oldEntry = position.entryPrice;
        MarketConfig memory config = l.configs[market];

        t.newSize = t.oldSize + delta;
        uint256 oldAbs = abs(t.oldSize);
        uint256 deltaAbs = abs(delta);
        if (t.oldSize == 0 || (t.oldSize > 0) == (delta > 0)) {
            t.increases = true;
            uint256 weighted = oldAbs * t.oldEntry + deltaAbs * t.price;
            uint256 newAbs = abs(t.newSize);
            t.newEntry = t.oldSize == 0 ? t.price : t.newSize > 0 ? ceilDiv(weighted, newAbs) : weighted / newAbs;
        } else {
            uint256 closedAbs = deltaAbs < oldAbs ? deltaAbs : oldAbs;
            int256 closed = t.oldSize > 0 ? int256(closedAbs) : -int256(closedAbs);
            t.realized = floorDiv(closed * (int256(t.price) - int256(t.oldEntry)), config.scale);
            t.increases = deltaAbs > oldAbs;
            t.newEntry = t.increases ? t.price : t.newSize == 0 ? 0 : t.oldEntry;
        }
        if (reduceOnly && t.increases) return abi.encodeWithSelector(Rejections.ReduceOnlyIncreases.selector);
        if ((t.increases && !t.fresh) || t.price == 0) return abi.encodeWithSelector(Rejections.MarketHalted.selector, market);
        if (delta > 0 ? t.price > limitPrice : t.price < limitPrice) {
            return abi.encodeWithSelector(Rejections.LimitPriceNotMet.selector, t.price, limitPrice);
        }

        MarketState memory state = l.states[market];
        t.longOpenInterest = uint256(state.longOpenInterest) + positive(t.newSize) - positive(t.oldSize);
        t.shortOpenInterest = uint256(state.shortOpenInterest) + positive(-t.newSize) - positive(-t.oldSize);
        Totals memory sums = l.totals;
        if (t.increases) {
            if (abs(t.newSize) > config.maxPositionSize) {
                return abi.encodeWithSelector(Rejections.PositionTooLarge.selector, market);
            }
            uint256 side = t.newSize > 0 ? t.longOpenInterest : t.shortOpenInterest;
            if (
                side > config.maxOpenInterest
                    || ceilDiv((t.longOpenInterest + t.shortOpenInterest) * t.price, config.scale) * BPS
                        > uint256(sums.vault) * config.maxOpenInterestVaultBps
            ) return abi.encodeWithSelector(Rejections.OpenInterestCapExceeded.selector, market);
        }

        t.fee = ceilDiv(deltaAbs * t.price * config.takerFeeBps, uint256(config.scale) * BPS);
        uint256 collateral = account.collateral;
        if (t.realized >= 0) {
            t.paid = uint256(t.realized) < sums.vault ? uint256(t.realized) : sums.vault;
            collateral += t.paid;
        } else {
            uint256 loss = uint256(-t.realized);
            if (collateral < loss) return abi.encodeWithSelector(Rejections.InsufficientCollateral.selector);
            collateral -= loss;
        }
        if (collateral < t.fee) return abi.encodeWithSelector(Rejections.InsufficientCollateral.selector);
        t.collateral = collateral - t.fee;

        t.mask = t.newSize == 0 ? account.positionMask & ~(1 << market) : account.positionMask | (1 << market);
        if (t.mask != 0) {
            (int256 equity, uint256 initial, uint256 maintenance, bool allFresh) =
                health(l, owner, t.collateral, t.mask, market, t.newSize, t.newEntry);
            if (t.increases) {
                if (!allFresh) return abi.encodeWithSelector(Rejections.MarketHalted.selector, firstHalted(l, t.mask));
                if (equity < int256(initial)) {
                    return abi.encodeWithSelector(Rejections.InsufficientMargin.selector, equity, initial);
                }
            } else if (equity < int256(maintenance)) {
                return abi.encodeWithSelector(Rejections.InsufficientMargin.selector, equity, maintenance);
            }
        }

        if (t.newSize == 0) delete l.positions[owner][market];
        else l.positions[owner][market] = Position(int96(t.newSize), uint128(t.newEntry));
        state.longOpenInterest = uint128(t.longOpenInterest);
        state.shortOpenInterest = uint128(t.shortOpenInterest);
        state.entryNotional += t.newSize * int256(t.newEntry) - t.oldSize * int256(t.oldEntry);
        l.states[market] = state;
        if (t.realized >= 0) {
            sums.vault -= uint128(t.paid);
            if (t.paid < uint256(t.realized)) {
                sums.unpaidProfit = saturatingAdd(sums.unpaidProfit, uint256(t.realized) - t.paid);
                emit ProfitCapped(owner, uint256(t.realized), t.paid);
            }
        } else {
            sums.vault += uint128(uint256(-t.realized));
        }
        sums.fees += uint128(t.fee);
        l.totals = sums;
        account.collateral = uint128(t.collateral);
        account.positionMask = uint16(t.mask);
        l.accounts[owner] = account;
        emit OrderFilled(orderId, owner, market, delta, t.price, t.realized, t.fee);
        return "";
    }

    /// @dev Taking `amount` out of an account's collateral: it must have it, and an account with
    ///      positions must stay at initial margin, at fresh prices only.
    function checkRemoval(Layout storage l, address owner, Account memory account, uint256 amount)
        internal
        view
        returns (bytes memory)
    {
        if (amount > account.collateral) return abi.encodeWithSelector(Rejections.InsufficientCollateral.selector);
        if (account.positionMask == 0) return "";
        (int256 equity, uint256 initial,, bool allFresh) =
            health(l, owner, account.collateral - amount, account.positionMask, type(uint256).max, 0, 0);
        if (!allFresh) return abi.encodeWithSelector(Rejections.MarketHalted.selector, firstHalted(l, account.positionMask));
        if (equity < int256(initial)) return abi.encodeWithSelector(Rejections.InsufficientMargin.selector, equity, initial);
        return "";
    }

    /// @dev Equity, initial and maintenance requirements of an account holding `mask` with
    ///      `collateral`, where `overrideMarket` has the given size and entry instead of its
    ///      stored position; and whether every market held has a fresh price.
    function health(
        Layout storage l,
        address owner,
        uint256 collateral,
        uint256 mask,
        uint256 overrideMarket,
        int256 overrideSize,
        uint256 overrideEntry
    ) internal view returns (int256 equity, uint256 initial, uint256 maintenance, bool allFresh) {
        equity = int256(collateral);
        allFresh = true;
        for (uint256 m = 0; mask != 0; ++m) {
            if (mask & 1 != 0) {
                int256 size = overrideSize;
                uint256 entry = overrideEntry;
                if (m != overrideMarket) {
                    Position memory position = l.positions[owner][m];
                    (size, entry) = (position.size, position.entryPrice);
                }
                (uint256 price, bool fresh) = l.price(m);
                allFresh = allFresh && fresh;
                MarketConfig storage config = l.configs[m];
                uint256 scale = config.scale;
                equity += floorDiv(size * (int256(price) - int256(entry)), scale);
                uint256 notional = abs(size) * price;
                initial += ceilDiv(notional * config.initialMarginBps, scale * BPS);
                maintenance += ceilDiv(notional * config.maintenanceMarginBps, scale * BPS);
            }
            mask >>= 1;
        }
    }

    function firstHalted(Layout storage l, uint256 mask) internal view returns (uint256 m) {
        for (m = 0; mask != 0; ++m) {
            if (mask & 1 != 0) {
                (, bool fresh) = l.price(m);
                if (!fresh) return m;
            }
            mask >>= 1;
        }
    }

    /// @dev Closes every position at the current prices, settles the loss (insurance, then bad
    ///      debt), takes the liquidation fee from what collateral is left.
    function liquidate(Layout storage l, address owner, Account memory account) internal {
        (int256 realized, uint256 fee) = closeAll(l, owner, account.positionMask);
        (uint256 collateral, uint256 insurancePaid, uint256 badDebt) = settle(l, owner, account.collateral, realized);
        if (fee > collateral) fee = collateral;
        collateral -= fee;
        l.totals.insurance += uint128(fee);
        account.collateral = uint128(collateral);
        account.positionMask = 0;
        l.accounts[owner] = account;
        emit Liquidated(owner, realized, fee, insurancePaid, badDebt);
    }

    /// @dev Closes every position in `mask` at the current prices (the batch's, or the marks).
    ///      Returns the realized PnL and the liquidation fee those closes owe.
    function closeAll(Layout storage l, address owner, uint256 mask) internal returns (int256 realized, uint256 fee) {
        for (uint256 m = 0; mask != 0; ++m) {
            if (mask & 1 != 0) {
                Position memory position = l.positions[owner][m];
                (uint256 price,) = l.price(m);
                MarketConfig storage config = l.configs[m];
                uint256 scale = config.scale;
                int256 size = position.size;
                int256 entry = int256(uint256(position.entryPrice));
                realized += floorDiv(size * (int256(price) - entry), scale);
                fee += ceilDiv(abs(size) * price * config.liquidationFeeBps, scale * BPS);
                MarketState storage state = l.states[m];
                if (size > 0) state.longOpenInterest -= uint128(uint256(size));
                else state.shortOpenInterest -= uint128(uint256(-size));
                state.entryNotional -= size * entry;
                delete l.positions[owner][m];
            }
            mask >>= 1;
        }
    }

    /// @dev Moves a realized PnL between an account and the vault. A profit is paid up to the
    ///      vault's balance (the rest is unpaidProfit); a loss beyond the collateral is paid by
    ///      the insurance fund as far as it goes, and the rest is bad debt.
    function settle(Layout storage l, address owner, uint256 collateral, int256 realized)
        internal
        returns (uint256, uint256 insurancePaid, uint256 badDebt)
    {
        Totals memory sums = l.totals;
        if (realized >= 0) {
            uint256 owed = uint256(realized);
            uint256 paid = owed < sums.vault ? owed : sums.vault;
            sums.vault -= uint128(paid);
            collateral += paid;
            if (paid < owed) {
                sums.unpaidProfit = saturatingAdd(sums.unpaidProfit, owed - paid);
                emit ProfitCapped(owner, owed, paid);
            }
        } else {
            uint256 loss = uint256(-realized);
            uint256 taken = loss < collateral ? loss : collateral;
            collateral -= taken;
            uint256 shortfall = loss - taken;
            insurancePaid = shortfall < sums.insurance ? shortfall : sums.insurance;
            badDebt = shortfall - insurancePaid;
            sums.insurance -= uint128(insurancePaid);
            sums.vault += uint128(taken + insurancePaid);
            sums.badDebt = saturatingAdd(sums.badDebt, badDebt);
        }
        l.totals = sums;
        return (collateral, insurancePaid, badDebt);
    }

    /// @dev badDebt and unpaidProfit are records, not balances: they saturate at 2^128 − 1
    ///      instead of reverting a batch (only absurd certified prices could get there).
    function saturatingAdd(uint128 total, uint256 amount) internal pure returns (uint128) {
        uint256 sum = uint256(total) + amount;
        return sum > type(uint128).max ? type(uint128).max : uint128(sum);
    }

    function abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    function positive(int256 x) internal pure returns (uint256) {
        return x > 0 ? uint256(x) : 0;
    }

    /// @dev x / d rounded toward −∞ (0 < d ≤ MAX_SCALE).
    function floorDiv(int256 x, uint256 d) internal pure returns (int256 q) {
        int256 divisor = int256(d);
        q = x / divisor;
        if (x % divisor != 0 && x < 0) q -= 1;
    }

    function ceilDiv(uint256 x, uint256 d) internal pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / d + 1;
    }
}
