// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BLS12381} from "./BLS12381.sol";
import {CommitteeRegistry} from "./CommitteeRegistry.sol";
import {SynodNamespaces} from "./SynodNamespaces.sol";
import {Certificate, Header, NamespaceLeaf, SynodHashing, SynodMerkle, TransactionLeaf} from "./SynodTypes.sol";

/// @title SettlementInbox: certified Synod headers on L1
/// @notice Anyone may submit a header with its certificate; the inbox stores only its hash, by
///         height. Views take a header as calldata and check it against the stored hash, then
///         prove a transaction (txRoot), a namespace's batch or absence (namespaceRoot) or an
///         older header (historyRoot) against it. Header version 2 only.
contract SettlementInbox {
    /// @notice The Synod network this inbox settles.
    uint64 public immutable networkId;
    /// @notice Where the committee key of each epoch comes from.
    CommitteeRegistry public immutable registry;

    /// @notice Height of the last accepted header (0 before the first).
    uint64 public latestHeight;
    /// @notice The L1 block of deployment (where to start reading events). It shares a storage
    ///         word with latestHeight, which makes even the first submitHeader a nonzero →
    ///         nonzero write (saves ~17,000 gas on it).
    uint64 public deployedAtBlock;
    /// @notice headerHash of each accepted height (zero where none was posted).
    mapping(uint64 height => bytes32) public headerHashes;

    /// @notice A certified header was accepted.
    event HeaderSubmitted(uint64 indexed height, bytes32 indexed headerHash, uint64 epoch, uint32 round);

    error UnsupportedHeaderVersion(uint16 version);
    error WrongNetwork(uint64 networkId);
    error HeightNotIncreasing(uint64 height, uint64 latestHeight);
    error InvalidCertificate();
    error HeaderNotStored(uint64 height);
    error HistoryHeightOutOfRange(uint64 olderHeight, uint64 anchorHeight);

    /// @param networkId_ The Synod network id every accepted header must carry.
    /// @param registry_ The CommitteeRegistry holding the epoch keys.
    constructor(uint64 networkId_, CommitteeRegistry registry_) {
        networkId = networkId_;
        registry = registry_;
        deployedAtBlock = uint64(block.number);
    }

    /// @notice Verifies `certificate` over `header` under the key of `header.epoch` and stores
    ///         the header hash. Heights strictly increase; gaps are allowed.
    /// @dev The hash binds block.chainid and this contract's address; the signed message is the
    ///      precommit voteMessage for (networkId, height, round, headerHash). Cost does not
    ///      depend on the committee size: one pairing check.
    /// @param header The header, as docs/protocol.md defines it.
    /// @param certificate Round and 256-byte uncompressed G2 group signature.
    /// @return headerHash The stored hash.
    function submitHeader(Header calldata header, Certificate calldata certificate)
        external
        returns (bytes32 headerHash)
    {
        if (header.version != SynodHashing.HEADER_VERSION) revert UnsupportedHeaderVersion(header.version);
        if (header.networkId != networkId) revert WrongNetwork(header.networkId);
        uint64 latest = latestHeight;
        if (header.height <= latest) revert HeightNotIncreasing(header.height, latest);
        headerHash = SynodHashing.headerHash(header, block.chainid, address(this));
        bytes32 message =
            SynodHashing.precommitMessage(header.networkId, header.height, certificate.round, headerHash);
        (bytes32 word0, bytes32 word1, bytes32 word2) = registry.keyForHeight(header.epoch, header.height);
        bool valid = BLS12381.verify(
            BLS12381.unpackG1(word0, word1, word2), abi.encodePacked(message), certificate.signature
        );
        if (!valid) revert InvalidCertificate();
        latestHeight = header.height;
        headerHashes[header.height] = headerHash;
        emit HeaderSubmitted(header.height, headerHash, header.epoch, certificate.round);
    }

    /// @notice The hash this inbox computes for `header` (whether or not it was submitted).
    function hashHeader(Header calldata header) external view returns (bytes32) {
        return SynodHashing.headerHash(header, block.chainid, address(this));
    }

    /// @notice Reverts with HeaderNotStored unless `header` is the stored header of its height.
    /// @return headerHash The stored hash.
    function requireStored(Header calldata header) public view returns (bytes32 headerHash) {
        headerHash = SynodHashing.headerHash(header, block.chainid, address(this));
        if (headerHashes[header.height] != headerHash) revert HeaderNotStored(header.height);
    }

    /// @notice True iff `leaf` is transaction `index` of the stored `header`.
    /// @param header A header accepted by this inbox (reverts HeaderNotStored otherwise).
    /// @param leaf The transaction leaf data.
    /// @param index Position of the transaction in the block, < header.txCount.
    /// @param proof depth(txCount) sibling hashes from the leaf up.
    function verifyTransaction(
        Header calldata header,
        TransactionLeaf calldata leaf,
        uint256 index,
        bytes32[] calldata proof
    ) external view returns (bool) {
        requireStored(header);
        return _verifyTransaction(header, leaf, index, proof);
    }

    /// @notice True iff `leaf` is leaf `index` of the namespace tree of the stored `header`:
    ///         the block's transactions of leaf.namespace are its sequence numbers
    ///         leaf.sequenceStart .. + leaf.count - 1, with leaf.batchHash over their leaves.
    /// @param header A header accepted by this inbox (reverts HeaderNotStored otherwise).
    /// @param leaf The namespace leaf.
    /// @param index Position of the leaf (namespaces sorted ascending), < header.namespaceCount.
    /// @param proof depth(namespaceCount) sibling hashes from the leaf up.
    function verifyNamespaceLeaf(
        Header calldata header,
        NamespaceLeaf calldata leaf,
        uint256 index,
        bytes32[] calldata proof
    ) external view returns (bool) {
        requireStored(header);
        return SynodNamespaces.verifyLeaf(header, leaf, index, proof);
    }

    /// @notice True iff the stored `header`'s block has no transaction of `namespace`, proven by
    ///         its neighbours in the sorted namespace tree (SynodNamespaces.verifyExclusion): none
    ///         when namespaceCount is 0; only `right` (index 0) when `namespace` sorts below every
    ///         leaf; only `left` (index namespaceCount - 1) when above; else both, adjacent.
    /// @param header A header accepted by this inbox (reverts HeaderNotStored otherwise).
    /// @param namespace The namespace proven absent.
    /// @param hasLeft Whether a left neighbour is given (if not, left* are ignored).
    /// @param left The greatest leaf below `namespace`.
    /// @param leftIndex Its index.
    /// @param leftProof Its proof.
    /// @param hasRight Whether a right neighbour is given (if not, right* are ignored).
    /// @param right The least leaf above `namespace`.
    /// @param rightIndex Its index.
    /// @param rightProof Its proof.
    function verifyNamespaceExclusion(
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
    ) external view returns (bool) {
        requireStored(header);
        return SynodNamespaces.verifyExclusion(
            header, namespace, hasLeft, left, leftIndex, leftProof, hasRight, right, rightIndex, rightProof
        );
    }

    /// @notice True iff `olderHeader` is in the history of the stored `anchorHeader`: its hash
    ///         is leaf `olderHeader.height - 1` of anchorHeader.historyRoot.
    /// @param anchorHeader A header accepted by this inbox (reverts HeaderNotStored otherwise).
    /// @param olderHeader Any header of a lower height, posted or not.
    /// @param proof depth(anchorHeader.height - 1) sibling hashes from the leaf up.
    function verifyHeader(Header calldata anchorHeader, Header calldata olderHeader, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        requireStored(anchorHeader);
        return _verifyHistory(anchorHeader, olderHeader, proof);
    }

    /// @notice True iff `leaf` is transaction `index` of `header`, and `header` is in the
    ///         history of the stored `anchorHeader`: proves a transaction of a block never posted.
    /// @param anchorHeader A header accepted by this inbox (reverts HeaderNotStored otherwise).
    /// @param header The (older) header holding the transaction.
    /// @param historyProof Proof of `header` in anchorHeader.historyRoot.
    /// @param leaf The transaction leaf data.
    /// @param index Position of the transaction in `header`'s block.
    /// @param proof Proof of the leaf in header.txRoot.
    function verifyTransactionInHistory(
        Header calldata anchorHeader,
        Header calldata header,
        bytes32[] calldata historyProof,
        TransactionLeaf calldata leaf,
        uint256 index,
        bytes32[] calldata proof
    ) external view returns (bool) {
        requireStored(anchorHeader);
        return _verifyHistory(anchorHeader, header, historyProof) && _verifyTransaction(header, leaf, index, proof);
    }

    function _verifyTransaction(
        Header calldata header,
        TransactionLeaf calldata leaf,
        uint256 index,
        bytes32[] calldata proof
    ) private pure returns (bool) {
        bytes32 leafHash = SynodMerkle.leafHash(
            abi.encode(leaf.txId, leaf.sender, leaf.namespace, leaf.nonce, leaf.payloadHash)
        );
        return SynodMerkle.verify(header.txRoot, leafHash, index, header.txCount, proof);
    }

    function _verifyHistory(Header calldata anchorHeader, Header calldata olderHeader, bytes32[] calldata proof)
        private
        view
        returns (bool)
    {
        if (olderHeader.height == 0 || olderHeader.height >= anchorHeader.height) {
            revert HistoryHeightOutOfRange(olderHeader.height, anchorHeader.height);
        }
        bytes32 olderHash = SynodHashing.headerHash(olderHeader, block.chainid, address(this));
        bytes32 leafHash = SynodMerkle.leafHash(abi.encode(olderHash));
        return SynodMerkle.verify(
            anchorHeader.historyRoot, leafHash, olderHeader.height - 1, anchorHeader.height - 1, proof
        );
    }
}
