import {
  type Address,
  assert,
  type Hex,
  isEnvelope,
  MAX_TRANSACTION_BYTES,
  MAX_TX_PAYLOAD_BYTES,
  type NetworkDomain,
  parseEnvelope,
  type SignedTransaction,
  TransactionError,
  transactionId,
  verifyTransaction,
} from '@synod/protocol';
import {
  MEMPOOL_MAX_BYTES,
  MEMPOOL_MAX_INCLUSION_LIST_ENTRIES,
  MEMPOOL_MAX_NONCE_AHEAD,
  MEMPOOL_MAX_PER_SENDER,
  MEMPOOL_MAX_REMEMBERED_SENDERS,
  MEMPOOL_MAX_TRANSACTIONS,
} from './constants.ts';
import { MempoolError } from './errors.ts';
import type { MempoolMetrics } from './metrics.ts';

/**
 * The pool of pending transactions (DESIGN.md "Dissemination").
 *
 * - Each new txId is verified once (signature recovery is the costly step); the txId is hashed
 *   before that so a duplicate, the common case under gossip, costs one hash and no recovery.
 * - Per-sender nonce queues: a sender's transactions are pending from its next expected nonce
 *   (the chain's, see `nextNonceOf`, and what markFinalized taught us) up to the nonce-ahead bound.
 *   There is no replacement: a second transaction for a pending (sender, nonce) is
 *   DUPLICATE_NONCE and the first one stays. Without fees there is nothing to rank replacements
 *   by, and a replaceable slot would let a sender change an order after validators reported it.
 * - First-seen times come from the caller's clock (`nowMs`) and are made non-decreasing in
 *   arrival order, so arrival order is first-seen order and the inclusion list needs no sort.
 *   A wall clock stepping back only makes a few transactions share a timestamp.
 * - Check order: shape (txId hash), duplicate, signature and network and expiry (verify), then
 *   the pool's rules (nonce, per-sender, totals). Verifying before the pool's rules gives every
 *   refusal its true code, so gossip can REJECT a bad signature even when the pool is full.
 */

/** Bounds of one mempool; defaults in constants.ts. */
export interface MempoolLimits {
  maxTransactions: number;
  maxBytes: number;
  maxPerSender: number;
  maxNonceAhead: bigint;
  maxRememberedSenders: number;
}

export const DEFAULT_MEMPOOL_LIMITS: Readonly<MempoolLimits> = {
  maxTransactions: MEMPOOL_MAX_TRANSACTIONS,
  maxBytes: MEMPOOL_MAX_BYTES,
  maxPerSender: MEMPOOL_MAX_PER_SENDER,
  maxNonceAhead: MEMPOOL_MAX_NONCE_AHEAD,
  maxRememberedSenders: MEMPOOL_MAX_REMEMBERED_SENDERS,
};

/**
 * Full admission check of a transaction, returning its txId or throwing TransactionError:
 * verifyTransaction with native secp256k1 by default; tests inject a counting or failing one.
 */
export type VerifyTransactionFunction = (signed: SignedTransaction, nowSeconds: number) => Hex;

export interface MempoolOptions {
  domain: NetworkDomain;
  limits?: Partial<MempoolLimits>;
  verify?: VerifyTransactionFunction;
  /** The chain state's next nonce of `sender` (0 for a new sender); the authority on restart. */
  nextNonceOf?: (sender: Address) => bigint;
  metrics?: MempoolMetrics;
  /**
   * Whether the network has an encryption key, so that encrypted envelopes can be revealed
   * (docs/protocol.md "Encrypted transactions"). Without one, an envelope is refused (MALFORMED,
   * saying why). Default: no.
   */
  acceptsEnvelopes?: () => boolean;
}

/** A pending transaction. */
export interface MempoolEntry {
  readonly txId: Hex;
  readonly transaction: SignedTransaction;
  /** Lowercase. */
  readonly sender: Address;
  readonly nonce: bigint;
  /** This node's clock (unix ms) when it first admitted the transaction. */
  readonly firstSeenMs: number;
  /** Encoded size (transactionCodec), what the byte bound counts. */
  readonly bytes: number;
}

export interface AddResult {
  txId: Hex;
  firstSeenMs: number;
  /** True when the txId was already pending: nothing changed, firstSeenMs is the original. */
  duplicate: boolean;
}

/** One finalized transaction, as markFinalized takes it. */
export interface FinalizedTransaction {
  sender: Address;
  nonce: bigint;
  txId: Hex;
}

/** One entry of a vote extension's inclusion list. */
export interface InclusionListEntry {
  txId: Hex;
  firstSeenMs: number;
}

/** Fixed part of an encoded transaction message: everything but the payload bytes. */
const TRANSACTION_FIXED_BYTES = MAX_TRANSACTION_BYTES - MAX_TX_PAYLOAD_BYTES;

