// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A Synod block header (version 2), field for field as docs/protocol.md "Block header"
///         defines it: 14 static fields, 448 ABI bytes.
struct Header {
    uint16 version;
    uint64 networkId;
    uint64 epoch;
    uint64 height;
    bytes32 parentHash;
    uint64 timestampMs;
    bytes32 txRoot;
    uint32 txCount;
    /// @dev Header v2: root and leaf count of the namespace tree (docs/protocol.md "Namespaces").
    bytes32 namespaceRoot;
    uint32 namespaceCount;
    bytes32 priceRoot;
    uint32 priceCount;
    bytes32 historyRoot;
    uint32 proposerIndex;
}

/// @notice A header certificate: the committee's threshold signature over
///         voteMessage(precommit, networkId, height, round, headerHash).
struct Certificate {
    uint32 round;
    /// @dev 256-byte uncompressed EIP-2537 G2 point.
    bytes signature;
}

/// @notice The data of a transaction leaf (docs/protocol.md "Merkle trees").
struct TransactionLeaf {
    bytes32 txId;
    address sender;
    bytes32 namespace;
    uint64 nonce;
    bytes32 payloadHash;
}

/// @notice One leaf of a header's namespace tree (docs/protocol.md "Namespaces"): the block's
///         transactions of `namespace` are its sequence numbers sequenceStart .. sequenceStart +
///         count - 1, and batchHash = keccak256 of their transaction leaves concatenated in block
///         order. Leaf data = abi.encode(namespace, sequenceStart, count, batchHash), 128 bytes.
struct NamespaceLeaf {
    bytes32 namespace;
    uint64 sequenceStart;
    uint32 count;
    bytes32 batchHash;
}

/// @notice A signed Synod transaction: the EIP-712 message (docs/protocol.md "Transactions")
///         and its 65-byte r ‖ s ‖ v signature (v ∈ {27, 28}, low s).
struct SynodTransaction {
    uint64 networkId;
    bytes32 namespace;
    address sender;
    uint64 nonce;
    bytes payload;
    uint64 validUntil;
    bytes signature;
}

/// @notice One batch of a multi-height settlement (SynodBatchSettlement.settleBatches): the
///         namespace's batch of `header`'s block, with the header proven against the call's
///         anchor: either `header` is the anchor itself (same height and hash, empty
///         historyProof), or header.height < anchor.height and historyProof is its proof in
///         anchor.historyRoot (depth(anchor.height - 1) hashes). The rest is what settleBatch
///         takes: the namespace's leaf, its index and proof, and exactly its transactions.
struct HistoryBatch {
    Header header;
    bytes32[] historyProof;
    NamespaceLeaf leaf;
    uint256 leafIndex;
    bytes32[] leafProof;
    SynodTransaction[] txs;
}

/// @notice One price leaf and its position in the header's price tree.
struct PriceUpdate {
    bytes32 feedId;
    int256 answer;
    uint256 index;
}

/// @title Synod hashing rules (docs/protocol.md)
library SynodHashing {
    /// @dev Version 2 (namespace commitment) is the only one accepted. The tag stays "v1": the
    ///      version field inside the hashed header distinguishes the formats.
    uint16 internal constant HEADER_VERSION = 2;
    bytes32 internal constant HEADER_TAG = keccak256("synod/header/v1");
    bytes32 internal constant VOTE_TAG = keccak256("synod/vote/v1");
    bytes32 internal constant COMMITTEE_TAG = keccak256("synod/committee/v1");
    uint8 internal constant PRECOMMIT = 2;

    /// @dev keccak256(abi.encode(HEADER_TAG, uint256 chainId, address inbox, Header)).
    function headerHash(Header calldata header, uint256 chainId, address inbox) internal pure returns (bytes32) {
        return keccak256(abi.encode(HEADER_TAG, chainId, inbox, header));
    }

    /// @dev The message a header certificate signs: the precommit vote for the header in `round`.
    function precommitMessage(uint64 networkId, uint64 height, uint32 round, bytes32 blockId)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(VOTE_TAG, PRECOMMIT, networkId, height, round, blockId));
    }
}

