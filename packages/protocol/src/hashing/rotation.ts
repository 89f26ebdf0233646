import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem';
import { toLowerHex } from '../codec/hex.ts';
import { COMMITMENTS_TAG, COMMITTEE_TAG } from '../constants.ts';
import { SynodProtocolError } from '../errors.ts';

/**
 * What the current committee signs (a threshold signature under its group key) to hand L1
 * over to the next one: `keccak256(abi.encode(COMMITTEE_TAG, uint256 chainId, address registry,
 * uint64 epoch, uint64 activationHeight, uint32 n, uint32 t, bytes groupPublicKey48))`.
 * Binding chain id and the registry address makes a rotation valid for exactly one deployment;
 * docs/decisions.md "Contracts: committee rotation message".
 */
export interface CommitteeRotation {
  chainId: number;
  registry: Address;
  /** The new committee's epoch. */
  epoch: number;
  /** First height whose headers the new key certifies. */
  activationHeight: number;
  committeeSize: number;
  threshold: number;
  /** 48-byte compressed G1 group public key of the new committee. */
  groupPublicKey: Uint8Array;
}

export type RotationErrorCode = 'OUT_OF_RANGE' | 'INVALID_KEY_LENGTH';

export class RotationError extends SynodProtocolError<RotationErrorCode> {
  override readonly name = 'RotationError';
}

const UINT32_MAX = 0xffff_ffff;

function checkRange(value: number, min: number, max: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RotationError(
      'OUT_OF_RANGE',
      `rotation.${field} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
}

/** The 32-byte digest the current committee signs to authorise `rotation`. */
export function rotationMessage(rotation: CommitteeRotation): Hex {
  checkRange(rotation.chainId, 0, Number.MAX_SAFE_INTEGER, 'chainId');
  checkRange(rotation.epoch, 0, Number.MAX_SAFE_INTEGER, 'epoch');
  // Only what the ABI types can hold: whether the rotation makes sense (threshold ≤ n,
  // activation ahead of the current epoch) is the registry's to judge, and tests sign
  // nonsensical rotations on purpose to prove it refuses them.
  checkRange(rotation.activationHeight, 0, Number.MAX_SAFE_INTEGER, 'activationHeight');
  checkRange(rotation.committeeSize, 0, UINT32_MAX, 'committeeSize');
  checkRange(rotation.threshold, 0, UINT32_MAX, 'threshold');
  if (rotation.groupPublicKey.length !== 48) {
    throw new RotationError(
      'INVALID_KEY_LENGTH',
      `rotation.groupPublicKey must be 48 bytes (compressed G1), got ${rotation.groupPublicKey.length}`,
    );
  }
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint64' },
        { type: 'uint64' },
        { type: 'uint32' },
        { type: 'uint32' },
        { type: 'bytes' },
      ],
      [
        COMMITTEE_TAG,
        BigInt(rotation.chainId),
        rotation.registry,
        BigInt(rotation.epoch),
        BigInt(rotation.activationHeight),
        rotation.committeeSize,
        rotation.threshold,
        toLowerHex(rotation.groupPublicKey),
      ],
    ),
  );
}

/**
 * What an epoch's committee signs (with its group key) to register its Feldman commitments in an
 * EquivocationRegistry: `keccak256(abi.encode(COMMITMENTS_TAG, uint256 chainId, address registry,
 * uint64 networkId, uint64 epoch, bytes32 keccak256(commitments)))`, the commitments being the t
 * concatenated 128-byte EIP-2537 points (docs/contracts.md "EquivocationRegistry").
 */
export function commitmentsMessage(parameters: {
  chainId: number;
  registry: Address;
  networkId: number;
  epoch: number;
  commitmentsHash: Hex;
}): Hex {
  checkRange(parameters.chainId, 0, Number.MAX_SAFE_INTEGER, 'chainId');
  checkRange(parameters.networkId, 0, Number.MAX_SAFE_INTEGER, 'networkId');
  checkRange(parameters.epoch, 0, Number.MAX_SAFE_INTEGER, 'epoch');
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint64' },
        { type: 'uint64' },
        { type: 'bytes32' },
      ],
      [
        COMMITMENTS_TAG,
        BigInt(parameters.chainId),
        parameters.registry,
        BigInt(parameters.networkId),
        BigInt(parameters.epoch),
        parameters.commitmentsHash,
      ],
    ),
  );
}
