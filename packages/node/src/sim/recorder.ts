import type {
  BlockHeader,
  Certificate,
  DecryptionShares,
  Evidence,
  FeedPrice,
  Hex,
  PriceObservation,
  SignedVoteExtension,
  Vote,
  VoteKind,
} from '@synod/protocol';
import { toHex } from 'viem';

/**
 * What the checkers need from a run, recorded as it happens, as typed records: honest nodes'
 * commits, the votes and extensions they signed (and whether each vote was on disk when it left),
 * when each of them received each transaction (virtual time), the evidence they stored, and any
 * honest driver that stopped. The event log folded into the run's digest is kept here too.
 */

/** A block an honest node stored and applied (its driver's onCommit). */
export interface RecordedCommit {
  validatorIndex: number;
  /** Virtual ms. */
  atMs: number;
  height: number;
  blockId: Hex;
  header: BlockHeader;
  certificate: Certificate;
  transactionIds: Hex[];
  prices: FeedPrice[];
  /** The certificate verifies against the committee's group key. */
  certificateValid: boolean;
  /** What the block revealed: the verdict on each envelope of height − 2, in their order. */
  reveals?: RecordedReveal[];
}

export interface RecordedReveal {
  envelopeTxId: Hex;
  /** The plaintext's txId, or why it revealed nothing. */
  outcome: { revealed: true; txId: Hex } | { revealed: false; reason: string };
}

/** A decryption share the first time it left some process (any process, in any message). */
export interface RecordedShare {
  /** The validator whose extension carried it. */
  signer: number;
  /** The share's bytes. */
  share: Hex;
  atMs: number;
  /** Order among the shares and finalizations recorded (several happen in one virtual ms). */
  sequence: number;
}

/** The first time any process finalized a height. */
export interface RecordedFinalization {
  blockId: Hex;
  atMs: number;
  sequence: number;
}

/** A front-runner read a plaintext and submitted a transaction of its own in reaction. */
export interface RecordedReaction {
  validatorIndex: number;
  reactionTxId: Hex;
  plaintextTxId: Hex;
  atMs: number;
}

/** An honest vote as first sent. */
export interface RecordedVote {
  validatorIndex: number;
  /** Size of the committee of its height, as the voter's driver had it. */
  validatorCount: number;
  height: number;
  round: number;
  kind: VoteKind;
  blockId: Hex;
  atMs: number;
}

/** The extension of an honest precommit, at the time it was first sent (= signed). */
export interface RecordedExtension {
  validatorIndex: number;
  atMs: number;
  height: number;
  round: number;
  blockId: Hex;
  txIds: Set<Hex>;
  prices: PriceObservation[];
}

/** Two different votes an honest validator sent for one (height, round, kind). */
export interface RecordedEquivocation {
  first: RecordedVote;
  second: RecordedVote;
}

/** An honest vote that left before the vote log held it (write-ahead broken). */
export interface UnpersistedVote {
  vote: RecordedVote;
}

export interface RecordedEvidence {
  /** The honest node that stored it. */
  reporter: number;
  evidence: Evidence;
}

/** An honest node's driver that stopped on an error (a storage refusal or an assertion: a bug). */
export interface DriverFailure {
  validatorIndex: number;
  atMs: number;
  error: string;
}

export class Recorder {
  /** commits[validator] = its commits in the order it applied them. */
  readonly commits = new Map<number, RecordedCommit[]>();
  /** Every distinct honest vote, in the order first sent. */
  readonly votes: RecordedVote[] = [];
  readonly equivocations: RecordedEquivocation[] = [];
  readonly extensions: RecordedExtension[] = [];
  /** seen[validator]: txId → virtual time of receipt (Infinity once a crash lost it). */
  readonly seen = new Map<number, Map<Hex, number>>();
  readonly evidence: RecordedEvidence[] = [];
  readonly unpersistedVotes: UnpersistedVote[] = [];
  readonly driverFailures: DriverFailure[] = [];
  /** Encryption runs: each distinct (signer, share) sent, first time; key `${signer}/${share}`. */
  readonly sharesSent = new Map<string, RecordedShare>();
  /** Encryption runs: the first finalization of each height by any process. */
  readonly finalizations = new Map<number, RecordedFinalization>();
  /** Encryption runs: the front-runners' reactions to plaintexts. */
  readonly reactions: RecordedReaction[] = [];
  #sequence = 0;
  /** Index of `votes` by (validator, height, round, kind); internal, never parsed. */
  readonly #voteSlots = new Map<string, RecordedVote>();
  /** The run's event log, folded into its digest. */
  readonly #digestLog: string[] = [];