/// @title Synod Merkle trees (docs/protocol.md "Merkle trees")
/// @notice leaf = keccak256(0x00 ‖ data), node = keccak256(0x01 ‖ left ‖ right); `count` leaves
///         padded with bytes32(0) to 2^depth, depth = ceil(log2(count)).
library SynodMerkle {
    error EmptyMultiproof();
    error UnsortedLeafIndices();

    function leafHash(bytes memory data) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint8(0), data));
    }

    function nodeHash(bytes32 left, bytes32 right) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore8(buffer, 1)
            mstore(add(buffer, 1), left)
            mstore(add(buffer, 0x21), right)
            hash := keccak256(buffer, 0x41)
        }
    }

    /// @dev ceil(log2(count)); 0 for count <= 1.
    function depth(uint256 count) internal pure returns (uint256 levels) {
        uint256 width = 1;
        while (width < count) {
            width <<= 1;
            ++levels;
        }
    }

    /// @notice True iff `leaf` is leaf `index` of a `count`-leaf tree with root `root`.
    function verify(bytes32 root, bytes32 leaf, uint256 index, uint256 count, bytes32[] calldata proof)
        internal
        pure
        returns (bool)
    {
        if (index >= count || proof.length != depth(count)) return false;
        bytes32 hash = leaf;
        for (uint256 level = 0; level < proof.length; ++level) {
            hash = (index & 1) == 0 ? nodeHash(hash, proof[level]) : nodeHash(proof[level], hash);
            index >>= 1;
        }
        return hash == root;
    }

    /// @notice The root implied by several leaves of a `count`-leaf tree and a multiproof.
    /// @dev `indices` strictly increase and are < count (else UnsortedLeafIndices). The proof
    ///      lists the sibling hashes that are not computable from the leaves, level by level from
    ///      the leaves up, left to right within a level. Returns bytes32(0) (never the root of a
    ///      tree holding these leaves: leaf hashes have no known preimage of zero) if the proof
    ///      has the wrong length. Overwrites both arrays. Assembly: this runs once per feed on
    ///      the price update path, where every hundred gas per feed counts.
    /// @notice The root that price leaves `prices` (strictly increasing indices) and their
    ///         multiproof lead to, for a tree of `count` leaves: compare it with a header's priceRoot.
    /// @dev leaf = keccak256(0x00 ‖ abi.encode(feedId, answer)); the first two words of each
    ///      96-byte PriceUpdate are exactly that encoding. Reverts EmptyMultiproof for no prices.
    function priceMultiproofRoot(PriceUpdate[] calldata prices, uint256 count, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32)
    {
        uint256 length = prices.length;
        bytes32[] memory leaves = new bytes32[](length);
        uint256[] memory indices = new uint256[](length);
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore8(buffer, 0)
            for { let i := 0 } lt(i, length) { i := add(i, 1) } {
                let entry := add(prices.offset, mul(i, 0x60))
                calldatacopy(add(buffer, 1), entry, 0x40)
                mstore(add(leaves, shl(5, add(i, 1))), keccak256(buffer, 0x41))
                mstore(add(indices, shl(5, add(i, 1))), calldataload(add(entry, 0x40)))
            }
        }
        return multiproofRoot(leaves, indices, count, proof);
    }

    function multiproofRoot(bytes32[] memory hashes, uint256[] memory indices, uint256 count, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32 root)
    {
        uint256 width = hashes.length;
        if (width == 0) revert EmptyMultiproof();
        bool sorted;
        assembly ("memory-safe") {
            let ix := add(indices, 0x20)
            let previous := mload(ix)
            sorted := lt(previous, count)
            for { let i := 1 } lt(i, width) { i := add(i, 1) } {
                let index := mload(add(ix, shl(5, i)))
                sorted := and(sorted, gt(index, previous))
                previous := index
            }
            // The last index is the largest: one bound check covers all.
            sorted := and(sorted, lt(previous, count))
        }
        if (!sorted) revert UnsortedLeafIndices();
        uint256 levels = depth(count);
        assembly ("memory-safe") {
            let h := add(hashes, 0x20)
            let ix := add(indices, 0x20)
            let used := 0
            let failed := 0
            let buffer := mload(0x40)
            mstore8(buffer, 1)
            for { let level := 0 } lt(level, levels) { level := add(level, 1) } {
                let written := 0
                for { let i := 0 } lt(i, width) {} {
                    let index := mload(add(ix, shl(5, i)))
                    let left
                    let right
                    switch and(index, 1)
                    case 0 {
                        left := mload(add(h, shl(5, i)))
                        let next := add(i, 1)
                        switch and(lt(next, width), eq(mload(add(ix, shl(5, next))), add(index, 1)))
                        case 1 {
                            right := mload(add(h, shl(5, next)))
                            i := add(i, 2)
                        }
                        default {
                            failed := or(failed, eq(used, proof.length))
                            right := calldataload(add(proof.offset, shl(5, used)))
                            used := add(used, 1)
                            i := next
                        }
                    }
                    default {
                        failed := or(failed, eq(used, proof.length))
                        left := calldataload(add(proof.offset, shl(5, used)))
                        right := mload(add(h, shl(5, i)))
                        used := add(used, 1)
                        i := add(i, 1)
                    }
                    mstore(add(buffer, 1), left)
                    mstore(add(buffer, 0x21), right)
                    mstore(add(h, shl(5, written)), keccak256(buffer, 0x41))
                    mstore(add(ix, shl(5, written)), shr(1, index))
                    written := add(written, 1)
                }
                width := written
            }
            root := mload(h)
            if or(failed, iszero(eq(used, proof.length))) { root := 0 }
        }
    }
}
