// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Header, NamespaceLeaf, SynodMerkle} from "./SynodTypes.sol";

/// @title Synod namespace tree (docs/protocol.md "Namespaces")
/// @notice A header v2 commits to one leaf per distinct namespace among its block's
///         transactions, sorted by namespace ascending (as uint256), in the usual tree shape:
///         (namespaceRoot, namespaceCount). Inclusion of a leaf proves what the block holds of a
///         namespace; two adjacent leaves around a namespace (or the first leaf above it, the
///         last below it, or an empty tree) prove that it holds nothing of it.
library SynodNamespaces {
    /// @notice keccak256(0x00 ‖ abi.encode(namespace, sequenceStart, count, batchHash)).
    /// @dev The 128-byte calldata struct is exactly that ABI encoding; copied once, hashed once.
    ///      A dirty uint64/uint32 word would hash differently from the committed leaf, so the
    ///      copy needs no cleaning to be safe.
    function leafHash(NamespaceLeaf calldata leaf) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore8(buffer, 0)
            calldatacopy(add(buffer, 1), leaf, 0x80)
            hash := keccak256(buffer, 0x81)
        }
    }

    /// @notice True iff `leaf` is leaf `index` (< namespaceCount) of header.namespaceRoot, with a
    ///         proof of exactly depth(namespaceCount) hashes.
    function verifyLeaf(Header calldata header, NamespaceLeaf calldata leaf, uint256 index, bytes32[] calldata proof)
        internal
        pure
        returns (bool)
    {
        return SynodMerkle.verify(header.namespaceRoot, leafHash(leaf), index, header.namespaceCount, proof);
    }

    /// @notice True iff the neighbours prove that `header`'s block has no transaction of
    ///         `namespace`, by exactly one of the rules:
    ///         - no neighbour, and namespaceCount == 0;
    ///         - only a right neighbour: rightIndex == 0 and right.namespace > namespace;
    ///         - only a left neighbour: leftIndex == namespaceCount - 1 and left.namespace < namespace;
    ///         - both: rightIndex == leftIndex + 1 and left.namespace < namespace < right.namespace;
    ///         each given neighbour proven at its index. Namespaces compare as uint256.
    /// @dev `left`/`leftIndex`/`leftProof` are ignored when `hasLeft` is false (pass zeros), same
    ///      for the right side.
    function verifyExclusion(
        Header calldata header,
        bytes32 namespace,
        bool hasLeft,
        NamespaceLeaf calldata left,
        uint256 leftIndex,
        bytes32[] calldata leftProof,
        bool hasRight,
        NamespaceLeaf calldata right,
        uint256 rightIndex,
        bytes32[] calldata rightProof
    ) internal pure returns (bool) {
        uint256 count = header.namespaceCount;
        if (!hasLeft && !hasRight) return count == 0;
        if (hasLeft) {
            if (uint256(left.namespace) >= uint256(namespace)) return false;
            if (!verifyLeaf(header, left, leftIndex, leftProof)) return false;
        }
        if (hasRight) {
            if (uint256(right.namespace) <= uint256(namespace)) return false;
            if (!verifyLeaf(header, right, rightIndex, rightProof)) return false;
        }
        // A proven index is < count, so neither expression below can overflow or underflow.
        if (!hasRight) return leftIndex == count - 1;
        if (!hasLeft) return rightIndex == 0;
        return rightIndex == leftIndex + 1;
    }
}
