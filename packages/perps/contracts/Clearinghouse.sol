// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "../../contracts/contracts/core/SettlementInbox.sol";
import {SynodBatchSettlement} from "../../contracts/contracts/core/SynodBatchSettlement.sol";
import {Header, SynodTransaction} from "../../contracts/contracts/core/SynodTypes.sol";
import {ClearinghouseExtension, ICollateralToken} from "./ClearinghouseExtension.sol";
import "./PerpsTypes.sol";
import {PerpsBatches} from "./PerpsBatches.sol";
import {PerpsTransactions} from "./PerpsTransactions.sol";

/// @title Clearinghouse: perpetual futures settled from Synod batches against an LP vault
/// @notice Orders are Synod transactions of this contract's namespace; each fills against the
///         vault at the certified price of the block that holds it, with cross margin,
///         liquidation in the call that brings the price, an insurance fund, a circuit breaker
///         (a market without a price in the block is halted) and an escape hatch.
///         Specification: docs/perps.md; design: docs/decisions.md "Perps: …"; the same rules in
///         TypeScript: packages/perps/src/model.
/// @dev Every settle call (any SynodBatchSettlement entry point, one batch or several) must end
///      with the settlement data: abi.encode(BatchSettlementData[]) ‖ bytes28 SETTLEMENT_DATA_TAG
///      ‖ uint32 its length, one entry per batch of the call. This contract keeps the hook; the
///      rules live in two linked libraries (PerpsTransactions per transaction, PerpsBatches per
///      batch) and the L1 entry points and views in ClearinghouseExtension, reached through the
///      fallback; all of them work on one storage struct (PerpsStorage). The split keeps each
///      piece under EIP-170's 24,576 bytes (docs/perps.md "Contracts").
contract Clearinghouse is SynodBatchSettlement {
    /// @notice Marks the settlement data at the end of a settle call's calldata.
    bytes28 public constant SETTLEMENT_DATA_TAG = bytes28(keccak256("synod/perps/settlement-data/v1"));

    /// @notice L1 time of the last settled batch (deployment before the first). It shares the
    ///         base's counter word, so each batch writes it for 100 gas.
    uint64 public lastSettledAt;
    uint256 public immutable marketCount;
    /// @notice Where calls this contract does not implement are delegated (its fallback).
    address public immutable extension;
    /// @dev First sequence number of the batch being applied.
    uint64 private transient batchStart;

    /// @param inbox_ The SettlementInbox whose headers certify batches.
    /// @param namespace_ This clearinghouse's namespace.
    /// @param token The ERC-20 collateral.
    /// @param feeRecipient Receives trading fees.
    /// @param escapeTimeoutSeconds Time without a settled batch after which escapeExit opens.
    /// @param markets Market configurations, sorted by feedId (strictly increasing).
    constructor(
        SettlementInbox inbox_,
        bytes32 namespace_,
        ICollateralToken token,
        address feeRecipient,
        uint256 escapeTimeoutSeconds,
        MarketConfig[] memory markets
    ) SynodBatchSettlement(inbox_, namespace_) {
        if (escapeTimeoutSeconds < MIN_ESCAPE_TIMEOUT_SECONDS || escapeTimeoutSeconds > MAX_ESCAPE_TIMEOUT_SECONDS) {
            revert InvalidEscapeTimeout(escapeTimeoutSeconds);
        }
        if (markets.length == 0 || markets.length > MAX_MARKETS) revert InvalidMarketConfig(markets.length);
        Layout storage l = PerpsStorage.layout();
        for (uint256 m = 0; m < markets.length; ++m) {
            MarketConfig memory config = markets[m];
            bool valid = (m == 0 || uint256(config.feedId) > uint256(markets[m - 1].feedId)) && config.scale != 0
                && config.scale <= MAX_SCALE && config.initialMarginBps >= MIN_INITIAL_MARGIN_BPS
                && config.initialMarginBps <= MAX_INITIAL_MARGIN_BPS
                && config.maintenanceMarginBps < config.initialMarginBps
                && config.takerFeeBps < config.maintenanceMarginBps
                && config.liquidationFeeBps <= config.maintenanceMarginBps && config.maxOpenInterestVaultBps <= BPS
                && config.maxOpenInterest <= MAX_OPEN_INTEREST && config.maxPositionSize <= MAX_POSITION_SIZE;
            if (!valid) revert InvalidMarketConfig(m);
            l.configs[m] = config;
        }
        marketCount = markets.length;
        extension = address(new ClearinghouseExtension(token, feeRecipient, escapeTimeoutSeconds));
        lastSettledAt = uint64(block.timestamp);
    }

    /// @notice Everything else (deposit, claim, sweepFees, liquidate, escapeExit, the views) is
    ///         ClearinghouseExtension's, run here by DELEGATECALL.
    fallback() external {
        address target = extension;
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            calldatacopy(buffer, 0, calldatasize())
            let ok := delegatecall(gas(), target, buffer, calldatasize(), 0, 0)
            returndatacopy(buffer, 0, returndatasize())
            if iszero(ok) { revert(buffer, returndatasize()) }
            return(buffer, returndatasize())
        }
    }

    function _applyTransaction(SynodTransaction calldata transaction, bytes32, uint64 sequence, Header calldata header)
        internal
        override
        returns (bytes memory rejection)
    {
        if (!PerpsStorage.inBatch()) {
            batchStart = sequence;
            lastSettledAt = uint64(block.timestamp);
            BatchSettlementData calldata data = _settlementData(header.height);
            PerpsBatches.prepare(
                header.height,
                header.timestampMs,
                header.priceRoot,
                header.priceCount,
                data.prices,
                data.priceProof,
                marketCount
            );
        }
        if (sequence - batchStart >= MAX_ORDERS_PER_BATCH) {
            rejection = abi.encodeWithSelector(Rejections.BatchTooLong.selector);
        } else {
            rejection = PerpsTransactions.applyTransaction(
                transaction.sender, transaction.payload, sequence, header.timestampMs, marketCount
            );
        }
        // The base counted the whole batch before its first hook: this is its last transaction.
        if (sequence + 1 == appliedCount) {
            BatchSettlementData calldata data = _settlementData(header.height);
            PerpsBatches.finish(header.timestampMs, data.triggers, data.liquidations);
        }
    }

    /// @dev The settlement data's entry for the batch at `height`, read in place from the end of
    ///      msg.data (Solidity checks every offset it follows against the calldata's size).
    function _settlementData(uint64 height) private pure returns (BatchSettlementData calldata entry) {
        uint256 size = msg.data.length;
        if (size < 36) revert MissingSettlementData();
        bytes32 last;
        assembly ("memory-safe") {
            last := calldataload(sub(size, 32))
        }
        uint256 length = uint32(uint256(last));
        if (bytes28(last) != SETTLEMENT_DATA_TAG || length + 36 > size || length < 0x40) {
            revert MissingSettlementData();
        }
        BatchSettlementData[] calldata entries;
        bool inside;
        assembly ("memory-safe") {
            let start := sub(sub(size, 32), length)
            let array := add(start, calldataload(start))
            let count := calldataload(array)
            // The offsets of the entries must lie inside the calldata (no overflow: both < 2^64).
            inside := and(lt(array, size), and(lt(count, 0x10000), iszero(gt(add(add(array, 0x20), shl(5, count)), size))))
            entries.offset := add(array, 0x20)
            entries.length := count
        }
        if (!inside) revert MissingSettlementData();
        for (uint256 i = 0; i < entries.length; ++i) {
            if (entries[i].height == height) return entries[i];
        }
        revert NoSettlementDataForHeight(height);
    }
}
