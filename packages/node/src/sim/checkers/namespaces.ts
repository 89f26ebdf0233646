import type { BlockHeader, Hex, Transaction } from '@synod/protocol';
import { namespaceEntries, namespaceRoot } from '@synod/protocol';
import type { FinalizedChain, RunRecord } from './run.ts';

/** A finalized block as the namespace check reads it: its header and its transactions in block order. */
export interface NamespaceCheckBlock {
  header: BlockHeader;
  transactions: readonly { tx: Transaction; txId: Hex }[];
}

/**
 * Namespace commitment (docs/protocol.md "Namespaces"): the namespaceRoot and namespaceCount of
 * every finalized header, heights 1, 2, … in order, equal the tree over its transactions with
 * each namespace's sequenceStart the count of its transactions in all earlier blocks. Returns
 * one violation per mismatching field.
 */
export function checkNamespaceCommitments(blocks: readonly NamespaceCheckBlock[]): string[] {
  const violations: string[] = [];
  const sequences = new Map<Hex, number>();
  for (const { header, transactions } of blocks) {
    const entries = namespaceEntries(transactions, (namespace) => sequences.get(namespace) ?? 0);
    const root = namespaceRoot(entries);
    if (header.namespaceCount !== entries.length) {
      violations.push(
        `namespace: height ${header.height} namespaceCount ${header.namespaceCount}, its transactions have ${entries.length} namespaces`,
      );
    }
    if (header.namespaceRoot !== root) {
      violations.push(
        `namespace: height ${header.height} namespaceRoot ${header.namespaceRoot}, its transactions and the sequences before it give ${root}`,
      );
    }
    for (const entry of entries) sequences.set(entry.namespace, entry.sequenceStart + entry.count);
  }
  return violations;
}

/**
 * The namespace commitment of the finalized chain, up to the first gap or unknown transaction
 * (both violations of their own; past them the running sequences would be unknown).
 */
export function checkNamespaces(run: RunRecord, chain: FinalizedChain): string[] {
  const blocks: NamespaceCheckBlock[] = [];
  for (let height = 1; height <= chain.topHeight; height++) {
    const commit = chain.byHeight.get(height);
    if (commit === undefined) break;
    const entries = commit.transactionIds.map((txId) => run.pool.byId.get(txId));
    if (entries.some((entry) => entry === undefined)) break;
    blocks.push({
      header: commit.header,
      transactions: entries.map((entry) => ({ tx: entry!.tx, txId: entry!.txId })),
    });
  }
  return checkNamespaceCommitments(blocks);
}
