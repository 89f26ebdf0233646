// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import "./PerpsTypes.sol";
import {PerpsCore} from "./PerpsCore.sol";

/// @title PerpsTransactions: one Synod transaction of the clearinghouse's namespace
/// @notice Linked library, called by Clearinghouse (DELEGATECALL) for every transaction of a
///         batch, in sequence order, with the batch's prices in transient storage. Decodes the
///         payload (docs/perps.md "Payloads") and applies it or returns the reason it is refused.
///         Never reverts on a user's input: a revert would stop the namespace's settlement.
library PerpsTransactions {
    using PerpsStorage for Layout;

    /// @param sender The transaction's sender (its signature is verified by the base).
    /// @param payload version ‖ kind ‖ ABI words.
    /// @param sequence Its sequence number in the namespace (the id of an order it places).
    /// @param timestampMs The block time of its block.
    /// @param marketCount The clearinghouse's number of markets.
    /// @return rejection Empty if applied, else an ABI-encoded reason.
    function applyTransaction(
        address sender,
        bytes calldata payload,
        uint64 sequence,
        uint64 timestampMs,
        uint256 marketCount
    ) external returns (bytes memory rejection) {
        if (payload.length < 2 || uint8(payload[0]) != PAYLOAD_VERSION || (payload.length - 2) % 32 != 0) {
            return abi.encodeWithSelector(Rejections.MalformedPayload.selector);
        }
        uint8 kind = uint8(payload[1]);
        uint256 words = (payload.length - 2) / 32;
        Layout storage l = PerpsStorage.layout();
        Account memory account = l.accounts[sender];
        if (PerpsCore.liquidateIfBelowMaintenance(l, sender, account)) {
            return abi.encodeWithSelector(Rejections.AccountLiquidated.selector);
        }

        if (kind == KIND_ORDER || kind == KIND_CLOSE) {
            if (words != (kind == KIND_ORDER ? 6 : 3)) return abi.encodeWithSelector(Rejections.MalformedPayload.selector);
            uint256 market = word(payload, 0);
            uint256 side;
            uint256 size;
            uint256 limitPrice;
            uint256 expiry;
            uint256 flags;
            if (kind == KIND_ORDER) {
                (side, size, limitPrice, expiry, flags) =
                    (word(payload, 1), word(payload, 2), word(payload, 3), word(payload, 4), word(payload, 5));
                if (side > 1 || size == 0 || size > MAX_POSITION_SIZE || flags > (FLAG_REDUCE_ONLY | FLAG_REST)) {
                    return abi.encodeWithSelector(Rejections.MalformedPayload.selector);
                }
            } else {
                (limitPrice, expiry, flags) = (word(payload, 1), word(payload, 2), FLAG_REDUCE_ONLY);
            }
            if (limitPrice > MAX_PRICE || expiry > type(uint64).max) {
                return abi.encodeWithSelector(Rejections.MalformedPayload.selector);
            }
            if (market >= marketCount) return abi.encodeWithSelector(Rejections.UnknownMarket.selector, market);
            if (uint256(timestampMs) > expiry * 1000) {
                return abi.encodeWithSelector(Rejections.OrderExpired.selector, uint64(expiry));
            }
            int256 delta;
            if (kind == KIND_ORDER) {
                delta = side == 0 ? int256(size) : -int256(size);
            } else {
                delta = -int256(l.positions[sender][market].size);
                if (delta == 0) return abi.encodeWithSelector(Rejections.NoPosition.selector, market);
            }
            rejection =
                PerpsCore.trade(l, sender, account, market, delta, limitPrice, flags & FLAG_REDUCE_ONLY != 0, sequence);
            if (flags & FLAG_REST != 0 && waits(rejection)) {
                if (account.restingOrders >= MAX_RESTING_ORDERS_PER_ACCOUNT) {
                    return abi.encodeWithSelector(Rejections.TooManyRestingOrders.selector);
                }
                l.resting[sequence] = RestingOrder(
                    sender, uint8(market), flags & FLAG_REDUCE_ONLY != 0, uint64(expiry), int128(delta), uint128(limitPrice)
                );
                account.restingOrders += 1;
                l.accounts[sender] = account;
                emit OrderRested(sequence, sender);
                return "";
            }
            return rejection;
        }
        if (kind == KIND_CANCEL) {
            uint256 orderId = word(payload, 0);
            if (words != 1 || orderId > type(uint64).max) return abi.encodeWithSelector(Rejections.MalformedPayload.selector);
            if (l.resting[uint64(orderId)].account != sender) {
                return abi.encodeWithSelector(Rejections.UnknownOrder.selector, uint64(orderId));
            }
            delete l.resting[uint64(orderId)];
            account.restingOrders -= 1;
            l.accounts[sender] = account;
            emit RestingOrderRemoved(uint64(orderId), abi.encodeWithSelector(Rejections.OrderCancelled.selector));
            return "";
        }
        if (kind == KIND_WITHDRAW || kind == KIND_VAULT_DEPOSIT || kind == KIND_VAULT_WITHDRAW) {
            uint256 amount = word(payload, 0);
            if (words != 1 || amount == 0 || amount > type(uint128).max) {
                return abi.encodeWithSelector(Rejections.MalformedPayload.selector);
            }
            if (kind == KIND_WITHDRAW) return withdraw(l, sender, account, amount, sequence);
            if (kind == KIND_VAULT_DEPOSIT) return vaultDeposit(l, sender, account, amount, sequence, marketCount);
            return vaultWithdraw(l, sender, account, amount, sequence, marketCount);
        }
        return abi.encodeWithSelector(Rejections.MalformedPayload.selector);
    }

    /// @dev A resting order waits on these reasons; any other refusal is final.
    function waits(bytes memory rejection) internal pure returns (bool) {
        if (rejection.length < 4) return false;
        bytes4 selector = bytes4(rejection);
        return selector == Rejections.LimitPriceNotMet.selector || selector == Rejections.MarketHalted.selector;
    }

    /// @dev Collateral → claimable (paid on L1 by Clearinghouse.claim).
    function withdraw(Layout storage l, address owner, Account memory account, uint256 amount, uint64 sequence)
        private
        returns (bytes memory rejection)
    {
        rejection = PerpsCore.checkRemoval(l, owner, account, amount);
        if (rejection.length != 0) return rejection;
        account.collateral -= uint128(amount);
        l.accounts[owner] = account;
        l.claimable[owner] += amount;
        emit Withdrawn(sequence, owner, amount);
    }

    /// @dev Collateral → vault shares at the vault's net asset value.
    function vaultDeposit(
        Layout storage l,
        address owner,
        Account memory account,
        uint256 amount,
        uint64 sequence,
        uint256 marketCount
    ) private returns (bytes memory rejection) {
        rejection = PerpsCore.checkRemoval(l, owner, account, amount);
        if (rejection.length != 0) return rejection;
        (int256 nav, uint256 halted) = netAssetValue(l, marketCount);
        if (halted != type(uint256).max) return abi.encodeWithSelector(Rejections.MarketHalted.selector, halted);
        Totals memory sums = l.totals;
        uint256 shares = amount;
        if (sums.totalShares != 0) {
            if (nav <= 0) return abi.encodeWithSelector(Rejections.VaultInsolvent.selector);
            shares = amount * sums.totalShares / uint256(nav);
            if (shares == 0 || uint256(sums.totalShares) + shares > type(uint128).max) {
                return abi.encodeWithSelector(Rejections.VaultInsolvent.selector);
            }
        }
        account.collateral -= uint128(amount);
        l.accounts[owner] = account;
        sums.vault += uint128(amount);
        sums.totalShares += uint128(shares);
        l.totals = sums;
        l.vaultShares[owner] += shares;
        emit VaultDeposited(sequence, owner, amount, shares);
    }

    /// @dev Vault shares → collateral at the vault's net asset value, if the vault keeps enough
    ///      for every market's open-interest cap.
    function vaultWithdraw(
        Layout storage l,
        address owner,
        Account memory account,
        uint256 shares,
        uint64 sequence,
        uint256 marketCount
    ) private returns (bytes memory) {
        if (shares > l.vaultShares[owner]) return abi.encodeWithSelector(Rejections.InsufficientShares.selector);
        (int256 nav, uint256 halted) = netAssetValue(l, marketCount);
        if (halted != type(uint256).max) return abi.encodeWithSelector(Rejections.MarketHalted.selector, halted);
        if (nav <= 0) return abi.encodeWithSelector(Rejections.VaultInsolvent.selector);
        Totals memory sums = l.totals;
        uint256 amount = shares * uint256(nav) / sums.totalShares;
        if (amount > sums.vault) return abi.encodeWithSelector(Rejections.VaultInsolvent.selector);
        uint256 remaining = sums.vault - amount;
        for (uint256 m = 0; m < marketCount; ++m) {
            MarketState storage state = l.states[m];
            uint256 openInterest = uint256(state.longOpenInterest) + state.shortOpenInterest;
            if (openInterest == 0) continue;
            MarketConfig storage config = l.configs[m];
            (uint256 price,) = l.price(m);
            if (
                PerpsCore.ceilDiv(openInterest * price, config.scale) * BPS
                    > remaining * config.maxOpenInterestVaultBps
            ) return abi.encodeWithSelector(Rejections.VaultReserveBreached.selector, m);
        }
        sums.vault = uint128(remaining);
        sums.totalShares -= uint128(shares);
        l.totals = sums;
        l.vaultShares[owner] -= shares;
        account.collateral += uint128(amount);
        l.accounts[owner] = account;
        emit VaultWithdrawn(sequence, owner, shares, amount);
        return "";
    }

    /// @dev The vault's balance minus traders' unrealized PnL at the batch's prices (floored per
    ///      market, the total capped at 2^128 − 1), and the first market with open interest and no
    ///      fresh price (type(uint256).max if none).
    function netAssetValue(Layout storage l, uint256 marketCount) internal view returns (int256 nav, uint256 halted) {
        nav = int256(uint256(l.totals.vault));
        halted = type(uint256).max;
        for (uint256 m = 0; m < marketCount; ++m) {
            MarketState storage state = l.states[m];
            if (state.longOpenInterest == 0 && state.shortOpenInterest == 0) continue;
            (uint256 price, bool fresh) = l.price(m);
            if (!fresh && halted == type(uint256).max) halted = m;
            int256 netSize = int256(uint256(state.longOpenInterest)) - int256(uint256(state.shortOpenInterest));
            nav += PerpsCore.floorDiv(state.entryNotional - netSize * int256(price), l.configs[m].scale);
        }
        // Capped so that shares × NAV fits a word (only absurd prices could reach it).
        if (nav > int256(uint256(type(uint128).max))) nav = int256(uint256(type(uint128).max));
    }

    function word(bytes calldata payload, uint256 index) private pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := calldataload(add(add(payload.offset, 2), shl(5, index)))
        }
    }
}
