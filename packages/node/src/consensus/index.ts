// The pure consensus core (Tendermint, arXiv:1807.04938) and the fair block content function.
// docs/consensus.md is the spec. The canary switch (faults.ts) is deliberately not exported.
export { type BlsConsensusCryptoOptions, createBlsConsensusCrypto } from './blsCrypto.ts';
export {
  applyBlock,
  type BlockContent,
  ChainState,
  type ContentContext,
  type ContentEncryption,
  type ContentVerdict,
  checkProposalContent,
  committedBlockContent,
  type DeriveResult,
  deriveBlockContent,
  envelopesDue,
  faultTolerance,
  isWellFormedExtension,
} from './content.ts';
export {
  type ConsensusOptions,
  type ConsensusState,
  createConsensusState,
  FUTURE_HEIGHT_WINDOW,
  MAX_FUTURE_HEIGHT_MESSAGES,
  MAX_REBROADCAST_ROUNDS,
  MAX_TRACKED_ROUNDS_AHEAD,
  NIL_BLOCK_ID,
  proposerIndex,
  step,
  timeoutDurationMs,
} from './core.ts';
export {
  type FairTimestamp,
  fairTimestamps,
  type OrderedTransaction,
  orderTransactions,
} from './fairOrder.ts';
export {
  type CommitteeEncryptionKey,
  createEnvelopeOpener,
  type EnvelopeOpener,
  type PendingEnvelope,
  pendingEnvelope,
  type Reveal,
  type RevealVerdict,
  type UndecryptableReason,
} from './reveals.ts';
export type * from './types.ts';
