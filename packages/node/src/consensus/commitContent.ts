import { type Hex, type InclusionEntry, MAX_INCLUSION_LIST_ENTRIES } from '@synod/protocol';
import { type BlockContent, type ContentContext, committedBlockContent } from './content.ts';
import type { CommitRecord } from './types.ts';

/**
 * Driver helpers shared by the simulator (sim/validator.ts) and the real consensus driver
 * (driver/driver.ts): what a driver does with a `commit` output and how it shapes the inclusion
 * list of its vote extension. Pure; both drivers call these so they cannot drift apart.
 */

/**
 * The inclusion list of a vote extension from a node's pending transactions: at most
 * MAX_INCLUSION_LIST_ENTRIES, the oldest first-seen ones when there are more (ties by txId),
 * sorted by txId as the extension requires (docs/consensus.md §2).
 */
export function inclusionListForExtension(pending: readonly InclusionEntry[]): InclusionEntry[] {
  let entries = pending.map(({ txId, firstSeenMs }) => ({ txId, firstSeenMs }));
  if (entries.length > MAX_INCLUSION_LIST_ENTRIES) {
    entries.sort((a, b) => a.firstSeenMs - b.firstSeenMs || (a.txId < b.txId ? -1 : 1));
    entries = entries.slice(0, MAX_INCLUSION_LIST_ENTRIES);
  }
  return entries.sort((a, b) => (a.txId < b.txId ? -1 : 1));
}

/**
 * The content of a decided block: the one this node validated or built for it (cached under its
 * block id by the `checkContent` / `buildBlock` answers), else recomputed from the proposal
 * (a block decided by certificate). Clears the cache: contents of one height are useless at the
 * next.
 */
export function contentOfCommit(
  context: ContentContext,
  validatedContents: Map<Hex, BlockContent>,
  commit: CommitRecord,
): BlockContent {
  const content = validatedContents.get(commit.blockId) ?? committedBlockContent(context, commit.proposal);
  validatedContents.clear();
  return content;
}
