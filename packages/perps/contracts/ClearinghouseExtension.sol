// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import "./PerpsTypes.sol";
import {PerpsCore} from "./PerpsCore.sol";

/// @dev The two ERC-20 calls the clearinghouse makes.
interface ICollateralToken {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @dev The Clearinghouse's clock, read back through the Clearinghouse itself.
interface IClearinghouseClock {
    function lastSettledAt() external view returns (uint64);
}

/// @title ClearinghouseExtension: the Clearinghouse's L1 entry points and views
/// @notice Deployed by the Clearinghouse, which forwards every call it does not implement itself
///         here by DELEGATECALL (its fallback), so these functions run on the Clearinghouse's
///         storage and address: deposits, claims, fee sweeps, liquidations at the marks, the
///         escape hatch and the views. Called directly it refuses (NotDelegated). It exists so
///         that the Clearinghouse's own code stays under EIP-170's 24,576 bytes.
contract ClearinghouseExtension {
    using PerpsStorage for Layout;

    ICollateralToken public immutable collateralToken;
    /// @notice Receives the trading fees (sweepFees).
    address public immutable feeRecipient;
    /// @notice Time without a settled batch after which escapeExit opens.
    uint256 public immutable escapeTimeoutSeconds;
    /// @dev This contract's own address: code running at any other address is delegated.
    address private immutable self;

    constructor(ICollateralToken token, address feeRecipient_, uint256 escapeTimeoutSeconds_) {
        collateralToken = token;
        feeRecipient = feeRecipient_;
        escapeTimeoutSeconds = escapeTimeoutSeconds_;
        self = address(this);
    }

    modifier delegated() {
        if (address(this) == self) revert NotDelegated();
        _;
    }

    /// @dev Between batches only (no hook can re-enter these).
    modifier notSettling() {
        if (address(this) == self) revert NotDelegated();
        if (PerpsStorage.inBatch()) revert SettlementInProgress();
        _;
    }

    // ───────────────────────────── L1 entry points ─────────────────────────────

    /// @notice Credits `amount` of the collateral token, pulled from the caller, to `account`.
    function deposit(address account, uint256 amount) external notSettling {
        if (!collateralToken.transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        Layout storage l = PerpsStorage.layout();
        uint256 held = uint256(l.totals.held) + amount;
        if (held > MAX_HELD_COLLATERAL) revert HeldCollateralCap();
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
        payOut(l, msg.sender, amount);
        emit Claimed(msg.sender, amount);
    }

    /// @notice Pays the accumulated trading fees to feeRecipient.
    function sweepFees() external notSettling returns (uint256 amount) {
        Layout storage l = PerpsStorage.layout();
        amount = l.totals.fees;
        if (amount == 0) revert NothingToClaim();
        l.totals.fees = 0;
        payOut(l, feeRecipient, amount);
        emit FeesSwept(feeRecipient, amount);
    }

    /// @notice Liquidates each listed account that is below maintenance margin at the marks
    ///         (the last certified prices the clearinghouse saw); the others are skipped.
    /// @return count How many were liquidated.
    function liquidate(address[] calldata accounts) external notSettling returns (uint256 count) {
        if (accounts.length > MAX_LIQUIDATIONS_PER_CALL) revert TooManyLiquidations(accounts.length);
        Layout storage l = PerpsStorage.layout();
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (PerpsCore.liquidateIfBelowMaintenance(l, accounts[i], l.accounts[accounts[i]])) ++count;
        }
    }

    /// @notice The escape hatch: once no batch has settled for escapeTimeoutSeconds, closes every
    ///         position of the caller at the marks (no fee; a loss beyond the collateral is
    ///         settled as in a liquidation) and pays out its collateral.
    function escapeExit() external notSettling returns (uint256 amount) {
        uint256 activeAt = uint256(IClearinghouseClock(address(this)).lastSettledAt()) + escapeTimeoutSeconds;
        if (block.timestamp < activeAt) revert EscapeNotActive(activeAt);
        Layout storage l = PerpsStorage.layout();
        Account memory account = l.accounts[msg.sender];
        (int256 realized,) = PerpsCore.closeAll(l, msg.sender, account.positionMask);
        (amount,,) = PerpsCore.settle(l, msg.sender, account.collateral, realized);
        account.collateral = 0;
        account.positionMask = 0;
        l.accounts[msg.sender] = account;
        emit EscapeExited(msg.sender, realized, amount);
        if (amount != 0) payOut(l, msg.sender, amount);
    }

    // ───────────────────────────── views ─────────────────────────────

    function marketConfig(uint256 market) external view delegated returns (MarketConfig memory) {
        return PerpsStorage.layout().configs[market];
    }

    function marketState(uint256 market) external view delegated returns (MarketState memory) {
        return PerpsStorage.layout().states[market];
    }

    function accountOf(address account) external view delegated returns (Account memory) {
        return PerpsStorage.layout().accounts[account];
    }

    function positionOf(address account, uint256 market) external view delegated returns (Position memory) {
        return PerpsStorage.layout().positions[account][market];
    }

    function claimableOf(address account) external view delegated returns (uint256) {
        return PerpsStorage.layout().claimable[account];
    }

    function vaultSharesOf(address account) external view delegated returns (uint256) {
        return PerpsStorage.layout().vaultShares[account];
    }

    function restingOrder(uint64 orderId) external view delegated returns (RestingOrder memory) {
        return PerpsStorage.layout().resting[orderId];
    }

    function totals() external view delegated returns (Totals memory) {
        return PerpsStorage.layout().totals;
    }

    /// @notice Equity and margin requirements of `account` at the marks.
    function health(address account)
        external
        view
        delegated
        returns (int256 equity, uint256 initialRequired, uint256 maintenanceRequired)
    {
        Layout storage l = PerpsStorage.layout();
        Account memory stored = l.accounts[account];
        (equity, initialRequired, maintenanceRequired,) =
            PerpsCore.health(l, account, stored.collateral, stored.positionMask, type(uint256).max, 0, 0);
    }

    function payOut(Layout storage l, address to, uint256 amount) private {
        l.totals.held -= uint128(amount);
        if (!collateralToken.transfer(to, amount)) revert TransferFailed();
    }
}
