// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BLS12381} from "../core/BLS12381.sol";

/// @title BLS12381Harness: the BLS12381 library's functions as external calls
/// @notice For tests (RFC 9380 vectors through the EVM) and for off-chain callers that want to
///         check a signature with the exact on-chain code. Holds no state.
contract BLS12381Harness {
    /// @notice RFC 9380 expand_message_xmd with SHA-256.
    function expandMessageXmd(bytes calldata message, bytes calldata dst, uint256 lengthInBytes)
        external
        view
        returns (bytes memory)
    {
        return BLS12381.expandMessageXmd(message, dst, lengthInBytes);
    }

    /// @notice RFC 9380 hash_to_curve to G2 under `dst`; 256-byte uncompressed point.
    function hashToG2(bytes calldata message, bytes calldata dst) external view returns (bytes memory) {
        return BLS12381.hashToG2(message, dst);
    }

    /// @notice Min-pk BLS verification with the POP ciphersuite DST.
    function verify(bytes calldata publicKey, bytes calldata message, bytes calldata signature)
        external
        view
        returns (bool)
    {
        return BLS12381.verify(publicKey, message, signature);
    }

    /// @notice 48-byte compressed form of a valid 128-byte G1 point (reverts if invalid).
    function compressG1(bytes calldata publicKey) external view returns (bytes memory) {
        BLS12381.requireValidPublicKey(publicKey);
        return BLS12381.compressG1(publicKey);
    }
}
