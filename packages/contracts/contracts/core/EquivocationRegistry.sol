// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BLS12381} from "./BLS12381.sol";
import {CommitteeRegistry} from "./CommitteeRegistry.sol";
import {SynodHashing} from "./SynodTypes.sol";

/// @title EquivocationRegistry: a Synod validator's two votes for one step, provable by anyone
/// @notice Records, permissionlessly and once, that validator `i` of an epoch signed two votes of
///         one (height, round, kind) for different blocks: the hook a staking or slashing module
///         reads (docs/contracts.md "Equivocation evidence"). A vote is a BLS share signature
///         over the vote message (the message certificates sign), so the contract needs the
///         validator's share public key. It derives it from the epoch's Feldman commitments,
///         C_0 … C_{t−1}, as Σ_k C_k·(i+1)^k (one G1 multi-scalar multiplication); the
///         commitments are registered once per epoch with a threshold signature of the epoch's
///         group key (from CommitteeRegistry), so nobody can substitute share keys.
contract EquivocationRegistry {
    /// @dev keccak256("synod/commitments/v1"): first word of the commitments message.
    bytes32 internal constant COMMITMENTS_TAG = keccak256("synod/commitments/v1");
    bytes32 internal constant TRANSITION_TAG = keccak256("synod/transition/v1");
    uint8 internal constant PREVOTE = 1;
    uint8 internal constant PRECOMMIT = 2;
    /// @dev The order r of the BLS12-381 groups: share indices are reduced mod r.
    uint256 private constant CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    uint256 private constant G1_MSM_PRECOMPILE = 0x0c;
    uint256 private constant MSM_PAIR_BYTES = 160;

    /// @notice Where the epochs' group keys, sizes and heights come from.
    CommitteeRegistry public immutable registry;
    /// @notice The Synod network id the votes are signed for.
    uint64 public immutable networkId;

    /// @notice keccak256 of an epoch's concatenated commitments (t × 128-byte EIP-2537 G1 points).
    mapping(uint64 epoch => bytes32) public commitmentsHash;
    /// @notice n of an epoch registered from its transition record (0: ask the CommitteeRegistry).
    mapping(uint64 epoch => uint32) public transitionCommitteeSize;
    /// @notice Offences recorded, by offenceId(epoch, height, round, kind, validator).
    mapping(bytes32 offence => bool) public recorded;

    /// @notice One of the two votes: the block it is for (bytes32(0) = nil) and its share signature.
    struct SignedVote {
        bytes32 blockId;
        /// @dev 256-byte uncompressed EIP-2537 G2 point.
        bytes signature;
    }

    event CommitmentsRegistered(uint64 indexed epoch, bytes32 commitmentsHash);
    event EquivocationRecorded(
        uint64 indexed epoch,
        uint32 indexed validatorIndex,
        uint64 height,
        uint32 round,
        uint8 kind,
        bytes32 firstBlockId,
        bytes32 secondBlockId,
        address reporter
    );

    error CommitmentsAlreadyRegistered(uint64 epoch);
    error EmptyCommittee();
    error WrongCommitmentCount(uint256 length, uint32 threshold);
    error FirstCommitmentNotGroupKey();
    error InvalidCommitmentsCertificate();
    error CommitmentsUnknown(uint64 epoch);
    error WrongCommitments();
    error UnknownValidator(uint32 validatorIndex, uint32 committeeSize);
    error InvalidVoteKind(uint8 kind);
    error VotesDoNotConflict();
    error AlreadyRecorded(bytes32 offence);
    error InvalidVoteSignature(uint256 which);
    error G1MsmFailed();

    /// @param genesisEpoch The registry's genesis epoch.
    /// @param genesisCommitments The genesis committee's commitments (t × 128-byte points, the
    ///        first its group key), trusted from the deployer like the registry's genesis key;
    ///        empty to register them later with a certificate (registerCommitments).
    constructor(
        CommitteeRegistry registry_,
        uint64 networkId_,
        uint64 genesisEpoch,
        bytes memory genesisCommitments
    ) {
        registry = registry_;
        networkId = networkId_;
        if (genesisCommitments.length > 0) {
            (bytes memory groupKey,,,, uint32 threshold) = registry_.epochInfo(genesisEpoch);
            _requireCommitmentsOf(groupKey, threshold, genesisCommitments);
            bytes32 hash = keccak256(genesisCommitments);
            commitmentsHash[genesisEpoch] = hash;
            emit CommitmentsRegistered(genesisEpoch, hash);
        }
    }

    /// @dev t points, the first of them the epoch's group key.
    function _requireCommitmentsOf(bytes memory groupKey, uint32 threshold, bytes memory commitments) private pure {
        if (commitments.length != uint256(threshold) * BLS12381.G1_POINT_BYTES) {
            revert WrongCommitmentCount(commitments.length, threshold);
        }
        bytes32 first;
        bytes32 key;
        assembly ("memory-safe") {
            first := keccak256(add(commitments, 0x20), 128)
            key := keccak256(add(groupKey, 0x20), mload(groupKey))
        }
        if (first != key) revert FirstCommitmentNotGroupKey();
    }

    /// @notice What an epoch's committee signs (with its group key) to register its commitments:
    ///         keccak256(abi.encode(COMMITMENTS_TAG, uint256 chainId, address this, uint64
    ///         networkId, uint64 epoch, bytes32 commitmentsHash)).
    function commitmentsMessage(uint64 epoch, bytes32 hash) public view returns (bytes32) {
        return keccak256(abi.encode(COMMITMENTS_TAG, block.chainid, address(this), networkId, epoch, hash));
    }

    /// @notice Registers `epoch`'s Feldman commitments, certified by its group key.
    /// @param commitments t concatenated 128-byte EIP-2537 G1 points; the first is the group key.
    /// @param signature 256-byte EIP-2537 G2 threshold signature over commitmentsMessage.
    function registerCommitments(uint64 epoch, bytes calldata commitments, bytes calldata signature) external {
        if (commitmentsHash[epoch] != bytes32(0)) revert CommitmentsAlreadyRegistered(epoch);
        (bytes memory groupKey,,,, uint32 threshold) = registry.epochInfo(epoch);
        _requireCommitmentsOf(groupKey, threshold, commitments);
        bytes32 hash = keccak256(commitments);
        if (!BLS12381.verify(groupKey, abi.encodePacked(commitmentsMessage(epoch, hash)), signature)) {
            revert InvalidCommitmentsCertificate();
        }
        commitmentsHash[epoch] = hash;
        emit CommitmentsRegistered(epoch, hash);
    }

    /// @notice What a transition record's group signature covers (docs/protocol.md "Committee
    ///         transitions"): keccak256(abi.encode(TRANSITION_TAG, uint64 networkId, uint64 epoch,
    ///         uint32 validatorCount, bytes32 keccak256(the commitments, 48-byte compressed, concatenated))).
    function transitionMessage(uint64 epoch, uint32 validatorCount, bytes32 compressedCommitmentsHash)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(TRANSITION_TAG, networkId, epoch, validatorCount, compressedCommitmentsHash));
    }

    /// @notice Registers the commitments of an epoch a reshare installed, from its finalized
    ///         transition record: anyone may post it. The record is signed by the group key (the
    ///         key of `epoch`, or the current one for an epoch no rotation registered: a reshare
    ///         keeps it), over the record's own message, and commitment 0 is that key.
    /// @param commitments t = n − ⌊(n−1)/3⌋ concatenated 128-byte EIP-2537 G1 points.
    /// @param signature 256-byte EIP-2537 G2 group signature over transitionMessage.
    function registerTransition(
        uint64 epoch,
        uint32 validatorCount,
        bytes calldata commitments,
        bytes calldata signature
    ) external {
        if (commitmentsHash[epoch] != bytes32(0)) revert CommitmentsAlreadyRegistered(epoch);
        if (validatorCount == 0) revert EmptyCommittee();
        uint64 current = registry.currentEpoch();
        (bytes memory groupKey,,,,) = registry.epochInfo(epoch > current ? current : epoch);
        uint32 threshold = validatorCount - (validatorCount - 1) / 3;
        _requireCommitmentsOf(groupKey, threshold, commitments);
        bytes memory compressed = new bytes(uint256(threshold) * 48);
        for (uint256 k = 0; k < threshold; k++) {
            bytes memory point = BLS12381.compressG1(
                commitments[k * BLS12381.G1_POINT_BYTES:(k + 1) * BLS12381.G1_POINT_BYTES]
            );
            for (uint256 i = 0; i < 48; i++) compressed[k * 48 + i] = point[i];
        }
        bytes32 message = transitionMessage(epoch, validatorCount, keccak256(compressed));
        if (!BLS12381.verify(groupKey, abi.encodePacked(message), signature)) {
            revert InvalidCommitmentsCertificate();
        }
        bytes32 hash = keccak256(commitments);
        commitmentsHash[epoch] = hash;
        transitionCommitteeSize[epoch] = validatorCount;
        emit CommitmentsRegistered(epoch, hash);
    }

    /// @notice The id an offence is recorded under.
    function offenceId(uint64 epoch, uint64 height, uint32 round, uint8 kind, uint32 validatorIndex)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(epoch, height, round, kind, validatorIndex));
    }

    /// @notice The message a vote's share signature covers (docs/protocol.md "Votes and
    ///         certificates"): keccak256(abi.encode(VOTE_TAG, kind, networkId, height, round, blockId)).
    function voteMessage(uint8 kind, uint64 height, uint32 round, bytes32 blockId) public view returns (bytes32) {
        return keccak256(abi.encode(SynodHashing.VOTE_TAG, kind, networkId, height, round, blockId));
    }

    /// @notice Share public key of validator `validatorIndex` (Shamir index validatorIndex + 1):
    ///         Σ_k C_k·(validatorIndex + 1)^k, as a 128-byte EIP-2537 G1 point.
    function sharePublicKey(bytes calldata commitments, uint32 validatorIndex) public view returns (bytes memory key) {
        uint256 count = commitments.length / BLS12381.G1_POINT_BYTES;
        bytes memory input = new bytes(count * MSM_PAIR_BYTES);
        uint256 x = uint256(validatorIndex) + 1;
        uint256 power = 1;
        for (uint256 k = 0; k < count; k++) {
            bytes memory point = commitments[k * BLS12381.G1_POINT_BYTES:(k + 1) * BLS12381.G1_POINT_BYTES];
            uint256 offset = k * MSM_PAIR_BYTES;
            for (uint256 word = 0; word < 4; word++) {
                bytes32 value;
                assembly ("memory-safe") {
                    value := mload(add(add(point, 0x20), mul(word, 0x20)))
                }
                assembly ("memory-safe") {
                    mstore(add(add(input, 0x20), add(offset, mul(word, 0x20))), value)
                }
            }
            assembly ("memory-safe") {
                mstore(add(add(input, 0x20), add(offset, 128)), power)
            }
            power = mulmod(power, x, CURVE_ORDER);
        }
        key = new bytes(BLS12381.G1_POINT_BYTES);
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), G1_MSM_PRECOMPILE, add(input, 0x20), mload(input), add(key, 0x20), 128)
            ok := and(ok, eq(returndatasize(), 128))
        }
        if (!ok) revert G1MsmFailed();
    }

    /// @notice Records that validator `validatorIndex` of `epoch` signed `first` and `second`, two
    ///         votes of one (height, round, kind) for different blocks. Anyone may call it; each
    ///         offence is recorded once.
    /// @param commitments The epoch's commitments, as registered (registerCommitments).
    function recordEquivocation(
        uint64 epoch,
        uint32 validatorIndex,
        uint64 height,
        uint32 round,
        uint8 kind,
        bytes calldata commitments,
        SignedVote calldata first,
        SignedVote calldata second
    ) external {
        bytes32 stored = commitmentsHash[epoch];
        if (stored == bytes32(0)) revert CommitmentsUnknown(epoch);
        if (keccak256(commitments) != stored) revert WrongCommitments();
        registry.keyForHeight(epoch, height); // reverts unless `epoch` certifies `height`
        uint32 committeeSize = transitionCommitteeSize[epoch];
        if (committeeSize == 0) (,,, committeeSize,) = registry.epochInfo(epoch);
        if (validatorIndex >= committeeSize) revert UnknownValidator(validatorIndex, committeeSize);
        if (kind != PREVOTE && kind != PRECOMMIT) revert InvalidVoteKind(kind);
        if (first.blockId == second.blockId) revert VotesDoNotConflict();
        bytes32 offence = offenceId(epoch, height, round, kind, validatorIndex);
        if (recorded[offence]) revert AlreadyRecorded(offence);
        bytes memory key = sharePublicKey(commitments, validatorIndex);
        if (!BLS12381.verify(key, abi.encodePacked(voteMessage(kind, height, round, first.blockId)), first.signature)) {
            revert InvalidVoteSignature(0);
        }
        if (!BLS12381.verify(key, abi.encodePacked(voteMessage(kind, height, round, second.blockId)), second.signature))
        {
            revert InvalidVoteSignature(1);
        }
        recorded[offence] = true;
        emit EquivocationRecorded(
            epoch, validatorIndex, height, round, kind, first.blockId, second.blockId, msg.sender
        );
    }
}
