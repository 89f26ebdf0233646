import type { Address, Hex } from '@synod/protocol';
import { isAuthenticTransaction } from '../workload.ts';
import type { FinalizedChain, RunRecord } from './run.ts';

/**
 * Validity (docs/consensus.md §3): every finalized transaction is authentic (a transaction of
 * the run's pool with a valid signature), included once, and each sender's nonces are final in
 * order 0, 1, 2, …; and the finalized headers form one chain (each names the previous block as
 * its parent).
 *
 * With encrypted transactions (docs/protocol.md "Encrypted transactions"): an envelope takes its
 * nonce's place in that order; the plaintext it hides, once the envelope is final at h, is
 * final at the head of block h + 2 (the revealed plaintexts lead the block, in their envelopes'
 * order) with the envelope's sender and nonce, and nowhere else; an envelope ends its sender's
 * transactions in its block, and the sender has none in the next (it waits for its reveal).
 */
export function checkValidity(run: RunRecord, chain: FinalizedChain): string[] {
  const violations: string[] = [];
  const { pool } = run;
  const included = new Set<Hex>();
  const nextNonce = new Map<string, bigint>();
  /** The envelopes of a finalized block, in block order. */
  const envelopesAt = (height: number) =>
    (chain.byHeight.get(height)?.transactionIds ?? []).flatMap((txId) => {
      const entry = pool.byId.get(txId);
      return entry?.envelope === undefined ? [] : [entry];
    });
  for (const height of chain.heights) {
    const commit = chain.byHeight.get(height)!;
    const previous = chain.byHeight.get(height - 1);
    if (previous !== undefined && commit.header.parentHash !== previous.blockId)
      violations.push(`validity: height ${height} does not extend the finalized block ${height - 1}`);
    // The plaintexts this block reveals (block height − 2's envelopes', in order), and the
    // senders that wait (an envelope in block height − 1).
    const due = new Map(envelopesAt(height - 2).map((entry, i) => [entry.envelope!.plaintextTxId, i]));
    const waiting = new Set<Address>(envelopesAt(height - 1).map((entry) => entry.sender));
    const sealed = new Set<Address>();
    let atHead = true;
    let lastRevealed = -1;
    for (const [position, txId] of commit.transactionIds.entries()) {
      const entry = pool.byId.get(txId);
      if (entry === undefined || !isAuthenticTransaction(entry.tx, txId)) {
        violations.push(`validity: unknown or forged tx ${txId} at height ${height}`);
        atHead = false;
        continue;
      }
      if (included.has(txId)) violations.push(`validity: tx ${txId} included twice (height ${height})`);
      included.add(txId);
      const envelope = pool.envelopes?.get(txId);
      const envelopePlace = envelope === undefined ? undefined : chain.places.get(envelope.txId);
      if (envelope !== undefined && envelopePlace !== undefined) {
        // A revealed plaintext: its nonce was its envelope's, taken when the envelope was final.
        const index = due.get(txId);
        if (envelopePlace.height + 2 !== height || index === undefined || !atHead || index <= lastRevealed) {
          violations.push(
            `validity: plaintext ${txId} of envelope ${envelope.txId} (final at ${envelopePlace.height}/${envelopePlace.position}) at ${height}/${position}, not in its place at the head of ${envelopePlace.height + 2}`,
          );
        } else {
          lastRevealed = index;
        }
        if (entry.sender !== envelope.sender || entry.tx.nonce !== envelope.tx.nonce)
          violations.push(
            `validity: plaintext ${txId} (${entry.sender} nonce ${entry.tx.nonce}) revealed for envelope ${envelope.txId} (${envelope.sender} nonce ${envelope.tx.nonce})`,
          );
        continue;
      }
      atHead = false;
      if (sealed.has(entry.sender))
        violations.push(`validity: sender ${entry.sender} has ${txId} after its envelope in block ${height}`);
      if (waiting.has(entry.sender))
        violations.push(
          `validity: sender ${entry.sender} has ${txId} at height ${height}, while its envelope of height ${height - 1} awaits its reveal`,
        );
      if (entry.envelope !== undefined) sealed.add(entry.sender);
      const expected = nextNonce.get(entry.sender) ?? 0n;
      if (entry.tx.nonce !== expected) {
        violations.push(
          `validity: sender ${entry.sender} nonce ${entry.tx.nonce} at height ${height}, expected ${expected}`,
        );
      }
      nextNonce.set(entry.sender, entry.tx.nonce + 1n);
    }
  }
  return violations;
}
