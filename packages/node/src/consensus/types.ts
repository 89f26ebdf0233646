import type {
  BlockHeader,
  Certificate,
  DecryptionShares,
  DecryptionSharesBody,
  Evidence,
  FeedPrice,
  Hex,
  InclusionEntry,
  PriceObservation,
  Proposal,
  SignedVoteExtension,
  UnsignedProposal,
  Vote,
  VoteBody,
  VoteExtension,
} from '@synod/protocol';
import type { CANARY_FAULTS, CanaryFaults } from './faults.ts';

/**
 * The driver interface of the consensus core (docs/consensus.md "Driver"). The core is
 * `step(state, input) → { state, outputs }`: inputs and outputs are plain data; the only
 * things injected are the two interfaces below, which the paper also leaves abstract
 * (signatures, `getValue()`, `id(v)`).
 */

/** A block as a proposer puts it in its proposal. */
export interface ProposedBlock {
  header: BlockHeader;
  transactionIds: Hex[];
  prices: FeedPrice[];
  extensions: SignedVoteExtension[];
}

/** Signature scheme of the committee, injected (real BLS in the node, a fast stand-in in the simulator). */
export interface ConsensusCrypto {
  /** This validator's share signature over voteMessage(body). */
  signVote(body: VoteBody): Uint8Array;
  verifyVote(validatorIndex: number, body: VoteBody, signature: Uint8Array): boolean;
  /** Combines partial signatures over one voteMessage into the group signature (Lagrange). */
  combineVotes(
    body: VoteBody,
    partials: readonly { validatorIndex: number; signature: Uint8Array }[],
  ): Uint8Array;
  /** Checks a group signature over voteMessage(body) against the group public key. */
  verifyVoteCertificate(body: VoteBody, signature: Uint8Array): boolean;
  signExtension(extension: VoteExtension): Uint8Array;
  /** Checks extension.signature against the share key of extension.validatorIndex. */
  verifyExtension(extension: SignedVoteExtension): boolean;
  signProposal(proposal: UnsignedProposal): Uint8Array;
  /** Checks proposal.signature against the share key of proposal.proposerIndex. */
  verifyProposal(proposal: Proposal): boolean;
  /** Signs a DecryptionShares message's body with this validator's share key. */
  signDecryptionShares(body: DecryptionSharesBody): Uint8Array;
  /** Checks message.signature against the share key of message.validatorIndex. */
  verifyDecryptionShares(message: DecryptionShares): boolean;
}

/** What this validator puts in a vote extension, read by the driver at signing time. */
export interface ExtensionPayload {
  timestampMs: number;
  inclusionList: InclusionEntry[];
  prices: PriceObservation[];
}

/**
 * The block side of the protocol, injected: id(v) and the extension content. getValue() (L18)
 * and valid(v) are asked for through outputs (`buildBlock`, `checkContent`) instead, so that the
 * driver has applied every earlier output (the previous commit) before it answers.
 */
export interface ConsensusApplication {
  /** id(v): headerHash(header) under the network's domain. */
  blockId(header: BlockHeader): Hex;
  /** This validator's extension content for a precommit for `blockId` (mempool snapshot, prices, clock). */
  extendVote(height: number, round: number, blockId: Hex): ExtensionPayload;
  /** Content checks of an extension beyond its signature (bounds, known feeds, sorted lists). */
  isWellFormedExtension(extension: SignedVoteExtension): boolean;
}

export interface TimeoutConfig {
  proposeBaseMs: number;
  prevoteBaseMs: number;
  precommitBaseMs: number;
  /** Added per round, so that timeouts eventually exceed the unknown message delay (paper §4). */
  perRoundIncrementMs: number;
  /** Cap of any timeout, which makes the liveness bound a constant (docs/consensus.md). */
  maxMs: number;
}

/** Who decides a height: the committee of its epoch (docs/consensus.md "Epochs"). */
export interface ConsensusCommittee {
  /** Our index in it; −1 when we are not a member (we follow the height and sign nothing). */
  validatorIndex: number;
  validatorCount: number;
  /** Signs with our share of this epoch (when a member) and verifies against its share keys. */
  crypto: ConsensusCrypto;
}

