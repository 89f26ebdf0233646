import { assert } from './errors.ts';

/**
 * Fault tolerance and quorum of a committee of n validators (docs/consensus.md "Quorums").
 *
 * f = ⌊(n−1)/3⌋ byzantine validators are tolerated, and a quorum is n − f (= ⌊2n/3⌋ + 1, more
 * than two thirds). Two quorums then share at least n − 2f ≥ f + 1 validators, so at least one
 * honest one. "2f+1" is the same number only when n = 3f + 1: for n = 5 it would be 3, and two
 * quorums of 3 could overlap in a single (byzantine) validator. The BLS threshold t of the
 * committee's key equals the quorum, so that a certificate proves a whole quorum signed.
 */
export interface CommitteeSize {
  n: number;
  f: number;
  quorum: number;
}

/** Largest committee the wire formats and share indices are built for (u32 indices; DKG cap is lower). */
const MAX_COMMITTEE_SIZE = 0xffff_ffff;

export function committeeSize(n: number): CommitteeSize {
  assert(Number.isSafeInteger(n) && n >= 1 && n <= MAX_COMMITTEE_SIZE, `committee size ${n} out of range`);
  const f = Math.floor((n - 1) / 3);
  return { n, f, quorum: n - f };
}

/**
 * Threshold of a committee's encryption key (docs/protocol.md "DKG"): f + 1 = ⌊(n−1)/3⌋ + 1. Any
 * f + 1 validators include an honest one, so the f byzantine ones alone can never release a
 * decryption key, while the n − f honest ones (n − f ≥ f + 1) always can without them.
 */
export function encryptionThreshold(n: number): number {
  return committeeSize(n).f + 1;
}
