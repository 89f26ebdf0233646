// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "../core/SettlementInbox.sol";
import {SynodBatchSettlement} from "../core/SynodBatchSettlement.sol";
import {Header, SynodTransaction} from "../core/SynodTypes.sol";

/// @title NoopBatchApp (gas benchmark): applies every transaction and does nothing with it
contract NoopBatchApp is SynodBatchSettlement {
    constructor(SettlementInbox inbox_, bytes32 namespace_) SynodBatchSettlement(inbox_, namespace_) {}

    function _applyTransaction(SynodTransaction calldata, bytes32, uint64, Header calldata)
        internal
        pure
        override
        returns (bytes memory rejection)
    {}
}
