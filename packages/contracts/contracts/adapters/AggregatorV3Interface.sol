// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Chainlink's AggregatorV3Interface, as consumers call it.
interface AggregatorV3Interface {
    /// @notice Decimals of the fixed-point answers.
    function decimals() external view returns (uint8);

    /// @notice Human-readable name of the feed.
    function description() external view returns (string memory);

    /// @notice Version of the aggregator implementation.
    function version() external view returns (uint256);

    /// @notice The data of round `roundId`.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice The data of the latest round.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @notice Chainlink's legacy AggregatorInterface (the views older consumers still call).
interface AggregatorInterface {
    /// @notice The latest answer.
    function latestAnswer() external view returns (int256);

    /// @notice When the latest answer was updated (unix seconds).
    function latestTimestamp() external view returns (uint256);

    /// @notice The latest round id.
    function latestRound() external view returns (uint256);

    /// @notice The answer of round `roundId`.
    function getAnswer(uint256 roundId) external view returns (int256);

    /// @notice When round `roundId` was updated (unix seconds).
    function getTimestamp(uint256 roundId) external view returns (uint256);
}

/// @notice Both: what Chainlink's aggregator proxies implement.
interface AggregatorV2V3Interface is AggregatorInterface, AggregatorV3Interface {}
