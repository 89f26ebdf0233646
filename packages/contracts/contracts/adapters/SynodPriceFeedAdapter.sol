// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV2V3Interface} from "./AggregatorV3Interface.sol";
import {SynodPriceFeedBase} from "./SynodPriceFeedBase.sol";
import {PriceFeeds} from "../core/PriceFeeds.sol";

/// @title SynodPriceFeedAdapter: one Synod feed behind Chainlink's aggregator interfaces
/// @notice Behaves as a Chainlink aggregator proxy does (docs/contracts.md, the compatibility
///         table): reads never revert; before the first price every value is zero; updatedAt is
///         never later than the L1 block that recorded the price, and says how old the price
///         is, so the consumer applies its own staleness rule and falls back as it chooses;
///         rounds that were never recorded, or fell out of the kept history, read as zeros.
///         For consumers that check nothing themselves: SynodFailClosedPriceFeedAdapter.
contract SynodPriceFeedAdapter is SynodPriceFeedBase, AggregatorV2V3Interface {
    /// @param priceFeeds_ The PriceFeeds contract.
    /// @param feedId_ The Synod feed id.
    /// @param decimals_ Decimals of the feed's fixed-point answers.
    /// @param description_ E.g. "ETH / USD".
    constructor(PriceFeeds priceFeeds_, bytes32 feedId_, uint8 decimals_, string memory description_)
        SynodPriceFeedBase(priceFeeds_, feedId_, decimals_, description_)
    {}

    /// @notice Data of round `roundId`; zeros (with the asked id) if it is not kept.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (int256 answer_, uint64 updatedAt_) = _round(roundId);
        return (roundId, answer_, updatedAt_, updatedAt_, roundId);
    }

    /// @notice The latest round; all zero before the first price. Never reverts on age.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (uint64 round, int256 answer_, uint64 updatedAt_) = _latest();
        return (round, answer_, updatedAt_, updatedAt_, round);
    }

    /// @notice The latest answer; 0 before the first price.
    function latestAnswer() external view returns (int256 answer) {
        (, answer,) = _latest();
    }

    /// @notice When the latest answer was recorded; 0 before the first price.
    function latestTimestamp() external view returns (uint256 updatedAt) {
        (,, updatedAt) = _latest();
    }

    /// @notice The latest round id; 0 before the first price.
    function latestRound() external view returns (uint256 round) {
        (round,,) = _latest();
    }

    /// @notice The answer of round `roundId`; 0 if it is not kept.
    function getAnswer(uint256 roundId) external view returns (int256 answer) {
        (answer,) = _round(roundId);
    }

    /// @notice When round `roundId` was recorded; 0 if it is not kept.
    function getTimestamp(uint256 roundId) external view returns (uint256 updatedAt) {
        (, updatedAt) = _round(roundId);
    }
}
