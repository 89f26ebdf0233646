import type { BlockHeader, FeedPrice, Hex, VoteKind } from '../types.ts';

/**
 * Consensus wire types (docs/consensus.md). Every signature is a BLS12-381 signature of a
 * validator's key share: votes sign `voteMessage`, which is identical for every validator so
 * that t partial signatures combine; extensions and proposals sign their own messages
 * (`extensionMessage`, `proposalMessage`) and are attributable to one validator.
 */

/** One pending transaction in a validator's inclusion list. */
export interface InclusionEntry {
  txId: Hex;
  /** The validator's local clock (unix ms) when it first saw the transaction. */
  firstSeenMs: number;
}

/** One validator's observation of one feed (same shape as @synod/oracle's). */
export interface PriceObservation {
  feedId: Hex;
  /** Fixed-point price scaled by the feed's decimals; int256. */
  price: bigint;
}

/**
 * What a validator attaches to its precommit for a block: the input of the next height's fair
 * content function. Bound to the precommit it rides on (height, round, blockId) so it cannot be
 * replayed into another commit.
 */
export interface VoteExtension {
  networkId: number;
  height: number;
  round: number;
  /** headerHash of the block precommitted (never zero: nil precommits carry no extension). */
  blockId: Hex;
  validatorIndex: number;
  /** The validator's local clock (unix ms) when it signed: block time is their median. */
  timestampMs: number;
  /** Sorted by txId ascending, no duplicates, at most MAX_INCLUSION_LIST_ENTRIES. */
  inclusionList: InclusionEntry[];
  /** Sorted by feedId ascending, no duplicates, at most MAX_EXTENSION_PRICE_OBSERVATIONS. */
  prices: PriceObservation[];
}

export interface SignedVoteExtension extends VoteExtension {
  /** The validator's share signature over extensionMessage(extension). */
  signature: Uint8Array;
}

/** What a vote signs: `voteMessage(kind, networkId, height, round, blockId)`. */
export interface VoteBody {
  kind: VoteKind;
  networkId: number;
  height: number;
  round: number;
  /** headerHash of the block, or ZERO_BLOCK_ID for nil. */
  blockId: Hex;
}

export interface Vote extends VoteBody {
  validatorIndex: number;
  /** Partial (share) signature over voteMessage(this): t of them combine into a certificate. */
  signature: Uint8Array;
  /** Present exactly on non-nil precommits. */
  extension: SignedVoteExtension | null;
}

/** ⟨PROPOSAL, h, r, v, validRound⟩ of the paper (arXiv:1807.04938, line 19). */
export interface UnsignedProposal {
  networkId: number;
  height: number;
  round: number;
  /** −1, or the round of the prevote quorum (polka) the proposer re-proposes from. */
  validRound: number;
  proposerIndex: number;
  /** The block v; its id is headerHash(header). */
  header: BlockHeader;
  /** The block's transactions in block order (bodies travel by gossip and are fetched by id). */
  transactionIds: Hex[];
  /** The block's finalized prices, sorted by feedId (the price tree's leaves). */
  prices: FeedPrice[];
  /**
   * Optional proof for validRound ≥ 0: the prevote certificate (group signature over
   * voteMessage(prevote, h, validRound, blockId)). Lets a receiver that missed those prevotes
   * apply line 28 anyway.
   */
  validRoundCertificate: Uint8Array | null;
  /**
   * The ≥ 2f+1 signed extensions of the commit of height − 1 that the content of `header` is
   * the fair-content function of (empty at height 1), sorted by validatorIndex, one each.
   */
  extensions: SignedVoteExtension[];
}

export interface Proposal extends UnsignedProposal {
  /** The proposer's share signature over proposalMessage(this). */
  signature: Uint8Array;
}

/** Two signed votes of one validator for one (height, round, kind) and different blocks. */
export interface Evidence {
  first: Vote;
  second: Vote;
}
