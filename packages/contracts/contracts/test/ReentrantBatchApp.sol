// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "../core/SettlementInbox.sol";
import {SynodBatchSettlement} from "../core/SynodBatchSettlement.sol";
import {Header, SynodTransaction} from "../core/SynodTypes.sol";

/// @title ReentrantBatchApp (tests): a hook that calls back into the settlement
/// @notice For each transaction it replays the current call (msg.data) against itself and
///         rejects the transaction with the revert data it got: shows that a hook cannot settle
///         anything while a batch settles. Records the state the hook saw.
contract ReentrantBatchApp is SynodBatchSettlement {
    /// @notice appliedCount as the first hook saw it.
    uint64 public appliedCountSeenByHook;

    constructor(SettlementInbox inbox_, bytes32 namespace_) SynodBatchSettlement(inbox_, namespace_) {}

    function _applyTransaction(SynodTransaction calldata, bytes32, uint64, Header calldata)
        internal
        override
        returns (bytes memory rejection)
    {
        if (appliedCountSeenByHook == 0) appliedCountSeenByHook = appliedCount;
        (bool ok, bytes memory data) = address(this).call(msg.data);
        return ok ? bytes("reentered") : data;
    }
}
