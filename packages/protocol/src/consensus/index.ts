// Consensus wire messages: proposals, votes with their extensions, evidence (docs/consensus.md).
export {
  type EquivocationProof,
  EquivocationProofCodec,
  EvidenceCodec,
  equivocationProofOf,
  equivocationProofVotes,
  ProposalCodec,
  VoteCodec,
  VoteExtensionCodec,
} from './codecs.ts';
export * from './constants.ts';
export { extensionMessage, proposalMessage } from './messages.ts';
export type * from './types.ts';