/** Encoded size of a transaction whose payload hex was already checked by verification. */
function encodedBytes(signed: SignedTransaction): number {
  return TRANSACTION_FIXED_BYTES + (signed.payload.length - 2) / 2;
}

function checkLimits(limits: MempoolLimits): void {
  for (const key of ['maxTransactions', 'maxBytes', 'maxPerSender', 'maxRememberedSenders'] as const) {
    assert(Number.isSafeInteger(limits[key]) && limits[key] > 0, `mempool ${key} must be a positive integer`);
  }
  assert(limits.maxNonceAhead > 0n, 'mempool maxNonceAhead must be positive');
}

export class Mempool {
  readonly limits: Readonly<MempoolLimits>;
  readonly #verify: VerifyTransactionFunction;
  readonly #domain: NetworkDomain;
  readonly #nextNonceOf: ((sender: Address) => bigint) | undefined;
  readonly #metrics: MempoolMetrics | undefined;
  readonly #acceptsEnvelopes: () => boolean;

  /** Pending entries in arrival order (= first-seen order). */
  readonly #entries = new Map<Hex, MempoolEntry>();
  /** Per-sender nonce queues of pending entries. */
  readonly #queues = new Map<Address, Map<bigint, MempoolEntry>>();
  /** Next nonce of senders with finalized transactions, least recently updated first. */
  readonly #finalizedNextNonces = new Map<Address, bigint>();
  #bytes = 0;
  #newestFirstSeenMs = 0;
  readonly #addedListeners = new Set<() => void>();