export interface ConsensusConfig {
  /** The committee of every height, unless `committeeAt` says otherwise. */
  validatorIndex: number;
  validatorCount: number;
  networkId: number;
  timeouts: TimeoutConfig;
  crypto: ConsensusCrypto;
  /**
   * The committee deciding `height`, when the membership changes over time (epochs). Asked when
   * the core enters a height; it must answer the same for a height every time it is asked.
   */
  committeeAt?: (height: number) => ConsensusCommittee;
  application: ConsensusApplication;
  /** Test-only broken variants; only constructible through the simulator (see faults.ts). */
  readonly [CANARY_FAULTS]?: CanaryFaults;
}

export type Step = 'propose' | 'prevote' | 'precommit';

/**
 * The paper's three timeouts, plus `rebroadcast`: the paper assumes gossip eventually delivers
 * every message of a correct process; a driver over lossy links gets that by the core
 * re-sending its own messages of the current round until the round ends.
 */
export type TimeoutKind = 'propose' | 'prevote' | 'precommit' | 'rebroadcast';

export interface TimeoutEvent {
  kind: TimeoutKind;
  height: number;
  round: number;
}

/** A block with its commit certificate and the extensions of that commit (catch-up: L49 by proof). */
export interface CertifiedBlock {
  proposal: Proposal;
  certificate: Certificate;
  /** ≥ 2f+1 extensions of precommits for this block: the next height's content input. */
  extensions: SignedVoteExtension[];
}

/** What validators send each other (gossip). */
export type ConsensusMessage = { type: 'proposal'; proposal: Proposal } | { type: 'vote'; vote: Vote };

export type ConsensusInput =
  /** L10: upon start. */
  | { type: 'start' }
  | { type: 'message'; message: ConsensusMessage }
  /** A block catch-up fetched (sync/), decided by its certificate (L49 by proof). */
  | { type: 'certifiedBlock'; block: CertifiedBlock }
  | { type: 'timeout'; timeout: TimeoutEvent }
  /** getValue() (L18) answered, after `buildBlock`: null when the block cannot be built. */
  | { type: 'blockBuilt'; height: number; round: number; block: ProposedBlock | null }
  /** The driver's verdict on a proposal's content (valid(v) of the paper), after `checkContent`. */
  | { type: 'contentChecked'; height: number; blockId: Hex; proposal: Proposal; valid: boolean };

/**
 * Everything the core needs after a restart to never sign a conflicting vote: its own signed
 * votes and proposals of the current height and its locks. Persisted before every vote or
 * proposal is sent.
 */
export interface SafetyRecord {
  height: number;
  round: number;
  step: Step;
  lockedRound: number;
  lockedProposal: Proposal | null;
  validRound: number;
  validProposal: Proposal | null;
  ownVotes: Vote[];
  ownProposals: Proposal[];
}

/** A decided block, with everything needed to serve it and to propose the next height. */
export interface CommitRecord {
  height: number;
  blockId: Hex;
  proposal: Proposal;
  certificate: Certificate;
  extensions: SignedVoteExtension[];
}

export type ConsensusOutput =
  /** Write-ahead: the driver stores it durably before carrying out any later output. */
  | { type: 'persist'; record: SafetyRecord }
  /**
   * `retransmission`: a message already broadcast once (rebroadcast timeout, restart). Gossip
   * deduplicates by content, so the driver sends these to each peer directly rather than
   * publishing the same bytes again.
   */
  | { type: 'broadcast'; message: ConsensusMessage; retransmission?: boolean }
  | { type: 'scheduleTimeout'; timeout: TimeoutEvent; durationMs: number }
  /**
   * getValue() (L18): build the block of `height` with the fair-content function from these
   * extensions of the previous commit; the driver answers with a `blockBuilt` input.
   */
  | { type: 'buildBlock'; height: number; round: number; parentExtensions: SignedVoteExtension[] }
  /** Ask the driver for valid(v); it answers with a `contentChecked` input. */
  | { type: 'checkContent'; height: number; blockId: Hex; proposal: Proposal }
  | { type: 'commit'; commit: CommitRecord }
  | { type: 'evidence'; evidence: Evidence };

export interface StepResult<S> {
  state: S;
  outputs: ConsensusOutput[];
}