  note(line: string): void {
    this.#digestLog.push(line);
  }

  digestText(): string {
    return this.#digestLog.join('\n');
  }

  recordCommit(commit: RecordedCommit): void {
    let list = this.commits.get(commit.validatorIndex);
    if (list === undefined) {
      list = [];
      this.commits.set(commit.validatorIndex, list);
    }
    list.push(commit);
    this.note(
      `${commit.atMs} commit v${commit.validatorIndex} h${commit.height} r${commit.certificate.round} ${commit.blockId}`,
    );
  }

  /** An honest vote sent at `atMs` (first sending, retransmission or a restart's re-send). */
  recordVote(vote: Vote, atMs: number, validatorCount: number): RecordedVote {
    const recorded: RecordedVote = {
      validatorIndex: vote.validatorIndex,
      validatorCount,
      height: vote.height,
      round: vote.round,
      kind: vote.kind,
      blockId: vote.blockId,
      atMs,
    };
    const slot = `${vote.validatorIndex}/${vote.height}/${vote.round}/${vote.kind}`;
    const first = this.#voteSlots.get(slot);
    if (first === undefined) {
      this.#voteSlots.set(slot, recorded);
      this.votes.push(recorded);
      if (vote.extension !== null) this.#recordExtension(vote.extension, atMs);
    } else if (first.blockId !== vote.blockId) {
      this.equivocations.push({ first, second: recorded });
    }
    return recorded;
  }

  recordUnpersistedVote(vote: RecordedVote): void {
    this.unpersistedVotes.push({ vote });
  }

  recordSeen(validatorIndex: number, txId: Hex, atMs: number): void {
    let map = this.seen.get(validatorIndex);
    if (map === undefined) {
      map = new Map();
      this.seen.set(validatorIndex, map);
    }
    if (!map.has(txId)) map.set(txId, atMs);
  }

  /** A crash loses the mempool: the node no longer holds what it saw. */
  recordCrash(validatorIndex: number, pending: Iterable<Hex>): void {
    const map = this.seen.get(validatorIndex);
    if (map === undefined) return;
    for (const txId of pending) map.set(txId, Number.POSITIVE_INFINITY);
  }

  recordDriverFailure(failure: DriverFailure): void {
    this.driverFailures.push(failure);
    this.note(`${failure.atMs} driver failure v${failure.validatorIndex}`);
  }

  /** A DecryptionShares message some process sends now: its shares (the secrecy check). */
  recordSharesSent(message: DecryptionShares, atMs: number): void {
    for (const bytes of message.shares) {
      const share = toHex(bytes);
      const key = `${message.validatorIndex}/${share}`;
      if (!this.sharesSent.has(key))
        this.sharesSent.set(key, { signer: message.validatorIndex, share, atMs, sequence: this.#sequence++ });
    }
  }

  /** Some process (honest or not) finalized `height` now. */
  recordFinalization(height: number, blockId: Hex, atMs: number): void {
    if (!this.finalizations.has(height))
      this.finalizations.set(height, { blockId, atMs, sequence: this.#sequence++ });
  }

  recordReaction(reaction: RecordedReaction): void {
    this.reactions.push(reaction);
    this.note(
      `${reaction.atMs} v${reaction.validatorIndex} reacts to ${reaction.plaintextTxId} with ${reaction.reactionTxId}`,
    );
  }

  #recordExtension(extension: SignedVoteExtension, atMs: number): void {
    this.extensions.push({
      validatorIndex: extension.validatorIndex,
      atMs,
      height: extension.height,
      round: extension.round,
      blockId: extension.blockId,
      txIds: new Set(extension.inclusionList.map((entry) => entry.txId)),
      prices: extension.prices,
    });
  }
}
