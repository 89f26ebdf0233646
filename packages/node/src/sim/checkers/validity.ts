import type { Hex } from '@synod/protocol';
import { isAuthenticTransaction } from '../workload.ts';
import type { FinalizedChain, RunRecord } from './run.ts';

/**
 * Validity (docs/consensus.md §3): every finalized transaction is authentic (a transaction of
 * the run's pool with a valid signature), included once, and each sender's nonces are final in
 * order 0, 1, 2, …; and the finalized headers form one chain (each names the previous block as
 * its parent).
 */
export function checkValidity(run: RunRecord, chain: FinalizedChain): string[] {
  const violations: string[] = [];
  const included = new Set<Hex>();
  const nextNonce = new Map<string, bigint>();
  for (const height of chain.heights) {
    const commit = chain.byHeight.get(height)!;
    const previous = chain.byHeight.get(height - 1);
    if (previous !== undefined && commit.header.parentHash !== previous.blockId)
      violations.push(`validity: height ${height} does not extend the finalized block ${height - 1}`);
    for (const txId of commit.transactionIds) {
      const entry = run.pool.byId.get(txId);
      if (entry === undefined || !isAuthenticTransaction(entry.tx, txId)) {
        violations.push(`validity: unknown or forged tx ${txId} at height ${height}`);
        continue;
      }
      if (included.has(txId)) violations.push(`validity: tx ${txId} included twice (height ${height})`);
      included.add(txId);
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
