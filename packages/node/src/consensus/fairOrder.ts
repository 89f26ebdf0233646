import type { Address, Hex, SignedTransaction, VoteExtension } from '@synod/protocol';

/**
 * The fair-ordering half of the content function (docs/consensus.md "Fair block content").
 * Pure: the same extensions, chain nonces and bodies give the same order at every validator.
 */

export interface FairTimestamp {
  txId: Hex;
  /** The (f+1)-th smallest first-seen time reported for txId across the included lists. */
  fairTimestampMs: number;
  /** How many included lists report the transaction (≥ f+1). */
  reportCount: number;
}

/**
 * A transaction's fair timestamp is the (f+1)-th smallest first-seen time reported for it
 * across the included extensions, a list that lacks it counting as +∞; it is finite (and the
 * transaction a candidate) iff at least f+1 lists report it. With at most f byzantine lists
 * among them, that value is ≥ some honest report and, when every included honest list reports
 * it, ≤ the largest honest report. Returned sorted by (fairTimestampMs, txId).
 */
export function fairTimestamps(
  f: number,
  extensions: readonly Pick<VoteExtension, 'inclusionList'>[],
): FairTimestamp[] {
  const reports = new Map<Hex, number[]>();
  for (const extension of extensions) {
    for (const entry of extension.inclusionList) {
      let times = reports.get(entry.txId);
      if (times === undefined) {
        times = [];
        reports.set(entry.txId, times);
      }
      times.push(entry.firstSeenMs);
    }
  }
  const result: FairTimestamp[] = [];
  for (const [txId, times] of reports) {
    if (times.length < f + 1) continue; // the (f+1)-th smallest is +∞
    times.sort((a, b) => a - b);
    result.push({ txId, fairTimestampMs: times[f]!, reportCount: times.length });
  }
  result.sort(compareByTimestampThenId);
  return result;
}

function compareByTimestampThenId(
  a: { fairTimestampMs: number; txId: Hex },
  b: { fairTimestampMs: number; txId: Hex },
): number {
  if (a.fairTimestampMs !== b.fairTimestampMs) return a.fairTimestampMs - b.fairTimestampMs;
  return a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0;
}

export interface OrderTransactionsParameters {
  candidates: readonly FairTimestamp[];
  /** Bodies of the candidates; a candidate without a body is reported in `missing`. */
  body(txId: Hex): SignedTransaction | undefined;
  /** Full validity of a body at this block (signature, network, expiry); the caller caches signature checks. */
  isValid(tx: SignedTransaction, txId: Hex): boolean;
  /** The next nonce the chain expects from `sender` (0 for a new sender). */
  nextNonce(sender: Address): bigint;
  /** At most this many transactions (MAX_BLOCK_TXS); the rest stay pending. */
  maxCount: number;
  /**
   * Encrypted envelopes (docs/protocol.md "Encrypted transactions"): an envelope ends its
   * sender's run in the block (its plaintext executes two heights later, so nothing of the sender
   * may come after it before then), and at most `max` are taken; the rest stay pending.
   */
  envelopes?: { is(tx: SignedTransaction): boolean; max: number };
}

export interface OrderedTransaction {
  txId: Hex;
  tx: SignedTransaction;
  fairTimestampMs: number;
  /** max(own fair timestamp, predecessor's): a transaction never goes ahead of a lower nonce of its sender. */
  effectiveTimestampMs: number;
}

/**
 * Orders the candidates by (fair timestamp, txId) while keeping each sender's nonce order: a
 * sender's transactions are taken in nonce order from the chain's next nonce, stopping at the
 * first gap, and each waits for its predecessor (its effective timestamp is the later of the
 * two). Invalid or stale candidates are dropped; of two candidates with one (sender, nonce),
 * the earlier (fair timestamp, txId) wins.
 */
export function orderTransactions(parameters: OrderTransactionsParameters): {
  ordered: OrderedTransaction[];
  missing: Hex[];
} {
  const missing: Hex[] = [];
  const bySender = new Map<
    Address,
    Map<bigint, { txId: Hex; tx: SignedTransaction; fairTimestampMs: number }>
  >();
  // Candidates arrive sorted, so the first one seen for a (sender, nonce) slot is the winner.
  for (const candidate of parameters.candidates) {
    const tx = parameters.body(candidate.txId);
    if (tx === undefined) {
      missing.push(candidate.txId);
      continue;
    }
    if (!parameters.isValid(tx, candidate.txId)) continue;
    const sender = tx.sender.toLowerCase() as Address;
    if (tx.nonce < parameters.nextNonce(sender)) continue; // already used
    let slots = bySender.get(sender);
    if (slots === undefined) {
      slots = new Map();
      bySender.set(sender, slots);
    }
    if (!slots.has(tx.nonce))
      slots.set(tx.nonce, { txId: candidate.txId, tx, fairTimestampMs: candidate.fairTimestampMs });
  }

  // Each sender's ready chain: consecutive nonces from the next expected one.
  const queues: OrderedTransaction[][] = [];
  for (const [sender, slots] of bySender) {
    const queue: OrderedTransaction[] = [];
    let effective = Number.NEGATIVE_INFINITY;
    for (let nonce = parameters.nextNonce(sender); ; nonce++) {
      const slot = slots.get(nonce);
      if (slot === undefined) break;
      effective = Math.max(effective, slot.fairTimestampMs);
      queue.push({ ...slot, effectiveTimestampMs: effective });
      if (parameters.envelopes?.is(slot.tx) === true) break;
    }
    if (queue.length > 0) queues.push(queue);
  }

  // Merge the queues by (effective timestamp, txId) of their heads: a priority queue over senders.
  const heap = new MinHeap<{ queue: OrderedTransaction[]; next: number }>((a, b) =>
    compareHeads(a.queue[a.next]!, b.queue[b.next]!),
  );
  for (const queue of queues) heap.push({ queue, next: 0 });
  const ordered: OrderedTransaction[] = [];
  let envelopes = 0;
  while (heap.size > 0 && ordered.length < parameters.maxCount) {
    const head = heap.pop()!;
    const entry = head.queue[head.next]!;
    if (parameters.envelopes?.is(entry.tx) === true) {
      // Over the cap, the envelope waits for a later block; it is its sender's last entry.
      if (envelopes >= parameters.envelopes.max) continue;
      envelopes += 1;
    }
    ordered.push(entry);
    head.next += 1;
    if (head.next < head.queue.length) heap.push(head);
  }
  return { ordered, missing };
}

function compareHeads(a: OrderedTransaction, b: OrderedTransaction): number {
  if (a.effectiveTimestampMs !== b.effectiveTimestampMs)
    return a.effectiveTimestampMs - b.effectiveTimestampMs;
  return a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0;
}

/** A binary min-heap; `compare` must be a strict total order on the items in it. */
class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.compare = compare;
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.compare(items[index]!, items[parent]!) >= 0) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.compare(items[left]!, items[smallest]!) < 0) smallest = left;
        if (right < items.length && this.compare(items[right]!, items[smallest]!) < 0) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest]!, items[index]!];
        index = smallest;
      }
    }
    return top;
  }
}
