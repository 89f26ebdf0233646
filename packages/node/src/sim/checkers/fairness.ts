import type { Hex } from '@synod/protocol';
import { type PoolTransaction, submittedEntry } from '../workload.ts';
import type { FinalizedChain, RunRecord } from './run.ts';

/**
 * Receive-order fairness (docs/consensus.md §3): if every honest node saw a (and its sender's
 * earlier nonces) at least Δ before any honest node saw b, and b is final, then a is final before
 * b, or in b's block ahead of it. Δ = σ + s + 1 ms: σ the spread of honest clock skews, s the
 * spread of the times honest validators signed their extensions for the commit b's block derives
 * from (measured per height). An encrypted submission is its envelope, fair-ordered like any
 * transaction; a transaction after an envelope of its sender cannot be final before that
 * envelope's reveal two heights later, so it is not required ahead of what is final before then.
 */
export function checkFairness(run: RunRecord, chain: FinalizedChain): string[] {
  const violations: string[] = [];
  const { scenario, pool, recorder, honestValidators } = run;
  const honestSkews = honestValidators.map((validator) => scenario.clockSkewMs[validator]!);
  const skewSpreadMs = honestSkews.length === 0 ? 0 : Math.max(...honestSkews) - Math.min(...honestSkews);
  const seenBy = honestValidators.map((validator) => recorder.seen.get(validator) ?? new Map<Hex, number>());
  const latestHonestSeen = (txId: Hex): number => {
    let latest = Number.NEGATIVE_INFINITY;
    for (const seen of seenBy) latest = Math.max(latest, seen.get(txId) ?? Number.POSITIVE_INFINITY);
    return latest;
  };
  const earliestHonestSeen = (txId: Hex): number => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const seen of seenBy) earliest = Math.min(earliest, seen.get(txId) ?? Number.POSITIVE_INFINITY);
    return earliest;
  };
  // What each submission sent: the plaintext, or the envelope hiding it.
  const submitted = scenario.submissions.map((submission) => submittedEntry(pool, submission));
  const sent = new Map(submitted.map((entry) => [`${entry.senderIndex}/${entry.tx.nonce}`, entry]));
  const sentAt = (senderIndex: number, nonce: number): PoolTransaction =>
    sent.get(`${senderIndex}/${nonce}`) ?? pool.bySender[senderIndex]![nonce]!;
  // Latest honest sighting over a transaction and its sender's earlier nonces (which it waits for).
  const latestWithPredecessors = new Map<Hex, number>();
  // The first height a transaction can be final at: two above an earlier envelope of its sender
  // (nothing of the sender runs before that envelope's reveal; Infinity while it is not final).
  const notBefore = new Map<Hex, number>();
  for (const entry of submitted) {
    let latest = Number.NEGATIVE_INFINITY;
    let first = 0;
    for (let nonce = 0; nonce <= Number(entry.tx.nonce); nonce++) {
      const predecessor = sentAt(entry.senderIndex, nonce);
      latest = Math.max(latest, latestHonestSeen(predecessor.txId));
      if (nonce < Number(entry.tx.nonce) && predecessor.envelope !== undefined)
        first = Math.max(first, (chain.places.get(predecessor.txId)?.height ?? Number.POSITIVE_INFINITY) + 2);
    }
    latestWithPredecessors.set(entry.txId, latest);
    notBefore.set(entry.txId, first);
  }
  const deltaMsAt = new Map<number, number>();
  const deltaMsFor = (height: number): number => {
    let deltaMs = deltaMsAt.get(height);
    if (deltaMs === undefined) {
      const times = chain.honestExtensionsAt(height).map((extension) => extension.atMs);
      const spreadMs = times.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
      deltaMs = skewSpreadMs + spreadMs + 1;
      deltaMsAt.set(height, deltaMs);
    }
    return deltaMs;
  };
  for (const b of submitted) {
    const placeB = chain.places.get(b.txId);
    if (placeB === undefined) continue;
    const earliestB = earliestHonestSeen(b.txId);
    // b final, yet no honest node holds a receipt time for it: every one that had it lost it in
    // a restart (a whole-committee restart; b was final from the lists signed before it). The
    // premise compares receipt times; with none left for b there is nothing to compare.
    if (!Number.isFinite(earliestB)) continue;
    const deltaMs = deltaMsFor(placeB.height - 1);
    for (const a of submitted) {
      if (a.senderIndex === b.senderIndex) continue;
      if (!(latestWithPredecessors.get(a.txId)! + deltaMs <= earliestB)) continue;
      // a waits for its sender's envelope to be revealed: it cannot be ahead of b before then.
      if (placeB.height < notBefore.get(a.txId)!) continue;
      const placeA = chain.places.get(a.txId);
      const ahead =
        placeA !== undefined &&
        (placeA.height < placeB.height ||
          (placeA.height === placeB.height && placeA.position < placeB.position));
      if (!ahead) {
        violations.push(
          `fairness: ${a.txId} seen by all honest ≥ ${deltaMs} ms before ${b.txId}, but ${placeA === undefined ? 'not final' : `at ${placeA.height}/${placeA.position}`} vs ${placeB.height}/${placeB.position}`,
        );
      }
    }
  }
  return violations;
}
