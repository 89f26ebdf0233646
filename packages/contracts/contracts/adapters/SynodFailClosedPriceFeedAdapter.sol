// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SynodPriceFeedBase} from "./SynodPriceFeedBase.sol";
import {PriceFeeds} from "../core/PriceFeeds.sol";

/// @title SynodFailClosedPriceFeedAdapter: a Synod feed that refuses to serve an old price
/// @notice For consumers that check neither staleness nor zero answers themselves: reading the
///         latest price reverts "No data present" before the first price and StalePrice once it
///         is older than `maxAgeSeconds`; a round that is not kept reverts "No data present".
///         Not Chainlink's behaviour (its feeds never revert): a consumer with a fallback oracle
///         should read SynodPriceFeedAdapter instead, or its fallback never runs. Deploy with a
///         maxAgeSeconds above the network's push heartbeat plus L1 inclusion and submitter
///         takeover (deploySynod refuses less), or every quiet market has an outage window.
contract SynodFailClosedPriceFeedAdapter is SynodPriceFeedBase {
    /// @notice A latest price older than this (block.timestamp − updatedAt) is refused.
    uint256 public immutable maxAgeSeconds;

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
    ) SynodPriceFeedBase(priceFeeds_, feedId_, decimals_, description_) {
        if (maxAgeSeconds_ == 0) revert ZeroMaxAge();
        maxAgeSeconds = maxAgeSeconds_;
    }

    /// @notice Data of round `roundId`; reverts "No data present" if it is not kept. Not checked
    ///         for staleness: the caller asked for a specific round and gets its updatedAt.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (int256 answer_, uint64 updatedAt_) = _round(roundId);
        require(updatedAt_ != 0, "No data present");
        return (roundId, answer_, updatedAt_, updatedAt_, roundId);
    }

    /// @notice The latest price. Reverts "No data present" before the first price and
    ///         StalePrice when it is older than maxAgeSeconds.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (uint64 round, int256 answer_, uint64 updatedAt_) = _fresh();
        return (round, answer_, updatedAt_, updatedAt_, round);
    }

    /// @notice The latest answer, with the same checks as latestRoundData.
    function latestAnswer() external view returns (int256 answer) {
        (, answer,) = _fresh();
    }

    function _fresh() private view returns (uint64 round, int256 answer, uint64 updatedAt) {
        (round, answer, updatedAt) = _latest();
        require(round != 0, "No data present");
        if (block.timestamp - updatedAt > maxAgeSeconds) revert StalePrice(updatedAt, maxAgeSeconds);
    }
}
