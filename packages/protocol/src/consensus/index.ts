// Consensus wire messages: proposals, votes with their extensions, evidence (docs/consensus.md).
export {
  EvidenceCodec,
  ProposalCodec,
  VoteCodec,
  VoteExtensionCodec,
} from './codecs.ts';
export * from './constants.ts';
export { extensionMessage, proposalMessage } from './messages.ts';
export type * from './types.ts';
