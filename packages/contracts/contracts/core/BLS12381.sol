// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title BLS12-381 signature verification over the EIP-2537 precompiles
/// @notice Min-pk BLS (public keys in G1, signatures in G2) with Ethereum's proof-of-possession
///         ciphersuite: hash_to_G2 is RFC 9380 `BLS12381G2_XMD:SHA-256_SSWU_RO_` with DST
///         `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`.
/// @dev Points are uncompressed EIP-2537 encodings: an Fp element is 64 bytes big-endian (16 zero
///      bytes, then 48 bytes), an Fp2 element is c0 ‖ c1, a G1 point is x ‖ y (128 bytes), a G2
///      point is x ‖ y over Fp2 (256 bytes). All-zero bytes encode the point at infinity, which
///      this library refuses as a key or a signature. The pairing precompile checks that every
///      input is on its curve and in the prime-order subgroup, and fails otherwise.
library BLS12381 {
    /// @dev EIP-2537 and earlier precompile addresses.
    uint256 private constant SHA256_PRECOMPILE = 0x02;
    uint256 private constant MODEXP_PRECOMPILE = 0x05;
    uint256 private constant G1_MSM_PRECOMPILE = 0x0c;
    uint256 private constant G2_ADD_PRECOMPILE = 0x0d;
    uint256 private constant PAIRING_PRECOMPILE = 0x0f;
    uint256 private constant MAP_FP2_TO_G2_PRECOMPILE = 0x11;

    uint256 internal constant G1_POINT_BYTES = 128;
    uint256 internal constant G2_POINT_BYTES = 256;

    /// @dev The signature DST of Ethereum's proof-of-possession ciphersuite (43 bytes).
    bytes internal constant SIGNATURE_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// @dev The base field modulus p as two words of its 64-byte EIP-2537 encoding.
    uint256 private constant P_HIGH = 0x000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LOW = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    /// @dev (p - 1) / 2: a y coordinate above it is the "lexicographically largest" root (ZCash
    ///      point compression flag).
    uint256 private constant HALF_P_HIGH = 0x000000000000000000000000000000000d0088f51cbff34d258dd3db21a5d66b;
    uint256 private constant HALF_P_LOW = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;
    /// @dev −G1: the generator of G1 with y negated, as four words of its EIP-2537 encoding.
    uint256 private constant NEG_G1_X_HIGH = 0x0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0f;
    uint256 private constant NEG_G1_X_LOW = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 private constant NEG_G1_Y_HIGH = 0x00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 private constant NEG_G1_Y_LOW = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    error Sha256PrecompileFailed();
    error ModexpPrecompileFailed();
    error G1MsmPrecompileFailed();
    error G2AddPrecompileFailed();
    error MapFp2ToG2PrecompileFailed();
    error PairingPrecompileFailed();
    error InvalidPointLength(uint256 length);
    error IdentityPoint();
    error InvalidExpandLength(uint256 lengthInBytes);

    /// @notice Checks a min-pk BLS signature: e(publicKey, H(message)) · e(−G1, signature) == 1.
    /// @param publicKey 128-byte uncompressed G1 point.
    /// @param message The signed bytes (Synod signs 32-byte digests).
    /// @param signature 256-byte uncompressed G2 point.
    /// @return valid True iff the pairing equation holds. Reverts on identity points, wrong
    ///         lengths, and points the precompiles refuse (off curve, outside the subgroup).
    function verify(bytes memory publicKey, bytes memory message, bytes memory signature)
        internal
        view
        returns (bool valid)
    {
        requireNonIdentity(publicKey, G1_POINT_BYTES);
        requireNonIdentity(signature, G2_POINT_BYTES);
        bytes memory hashed = hashToG2(message, SIGNATURE_DST);
        // Pairing input: (publicKey, H(m)) ‖ (−G1, signature), 2 × 384 bytes.
        bytes memory input = new bytes(768);
        assembly ("memory-safe") {
            let out := add(input, 0x20)
            mcopy(out, add(publicKey, 0x20), 128)
            mcopy(add(out, 128), add(hashed, 0x20), 256)
            mstore(add(out, 384), NEG_G1_X_HIGH)
            mstore(add(out, 416), NEG_G1_X_LOW)
            mstore(add(out, 448), NEG_G1_Y_HIGH)
            mstore(add(out, 480), NEG_G1_Y_LOW)
            mcopy(add(out, 512), add(signature, 0x20), 256)
        }
        return pairingCheck(input);
    }

    /// @notice RFC 9380 hash_to_curve for G2 (`BLS12381G2_XMD:SHA-256_SSWU_RO_`) under `dst`.
    /// @dev hash_to_field gives u0, u1 in Fp2; MAP_FP2_TO_G2 maps each and clears the cofactor;
    ///      clear_cofactor is linear, so the sum of the two mapped points is the RFC's output.
    /// @return point 256-byte uncompressed G2 point.
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (bytes memory point) {
        bytes memory uniform = expandMessageXmd(message, dst, 256);
        // Two mapped points side by side form the G2ADD input.
        bytes memory mapped = new bytes(512);
        bytes memory fp2 = new bytes(128);
        for (uint256 i = 0; i < 2; ++i) {
            // u_i = (e0, e1), each e_j = OS2IP(64 uniform bytes) mod p.
            reduceModP(uniform, 128 * i, fp2, 0);
            reduceModP(uniform, 128 * i + 64, fp2, 64);
            bool ok;
            assembly ("memory-safe") {
                ok := staticcall(gas(), MAP_FP2_TO_G2_PRECOMPILE, add(fp2, 0x20), 128, add(add(mapped, 0x20), mul(i, 256)), 256)
                ok := and(ok, eq(returndatasize(), 256))
            }
            if (!ok) revert MapFp2ToG2PrecompileFailed();
        }
        point = new bytes(256);
        bool added;
        assembly ("memory-safe") {
            added := staticcall(gas(), G2_ADD_PRECOMPILE, add(mapped, 0x20), 512, add(point, 0x20), 256)
            added := and(added, eq(returndatasize(), 256))
        }
        if (!added) revert G2AddPrecompileFailed();
    }

    /// @notice RFC 9380 §5.3.1 expand_message_xmd with SHA-256 (the 0x02 precompile).
    /// @dev A DST longer than 255 bytes is replaced by SHA-256("H2C-OVERSIZE-DST-" ‖ DST) (§5.3.3).
    function expandMessageXmd(bytes memory message, bytes memory dst, uint256 lengthInBytes)
        internal
        view
        returns (bytes memory uniform)
    {
        uint256 blockCount = (lengthInBytes + 31) / 32;
        if (lengthInBytes == 0 || blockCount > 255 || lengthInBytes > 65535) {
            revert InvalidExpandLength(lengthInBytes);
        }
        if (dst.length > 255) dst = abi.encodePacked(sha256Precompile(abi.encodePacked("H2C-OVERSIZE-DST-", dst)));
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        // msg_prime = Z_pad(64) ‖ msg ‖ I2OSP(len, 2) ‖ I2OSP(0, 1) ‖ DST_prime
        bytes32 b0 = sha256Precompile(
            abi.encodePacked(bytes32(0), bytes32(0), message, uint16(lengthInBytes), uint8(0), dstPrime)
        );
        uniform = new bytes(blockCount * 32);
        bytes32 previous = sha256Precompile(abi.encodePacked(b0, uint8(1), dstPrime));
        assembly ("memory-safe") {
            mstore(add(uniform, 0x20), previous)
        }
        for (uint256 i = 2; i <= blockCount; ++i) {
            previous = sha256Precompile(abi.encodePacked(b0 ^ previous, uint8(i), dstPrime));
            assembly ("memory-safe") {
                mstore(add(uniform, mul(i, 0x20)), previous)
            }
        }
        assembly ("memory-safe") {
            mstore(uniform, lengthInBytes)
        }
    }

    /// @notice Reverts with IdentityPoint unless `point` is `length` bytes and not all zero.
    function requireNonIdentity(bytes memory point, uint256 length) internal pure {
        if (point.length != length) revert InvalidPointLength(point.length);
        uint256 any;
        for (uint256 offset = 0; offset < length; offset += 32) {
            assembly ("memory-safe") {
                any := or(any, mload(add(add(point, 0x20), offset)))
            }
        }
        if (any == 0) revert IdentityPoint();
    }

    /// @notice Reverts unless `publicKey` is a valid G1 public key: 128 bytes, not the identity,
    ///         on the curve and in the prime-order subgroup (checked by a one-term G1MSM).
    function requireValidPublicKey(bytes memory publicKey) internal view {
        requireNonIdentity(publicKey, G1_POINT_BYTES);
        bytes memory input = abi.encodePacked(publicKey, uint256(1));
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), G1_MSM_PRECOMPILE, add(input, 0x20), 160, 0, 0)
            ok := and(ok, eq(returndatasize(), 128))
        }
        if (!ok) revert G1MsmPrecompileFailed();
    }

    /// @notice The 48-byte ZCash compressed form of an uncompressed G1 point (the form Synod
    ///         names keys by off chain). Assumes `publicKey` passed requireValidPublicKey.
    function compressG1(bytes memory publicKey) internal pure returns (bytes memory compressed) {
        uint256 xHigh;
        uint256 xLow;
        uint256 yHigh;
        uint256 yLow;
        assembly ("memory-safe") {
            xHigh := mload(add(publicKey, 0x20))
            xLow := mload(add(publicKey, 0x40))
            yHigh := mload(add(publicKey, 0x60))
            yLow := mload(add(publicKey, 0x80))
        }
        bool yIsLargest = yHigh > HALF_P_HIGH || (yHigh == HALF_P_HIGH && yLow > HALF_P_LOW);
        // Flags live in the top 3 bits of x's first byte: 0x80 compressed, 0x20 y largest.
        uint256 flags = yIsLargest ? 0xa0 : 0x80;
        compressed = abi.encodePacked(uint128(xHigh) | uint128(flags << 120), xLow);
    }

    /// @notice 128-byte EIP-2537 G1 → x(48) ‖ y(48) in three words.
    function packG1(bytes memory point) internal pure returns (bytes32 word0, bytes32 word1, bytes32 word2) {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mcopy(buffer, add(point, 0x30), 48)
            mcopy(add(buffer, 48), add(point, 0x70), 48)
            word0 := mload(buffer)
            word1 := mload(add(buffer, 0x20))
            word2 := mload(add(buffer, 0x40))
        }
    }

    /// @notice Inverse of packG1: the 128-byte EIP-2537 encoding.
    function unpackG1(bytes32 word0, bytes32 word1, bytes32 word2) internal pure returns (bytes memory point) {
        point = new bytes(128);
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore(buffer, word0)
            mstore(add(buffer, 0x20), word1)
            mstore(add(buffer, 0x40), word2)
            mcopy(add(point, 0x30), buffer, 48)
            mcopy(add(point, 0x70), add(buffer, 48), 48)
        }
    }

    /// @dev OS2IP(source[offset .. offset+64]) mod p, written as 64 bytes at target[targetOffset].
    function reduceModP(bytes memory source, uint256 offset, bytes memory target, uint256 targetOffset)
        private
        view
    {
        bool ok;
        assembly ("memory-safe") {
            // MODEXP input: len(base)=64 ‖ len(exp)=1 ‖ len(mod)=64 ‖ base ‖ exp=1 ‖ mod=p.
            let input := mload(0x40)
            mstore(input, 64)
            mstore(add(input, 0x20), 1)
            mstore(add(input, 0x40), 64)
            mcopy(add(input, 0x60), add(add(source, 0x20), offset), 64)
            mstore8(add(input, 0xa0), 1)
            mstore(add(input, 0xa1), P_HIGH)
            mstore(add(input, 0xc1), P_LOW)
            ok := staticcall(gas(), MODEXP_PRECOMPILE, input, 0xe1, add(add(target, 0x20), targetOffset), 64)
            ok := and(ok, eq(returndatasize(), 64))
        }
        if (!ok) revert ModexpPrecompileFailed();
    }

    /// @dev Runs the pairing precompile; reverts if it refuses the input (bad encoding, off
    ///      curve, outside the subgroup).
    function pairingCheck(bytes memory input) private view returns (bool valid) {
        bool ok;
        uint256 result;
        assembly ("memory-safe") {
            ok := staticcall(gas(), PAIRING_PRECOMPILE, add(input, 0x20), mload(input), 0, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            result := mload(0)
        }
        if (!ok) revert PairingPrecompileFailed();
        return result == 1;
    }

    function sha256Precompile(bytes memory data) private view returns (bytes32 digest) {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), SHA256_PRECOMPILE, add(data, 0x20), mload(data), 0, 0x20)
            digest := mload(0)
        }
        if (!ok) revert Sha256PrecompileFailed();
    }
}
