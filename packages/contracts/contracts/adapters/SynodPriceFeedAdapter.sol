// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {PriceFeeds} from "../core/PriceFeeds.sol";

/// @title SynodPriceFeedAdapter: one Synod feed behind Chainlink's AggregatorV3Interface
/// @notice Immutable: the feed, its decimals, description and maximum age are fixed at
///         deployment, and anyone may deploy an adapter, so a consumer trusts an adapter address
///         as it would a Chainlink proxy address. Rounds are Synod heights. Reading the latest
///         price fails closed: it reverts when the price is older than `maxAgeSeconds`.
/// @dev Only the latest round is kept on chain (one storage word per feed, see PriceFeeds);
///      getRoundData of any other round reverts "No data present". Every historical price
///      stays provable with PriceFeeds.verifyPrice against a stored header.
contract SynodPriceFeedAdapter is AggregatorV3Interface {
    /// @notice Where prices are recorded.
    PriceFeeds public immutable priceFeeds;
    /// @notice The feed id in Synod price leaves (e.g. keccak256("ETH/USD")).
    bytes32 public immutable feedId;
    /// @notice A price older than this (block.timestamp − updatedAt) is refused.
    uint256 public immutable maxAgeSeconds;
    uint8 private immutable feedDecimals;
    string private feedDescription;

    error StalePrice(uint256 updatedAt, uint256 maxAgeSeconds);
    error ZeroMaxAge();

    /// @param priceFeeds_ The PriceFeeds contract.
    /// @param feedId_ The Synod feed id.
    /// @param decimals_ Decimals of the feed's fixed-point answers.
    /// @param maxAgeSeconds_ Staleness bound, > 0.
    /// @param description_ E.g. "ETH / USD".
    constructor(
        PriceFeeds priceFeeds_,
        bytes32 feedId_,
        uint8 decimals_,
        uint256 maxAgeSeconds_,
        string memory description_
    ) {
        if (maxAgeSeconds_ == 0) revert ZeroMaxAge();
        priceFeeds = priceFeeds_;
        feedId = feedId_;
        feedDecimals = decimals_;
        maxAgeSeconds = maxAgeSeconds_;
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

    /// @notice Adapter version.
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @notice Data of round `roundId` (a Synod height). Only the feed's latest round is kept;
    ///         any other round reverts "No data present". Not checked for staleness: the caller
    ///         asked for a specific round and gets its updatedAt.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (int256 latestAnswer_, uint64 updatedAt_, uint64 round) = priceFeeds.latestPrice(feedId);
        require(round != 0 && round == roundId, "No data present");
        return (round, latestAnswer_, updatedAt_, updatedAt_, round);
    }

    /// @notice The latest price. Reverts "No data present" before the first price and
    ///         StalePrice when it is older than maxAgeSeconds.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (int256 latestAnswer_, uint64 updatedAt_, uint64 round) = _fresh();
        return (round, latestAnswer_, updatedAt_, updatedAt_, round);
    }

    /// @notice The latest answer, with the same checks as latestRoundData.
    function latestAnswer() external view returns (int256) {
        (int256 answer,,) = _fresh();
        return answer;
    }

    function _fresh() private view returns (int256 answer, uint64 updatedAt, uint64 round) {
        (answer, updatedAt, round) = priceFeeds.latestPrice(feedId);
        require(round != 0, "No data present");
        if (block.timestamp > updatedAt && block.timestamp - updatedAt > maxAgeSeconds) {
            revert StalePrice(updatedAt, maxAgeSeconds);
        }
    }
}
