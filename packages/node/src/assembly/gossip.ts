import type { FeedConfig } from '@synod/oracle';
import {
  type Hex,
  type NetworkDomain,
  type SignedTransaction,
  type TransactionBatch,
  transactionBatchCodec,
  type Vote,
  VoteKind,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { isWellFormedExtension } from '../consensus/content.ts';
import { FUTURE_HEIGHT_WINDOW, NIL_BLOCK_ID, proposerIndex } from '../consensus/core.ts';
import type { ConsensusCrypto } from '../consensus/types.ts';
import type { ConsensusDriver } from '../driver/driver.ts';
import { MempoolError, type MempoolErrorCode, mempoolErrorVerdict } from '../mempool/errors.ts';
import type { Mempool } from '../mempool/mempool.ts';
import { GOSSIP_MAX_TRANSACTIONS_BYTES } from '../p2p/constants.ts';
import { type GossipValidationCode, GossipValidationError } from '../p2p/errors.ts';
import type { SynodGossipMessages } from '../p2p/synod.ts';
import type { CatchUpSync } from '../sync/sync.ts';
import {
  REGOSSIP_MAX_INTERVAL_MS,
  REGOSSIP_MAX_PER_TICK,
  REGOSSIP_MIN_AGE_MS,
  TX_BATCH_MAX_COUNT,
  TX_BATCH_MAX_PENDING,
  TX_BATCH_WINDOW_MS,
} from './constants.ts';

/**
 * Gossip validation of the Synod topics (docs/decisions.md "Gossip validation"): REJECT what no
 * honest node would relay (bad signatures, malformed content, wrong network, unknown signer),
 * IGNORE what is valid but unwanted (duplicates, stale or far-future heights, a full pool).
 */
export interface GossipValidationContext {
  domain: NetworkDomain;
  /**
   * The committee of a height (the driver's knownCommitteeAt): its size, and the share keys its
   * messages are checked against; undefined for a height whose committee is not settled yet.
   */
  committeeAt: (height: number) => { validatorCount: number; crypto: ConsensusCrypto } | undefined;
  feeds: readonly FeedConfig[];
  mempool: Mempool;
  driver: () => ConsensusDriver;
  sync: () => CatchUpSync;
  nowMs: () => number;
}

function reject(code: GossipValidationCode, message?: string): never {
  throw new GossipValidationError('REJECT', code, message);
}
function ignore(code: GossipValidationCode, message?: string): never {
  throw new GossipValidationError('IGNORE', code, message);
}

/** The gossip code of a mempool refusal. */
function gossipCodeOf(code: MempoolErrorCode): GossipValidationCode {
  switch (code) {
    case 'BAD_SIGNATURE':
    case 'HIGH_S':
    case 'SIGNER_MISMATCH':
      return 'BAD_SIGNATURE';
    case 'WRONG_NETWORK':
      return 'WRONG_NETWORK';
    case 'MALFORMED':
      return 'INVALID_CONTENT';
    case 'PAYLOAD_TOO_LARGE':
      return 'OVERSIZED';
    case 'NONCE_USED':
    case 'DUPLICATE_NONCE':
    case 'EXPIRED':
      return 'STALE_HEIGHT';
    case 'NONCE_TOO_FAR_AHEAD':
    case 'SENDER_FULL':
    case 'MEMPOOL_FULL':
      return 'OVERLOADED';
  }
}

/**
 * Who relayed a message, as the sync's peer-height hints name it: a libp2p PeerId in the node,
 * a simulated process in the simulator (which runs these validators too).
 */
export interface GossipSource {
  toString(): string;
}

/** The validators of the Synod topics (assignable to SynodGossipValidators, whose `from` is a PeerId). */
export type ConsensusGossipValidators = {
  readonly [K in keyof SynodGossipMessages]: (message: SynodGossipMessages[K], from: GossipSource) => void;
};

export function createGossipValidators(context: GossipValidationContext): ConsensusGossipValidators {
  const { domain, mempool } = context;

  /** The committee of `height`; IGNOREs a message of a height whose committee is not settled. */
  const committeeOf = (height: number) => context.committeeAt(height) ?? ignore('FUTURE_HEIGHT');

  /**
   * A message beyond every height whose committee is settled (more than TRANSITION_ACTIVATION_DELAY
   * past our tip) cannot be checked: its signer may be of an epoch we do not know yet. It still
   * tells catch-up that the peer is far ahead — an unverified hint, which costs at most block
   * requests to that peer whose answers are checked by certificate — and is IGNOREd.
   */
  const unsettledHint = (height: number, from: GossipSource): void => {
    if (context.committeeAt(height) !== undefined) return;
    context.sync().noteHeight(from.toString(), height);
    ignore('FUTURE_HEIGHT');
  };

  const checkVote = (vote: Vote): void => {
    if (vote.networkId !== domain.networkId) reject('WRONG_NETWORK');
    const { validatorCount, crypto } = committeeOf(vote.height);
    if (vote.validatorIndex < 0 || vote.validatorIndex >= validatorCount) reject('UNKNOWN_SIGNER');
    if (vote.kind !== VoteKind.Prevote && vote.kind !== VoteKind.Precommit) reject('INVALID_CONTENT');
    const wantsExtension = vote.kind === VoteKind.Precommit && vote.blockId !== NIL_BLOCK_ID;
    if (wantsExtension !== (vote.extension !== null)) reject('INVALID_CONTENT', 'extension presence');
    if (!crypto.verifyVote(vote.validatorIndex, vote, vote.signature)) reject('BAD_SIGNATURE');
    const extension = vote.extension;
    if (extension !== null) {
      if (
        extension.networkId !== vote.networkId ||
        extension.height !== vote.height ||
        extension.round !== vote.round ||
        extension.blockId !== vote.blockId ||
        extension.validatorIndex !== vote.validatorIndex ||
        !isWellFormedExtension(context.feeds, extension)
      ) {
        reject('INVALID_CONTENT', 'extension');
      }
      if (!crypto.verifyExtension(extension)) reject('BAD_SIGNATURE', 'extension');
    }
  };

  return {
    transactions(batch, _from) {
      const nowMs = context.nowMs();
      let added = 0;
      let rejected: MempoolErrorCode | undefined;
      let ignored: MempoolErrorCode | undefined;
      for (const tx of batch.transactions) {
        try {
          if (!mempool.add(tx, { nowMs }).duplicate) added += 1;
        } catch (error) {
          if (!(error instanceof MempoolError)) throw error;
          if (mempoolErrorVerdict(error.code) === 'REJECT') rejected ??= error.code;
          else ignored ??= error.code;
        }
      }
      // One transaction no honest node would relay makes the whole batch the sender's fault
      // (the good ones in it were admitted all the same).
      if (rejected !== undefined) reject(gossipCodeOf(rejected));
      if (added === 0) ignore(ignored === undefined ? 'DUPLICATE' : gossipCodeOf(ignored));
    },
    votes(vote, from) {
      const height = context.driver().height;
      // Votes of the previous height still count (late precommits add extensions).
      if (vote.height < height - 1) ignore('STALE_HEIGHT');
      unsettledHint(vote.height, from);
      checkVote(vote);
      context.sync().noteHeight(from.toString(), vote.height);
      if (vote.height > height + FUTURE_HEIGHT_WINDOW) ignore('FUTURE_HEIGHT');
    },
    'decryption-shares'(message) {
      // Checked and kept by the driver (shape, height, signer, count, signature); the subscriber has nothing left to do.
      const verdict = context.driver().receiveDecryptionShares(message);
      if (verdict === 'REJECT')
        reject('INVALID_CONTENT', 'decryption shares of a wrong count, signer or signature');
      if (verdict === 'IGNORE') ignore('STALE_HEIGHT', 'decryption shares not due here');
    },
    evidence({ first, second }) {
      if (first.networkId !== domain.networkId || second.networkId !== domain.networkId)
        reject('WRONG_NETWORK');
      if (
        first.validatorIndex !== second.validatorIndex ||
        first.height !== second.height ||
        first.round !== second.round ||
        first.kind !== second.kind
      ) {
        reject('INVALID_CONTENT', 'the two votes are not of one validator, height, round and kind');
      }
      if (first.blockId === second.blockId) reject('INVALID_CONTENT', 'the two votes agree: no equivocation');
      const { validatorCount, crypto } = committeeOf(first.height);
      if (first.validatorIndex < 0 || first.validatorIndex >= validatorCount) reject('UNKNOWN_SIGNER');
      if (first.kind !== VoteKind.Prevote && first.kind !== VoteKind.Precommit) reject('INVALID_CONTENT');
      // Already recorded (detected here, or received): nothing to store or relay.
      if (context.driver().knowsEvidence(first)) ignore('DUPLICATE');
      // The offence is the two signatures; extensions are not part of it.
      if (!crypto.verifyVote(first.validatorIndex, first, first.signature))
        reject('BAD_SIGNATURE', 'first vote');
      if (!crypto.verifyVote(second.validatorIndex, second, second.signature))
        reject('BAD_SIGNATURE', 'second vote');
    },
    proposals(proposal, from) {
      const height = context.driver().height;
      if (proposal.networkId !== domain.networkId || proposal.header.networkId !== domain.networkId)
        reject('WRONG_NETWORK');
      if (proposal.height < height) ignore('STALE_HEIGHT');
      unsettledHint(proposal.height, from);
      const { validatorCount, crypto } = committeeOf(proposal.height);
      if (proposal.proposerIndex < 0 || proposal.proposerIndex >= validatorCount) reject('UNKNOWN_SIGNER');
      if (proposal.proposerIndex !== proposerIndex(validatorCount, proposal.height, proposal.round))
        reject('INVALID_CONTENT', 'not the proposer of this round');
      if (!crypto.verifyProposal(proposal)) reject('BAD_SIGNATURE');
      context.sync().noteHeight(from.toString(), proposal.height);
      if (proposal.height > height + FUTURE_HEIGHT_WINDOW) ignore('FUTURE_HEIGHT');
    },
  };
}

/**
 * Transaction dissemination in micro-batches (DESIGN.md "Dissemination"): transactions admitted
 * over RPC are collected for TX_BATCH_WINDOW_MS or up to TX_BATCH_MAX_COUNT, then published as
 * TransactionBatch messages, each split to fit the topic cap.
 */
export class TransactionBatcher {
  readonly #publish: (batch: TransactionBatch) => Promise<void>;
  readonly #logger: Logger | undefined;
  #pending: SignedTransaction[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(publish: (batch: TransactionBatch) => Promise<void>, logger?: Logger) {
    this.#publish = publish;
    this.#logger = logger;
  }

  add(tx: SignedTransaction): void {
    this.#pending.push(tx);
    if (this.#pending.length >= TX_BATCH_MAX_COUNT || this.#pending.length >= TX_BATCH_MAX_PENDING) {
      this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.flush(), TX_BATCH_WINDOW_MS);
  }

  /** Publishes everything pending now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = [];
    for (const batch of splitToFit(pending)) {
      this.#publish(batch).catch((error: unknown) =>
        this.#logger?.warn(
          { err: error, count: batch.transactions.length },
          'publishing a transaction batch failed',
        ),
      );
    }
  }

  stop(): void {
    this.flush();
  }
}

/**
 * Re-sends transactions that stay pending (docs/decisions.md "Pending transactions are re-sent"):
 * each tick, those admitted at least `minAgeMs` ago and not re-sent within their current
 * interval go to every peer directly (gossip would drop the same batch as a duplicate); the
 * interval doubles per re-send up to `maxIntervalMs`. Receivers admit them to their mempools
 * like gossip, so a sender's nonce gap left by a lost batch closes.
 */
export class PendingRegossip {
  readonly #mempool: Mempool;
  readonly #resend: (transactions: readonly SignedTransaction[]) => Promise<void>;
  readonly #minAgeMs: number;
  readonly #maxIntervalMs: number;
  readonly #maxPerTick: number;
  /** txId → when it was last re-sent and the wait before the next re-send. */
  readonly #sent = new Map<Hex, { atMs: number; intervalMs: number }>();

  constructor(
    mempool: Mempool,
    resend: (transactions: readonly SignedTransaction[]) => Promise<void>,
    options: { minAgeMs?: number; maxIntervalMs?: number; maxPerTick?: number } = {},
  ) {
    this.#mempool = mempool;
    this.#resend = resend;
    this.#minAgeMs = options.minAgeMs ?? REGOSSIP_MIN_AGE_MS;
    this.#maxIntervalMs = options.maxIntervalMs ?? REGOSSIP_MAX_INTERVAL_MS;
    this.#maxPerTick = options.maxPerTick ?? REGOSSIP_MAX_PER_TICK;
  }

  /** Re-sends what is due at `nowMs` (this node's clock, as firstSeenMs); returns how many. */
  tick(nowMs: number): number {
    for (const txId of this.#sent.keys()) if (!this.#mempool.has(txId)) this.#sent.delete(txId);
    const due: SignedTransaction[] = [];
    // Entries iterate in first-seen order: the oldest (most likely blocking a sender) first.
    for (const entry of this.#mempool.entries()) {
      if (due.length >= this.#maxPerTick) break;
      if (nowMs - entry.firstSeenMs < this.#minAgeMs) break;
      const sent = this.#sent.get(entry.txId);
      if (sent !== undefined && nowMs - sent.atMs < sent.intervalMs) continue;
      const intervalMs =
        sent === undefined ? this.#minAgeMs : Math.min(2 * sent.intervalMs, this.#maxIntervalMs);
      this.#sent.set(entry.txId, { atMs: nowMs, intervalMs });
      due.push(entry.transaction);
    }
    if (due.length > 0) void this.#resend(due);
    return due.length;
  }
}

/** Splits transactions into batches whose encoding fits the transactions topic cap. */
export function splitToFit(transactions: readonly SignedTransaction[]): TransactionBatch[] {
  const batches: TransactionBatch[] = [];
  const split = (slice: readonly SignedTransaction[]): void => {
    if (slice.length === 0) return;
    const batch = { transactions: [...slice] };
    if (
      slice.length <= TX_BATCH_MAX_COUNT &&
      (slice.length === 1 || transactionBatchCodec.encode(batch).length <= GOSSIP_MAX_TRANSACTIONS_BYTES)
    ) {
      batches.push(batch);
      return;
    }
    const middle = Math.ceil(slice.length / 2);
    split(slice.slice(0, middle));
    split(slice.slice(middle));
  };
  split(transactions);
  return batches;
}
