// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "../../contracts/contracts/SettlementInbox.sol";
import {SynodBatchSettlement} from "../../contracts/contracts/SynodBatchSettlement.sol";
import {Header, PriceUpdate, SynodTransaction} from "../../contracts/contracts/SynodTypes.sol";
import "./PerpsTypes.sol";
import {PerpsBatches} from "./PerpsBatches.sol";
import {PerpsTransactions} from "./PerpsTransactions.sol";

/// @dev The two ERC-20 calls the clearinghouse makes.
interface ICollateralToken {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title Clearinghouse: perpetual futures settled from Synod batches against an LP vault
/// @notice Orders are Synod transactions of this contract's namespace; each fills against the
///         vault at the certified price of the block that holds it, with cross margin,
///         liquidation in the call that brings the price, an insurance fund, a circuit breaker
///         (a market without a price in the block is halted) and an escape hatch.
///         Specification: docs/perps.md; design: docs/decisions.md "Perps: …"; the same rules in
///         TypeScript: packages/perps/src/model.
/// @dev Every settle call (any SynodBatchSettlement entry point) must end with the settlement
///      data: abi.encode(PriceUpdate[] prices, bytes32[] priceProof, uint64[] triggers,
///      address[] liquidations) ‖ bytes28 SETTLEMENT_DATA_TAG ‖ uint32 its length, after the
///      entry point's ABI arguments. The logic lives in two linked libraries (PerpsTransactions,
///      PerpsBatches) over one storage struct (PerpsStorage), so that this contract stays under
///      EIP-170's 24,576 bytes (docs/perps.md "Contracts").
contract Clearinghouse is SynodBatchSettlement {
    /// @notice Marks the settlement data at the end of a settle call's calldata.
    bytes28 public constant SETTLEMENT_DATA_TAG = bytes28(keccak256("synod/perps/settlement-data/v1"));

    /// @notice L1 time of the last settled batch (deployment before the first). It shares the
    ///         base's counter word, so each batch writes it for 100 gas.
    uint64 public lastSettledAt;
    ICollateralToken public immutable collateralToken;
    /// @notice Receives the trading fees (sweepFees).
    address public immutable feeRecipient;
    uint256 public immutable escapeTimeoutSeconds;
    uint256 public immutable marketCount;
    /// @dev First sequence number of the batch being applied.
    uint64 private transient batchStart;

    /// @param inbox_ The SettlementInbox whose headers certify batches.
    /// @param namespace_ This clearinghouse's namespace.
    /// @param token The ERC-20 collateral.
    /// @param feeRecipient_ Receives trading fees.
    /// @param escapeTimeoutSeconds_ Time without a settled batch after which escapeExit opens.
    /// @param markets Market configurations, sorted by feedId (strictly increasing).
    constructor(
        SettlementInbox inbox_,
        bytes32 namespace_,
        ICollateralToken token,
        address feeRecipient_,
        uint256 escapeTimeoutSeconds_,
        MarketConfig[] memory markets
    ) SynodBatchSettlement(inbox_, namespace_) {
        if (escapeTimeoutSeconds_ < MIN_ESCAPE_TIMEOUT_SECONDS || escapeTimeoutSeconds_ > MAX_ESCAPE_TIMEOUT_SECONDS) {
            revert InvalidEscapeTimeout(escapeTimeoutSeconds_);
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
        collateralToken = token;
        feeRecipient = feeRecipient_;
        escapeTimeoutSeconds = escapeTimeoutSeconds_;
        marketCount = markets.length;
        lastSettledAt = uint64(block.timestamp);
    }

    modifier notSettling() {
        if (PerpsStorage.inBatch()) revert SettlementInProgress();
        _;
    }

    // ───────────────────────────── L1 entry points ─────────────────────────────

    /// @notice Credits `amount` of the collateral token, pulled from the caller, to `account`.
    function deposit(address account, uint256 amount) external notSettling {
        Layout storage l = PerpsStorage.layout();
        uint256 held = uint256(l.totals.held) + amount;
        if (held > MAX_HELD_COLLATERAL) revert HeldCollateralCap();
        if (!collateralToken.transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        l.totals.held = uint128(held);
        l.accounts[account].collateral += uint128(amount);
        emit Deposited(account, amount);
    }

    /// @notice Pays the caller's claimable balance (filled by its Synod withdrawals).
    function claim() external notSettling returns (uint256 amount) {
        Layout storage l = PerpsStorage.layout();
        amount = l.claimable[msg.sender];
        if (amount == 0) revert NothingToClaim();
        l.claimable[msg.sender] = 0;
        _payOut(msg.sender, amount);
        emit Claimed(msg.sender, amount);
    }

    /// @notice Pays the accumulated trading fees to feeRecipient.
    function sweepFees() external notSettling returns (uint256 amount) {
        Layout storage l = PerpsStorage.layout();
        amount = l.totals.fees;
        if (amount == 0) revert NothingToClaim();
        l.totals.fees = 0;
        _payOut(feeRecipient, amount);
        emit FeesSwept(feeRecipient, amount);
    }

    /// @notice Liquidates each listed account that is below maintenance margin at the marks
    ///         (the last certified prices this contract saw); the others are skipped.
    /// @return count How many were liquidated.
    function liquidate(address[] calldata accounts) external notSettling returns (uint256 count) {
        return PerpsBatches.liquidate(accounts);
    }

    /// @notice The escape hatch: once no batch has settled for escapeTimeoutSeconds, closes
    ///         every position of the caller at the marks and pays out its collateral.
    function escapeExit() external notSettling returns (uint256 amount) {
        uint256 activeAt = uint256(lastSettledAt) + escapeTimeoutSeconds;
        if (block.timestamp < activeAt) revert EscapeNotActive(activeAt);
        amount = PerpsBatches.escapeExit(msg.sender);
        if (amount != 0) _payOut(msg.sender, amount);
    }

    // ───────────────────────────── views ─────────────────────────────

    function marketConfig(uint256 market) external view returns (MarketConfig memory) {
        return PerpsStorage.layout().configs[market];
    }

    function marketState(uint256 market) external view returns (MarketState memory) {
        return PerpsStorage.layout().states[market];
    }

    function accountOf(address account) external view returns (Account memory) {
        return PerpsStorage.layout().accounts[account];
    }

    function positionOf(address account, uint256 market) external view returns (Position memory) {
        return PerpsStorage.layout().positions[account][market];
    }

    function claimableOf(address account) external view returns (uint256) {
        return PerpsStorage.layout().claimable[account];
    }

    function vaultSharesOf(address account) external view returns (uint256) {
        return PerpsStorage.layout().vaultShares[account];
    }

    function restingOrder(uint64 orderId) external view returns (RestingOrder memory) {
        return PerpsStorage.layout().resting[orderId];
    }

    function totals() external view returns (Totals memory) {
        return PerpsStorage.layout().totals;
    }

    /// @notice Equity and margin requirements of `account` at the marks.
    function health(address account)
        external
        view
        returns (int256 equity, uint256 initialRequired, uint256 maintenanceRequired)
    {
        return PerpsBatches.health(account);
    }

    // ───────────────────────────── the batch hook ─────────────────────────────

    function _applyTransaction(SynodTransaction calldata transaction, bytes32, uint64 sequence, Header calldata header)
        internal
        override
        returns (bytes memory rejection)
    {
        if (!PerpsStorage.inBatch()) {
            batchStart = sequence;
            lastSettledAt = uint64(block.timestamp);
            (PriceUpdate[] calldata prices, bytes32[] calldata proof,,) = _settlementData();
            PerpsBatches.prepare(
                header.height, header.timestampMs, header.priceRoot, header.priceCount, prices, proof, marketCount
            );
        }
        if (sequence - batchStart >= MAX_ORDERS_PER_BATCH) {
            rejection = abi.encodeWithSelector(Rejections.BatchTooLong.selector);
        } else {
            rejection = PerpsTransactions.applyTransaction(
                transaction.sender, transaction.payload, sequence, header.timestampMs, marketCount
            );
        }
        // The base counted the whole batch before the first hook: this is its last transaction.
        if (sequence + 1 == appliedCount) {
            (,, uint64[] calldata triggers, address[] calldata liquidations) = _settlementData();
            PerpsBatches.finish(header.timestampMs, triggers, liquidations);
        }
    }

    function _payOut(address to, uint256 amount) private {
        PerpsStorage.layout().totals.held -= uint128(amount);
        if (!collateralToken.transfer(to, amount)) revert TransferFailed();
    }

    /// @dev The settlement data at the end of msg.data, as calldata arrays, bounds-checked.
    function _settlementData()
        private
        pure
        returns (
            PriceUpdate[] calldata prices,
            bytes32[] calldata proof,
            uint64[] calldata triggers,
            address[] calldata liquidations
        )
    {
        uint256 size = msg.data.length;
        if (size < 36) revert MissingSettlementData();
        bytes32 last;
        assembly ("memory-safe") {
            last := calldataload(sub(size, 32))
        }
        if (bytes28(last) != SETTLEMENT_DATA_TAG) revert MissingSettlementData();
        uint256 length = uint32(uint256(last));
        if (length < 0x80 || length + 36 > size) revert MalformedSettlementData();
        uint256 start = size - 32 - length;
        uint256[4] memory offsets;
        uint256[4] memory counts;
        for (uint256 i = 0; i < 4; ++i) {
            uint256 head;
            uint256 count;
            assembly ("memory-safe") {
                head := calldataload(add(start, shl(5, i)))
            }
            if (head > length - 0x20) revert MalformedSettlementData();
            assembly ("memory-safe") {
                count := calldataload(add(start, head))
            }
            // PriceUpdate is three words, every other element one.
            if (count > (length - head - 0x20) / (i == 0 ? 0x60 : 0x20)) revert MalformedSettlementData();
            offsets[i] = start + head + 0x20;
            counts[i] = count;
        }
        (uint256 o0, uint256 o1, uint256 o2, uint256 o3) = (offsets[0], offsets[1], offsets[2], offsets[3]);
        (uint256 c0, uint256 c1, uint256 c2, uint256 c3) = (counts[0], counts[1], counts[2], counts[3]);
        assembly ("memory-safe") {
            prices.offset := o0
            prices.length := c0
            proof.offset := o1
            proof.length := c1
            triggers.offset := o2
            triggers.length := c2
            liquidations.offset := o3
            liquidations.length := c3
        }
    }
}
