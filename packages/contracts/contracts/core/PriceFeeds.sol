// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "./SettlementInbox.sol";
import {Certificate, Header, PriceUpdate, SynodHashing, SynodMerkle} from "./SynodTypes.sol";

/// @title PriceFeeds: Synod oracle prices proven against certified headers
/// @notice Anyone may relay prices; each must be a leaf of the priceRoot of a header the inbox
///         stored, and only moves a feed forward (a higher header height). One storage word per
///         feed holds answer, time and round, so a refresh is one warm nonzero → nonzero write.
///         Read feeds through a SynodPriceFeedAdapter (AggregatorV3Interface).
contract PriceFeeds {
    /// @notice The inbox whose stored headers certify prices.
    SettlementInbox public immutable inbox;

    /// @dev feedId → answer (int128, low 128 bits) | updatedAt seconds (uint64, bits 128..191) |
    ///      round = Synod height (uint64, bits 192..255). Zero = no data.
    mapping(bytes32 feedId => uint256) private latestPacked;

    /// @notice `updatedCount` feeds moved to the prices of the header at `height` (their round).
    /// @dev One event per batch, not per feed: a LOG per feed would cost ~1,400 gas of the
    ///      8,000-per-feed budget (docs/decisions.md "Contracts: one price event per batch").
    ///      The prices are in the transaction's calldata and in latestPrice.
    event PricesUpdated(uint64 indexed height, uint256 updatedCount);

    error HeaderNotStored(uint64 height);
    error InvalidPriceProof();
    error AnswerOutOfRange(bytes32 feedId, int256 answer);

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
    /// @return updatedAt Header timestamp in unix seconds.
    /// @return roundId The Synod height of the header that carried it.
    function latestPrice(bytes32 feedId) external view returns (int256 answer, uint64 updatedAt, uint64 roundId) {
        uint256 packed = latestPacked[feedId];
        return (int256(int128(uint128(packed))), uint64(packed >> 128), uint64(packed >> 192));
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
        uint64 round = header.height;
        uint256 stamp = (uint256(round) << 192) | (uint256(header.timestampMs / 1000) << 128);
        for (uint256 i = 0; i < count; ++i) {
            PriceUpdate calldata price = prices[i];
            bytes32 feedId = price.feedId;
            if (uint64(latestPacked[feedId] >> 192) >= round) continue;
            int256 answer = price.answer;
            if (answer < type(int128).min || answer > type(int128).max) revert AnswerOutOfRange(feedId, answer);
            uint256 packed = stamp | uint256(uint128(int128(answer)));
            latestPacked[feedId] = packed;
            unchecked {
                ++updated;
            }
        }
        emit PricesUpdated(round, updated);
    }
}
