// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "../core/SettlementInbox.sol";
import {SynodBatchSettlement} from "../core/SynodBatchSettlement.sol";
import {Header, SynodTransaction} from "../core/SynodTypes.sol";

/// @title BatchRecorder (tests): records every transaction it applies, in order
/// @notice Applies every transaction except those whose payload starts with 0xff, which it
///         rejects with the reason "payload starts with 0xff".
contract BatchRecorder is SynodBatchSettlement {
    struct Applied {
        uint64 sequence;
        uint64 height;
        bytes32 txId;
        address sender;
        bytes32 payloadHash;
    }

    Applied[] private applied;

    constructor(SettlementInbox inbox_, bytes32 namespace_) SynodBatchSettlement(inbox_, namespace_) {}

    /// @notice Every applied transaction, in the order the hook saw them.
    function allApplied() external view returns (Applied[] memory) {
        return applied;
    }

    function appliedLength() external view returns (uint256) {
        return applied.length;
    }

    function _applyTransaction(SynodTransaction calldata transaction, bytes32 txId, uint64 sequence, Header calldata header)
        internal
        override
        returns (bytes memory rejection)
    {
        bytes calldata payload = transaction.payload;
        if (payload.length != 0 && payload[0] == 0xff) return bytes("payload starts with 0xff");
        applied.push(Applied(sequence, header.height, txId, transaction.sender, keccak256(payload)));
        return rejection;
    }
}
