export { type ParsedNetworkDomain, parseNetworkDomain } from './domain.ts';
export {
  encodeHeaderAbi,
  HEADER_ABI_BYTES,
  HEADER_ABI_COMPONENTS,
  HeaderError,
  type HeaderErrorCode,
  headerHash,
  headerHashBytes,
} from './header.ts';
export { keccak256Bytes, keccak256Into, keccak256PrefixedInto } from './keccak.ts';
export {
  type CommitteeRotation,
  commitmentsMessage,
  RotationError,
  type RotationErrorCode,
  rotationMessage,
} from './rotation.ts';
export {
  certificateMessage,
  VoteError,
  type VoteErrorCode,
  type VoteMessageParameters,
  voteMessage,
  voteMessageBytes,
} from './vote.ts';
