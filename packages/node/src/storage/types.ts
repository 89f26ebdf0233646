import type { BlockHeader, CertifiedBlock, Hex } from '@synod/protocol';
import type { CommitBlockOptions, EvidenceRecord, StoredExtension } from './commit.ts';

/**
 * The narrow views of a store that consensus needs, so that the driver and catch-up run over the
 * node's LevelDB `Store` in production and over `MemoryStore` in the simulator (the same code,
 * proven and run). Semantics, errors and bounds are those documented on `Store`.
 */

/**
 * The body of a transaction this node listed in a vote extension it signed at `height` (bytes:
 * transactionCodec). An extension is a signed claim that the body exists: the content of the
 * next height is a function of the listed txIds and needs the bodies, so they are kept on disk
 * until that height is final, and served to peers (docs/consensus.md "Persistence and restart").
 */
export interface ListedBody {
  height: number;
  txId: Hex;
  bytes: Uint8Array;
}

/** One of this node's own signed votes from the vote log. */
export interface LoggedVote {
  height: number;
  round: number;
  kind: number;
  bytes: Uint8Array;
}

export interface TransactionLocation {
  height: number;
  index: number;
}

/** Exactly what the consensus driver (driver/driver.ts) reads and writes. */
export interface ConsensusStore {
  /** Height of the latest committed block (0 when empty). */
  latestHeight(): number;
  getBlock(height: number): Promise<CertifiedBlock | undefined>;
  /** The header at `height` (kept after its body is pruned). */
  getHeader(height: number): Promise<BlockHeader | undefined>;
  /** The stored extensions of the commit of `height`, by validator index. */
  getExtensions(height: number): Promise<StoredExtension[]>;
  getTransactionLocation(txId: Hex): Promise<TransactionLocation | undefined>;
  /** Every namespace's finalized count. */
  namespaceSequences(): Promise<Map<Hex, number>>;
  /** Commits the next certified block atomically; refuses one that is not the next or does not match its header. */
  commitBlock(certified: CertifiedBlock, options?: CommitBlockOptions): Promise<void>;
  /**
   * Durably replaces the driver's write-ahead state, with own votes and listed bodies, in one
   * atomic write; refuses (CONFLICTING_VOTE) a vote that differs from one logged for its slot.
   */
  persistConsensusState(
    bytes: Uint8Array,
    options?: { votes?: readonly LoggedVote[]; listedBodies?: readonly ListedBody[] },
  ): Promise<void>;
  loadConsensusState(): Promise<Uint8Array | undefined>;
  /** Bodies listed at heights ≥ `fromHeight`. */
  listedBodies(fromHeight: number): Promise<ListedBody[]>;
  /** Own votes logged at `height`, by (round, kind). */
  votesAt(height: number): Promise<LoggedVote[]>;
  putEvidence(records: readonly EvidenceRecord[]): Promise<void>;
}

/** What catch-up serves blocks from (sync/serve.ts). */
export interface SyncedBlockSource {
  latestHeight(): number;
  getBlock(height: number): Promise<CertifiedBlock | undefined>;
  getExtensions(height: number): Promise<StoredExtension[]>;
  /** The extensions block `height`'s content derives from, by validator index. */
  getContentExtensions(height: number): Promise<StoredExtension[]>;
}
