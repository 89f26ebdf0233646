// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "./SettlementInbox.sol";
import {Certificate, Header, PriceUpdate, SynodHashing, SynodMerkle} from "./SynodTypes.sol";

/// @title PriceFeeds: Synod oracle prices proven against certified headers
/// @notice Anyone may relay prices; each must be a leaf of the priceRoot of a header the inbox
///         stored, and only moves a feed forward (a higher header height). Each update is a new
///         round of its feed, numbered 1, 2, 3… per feed as Chainlink's aggregators number them;
///         the last ROUND_HISTORY rounds stay readable. Read feeds through an adapter:
///         SynodPriceFeedAdapter (Chainlink's semantics) or SynodFailClosedPriceFeedAdapter.
contract PriceFeeds {
    /// @notice Rounds of a feed kept readable: the latest and the ROUND_HISTORY − 1 before it.
    /// @dev A refresh writes two words (the latest and its history slot) whatever the value: the
    ///      history's steady-state cost does not depend on it, only its first fill (a zero →
    ///      nonzero write, ~17,100 gas more, for each of a feed's first ROUND_HISTORY rounds) and
    ///      the state it occupies. 32 covers a consumer walking back one round and windows of
    ///      half a minute of heights to a day of hourly heartbeats (docs/decisions.md).
    uint256 public constant ROUND_HISTORY = 32;

    /// @notice The inbox whose stored headers certify prices.
    SettlementInbox public immutable inbox;

    /// @dev One round, packed: answer (int128, bits 0..127) | updatedAt seconds (uint40,
    ///      128..167) | Synod height (uint48, 168..215) | round (uint40, 216..255). Zero = none.
    ///      feedId → its latest round.
    mapping(bytes32 feedId => uint256) private latestPacked;
    /// @dev feedId → round % ROUND_HISTORY → that round (or a later one that took its slot).
    mapping(bytes32 feedId => mapping(uint256 slot => uint256)) private history;

    /// @notice `updatedCount` feeds moved to the prices of the header at `height` (a new round each).
    /// @dev One event per batch, not per feed: a LOG per feed would cost ~1,400 gas of the
    ///      8,000-per-feed budget (docs/decisions.md "Contracts: one price event per batch").
    ///      The prices are in the transaction's calldata and in latestPrice.
    event PricesUpdated(uint64 indexed height, uint256 updatedCount);

    error HeaderNotStored(uint64 height);
    error InvalidPriceProof();
    error AnswerOutOfRange(bytes32 feedId, int256 answer);
    error HeightOutOfRange(uint64 height);

    /// @param inbox_ The SettlementInbox whose headers certify prices.
    constructor(SettlementInbox inbox_) {
        inbox = inbox_;
    }

    /// @notice Proves `prices` against the priceRoot of `header` (already stored by the inbox)
    ///         with one multiproof and records each price that is newer than its feed's.
    /// @param header A header the inbox accepted.
    /// @param prices Leaves with their indices in the price tree, indices strictly increasing.
    /// @param proof Multiproof: the sibling hashes not computable from `prices`, level by level
    ///        from the leaves up, left to right (empty when `prices` is the whole tree).
    /// @return updated How many feeds moved (older or equal rounds are skipped, not reverted).
    function updatePrices(Header calldata header, PriceUpdate[] calldata prices, bytes32[] calldata proof)
        external
        returns (uint256 updated)
    {
        bytes32 headerHash = SynodHashing.headerHash(header, block.chainid, address(inbox));
        if (inbox.headerHashes(header.height) != headerHash) revert HeaderNotStored(header.height);
        return _update(header, prices, proof);
    }

    /// @notice Submits `header` with its certificate to the inbox, then updates prices from it
    ///         in the same transaction (see updatePrices).
    /// @param header A header not yet posted, above the inbox's latest height.
    /// @param certificate Its certificate (see SettlementInbox.submitHeader).
    /// @param prices Leaves with their indices in the price tree, indices strictly increasing.
    /// @param proof Multiproof for `prices` (see updatePrices).
    /// @return updated How many feeds moved.
    function submitHeaderAndUpdatePrices(
        Header calldata header,
        Certificate calldata certificate,
        PriceUpdate[] calldata prices,
        bytes32[] calldata proof
    ) external returns (uint256 updated) {
        inbox.submitHeader(header, certificate);
        return _update(header, prices, proof);
    }

    /// @notice The latest recorded price of `feedId`; all zero if none.
    /// @return answer Fixed-point price, scaled by the feed's decimals.
    /// @return updatedAt Unix seconds: the header's time, or the L1 block's if Synod's clock was ahead.
    /// @return height The Synod height of the header that carried it.
    function latestPrice(bytes32 feedId) external view returns (int256 answer, uint64 updatedAt, uint64 height) {
        (answer, updatedAt, height,) = _unpack(latestPacked[feedId]);
    }

    /// @notice The latest round of `feedId` (0 before its first price) with its data.
    function latestRound(bytes32 feedId)
        external
        view
        returns (uint64 round, int256 answer, uint64 updatedAt, uint64 height)
    {
        (answer, updatedAt, height, round) = _unpack(latestPacked[feedId]);
    }

    /// @notice Round `round` of `feedId`; all zero if it never existed or fell out of the last
    ///         ROUND_HISTORY rounds.
    function roundData(bytes32 feedId, uint256 round)
        external
        view
        returns (int256 answer, uint64 updatedAt, uint64 height)
    {
        uint64 stored;
        (answer, updatedAt, height, stored) = _unpack(history[feedId][round % ROUND_HISTORY]);
        if (round == 0 || stored != round) return (0, 0, 0);
    }

    /// @notice True iff `price` is leaf `price.index` of the priceRoot of the stored `header`:
    ///         any historical price is provable, not just the latest.
    /// @param header A header the inbox accepted (reverts HeaderNotStored otherwise).
    /// @param price The leaf and its index.
    /// @param proof depth(priceCount) sibling hashes from the leaf up.
    function verifyPrice(Header calldata header, PriceUpdate calldata price, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 headerHash = SynodHashing.headerHash(header, block.chainid, address(inbox));
        if (inbox.headerHashes(header.height) != headerHash) revert HeaderNotStored(header.height);
        bytes32 leaf = SynodMerkle.leafHash(abi.encode(price.feedId, price.answer));
        return SynodMerkle.verify(header.priceRoot, leaf, price.index, header.priceCount, proof);
    }

    function _update(Header calldata header, PriceUpdate[] calldata prices, bytes32[] calldata proof)
        private
        returns (uint256 updated)
    {
        uint256 count = prices.length;
        if (SynodMerkle.priceMultiproofRoot(prices, header.priceCount, proof) != header.priceRoot) {
            revert InvalidPriceProof();
        }
        uint64 height = header.height;
        if (height > type(uint48).max) revert HeightOutOfRange(height);
        // updatedAt never lies in L1's future: a consumer computing block.timestamp − updatedAt
        // must not underflow when Synod's clock runs ahead of L1's.
        uint256 updatedAt = header.timestampMs / 1000;
        if (updatedAt > block.timestamp) updatedAt = block.timestamp;
        uint256 stamp = (uint256(height) << 168) | (updatedAt << 128);
        for (uint256 i = 0; i < count; ++i) {
            PriceUpdate calldata price = prices[i];
            bytes32 feedId = price.feedId;
            uint256 previous = latestPacked[feedId];
            if (uint48(previous >> 168) >= height) continue;
            int256 answer = price.answer;
            if (answer < type(int128).min || answer > type(int128).max) revert AnswerOutOfRange(feedId, answer);
            uint256 round = (previous >> 216) + 1;
            uint256 packed = (round << 216) | stamp | uint256(uint128(int128(answer)));
            latestPacked[feedId] = packed;
            history[feedId][round % ROUND_HISTORY] = packed;
            unchecked {
                ++updated;
            }
        }
        emit PricesUpdated(height, updated);
    }

    function _unpack(uint256 packed)
        private
        pure
        returns (int256 answer, uint64 updatedAt, uint64 height, uint64 round)
    {
        return (
            int256(int128(uint128(packed))),
            uint64(uint40(packed >> 128)),
            uint64(uint48(packed >> 168)),
            uint64(packed >> 216)
        );
    }
}
