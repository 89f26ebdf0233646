// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BLS12381} from "./BLS12381.sol";
import {SynodHashing} from "./SynodTypes.sol";

/// @title CommitteeRegistry: epoch → group public key of the Synod committee
/// @notice The genesis key is set at deployment. Every later key is accepted only with a
///         threshold signature of the current key over the rotation message
///         (docs/contracts.md "Committee rotation"). Nobody else can add or change a key.
contract CommitteeRegistry {
    /// @dev One epoch: its G1 group key (96 meaningful bytes of the 128-byte EIP-2537 encoding,
    ///      x and y without their zero padding, in three words) and a packed info word.
    struct Epoch {
        bytes32 keyWord0;
        bytes32 keyWord1;
        bytes32 keyWord2;
        /// @dev First height this epoch certifies.
        uint64 activationHeight;
        /// @dev First height it no longer certifies (the next epoch's activation); 0 = open.
        uint64 endHeight;
        uint32 committeeSize;
        uint32 threshold;
    }

    /// @notice The epoch whose key signs the next rotation.
    uint64 public currentEpoch;
    mapping(uint64 epoch => Epoch) private epochs;

    /// @notice A committee key became valid for heights >= activationHeight.
    /// @param groupPublicKey The 48-byte compressed G1 key.
    event CommitteeRotated(
        uint64 indexed epoch, uint64 activationHeight, uint32 committeeSize, uint32 threshold, bytes groupPublicKey
    );

    error UnknownEpoch(uint64 epoch);
    error HeightOutsideEpoch(uint64 epoch, uint64 height);
    error EpochNotNext(uint64 epoch, uint64 expected);
    error ActivationNotAfterCurrent(uint64 activationHeight, uint64 currentActivationHeight);
    error InvalidThreshold(uint32 committeeSize, uint32 threshold);
    error InvalidRotationCertificate();

    /// @param genesisEpoch Epoch number of the genesis committee.
    /// @param genesisPublicKey 128-byte uncompressed G1 group key of the genesis committee.
    /// @param committeeSize n of the genesis committee.
    /// @param threshold t of the genesis committee.
    constructor(uint64 genesisEpoch, bytes memory genesisPublicKey, uint32 committeeSize, uint32 threshold) {
        _storeEpoch(
            genesisEpoch, genesisPublicKey, _compressedValidKey(genesisPublicKey), 0, committeeSize, threshold
        );
        currentEpoch = genesisEpoch;
    }

    /// @notice Adds the key of epoch `currentEpoch + 1`, certified by the current key.
    /// @dev The signed message is keccak256(abi.encode(keccak256("synod/committee/v1"),
    ///      uint256 chainId, address registry, uint64 epoch, uint64 activationHeight,
    ///      uint32 committeeSize, uint32 threshold, bytes compressedGroupPublicKey)).
    ///      The current epoch stops certifying at `activationHeight`.
    /// @param epoch Must be currentEpoch + 1.
    /// @param activationHeight First height of the new epoch; above the current epoch's.
    /// @param committeeSize n of the new committee.
    /// @param threshold t of the new committee, 1 <= t <= n.
    /// @param groupPublicKey 128-byte uncompressed G1 key of the new committee.
    /// @param signature 256-byte uncompressed G2 signature of the current key.
    function rotate(
        uint64 epoch,
        uint64 activationHeight,
        uint32 committeeSize,
        uint32 threshold,
        bytes calldata groupPublicKey,
        bytes calldata signature
    ) external {
        uint64 previousEpoch = currentEpoch;
        if (epoch != previousEpoch + 1) revert EpochNotNext(epoch, previousEpoch + 1);
        Epoch storage previous = epochs[previousEpoch];
        if (activationHeight <= previous.activationHeight) {
            revert ActivationNotAfterCurrent(activationHeight, previous.activationHeight);
        }
        bytes memory compressed = _compressedValidKey(groupPublicKey);
        bytes32 message = rotationMessage(epoch, activationHeight, committeeSize, threshold, compressed);
        if (!BLS12381.verify(_key(previous), abi.encodePacked(message), signature)) {
            revert InvalidRotationCertificate();
        }
        previous.endHeight = activationHeight;
        _storeEpoch(epoch, groupPublicKey, compressed, activationHeight, committeeSize, threshold);
        currentEpoch = epoch;
    }

    /// @notice The message the current committee signs to hand over to a new key.
    /// @param compressedGroupPublicKey 48-byte compressed G1 key of the new committee.
    function rotationMessage(
        uint64 epoch,
        uint64 activationHeight,
        uint32 committeeSize,
        uint32 threshold,
        bytes memory compressedGroupPublicKey
    ) public view returns (bytes32) {
        return keccak256(
            abi.encode(
                SynodHashing.COMMITTEE_TAG,
                block.chainid,
                address(this),
                epoch,
                activationHeight,
                committeeSize,
                threshold,
                compressedGroupPublicKey
            )
        );
    }

    /// @notice The key that certifies header `height` of `epoch`, as three words of its 96
    ///         meaningful bytes (x ‖ y, 48 bytes each). An epoch after the current one that no
    ///         rotation registered is a reshare of the current key (docs/contracts.md "Epochs
    ///         without a rotation"): the current key, for heights from the current activation on.
    ///         Reverts if the epoch is before the genesis one or does not cover `height`.
    function keyForHeight(uint64 epoch, uint64 height) external view returns (bytes32, bytes32, bytes32) {
        Epoch storage entry = epochs[epoch > currentEpoch ? currentEpoch : epoch];
        if (entry.committeeSize == 0) revert UnknownEpoch(epoch);
        if (height < entry.activationHeight || (entry.endHeight != 0 && height >= entry.endHeight)) {
            revert HeightOutsideEpoch(epoch, height);
        }
        return (entry.keyWord0, entry.keyWord1, entry.keyWord2);
    }

    /// @notice Everything stored for `epoch`.
    /// @return groupPublicKey 128-byte uncompressed G1 key.
    /// @return activationHeight First height of the epoch.
    /// @return endHeight First height after it (0 while it is the current epoch).
    /// @return committeeSize n.
    /// @return threshold t.
    function epochInfo(uint64 epoch)
        external
        view
        returns (
            bytes memory groupPublicKey,
            uint64 activationHeight,
            uint64 endHeight,
            uint32 committeeSize,
            uint32 threshold
        )
    {
        Epoch storage entry = epochs[epoch];
        if (entry.committeeSize == 0) revert UnknownEpoch(epoch);
        return (_key(entry), entry.activationHeight, entry.endHeight, entry.committeeSize, entry.threshold);
    }

    function _storeEpoch(
        uint64 epoch,
        bytes memory groupPublicKey,
        bytes memory compressed,
        uint64 activationHeight,
        uint32 committeeSize,
        uint32 threshold
    ) private {
        if (threshold == 0 || threshold > committeeSize) revert InvalidThreshold(committeeSize, threshold);
        (bytes32 word0, bytes32 word1, bytes32 word2) = BLS12381.packG1(groupPublicKey);
        epochs[epoch] = Epoch(word0, word1, word2, activationHeight, 0, committeeSize, threshold);
        emit CommitteeRotated(epoch, activationHeight, committeeSize, threshold, compressed);
    }

    function _compressedValidKey(bytes memory groupPublicKey) private view returns (bytes memory) {
        BLS12381.requireValidPublicKey(groupPublicKey);
        return BLS12381.compressG1(groupPublicKey);
    }

    function _key(Epoch storage entry) private view returns (bytes memory) {
        return BLS12381.unpackG1(entry.keyWord0, entry.keyWord1, entry.keyWord2);
    }
}
