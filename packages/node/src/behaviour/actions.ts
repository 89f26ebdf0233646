import {
  type FeedPrice,
  type Hex,
  type InclusionEntry,
  type PriceObservation,
  type SignedVoteExtension,
  type Vote,
  VoteKind,
} from '@synod/protocol';
import { NIL_BLOCK_ID } from '../consensus/core.ts';
import type { ConsensusCrypto } from '../consensus/types.ts';

/**
 * The byzantine actions shared by the simulator's actors (sim/validator.ts) and the test-only node
 * behaviours (strategies.ts): pure functions of what the actor signs or sends, so that the
 * simulator and the end-to-end testnet attack with exactly the same moves. Which transactions an
 * actor "owns" is the caller's predicate (the simulator: even-numbered senders of its pool; a node:
 * senders whose address ends in an even hex digit).
 */

/** How far a front-runner moves first-seen times: its own earlier, its victims' later. */
export const FRONT_RUN_SHIFT_MS = 5_000;

/** +4% of a price: inside the oracle's 5% breaker bound, far outside the honest observations. */
export function inflatePrice(price: bigint): bigint {
  return price + (price * 4n) / 100n;
}

/** Price observations for a vote extension, each inflated. */
export function inflateObservations(prices: readonly PriceObservation[]): PriceObservation[] {
  return prices.map((observation) => ({ ...observation, price: inflatePrice(observation.price) }));
}

/** A block's finalized prices, each inflated (a proposal that is no longer the content function's output). */
export function inflateFeedPrices(prices: readonly FeedPrice[]): FeedPrice[] {
  return prices.map((price) => ({ ...price, answer: inflatePrice(price.answer) }));
}

/**
 * A front-runner's inclusion list: early first-seen times for its own transactions, late ones
 * (after its own clock) for everyone else's. The txId order, which the extension requires, is kept.
 */
export function frontRunInclusionList(
  list: readonly InclusionEntry[],
  owns: (txId: Hex) => boolean,
  nowMs: number,
): InclusionEntry[] {
  return list.map((entry) => ({
    txId: entry.txId,
    firstSeenMs: owns(entry.txId)
      ? Math.max(0, entry.firstSeenMs - FRONT_RUN_SHIFT_MS)
      : nowMs + FRONT_RUN_SHIFT_MS,
  }));
}

/** A censor's inclusion list: its victims' transactions are left out. */
export function censorInclusionList(
  list: readonly InclusionEntry[],
  owns: (txId: Hex) => boolean,
): InclusionEntry[] {
  return list.filter((entry) => owns(entry.txId));
}

/** A front-runner's block order: its own transactions first (the fair order is otherwise kept). */
export function frontRunOrder(transactionIds: readonly Hex[], owns: (txId: Hex) => boolean): Hex[] {
  return [...transactionIds.filter(owns), ...transactionIds.filter((txId) => !owns(txId))];
}

/**
 * A censoring proposer's choice of commit extensions: it drops the ones that list a victim's
 * transaction, down to the 2f+1 the protocol requires (the most it may drop), in validator order.
 */
export function censorExtensions(
  extensions: readonly SignedVoteExtension[],
  owns: (txId: Hex) => boolean,
  validatorCount: number,
): SignedVoteExtension[] {
  const quorum = 2 * Math.floor((validatorCount - 1) / 3) + 1;
  const listsVictim = (extension: SignedVoteExtension) =>
    extension.inclusionList.some((entry) => !owns(entry.txId));
  const keep = extensions.filter((extension) => !listsVictim(extension));
  const rest = extensions.filter(listsVictim);
  return [...keep, ...rest.slice(0, Math.max(0, quorum - keep.length))].sort(
    (a, b) => a.validatorIndex - b.validatorIndex,
  );
}

/** The block id an equivocator votes for when its real vote is nil: no block has it. */
export const PHANTOM_BLOCK_ID = `0x${'ee'.repeat(32)}` as Hex;

/**
 * A second vote for the same (height, round, step) as `vote`, for another value (nil for a
 * block, a phantom block for nil), really signed with the validator's share key: honest nodes
 * that receive both hold equivocation evidence. A non-nil precommit carries an empty extension.
 */
export function conflictingVote(
  vote: Vote,
  signer: { crypto: ConsensusCrypto; validatorIndex: number; nowMs: number },
): Vote {
  const blockId = vote.blockId === NIL_BLOCK_ID ? PHANTOM_BLOCK_ID : NIL_BLOCK_ID;
  const body = {
    kind: vote.kind,
    networkId: vote.networkId,
    height: vote.height,
    round: vote.round,
    blockId,
  };
  let extension: SignedVoteExtension | null = null;
  if (vote.kind === VoteKind.Precommit && blockId !== NIL_BLOCK_ID) {
    const unsigned = {
      networkId: vote.networkId,
      height: vote.height,
      round: vote.round,
      blockId,
      validatorIndex: signer.validatorIndex,
      timestampMs: signer.nowMs,
      inclusionList: [],
      prices: [],
    };
    extension = { ...unsigned, signature: signer.crypto.signExtension(unsigned) };
  }
  return {
    ...body,
    validatorIndex: signer.validatorIndex,
    signature: signer.crypto.signVote(body),
    extension,
  };
}
