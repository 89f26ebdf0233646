// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PriceUpdate, SynodMerkle} from "../../contracts/contracts/core/SynodTypes.sol";
import "./PerpsTypes.sol";
import {PerpsCore} from "./PerpsCore.sol";

/// @title PerpsBatches: what happens once per batch
/// @notice Linked library, called by Clearinghouse (DELEGATECALL): `prepare` before a batch's
///         first transaction (prove the block's prices, decide every market, move the marks)
///         and `finish` after its last (triggered resting orders, then the liquidation list).
library PerpsBatches {
    using PerpsStorage for Layout;

    /// @notice Proves `prices` against the header's price tree and decides every market: its
    ///         leaf is given (fresh: the batch trades at it, and it becomes the mark) or its
    ///         absence is shown by the given leaves around its feedId (halted: the mark stands).
    ///         Reverts InvalidPriceProof or PriceNotDecided: a relayer cannot withhold a price.
    /// @param height The header's height.
    /// @param timestampMs The header's block time.
    /// @param priceRoot The header's priceRoot.
    /// @param priceCount The header's priceCount.
    /// @param prices Leaves of the price tree with their indices, strictly increasing.
    /// @param proof Their multiproof (SynodMerkle.multiproofRoot).
    /// @param marketCount The clearinghouse's number of markets.
    function prepare(
        uint64 height,
        uint64 timestampMs,
        bytes32 priceRoot,
        uint256 priceCount,
        PriceUpdate[] calldata prices,
        bytes32[] calldata proof,
        uint256 marketCount
    ) external {
        PerpsStorage.setInBatch(true);
        uint256 count = prices.length;
        if (count != 0 && SynodMerkle.priceMultiproofRoot(prices, priceCount, proof) != priceRoot) {
            revert InvalidPriceProof();
        }
        Layout storage l = PerpsStorage.layout();
        uint256 j = 0;
        for (uint256 m = 0; m < marketCount; ++m) {
            uint256 feed = uint256(l.configs[m].feedId);
            while (j < count && uint256(prices[j].feedId) < feed) ++j;
            MarketState storage state = l.states[m];
            uint256 word = state.markPrice;
            if (j < count && uint256(prices[j].feedId) == feed) {
                int256 answer = prices[j].answer;
                if (answer > 0 && uint256(answer) <= MAX_PRICE) {
                    word = uint256(answer) | PerpsStorage.FRESH;
                    (state.markPrice, state.markHeight, state.markTimestampMs) =
                        (uint128(uint256(answer)), height, timestampMs);
                }
            } else {
                // Absent, as the namespace exclusion rule shows it: neighbours adjacent in the
                // tree around the feed, or leaf 0 above it, or the last leaf below it.
                bool decided = count == 0
                    ? priceCount == 0
                    : j > 0 && j < count
                        ? prices[j].index == prices[j - 1].index + 1
                        : j > 0 ? prices[j - 1].index == priceCount - 1 : prices[j].index == 0;
                if (!decided) revert PriceNotDecided(m);
            }
            PerpsStorage.setBatchPrice(m, word);
        }
    }

    /// @notice After a batch's last transaction: the resting orders a keeper triggers, then the
    ///         liquidation list, at the batch's prices.
    function finish(uint64 timestampMs, uint64[] calldata triggers, address[] calldata liquidations) external {
        if (triggers.length > MAX_TRIGGERS_PER_CALL) revert TooManyTriggers(triggers.length);
        if (liquidations.length > MAX_LIQUIDATIONS_PER_CALL) revert TooManyLiquidations(liquidations.length);
        Layout storage l = PerpsStorage.layout();
        for (uint256 i = 0; i < triggers.length; ++i) {
            trigger(l, triggers[i], timestampMs);
        }
        for (uint256 i = 0; i < liquidations.length; ++i) {
            PerpsCore.liquidateIfBelowMaintenance(l, liquidations[i], l.accounts[liquidations[i]]);
        }
        PerpsStorage.setInBatch(false);
    }

    /// @dev A keeper asks to fill resting order `orderId` now. Unknown ids are skipped (racing
    ///      keepers); an expired order is removed; a limit not met or a halted market leaves it.
    function trigger(Layout storage l, uint64 orderId, uint64 timestampMs) private {
        RestingOrder memory order = l.resting[orderId];
        address owner = order.account;
        if (owner == address(0)) return;
        bytes memory reason;
        Account memory account = l.accounts[owner];
        if (uint256(timestampMs) > uint256(order.expiry) * 1000) {
            reason = abi.encodeWithSelector(Rejections.OrderExpired.selector, order.expiry);
        } else if (PerpsCore.liquidateIfBelowMaintenance(l, owner, account)) {
            reason = abi.encodeWithSelector(Rejections.AccountLiquidated.selector);
        } else {
            reason = PerpsCore.trade(
                l, owner, account, order.market, order.sizeDelta, order.limitPrice, order.reduceOnly, orderId
            );
            if (reason.length >= 4) {
                bytes4 selector = bytes4(reason);
                if (selector == Rejections.LimitPriceNotMet.selector || selector == Rejections.MarketHalted.selector) return;
            }
            account = l.accounts[owner];
        }
        delete l.resting[orderId];
        account.restingOrders -= 1;
        l.accounts[owner] = account;
        if (reason.length != 0) emit RestingOrderRemoved(orderId, reason);
    }
}
