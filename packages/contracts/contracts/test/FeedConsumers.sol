// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorInterface, AggregatorV3Interface} from "../adapters/AggregatorV3Interface.sol";

// Three consumers written as deployed lending and stablecoin protocols read Chainlink feeds, for
// the adapter compatibility tests (test/feedConsumers.test.ts). Never deployed outside tests.

/// @notice Reads latestAnswer only (as old Compound- and Aave-v2-era oracles do); an answer ≤ 0
///         means "no price" and switches to a fallback.
contract LatestAnswerConsumer {
    AggregatorInterface public immutable feed;
    AggregatorInterface public immutable fallbackFeed;

    constructor(AggregatorInterface feed_, AggregatorInterface fallbackFeed_) {
        feed = feed_;
        fallbackFeed = fallbackFeed_;
    }

    function price() external view returns (int256 answer, bool usedFallback) {
        answer = feed.latestAnswer();
        if (answer > 0) return (answer, false);
        return (fallbackFeed.latestAnswer(), true);
    }
}

/// @notice Reads latestRoundData and applies its own staleness rule with
///         block.timestamp − updatedAt (the most common check), falling back to a secondary
///         oracle when the price is stale, missing or ≤ 0.
contract StalenessCheckingConsumer {
    AggregatorV3Interface public immutable feed;
    AggregatorV3Interface public immutable fallbackFeed;
    uint256 public immutable maxAgeSeconds;

    constructor(AggregatorV3Interface feed_, AggregatorV3Interface fallbackFeed_, uint256 maxAgeSeconds_) {
        feed = feed_;
        fallbackFeed = fallbackFeed_;
        maxAgeSeconds = maxAgeSeconds_;
    }

    function price() external view returns (int256 answer, bool usedFallback) {
        (, int256 latest,, uint256 updatedAt,) = feed.latestRoundData();
        if (latest > 0 && updatedAt != 0 && block.timestamp - updatedAt <= maxAgeSeconds) return (latest, false);
        (, answer,,,) = fallbackFeed.latestRoundData();
        return (answer, true);
    }
}

/// @notice Walks back one round, as Liquity's PriceFeed does to compare the latest answer with
///         the previous one before trusting it.
contract WalkBackConsumer {
    AggregatorV3Interface public immutable feed;

    constructor(AggregatorV3Interface feed_) {
        feed = feed_;
    }

    function lastTwo()
        external
        view
        returns (uint80 roundId, int256 current, int256 previous, uint256 previousUpdatedAt)
    {
        (roundId, current,,,) = feed.latestRoundData();
        if (roundId == 0) return (0, 0, 0, 0);
        (, previous,, previousUpdatedAt,) = feed.getRoundData(roundId - 1);
    }
}