  constructor(options: MempoolOptions) {
    this.limits = { ...DEFAULT_MEMPOOL_LIMITS, ...options.limits };
    checkLimits(this.limits);
    this.#domain = options.domain;
    this.#verify =
      options.verify ?? ((signed, nowSeconds) => verifyTransaction(signed, this.#domain, { nowSeconds }));
    this.#nextNonceOf = options.nextNonceOf;
    this.#metrics = options.metrics;
    this.#acceptsEnvelopes = options.acceptsEnvelopes ?? (() => false);
  }

  /**
   * Calls `listener` after each transaction admitted (not a duplicate): how an idle consensus
   * driver learns that a height is worth starting. Returns the unsubscribe function.
   */
  onAdded(listener: () => void): () => void {
    this.#addedListeners.add(listener);
    return () => this.#addedListeners.delete(listener);
  }

  /** Pending transactions. */
  get size(): number {
    return this.#entries.size;
  }

  /** Encoded bytes of the pending transactions. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Admits `signed` if it is valid and fits, recording `nowMs` as the time this node first saw
   * it. A pending txId is a no-op (`duplicate: true`, original first-seen time). Throws
   * MempoolError with the reason otherwise.
   */
  add(signed: SignedTransaction, { nowMs }: { nowMs: number }): AddResult {
    assert(Number.isSafeInteger(nowMs) && nowMs >= 0, `nowMs must be a non-negative integer, got ${nowMs}`);
    try {
      const result = this.#add(signed, nowMs);
      this.#metrics?.admissionsTotal.inc({ result: result.duplicate ? 'DUPLICATE' : 'ACCEPTED' });
      if (!result.duplicate) for (const listener of this.#addedListeners) listener();
      return result;
    } catch (error) {
      if (error instanceof MempoolError) this.#metrics?.admissionsTotal.inc({ result: error.code });
      throw error;
    }
  }

  #add(signed: SignedTransaction, nowMs: number): AddResult {
    const txId = transactionIdOrThrow(signed, this.#domain);
    const existing = this.#entries.get(txId);
    if (existing !== undefined) return { txId, firstSeenMs: existing.firstSeenMs, duplicate: true };

    let verifiedId: Hex;
    try {
      verifiedId = this.#verify(signed, Math.floor(nowMs / 1000));
    } catch (error) {
      if (error instanceof TransactionError)
        throw new MempoolError(error.code, error.message, { cause: error });
      throw error;
    }
    assert(verifiedId === txId, `verification returned txId ${verifiedId}, hashed ${txId}`);
    if (isEnvelope(signed)) {
      if (!this.#acceptsEnvelopes()) {
        throw new MempoolError('MALFORMED', 'an encrypted envelope, but this network has no encryption key');
      }
      if (parseEnvelope(signed) === undefined) {
        throw new MempoolError('MALFORMED', 'an envelope whose payload is not an EncryptedEnvelope');
      }
    }

    const sender = signed.sender.toLowerCase() as Address;
    const nonce = signed.nonce;
    const next = this.nextNonce(sender);
    if (nonce < next) throw new MempoolError('NONCE_USED', `nonce ${nonce} of ${sender} is below ${next}`);
    if (nonce >= next + this.limits.maxNonceAhead) {
      throw new MempoolError(
        'NONCE_TOO_FAR_AHEAD',
        `nonce ${nonce} of ${sender} is ${this.limits.maxNonceAhead} or more ahead of ${next}`,
      );
    }
    const queue = this.#queues.get(sender);
    const sameNonce = queue?.get(nonce);
    if (sameNonce !== undefined) {
      throw new MempoolError('DUPLICATE_NONCE', `${sender} nonce ${nonce} is pending as ${sameNonce.txId}`);
    }
    if (queue !== undefined && queue.size >= this.limits.maxPerSender) {
      throw new MempoolError('SENDER_FULL', `${sender} has ${queue.size} pending transactions`);
    }
    const bytes = encodedBytes(signed);
    if (this.#entries.size >= this.limits.maxTransactions) {
      throw new MempoolError('MEMPOOL_FULL', `${this.#entries.size} transactions pending`);
    }
    if (this.#bytes + bytes > this.limits.maxBytes) {
      throw new MempoolError(
        'MEMPOOL_FULL',
        `${this.#bytes} + ${bytes} bytes exceeds ${this.limits.maxBytes}`,
      );
    }

    const firstSeenMs = Math.max(nowMs, this.#newestFirstSeenMs);
    this.#newestFirstSeenMs = firstSeenMs;
    const entry: MempoolEntry = { txId, transaction: signed, sender, nonce, firstSeenMs, bytes };
    this.#entries.set(txId, entry);
    if (queue === undefined) this.#queues.set(sender, new Map([[nonce, entry]]));
    else queue.set(nonce, entry);
    this.#bytes += bytes;
    this.#updateGauges();
    return { txId, firstSeenMs, duplicate: false };
  }

  /** The next nonce `sender` may use: the chain's, or past the last one finalized here. */
  nextNonce(sender: Address): bigint {
    const key = sender.toLowerCase() as Address;
    const remembered = this.#finalizedNextNonces.get(key) ?? 0n;
    const chain = this.#nextNonceOf?.(key) ?? 0n;
    return remembered > chain ? remembered : chain;
  }

  get(txId: Hex): MempoolEntry | undefined {
    return this.#entries.get(txId.toLowerCase() as Hex);
  }

  has(txId: Hex): boolean {
    return this.#entries.has(txId.toLowerCase() as Hex);
  }

  /** Those of `txIds` that are not pending here (bodies to fetch from peers), in the given order. */
  missing(txIds: readonly Hex[]): Hex[] {
    return txIds.filter((txId) => !this.has(txId));
  }

  /** Pending entries in arrival (first-seen) order. */
  entries(): IterableIterator<MempoolEntry> {
    return this.#entries.values();
  }

  /** A sender's pending entries by ascending nonce. */
  senderEntries(sender: Address): MempoolEntry[] {
    const queue = this.#queues.get(sender.toLowerCase() as Address);
    if (queue === undefined) return [];
    return [...queue.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : 1));
  }

  /**
   * The validator's inclusion list: up to `maxEntries` (and MAX_INCLUSION_LIST_ENTRIES) pending
   * transactions that are ready, oldest first-seen first. Ready means every lower nonce of the
   * sender down to its next expected nonce is pending too: a transaction behind a nonce gap
   * cannot be ordered, and listing it would let a sender who never fills the gap occupy the
   * oldest slots of every honest list until expiry. Entries stay listed until finalized, expired
   * or stale. The vote extension sorts the result by txId.
   */
  inclusionList(maxEntries: number): InclusionListEntry[] {
    assert(Number.isSafeInteger(maxEntries) && maxEntries >= 0, `maxEntries must be a non-negative integer`);
    const bound = Math.min(maxEntries, MEMPOOL_MAX_INCLUSION_LIST_ENTRIES);
    const list: InclusionListEntry[] = [];
    /** First nonce of each sender seen so far that is not pending: the end of its ready run. */
    const readyEnd = new Map<Address, bigint>();
    for (const entry of this.#entries.values()) {
      if (list.length >= bound) break;
      let end = readyEnd.get(entry.sender);
      if (end === undefined) {
        end = this.nextNonce(entry.sender);
        const queue = this.#queues.get(entry.sender)!;
        while (queue.has(end)) end++;
        readyEnd.set(entry.sender, end);
      }
      if (entry.nonce < end) list.push({ txId: entry.txId, firstSeenMs: entry.firstSeenMs });
    }
    return list;
  }

  /**
   * Applies a finalized block: removes its transactions, advances each sender's next nonce past
   * the finalized one, and drops that sender's pending transactions whose nonce is now used.
   */
  markFinalized(transactions: readonly FinalizedTransaction[]): { finalized: number; stale: number } {
    let finalized = 0;
    let stale = 0;
    const senders = new Set<Address>();
    for (const tx of transactions) {
      const sender = tx.sender.toLowerCase() as Address;
      const entry = this.#entries.get(tx.txId.toLowerCase() as Hex);
      if (entry !== undefined) {
        this.#remove(entry);
        finalized++;
      }
      const next = tx.nonce + 1n;
      if (next > this.nextNonce(sender)) this.#rememberNextNonce(sender, next);
      senders.add(sender);
    }
    for (const sender of senders) {
      const queue = this.#queues.get(sender);
      if (queue === undefined) continue;
      const next = this.nextNonce(sender);
      for (const entry of [...queue.values()]) {
        if (entry.nonce < next) {
          this.#remove(entry);
          stale++;
        }
      }
    }
    if (finalized > 0) this.#metrics?.removalsTotal.inc({ reason: 'finalized' }, finalized);
    if (stale > 0) this.#metrics?.removalsTotal.inc({ reason: 'stale' }, stale);
    this.#updateGauges();
    return { finalized, stale };
  }

  /**
   * Drops transactions that can no longer be included: validUntil (unix seconds) before
   * ⌊nowMs/1000⌋, the same rule verifyTransaction applies. Returns how many were dropped.
   */
  prune(nowMs: number): number {
    assert(Number.isSafeInteger(nowMs) && nowMs >= 0, `nowMs must be a non-negative integer, got ${nowMs}`);
    const nowSeconds = BigInt(Math.floor(nowMs / 1000));
    let expired = 0;
    for (const entry of [...this.#entries.values()]) {
      if (entry.transaction.validUntil < nowSeconds) {
        this.#remove(entry);
        expired++;
      }
    }
    if (expired > 0) this.#metrics?.removalsTotal.inc({ reason: 'expired' }, expired);
    this.#updateGauges();
    return expired;
  }

  /**
   * Recomputes every accounting invariant from scratch and throws (assertion: a bug) if one does
   * not hold. O(size); for tests and debug builds.
   */
  checkInvariants(): void {
    let bytes = 0;
    let queued = 0;
    for (const [txId, entry] of this.#entries) {
      assert(txId === entry.txId, 'entry keyed by its txId');
      assert(this.#queues.get(entry.sender)?.get(entry.nonce) === entry, 'entry in its sender queue');
      assert(entry.nonce >= this.nextNonce(entry.sender), 'no pending nonce below the next nonce');
      bytes += entry.bytes;
    }
    for (const [sender, queue] of this.#queues) {
      assert(queue.size > 0, 'no empty sender queue');
      assert(queue.size <= this.limits.maxPerSender, 'sender queue within bound');
      for (const [nonce, entry] of queue) {
        assert(entry.sender === sender && entry.nonce === nonce, 'queue keyed by sender and nonce');
        assert(this.#entries.get(entry.txId) === entry, 'queued entry is pending');
      }
      queued += queue.size;
    }
    assert(queued === this.#entries.size, 'queues hold exactly the pending entries');
    assert(bytes === this.#bytes, `byte accounting ${this.#bytes} equals the sum ${bytes}`);
    assert(this.#entries.size <= this.limits.maxTransactions, 'count within bound');
    assert(this.#bytes <= this.limits.maxBytes, 'bytes within bound');
    assert(this.#finalizedNextNonces.size <= this.limits.maxRememberedSenders, 'remembered senders bound');
  }

  #remove(entry: MempoolEntry): void {
    this.#entries.delete(entry.txId);
    const queue = this.#queues.get(entry.sender)!;
    queue.delete(entry.nonce);
    if (queue.size === 0) this.#queues.delete(entry.sender);
    this.#bytes -= entry.bytes;
  }

  #rememberNextNonce(sender: Address, next: bigint): void {
    // Re-insert so the map stays in least-recently-updated order for eviction.
    this.#finalizedNextNonces.delete(sender);
    this.#finalizedNextNonces.set(sender, next);
    if (this.#finalizedNextNonces.size > this.limits.maxRememberedSenders) {
      const oldest = this.#finalizedNextNonces.keys().next().value!;
      this.#finalizedNextNonces.delete(oldest);
    }
  }

  #updateGauges(): void {
    this.#metrics?.size.set(this.#entries.size);
    this.#metrics?.bytes.set(this.#bytes);
  }
}

/** transactionId, with TransactionError (MALFORMED, PAYLOAD_TOO_LARGE) mapped to MempoolError. */
function transactionIdOrThrow(signed: SignedTransaction, domain: NetworkDomain): Hex {
  try {
    return transactionId(signed, domain);
  } catch (error) {
    if (error instanceof TransactionError)
      throw new MempoolError(error.code, error.message, { cause: error });
    throw error;
  }
}
