import type { Hex } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import { VOTE_TAG } from '../constants.ts';
import { SynodProtocolError } from '../errors.ts';
import { type BlockHeader, type NetworkDomain, VoteKind } from '../types.ts';
import { writeBytes32Word, writeUintWord } from './abiWords.ts';
import { headerHashBytes } from './header.ts';
import { keccak256Bytes } from './keccak.ts';

/**
 * The bytes every validator's BLS share signs for a vote, and the certificate message
 * (docs/protocol.md "Votes and certificates"):
 * `keccak256(abi.encode(VOTE_TAG, uint8 kind, uint64 networkId, uint64 height, uint32 round, bytes32 blockId))`.
 */

export type VoteErrorCode = 'INVALID_KIND' | 'OUT_OF_RANGE' | 'MALFORMED_HASH';

/** A vote field that the message format cannot hold. */
export class VoteError extends SynodProtocolError<VoteErrorCode> {
  override readonly name = 'VoteError';
}

/** The fields a vote message commits to. */
export interface VoteMessageParameters {
  kind: VoteKind;
  networkId: number;
  /** ≥ 1: the first block is height 1. */
  height: number;
  /** uint32. */
  round: number;
  /** headerHash of the proposed block; the zero hash for a nil vote. */
  blockId: Hex;
}

const VOTE_TAG_BYTES = parseHex(VOTE_TAG, 32)!;
const UINT32_MAX = 0xffff_ffff;

function checkUint(value: number, min: number, max: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new VoteError('OUT_OF_RANGE', `vote.${field} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/** The 32-byte message a vote's partial BLS signature covers, as bytes. */
export function voteMessageBytes(vote: VoteMessageParameters): Uint8Array {
  if (vote.kind !== VoteKind.Prevote && vote.kind !== VoteKind.Precommit) {
    throw new VoteError('INVALID_KIND', `vote.kind must be 1 (prevote) or 2 (precommit), got ${vote.kind}`);
  }
  checkUint(vote.networkId, 0, Number.MAX_SAFE_INTEGER, 'networkId');
  checkUint(vote.height, 1, Number.MAX_SAFE_INTEGER, 'height');
  checkUint(vote.round, 0, UINT32_MAX, 'round');
  const blockId = parseHex(vote.blockId, 32);
  if (blockId === undefined)
    throw new VoteError('MALFORMED_HASH', 'vote.blockId is not a bytes32 hex string');
  const buffer = new Uint8Array(6 * 32);
  writeBytes32Word(buffer, 0, VOTE_TAG_BYTES);
  writeUintWord(buffer, 32, vote.kind);
  writeUintWord(buffer, 64, vote.networkId);
  writeUintWord(buffer, 96, vote.height);
  writeUintWord(buffer, 128, vote.round);
  writeBytes32Word(buffer, 160, blockId);
  return keccak256Bytes(buffer);
}

/**
 * `keccak256(abi.encode(VOTE_TAG, uint8 kind, uint64 networkId, uint64 height, uint32 round, bytes32 blockId))`.
 * Every validator signs these same bytes, so t partial signatures combine. Throws VoteError.
 */
export function voteMessage(vote: VoteMessageParameters): Hex {
  return toLowerHex(voteMessageBytes(vote));
}

/**
 * The message a header's certificate signs: the precommit message of `round` over
 * headerHash(header, domain). Throws HeaderError or VoteError for invalid input.
 */
export function certificateMessage(header: BlockHeader, domain: NetworkDomain, round: number): Hex {
  return voteMessage({
    kind: VoteKind.Precommit,
    networkId: header.networkId,
    height: header.height,
    round,
    blockId: toLowerHex(headerHashBytes(header, domain)),
  });
}
