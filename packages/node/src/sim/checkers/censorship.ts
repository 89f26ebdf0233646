import type { Hex } from '@synod/protocol';
import type { FinalizedChain, RunRecord } from './run.ts';

/**
 * Censorship resistance (docs/consensus.md §3): a transaction listed by every honest extension
 * of the commit of h is final by h+1, unless an earlier nonce of its sender is not final by then
 * (that one is the censored one).
 */
export function checkCensorship(run: RunRecord, chain: FinalizedChain): string[] {
  const violations: string[] = [];
  const { pool } = run;
  const predecessorsFinalBy = (txId: Hex, height: number): boolean => {
    const entry = pool.byId.get(txId)!;
    const senderChain = pool.bySender[entry.senderIndex]!;
    for (let nonce = 0; nonce < Number(entry.tx.nonce); nonce++) {
      const earlier = chain.places.get(senderChain[nonce]!.txId);
      if (earlier === undefined || earlier.height > height) return false;
    }
    return true;
  };
  for (const height of chain.heights) {
    if (!chain.byHeight.has(height + 1)) continue;
    const extensions = chain.honestExtensionsAt(height);
    if (extensions.length === 0) continue;
    for (const txId of extensions[0]!.txIds) {
      if (!extensions.every((extension) => extension.txIds.has(txId))) continue;
      const place = chain.places.get(txId);
      if (place !== undefined && place.height <= height + 1) continue;
      if (!pool.byId.has(txId) || !predecessorsFinalBy(txId, height + 1)) continue;
      violations.push(
        `censorship: tx ${txId} listed by every honest extension at height ${height}, not final by ${height + 1}`,
      );
    }
  }
  return violations;
}
