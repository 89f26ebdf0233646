// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "./SettlementInbox.sol";
import {SynodNamespaces} from "./SynodNamespaces.sol";
import {
    Certificate,
    Header,
    HistoryBatch,
    NamespaceLeaf,
    SynodHashing,
    SynodMerkle,
    SynodTransaction
} from "./SynodTypes.sol";

/// @title SynodBatchSettlement: an app's Synod transactions, complete, in order, exactly once
/// @notice The base an app contract inherits. Bound at construction to one SettlementInbox and
///         one namespace. Each call settles the app's batch of one height: the leaf of the
///         namespace in the header's namespace tree, and exactly its transactions in block
///         order. The batch must start at `appliedCount` (the next expected sequence number), so
///         none is skipped, replayed or reordered; a height where the namespace is empty needs
///         no call; `settleBatches` settles several consecutive batches (heights) in one call,
///         each proven against one anchor header. Every user's EIP-712 signature is checked
///         again here (ecrecover over the txId), so even a committee that certified a forged
///         transaction cannot act for a user.
///         The whole batch is verified first; then the counters move; then
///         `_applyTransaction` runs for each transaction in order. A transaction the app refuses
///         (a non-empty return) is a TransactionRejected event and the batch goes on; any failed
///         check reverts the whole batch.
/// @dev Reentrancy: appliedCount and lastSettledHeight are updated before the first hook runs,
///      so a hook (or a contract it calls) that re-enters with the same batch gets
///      BatchAlreadySettled. Re-entering any settle entry point while hooks run is refused with
///      ReentrantSettlement (a transient lock), so a hook cannot settle the next batch in the
///      middle of this one and the app always sees sequence numbers in order.
abstract contract SynodBatchSettlement {
    /// @dev keccak256 of the EIP-712 Transaction type (docs/protocol.md "Transactions").
    bytes32 private constant TRANSACTION_TYPEHASH = keccak256(
        "Transaction(uint64 networkId,bytes32 namespace,address sender,uint64 nonce,bytes payload,uint64 validUntil)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// @dev secp256k1 n / 2: a larger s is the malleated twin of a valid signature.
    uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice Most batches one settleBatches / submitHeaderAndSettleBatches call takes. Bounds
    ///         the work of one call (a relayer's own gas and calldata budget is tighter).
    uint256 public constant MAX_BATCHES_PER_CALL = 64;

    /// @notice The inbox whose stored headers certify the batches.
    SettlementInbox public immutable inbox;
    /// @notice The namespace (bytes32 app id) whose transactions this contract settles.
    bytes32 public immutable namespace;
    /// @notice EIP-712 domain separator of Synod transactions: name "Synod", version "1",
    ///         chainId = block.chainid at deployment, verifyingContract = inbox.
    bytes32 public immutable domainSeparator;
    /// @dev The inbox's networkId (immutable there), read once.
    uint64 private immutable networkId;

    /// @notice Transactions of the namespace applied so far (rejected ones included): the
    ///         sequence number of the next transaction to settle.
    uint64 public appliedCount;
    /// @notice Height of the last settled batch (0 before the first).
    uint64 public lastSettledHeight;
    /// @dev Set while a batch settles (EIP-1153).
    bool private transient settling;

    /// @notice The app refused transaction `sequence` (its hook returned `reason`); the batch went on.
    event TransactionRejected(uint64 indexed sequence, bytes32 indexed txId, bytes reason);
    /// @notice Sequence numbers sequenceStart .. sequenceStart + count - 1 of the block at
    ///         `height` were settled, `rejected` of them refused by the app.
    event BatchSettled(uint64 indexed height, uint64 sequenceStart, uint32 count, uint32 rejected);

    error UnsupportedHeaderVersion(uint16 version);
    error WrongNetwork(uint64 networkId);
    /// @notice The inbox has no header at `height` (post it, or settle from a later anchor).
    error HeaderNotStored(uint64 height);
    /// @notice The inbox has another header at `height`: one of another chain, inbox or network,
    ///         or a tampered one.
    error HeaderHashMismatch(uint64 height);
    error HistoryHeightOutOfRange(uint64 height, uint64 anchorHeight);
    error InvalidHistoryProof();
    error ForeignNamespaceBatch(bytes32 namespace);
    error InvalidNamespaceProof();
    /// @notice A replay: the batch starts below the next expected sequence number.
    error BatchAlreadySettled(uint64 expected, uint64 got);
    /// @notice A batch of a later height while an earlier one of the namespace is unsettled.
    error BatchSkipped(uint64 expected, uint64 got);
    error MissingTransactions(uint32 expected, uint256 got);
    error ExtraTransactions(uint32 expected, uint256 got);
    error ForeignTransaction(uint256 index);
    error WrongTransactionNetwork(uint256 index);
    /// @notice Transaction `index`'s signature is not a canonical (65 bytes, v ∈ {27, 28},
    ///         s ≤ n/2) secp256k1 signature of its txId by its sender.
    error InvalidSignature(uint256 index);
    /// @notice The transactions are not the leaf's (reordered or altered).
    error BatchMismatch();
    error ReentrantSettlement();
    /// @notice settleBatches / submitHeaderAndSettleBatches with an empty list.
    error NoBatches();
    /// @notice More than MAX_BATCHES_PER_CALL batches in one call.
    error TooManyBatches(uint256 count, uint256 max);

    /// @param inbox_ The SettlementInbox whose headers certify batches.
    /// @param namespace_ The namespace this app settles.
    constructor(SettlementInbox inbox_, bytes32 namespace_) {
        inbox = inbox_;
        namespace = namespace_;
        networkId = inbox_.networkId();
        domainSeparator =
            keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("Synod"), keccak256("1"), block.chainid, address(inbox_)));
    }

    modifier nonReentrantSettlement() {
        if (settling) revert ReentrantSettlement();
        settling = true;
        _;
        settling = false;
    }

    /// @notice Settles the batch of `header`, which the inbox already stores.
    /// @param header The header, stored by the inbox.
    /// @param leaf The namespace's leaf in header.namespaceRoot.
    /// @param leafIndex Its index (< header.namespaceCount).
    /// @param leafProof depth(namespaceCount) sibling hashes from the leaf up.
    /// @param txs Exactly the namespace's transactions of the block, in block order, signed.
    function settleBatch(
        Header calldata header,
        NamespaceLeaf calldata leaf,
        uint256 leafIndex,
        bytes32[] calldata leafProof,
        SynodTransaction[] calldata txs
    ) external nonReentrantSettlement {
        _checkHeaderFields(header);
        _requireStored(header);
        _settle(header, leaf, leafIndex, leafProof, txs);
    }

    /// @notice Submits `header` with its certificate to the inbox (unless it is already stored
    ///         there), then settles its batch, in one transaction.
    /// @param header The header; if the inbox does not have it, it must be above latestHeight.
    /// @param certificate Its certificate (see SettlementInbox.submitHeader).
    /// @param leaf The namespace's leaf in header.namespaceRoot.
    /// @param leafIndex Its index.
    /// @param leafProof Its proof.
    /// @param txs Exactly the namespace's transactions of the block, in block order, signed.
    function submitHeaderAndSettleBatch(
        Header calldata header,
        Certificate calldata certificate,
        NamespaceLeaf calldata leaf,
        uint256 leafIndex,
        bytes32[] calldata leafProof,
        SynodTransaction[] calldata txs
    ) external nonReentrantSettlement {
        _checkHeaderFields(header);
        _submitUnlessStored(header, certificate);
        _settle(header, leaf, leafIndex, leafProof, txs);
    }

    /// @notice Settles the batch of `header`, a height the inbox never stored, proven by the
    ///         history root of the stored `anchor` (a later header).
    /// @param anchor A header the inbox stores, above header.height.
    /// @param header The header of the batch.
    /// @param historyProof Proof of `header` in anchor.historyRoot (depth(anchor.height - 1) hashes).
    /// @param leaf The namespace's leaf in header.namespaceRoot.
    /// @param leafIndex Its index.
    /// @param leafProof Its proof.
    /// @param txs Exactly the namespace's transactions of the block, in block order, signed.
    function settleBatchFromHistory(
        Header calldata anchor,
        Header calldata header,
        bytes32[] calldata historyProof,
        NamespaceLeaf calldata leaf,
        uint256 leafIndex,
        bytes32[] calldata leafProof,
        SynodTransaction[] calldata txs
    ) external nonReentrantSettlement {
        _checkHeaderFields(header);
        _requireStored(anchor);
        _requireInHistory(anchor, header, historyProof);
        _settle(header, leaf, leafIndex, leafProof, txs);
    }

    /// @notice Settles several consecutive batches of the namespace in one call, in list order,
    ///         each exactly as the single-batch entry points would (the same checks and errors,
    ///         its hooks, its BatchSettled), all proven against the stored `anchor`. Batch i must
    ///         start where batch i - 1 left appliedCount; any failed check reverts the whole call.
    /// @param anchor A header the inbox stores, at or above every batch's height.
    /// @param batches 1 .. MAX_BATCHES_PER_CALL batches, increasing heights: each one's header is
    ///        the anchor itself (empty historyProof) or a lower height proven by anchor.historyRoot.
    function settleBatches(Header calldata anchor, HistoryBatch[] calldata batches) external nonReentrantSettlement {
        _checkBatchCount(batches.length);
        _checkHeaderFields(anchor);
        _settleAll(anchor, _requireStored(anchor), batches);
    }

    /// @notice submitHeaderAndSettleBatch for several batches: submits `anchor` with its
    ///         certificate (unless it is already stored), then settleBatches against it, in one
    ///         transaction.
    /// @param anchor The anchor; if the inbox does not have it, it must be above latestHeight.
    /// @param certificate Its certificate (see SettlementInbox.submitHeader).
    /// @param batches As for settleBatches.
    function submitHeaderAndSettleBatches(
        Header calldata anchor,
        Certificate calldata certificate,
        HistoryBatch[] calldata batches
    ) external nonReentrantSettlement {
        _checkBatchCount(batches.length);
        _checkHeaderFields(anchor);
        _submitUnlessStored(anchor, certificate);
        _settleAll(anchor, SynodHashing.headerHash(anchor, block.chainid, address(inbox)), batches);
    }

    /// @notice The txId (EIP-712 digest under domainSeparator) of `transaction`.
    function transactionId(SynodTransaction calldata transaction) external view returns (bytes32 txId) {
        (txId,) = _hashTransaction(transaction, domainSeparator);
    }

    /// @notice The app's rule for one settled transaction, called in sequence order after the
    ///         whole batch is verified and the counters moved.
    /// @param transaction The signed transaction (its signature already verified).
    /// @param txId Its EIP-712 digest (Synod's transaction id).
    /// @param sequence Its sequence number in the namespace (0, 1, 2, … across all blocks).
    /// @param header The header of its block.
    /// @return rejection Empty if applied; otherwise the reason the app refuses it (emitted in
    ///         TransactionRejected; the sequence number is still consumed).
    function _applyTransaction(
        SynodTransaction calldata transaction,
        bytes32 txId,
        uint64 sequence,
        Header calldata header
    ) internal virtual returns (bytes memory rejection);

    function _checkHeaderFields(Header calldata header) private view {
        if (header.version != SynodHashing.HEADER_VERSION) revert UnsupportedHeaderVersion(header.version);
        if (header.networkId != networkId) revert WrongNetwork(header.networkId);
    }

    /// @dev Reverts HeaderNotStored unless the inbox has a header at header.height, and
    ///      HeaderHashMismatch unless it is this one. Returns its hash.
    function _requireStored(Header calldata header) private view returns (bytes32 stored) {
        stored = inbox.headerHashes(header.height);
        if (stored == 0) revert HeaderNotStored(header.height);
        if (stored != SynodHashing.headerHash(header, block.chainid, address(inbox))) {
            revert HeaderHashMismatch(header.height);
        }
    }

    /// @dev Posts `header` to the inbox unless it stores that height already (then it must be
    ///      this header: HeaderHashMismatch). The inbox's own errors bubble up.
    function _submitUnlessStored(Header calldata header, Certificate calldata certificate) private {
        bytes32 stored = inbox.headerHashes(header.height);
        if (stored == 0) {
            inbox.submitHeader(header, certificate);
        } else if (stored != SynodHashing.headerHash(header, block.chainid, address(inbox))) {
            revert HeaderHashMismatch(header.height);
        }
    }

    /// @dev Reverts HistoryHeightOutOfRange unless 0 < header.height < anchor.height, then
    ///      InvalidHistoryProof unless `header` is leaf height - 1 of the (stored) anchor's
    ///      historyRoot: the inbox's verifyHeader rule, computed here rather than by a call.
    function _requireInHistory(Header calldata anchor, Header calldata header, bytes32[] calldata proof)
        private
        view
    {
        if (header.height == 0 || header.height >= anchor.height) {
            revert HistoryHeightOutOfRange(header.height, anchor.height);
        }
        // = SynodMerkle.leafHash(abi.encode(hash)), the history leaf, written out: with the library
        // call here solc (via-IR) happened to compile PriceFeeds' unrelated code 595 bytes larger.
        bytes32 leaf =
            keccak256(abi.encodePacked(uint8(0), SynodHashing.headerHash(header, block.chainid, address(inbox))));
        if (!SynodMerkle.verify(anchor.historyRoot, leaf, header.height - 1, anchor.height - 1, proof)) {
            revert InvalidHistoryProof();
        }
    }

    function _checkBatchCount(uint256 count) private pure {
        if (count == 0) revert NoBatches();
        if (count > MAX_BATCHES_PER_CALL) revert TooManyBatches(count, MAX_BATCHES_PER_CALL);
    }

    /// @dev The batches of settleBatches in order, against the certified `anchor` (hash
    ///      `anchorHash`): per batch the checks of settleBatchFromHistory (at the anchor's own
    ///      height instead: the anchor's hash and no history proof), then _settle. The
    ///      memory a batch used (its txIds, leaves, the hooks' allocations) is released before the
    ///      next one, so memory, and its quadratic cost, stays that of one batch.
    function _settleAll(Header calldata anchor, bytes32 anchorHash, HistoryBatch[] calldata batches) private {
        for (uint256 i = 0; i < batches.length; ++i) {
            uint256 memoryStart;
            assembly ("memory-safe") {
                memoryStart := mload(0x40)
            }
            HistoryBatch calldata batch = batches[i];
            Header calldata header = batch.header;
            _checkHeaderFields(header);
            if (header.height == anchor.height) {
                if (SynodHashing.headerHash(header, block.chainid, address(inbox)) != anchorHash) {
                    revert HeaderHashMismatch(header.height);
                }
                if (batch.historyProof.length != 0) revert InvalidHistoryProof();
            } else {
                _requireInHistory(anchor, header, batch.historyProof);
            }
            _settle(header, batch.leaf, batch.leafIndex, batch.leafProof, batch.txs);
            // Nothing allocated by this batch is referenced any more.
            assembly ("memory-safe") {
                mstore(0x40, memoryStart)
            }
        }
    }

    /// @dev Namespace, proof, sequence and count checks, then every transaction, then effects
    ///      and hooks. `header` is known to be certified by now.
    function _settle(
        Header calldata header,
        NamespaceLeaf calldata leaf,
        uint256 leafIndex,
        bytes32[] calldata leafProof,
        SynodTransaction[] calldata txs
    ) private {
        if (leaf.namespace != namespace) revert ForeignNamespaceBatch(leaf.namespace);
        if (!SynodNamespaces.verifyLeaf(header, leaf, leafIndex, leafProof)) revert InvalidNamespaceProof();
        uint64 start = leaf.sequenceStart;
        uint64 applied = appliedCount;
        if (start < applied) revert BatchAlreadySettled(applied, start);
        if (start > applied) revert BatchSkipped(applied, start);
        uint32 count = leaf.count;
        if (txs.length < count) revert MissingTransactions(count, txs.length);
        if (txs.length > count) revert ExtraTransactions(count, txs.length);

        bytes32[] memory txIds = _verifyTransactions(txs, header.networkId, leaf.batchHash);

        uint64 height = header.height;
        appliedCount = start + count;
        lastSettledHeight = height;

        uint32 rejected;
        for (uint256 i = 0; i < count; ++i) {
            uint64 sequence = start + uint64(i);
            bytes32 txId = txIds[i];
            bytes memory reason = _applyTransaction(txs[i], txId, sequence, header);
            if (reason.length != 0) {
                emit TransactionRejected(sequence, txId, reason);
                unchecked {
                    ++rejected;
                }
            }
        }
        emit BatchSettled(height, start, count, rejected);
    }

    /// @dev Pass one: for each transaction its namespace, network and signature, and its
    ///      transaction leaf into one buffer; then one keccak over the buffer against batchHash.
    ///      Returns the txIds for the hooks. Nothing is copied to memory but the payload (for
    ///      its hash), in a scratch area reused by every transaction.
    function _verifyTransactions(SynodTransaction[] calldata txs, uint64 headerNetworkId, bytes32 batchHash)
        private
        view
        returns (bytes32[] memory txIds)
    {
        uint256 count = txs.length;
        txIds = new bytes32[](count);
        uint256 leaves;
        assembly ("memory-safe") {
            leaves := mload(0x40)
            mstore(0x40, add(leaves, shl(5, count)))
        }
        bytes32 ns = namespace;
        bytes32 separator = domainSeparator;
        for (uint256 i = 0; i < count; ++i) {
            SynodTransaction calldata transaction = txs[i];
            if (transaction.namespace != ns) revert ForeignTransaction(i);
            if (transaction.networkId != headerNetworkId) revert WrongTransactionNetwork(i);
            (bytes32 txId, bytes32 payloadHash) = _hashTransaction(transaction, separator);
            bytes calldata signature = transaction.signature;
            bool valid;
            assembly ("memory-safe") {
                let m := mload(0x40)
                let sender := calldataload(add(transaction, 0x40))
                let s := calldataload(add(signature.offset, 0x20))
                let v := byte(0, calldataload(add(signature.offset, 0x40)))
                valid := and(eq(signature.length, 65), and(or(eq(v, 27), eq(v, 28)), iszero(gt(s, HALF_CURVE_ORDER))))
                mstore(m, txId)
                mstore(add(m, 0x20), v)
                mstore(add(m, 0x40), calldataload(signature.offset))
                mstore(add(m, 0x60), s)
                // ecrecover returns nothing for an invalid signature; zero out to be sure.
                mstore(0x00, 0)
                let ok := staticcall(gas(), 1, m, 0x80, 0x00, 0x20)
                valid := and(valid, and(ok, and(eq(returndatasize(), 0x20), eq(mload(0x00), sender))))
                // leaf = keccak256(0x00 ‖ txId ‖ sender ‖ namespace ‖ nonce ‖ payloadHash)
                mstore(add(m, 0x01), txId)
                mstore(add(m, 0x21), sender)
                mstore(add(m, 0x41), ns)
                mstore(add(m, 0x61), calldataload(add(transaction, 0x60)))
                mstore(add(m, 0x81), payloadHash)
                mstore8(m, 0)
                mstore(add(leaves, shl(5, i)), keccak256(m, 0xa1))
                mstore(add(add(txIds, 0x20), shl(5, i)), txId)
            }
            if (!valid) revert InvalidSignature(i);
        }
        bytes32 computed;
        assembly ("memory-safe") {
            computed := keccak256(leaves, shl(5, count))
        }
        if (computed != batchHash) revert BatchMismatch();
    }

    /// @dev txId = keccak256(0x1901 ‖ separator ‖ keccak256(typehash ‖ networkId ‖ namespace ‖
    ///      sender ‖ nonce ‖ keccak256(payload) ‖ validUntil)), hashed in scratch memory past
    ///      the free memory pointer (not allocated). The head words are copied raw: a value
    ///      with dirty high bits hashes to another digest, which no committed leaf holds.
    function _hashTransaction(SynodTransaction calldata transaction, bytes32 separator)
        private
        pure
        returns (bytes32 txId, bytes32 payloadHash)
    {
        bytes calldata payload = transaction.payload;
        bytes32 typehash = TRANSACTION_TYPEHASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, payload.offset, payload.length)
            payloadHash := keccak256(m, payload.length)
            mstore(m, typehash)
            // networkId, namespace, sender, nonce: the first four head words of the struct.
            calldatacopy(add(m, 0x20), transaction, 0x80)
            mstore(add(m, 0xa0), payloadHash)
            mstore(add(m, 0xc0), calldataload(add(transaction, 0xa0)))
            let structHash := keccak256(m, 0xe0)
            mstore(m, 0x1901)
            mstore(add(m, 0x20), separator)
            mstore(add(m, 0x40), structHash)
            txId := keccak256(add(m, 0x1e), 0x42)
        }
    }
}
