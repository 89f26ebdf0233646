import type { Evidence, FeedPrice, Hex, PriceObservation, SignedVoteExtension, Vote } from '@synod/protocol';
import type { BlockContent } from '../consensus/content.ts';
import type { CommitRecord } from '../consensus/types.ts';

/**
 * What the checkers need from a run, recorded as it happens: honest nodes' commits, the votes
 * and extensions they signed, and when each of them received each transaction (real time).
 */

export interface RecordedCommit {
  validatorIndex: number;
  atMs: number;
  commit: CommitRecord;
  transactionIds: Hex[];
  prices: FeedPrice[];
  certificateValid: boolean;
}

export interface RecordedExtension {
  validatorIndex: number;
  atMs: number;
  height: number;
  round: number;
  blockId: Hex;
  txIds: Set<Hex>;
  prices: PriceObservation[];
}

export class Recorder {
  /** commits[validator] = its commits in height order. */
  readonly commits = new Map<number, RecordedCommit[]>();
  /** Signed honest votes: key (validator/height/round/kind) → blockId; a second blockId is a safety bug. */
  readonly honestVotes = new Map<string, Hex>();
  readonly honestEquivocations: string[] = [];
  readonly extensions: RecordedExtension[] = [];
  /** seen[validator] : txId → real time of receipt (Infinity once a crash lost it). */
  readonly seen = new Map<number, Map<Hex, number>>();
  readonly evidence: { reporter: number; evidence: Evidence }[] = [];
  readonly persistBeforeSendFailures: string[] = [];
  /** The run's event log, folded into its digest. */
  private digestLog: string[] = [];

  note(line: string): void {
    this.digestLog.push(line);
  }

  digestText(): string {
    return this.digestLog.join('\n');
  }

  recordCommit(
    validatorIndex: number,
    atMs: number,
    commit: CommitRecord,
    content: BlockContent,
    certificateValid: boolean,
  ): void {
    let list = this.commits.get(validatorIndex);
    if (list === undefined) {
      list = [];
      this.commits.set(validatorIndex, list);
    }
    list.push({
      validatorIndex,
      atMs,
      commit,
      transactionIds: content.transactions.map((entry) => entry.txId),
      prices: content.prices,
      certificateValid,
    });
    this.note(
      `${atMs} commit v${validatorIndex} h${commit.height} r${commit.certificate.round} ${commit.blockId}`,
    );
  }

  recordHonestVote(vote: Vote): void {
    const key = `${vote.validatorIndex}/${vote.height}/${vote.round}/${vote.kind}`;
    const previous = this.honestVotes.get(key);
    if (previous === undefined) this.honestVotes.set(key, vote.blockId);
    else if (previous !== vote.blockId)
      this.honestEquivocations.push(`${key}: ${previous} and ${vote.blockId}`);
  }

  recordHonestExtension(atMs: number, extension: SignedVoteExtension): void {
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
}
