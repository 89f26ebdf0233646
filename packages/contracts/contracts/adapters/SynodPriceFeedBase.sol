// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {PriceFeeds} from "../core/PriceFeeds.sol";

/// @title SynodPriceFeedBase: what both price feed adapters share
/// @notice One Synod feed of a PriceFeeds contract, immutable: the feed, its decimals and its
///         description are fixed at deployment, and anyone may deploy an adapter, so a consumer
///         trusts an adapter address as it would a Chainlink proxy address. Round ids are the
///         feed's own rounds (1, 2, 3… one per price update on L1); PriceFeeds keeps the last
///         ROUND_HISTORY of them. Every historical price stays provable with
///         PriceFeeds.verifyPrice against a stored header.
abstract contract SynodPriceFeedBase is AggregatorV3Interface {
    /// @notice Where prices are recorded.
    PriceFeeds public immutable priceFeeds;
    /// @notice The feed id in Synod price leaves (e.g. keccak256("ETH/USD")).
    bytes32 public immutable feedId;
    uint8 private immutable feedDecimals;
    string private feedDescription;

    /// @param priceFeeds_ The PriceFeeds contract.
    /// @param feedId_ The Synod feed id.
    /// @param decimals_ Decimals of the feed's fixed-point answers.
    /// @param description_ E.g. "ETH / USD".
    constructor(PriceFeeds priceFeeds_, bytes32 feedId_, uint8 decimals_, string memory description_) {
        priceFeeds = priceFeeds_;
        feedId = feedId_;
        feedDecimals = decimals_;
        feedDescription = description_;
    }

    /// @notice Decimals of the answers.
    function decimals() external view returns (uint8) {
        return feedDecimals;
    }

    /// @notice Human-readable name of the feed.
    function description() external view returns (string memory) {
        return feedDescription;
    }

    /// @notice Adapter version: 2 numbers rounds per feed and keeps a history (1 used heights).
    function version() external pure returns (uint256) {
        return 2;
    }

    /// @notice The Synod height whose header carried round `roundId` (0 if not kept).
    function heightOf(uint256 roundId) external view returns (uint64 height) {
        (,, height) = priceFeeds.roundData(feedId, roundId);
    }

    function _latest() internal view returns (uint64 round, int256 answer, uint64 updatedAt) {
        (round, answer, updatedAt,) = priceFeeds.latestRound(feedId);
    }

    function _round(uint256 roundId) internal view returns (int256 answer, uint64 updatedAt) {
        (answer, updatedAt,) = priceFeeds.roundData(feedId, roundId);
    }
}
