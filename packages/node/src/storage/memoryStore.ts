import { assert, type BlockHeader, type CertifiedBlock, type Hex, type NetworkDomain } from '@synod/protocol';
import {
  type CommitBlockOptions,
  type EvidenceRecord,
  evidenceOperations,
  prepareCommit,
  type StoredExtension,
  ZERO_HASH,
} from './commit.ts';
import {
  STORAGE_MAX_CONSENSUS_STATE_BYTES,
  STORAGE_MAX_EVIDENCE_PER_HEIGHT,
  STORAGE_MAX_LISTED_BODIES_PER_READ,
  STORAGE_MAX_LISTED_BODY_BYTES,
  STORAGE_MAX_VOTE_BYTES,
  STORAGE_MAX_VOTES_PER_READ,
} from './constants.ts';
import { StorageError } from './errors.ts';
import { equalBytes } from './meta.ts';
import type {
  ConsensusStore,
  ListedBody,
  LoggedVote,
  SyncedBlockSource,
  TransactionLocation,
} from './types.ts';

/**
 * A store in memory, for the simulator: what the consensus driver and catch-up use of the
 * LevelDB `Store` (ConsensusStore, SyncedBlockSource), with the same refusals. A block goes
 * through the same `prepareCommit` (chaining, roots, namespace commitment against the stored
 * counters, bounds), a repeated txId is INVALID_BLOCK, and a second different vote for a logged
 * (height, round, kind) is CONFLICTING_VOTE, written with nothing else of its batch.
 *
 * The data outlives the handle: a simulated crash closes the handle (every later call of the
 * stopped process fails with CLOSED, as its LevelDB would be gone) and the restarted process
 * reopens the same data. Every write completes within the call, so a crash (between two
 * simulator events) never finds one half done: each is as atomic as a LevelDB batch. Nothing
 * is pruned (a simulated run is short).
 */
export class MemoryStore implements ConsensusStore, SyncedBlockSource {
  readonly domain: NetworkDomain;
  readonly #data: MemoryStoreData;
  #closed = false;

  constructor(domain: NetworkDomain, data: MemoryStoreData = emptyData()) {
    this.domain = domain;
    this.#data = data;
  }

  /** Closes this handle and returns a new one over the same data (a process restart). */
  reopen(): MemoryStore {
    this.#closed = true;
    return new MemoryStore(this.domain, this.#data);
  }

  /** Later calls fail with CLOSED (the process stopped); the data stays for reopen(). */
  close(): void {
    this.#closed = true;
  }

  latestHeight(): number {
    return this.#data.blocks.length;
  }

  latestHash(): Hex {
    return this.#data.latestHash;
  }

  async getBlock(height: number): Promise<CertifiedBlock | undefined> {
    this.#checkHeight(height);
    return this.#data.blocks[height - 1];
  }

  async getHeader(height: number): Promise<BlockHeader | undefined> {
    this.#checkHeight(height);
    return this.#data.blocks[height - 1]?.block.header;
  }

  async getExtensions(height: number): Promise<StoredExtension[]> {
    this.#checkHeight(height);
    return [...(this.#data.extensions.get(height) ?? [])];
  }

  async getContentExtensions(height: number): Promise<StoredExtension[]> {
    this.#checkHeight(height);
    return [...(this.#data.contentExtensions.get(height) ?? [])];
  }

  async getTransactionLocation(txId: Hex): Promise<TransactionLocation | undefined> {
    this.#checkOpen();
    return this.#data.txIndex.get(txId.toLowerCase() as Hex);
  }

  async namespaceSequences(): Promise<Map<Hex, number>> {
    this.#checkOpen();
    return new Map(this.#data.namespaceSequences);
  }

  async commitBlock(certified: CertifiedBlock, options: CommitBlockOptions = {}): Promise<void> {
    this.#checkOpen();
    const data = this.#data;
    const prepared = prepareCommit(
      certified,
      this.domain,
      { height: data.blocks.length, hash: data.latestHash },
      options,
      data.namespaceSequences,
    );
    const repeated = prepared.txIds.find((txId) => data.txIndex.has(txId));
    if (repeated !== undefined)
      throw new StorageError('INVALID_BLOCK', `transaction ${repeated} is already finalized`);
    const height = certified.block.header.height;
    this.#checkEvidenceRoom(options.evidence ?? []);
    // Everything is checked: apply the whole batch.
    data.blocks.push(certified);
    data.latestHash = prepared.headerHash;
    for (const [index, txId] of prepared.txIds.entries()) data.txIndex.set(txId, { height, index });
    for (const entry of prepared.namespaceEntries)
      data.namespaceSequences.set(entry.namespace, entry.sequenceStart + entry.count);
    data.extensions.set(height, sortedExtensions(options.extensions ?? []));
    data.contentExtensions.set(height, sortedExtensions(options.contentExtensions ?? []));
    data.evidence.push(...(options.evidence ?? []));
    // Bodies listed below this height backed inclusion lists whose height is now final.
    for (const [key, body] of data.listedBodies) if (body.height < height) data.listedBodies.delete(key);
  }

  async persistConsensusState(
    bytes: Uint8Array,
    options: { votes?: readonly LoggedVote[]; listedBodies?: readonly ListedBody[] } = {},
  ): Promise<void> {
    this.#checkOpen();
    if (bytes.length > STORAGE_MAX_CONSENSUS_STATE_BYTES) {
      throw new StorageError('TOO_LARGE', `consensus state of ${bytes.length} bytes`);
    }
    for (const body of options.listedBodies ?? []) {
      if (body.bytes.length > STORAGE_MAX_LISTED_BODY_BYTES)
        throw new StorageError('TOO_LARGE', `listed body of ${body.bytes.length} bytes`);
    }
    const votes = new Map<string, Uint8Array>();
    for (const vote of options.votes ?? []) {
      if (vote.bytes.length > STORAGE_MAX_VOTE_BYTES)
        throw new StorageError('TOO_LARGE', `vote of ${vote.bytes.length} bytes`);
      const key = voteKey(vote.height, vote.round, vote.kind);
      const logged = this.#data.voteLog.get(key) ?? votes.get(key);
      if (logged !== undefined && !equalBytes(logged, vote.bytes))
        throw new StorageError('CONFLICTING_VOTE', `a different vote is logged for (${key})`);
      votes.set(key, vote.bytes);
    }
    this.#data.consensusState = bytes;
    for (const [key, vote] of votes) this.#data.voteLog.set(key, vote);
    for (const body of options.listedBodies ?? [])
      this.#data.listedBodies.set(`${body.height}/${body.txId}`, body);
  }

  async loadConsensusState(): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    return this.#data.consensusState;
  }

  async listedBodies(fromHeight: number): Promise<ListedBody[]> {
    this.#checkHeight(fromHeight);
    return [...this.#data.listedBodies.values()]
      .filter((body) => body.height >= fromHeight)
      .sort((a, b) => a.height - b.height || (a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0))
      .slice(0, STORAGE_MAX_LISTED_BODIES_PER_READ);
  }

  async votesAt(height: number): Promise<LoggedVote[]> {
    this.#checkHeight(height);
    const votes: LoggedVote[] = [];
    for (const [key, bytes] of this.#data.voteLog) {
      const [voteHeight, round, kind] = key.split('/').map(Number) as [number, number, number];
      if (voteHeight === height) votes.push({ height, round, kind, bytes });
    }
    return votes.sort((a, b) => a.round - b.round || a.kind - b.kind).slice(-STORAGE_MAX_VOTES_PER_READ);
  }

  async putEvidence(records: readonly EvidenceRecord[]): Promise<void> {
    this.#checkOpen();
    evidenceOperations(records); // the same bounds as the LevelDB batch
    this.#checkEvidenceRoom(records);
    this.#data.evidence.push(...records);
  }

  // --- what the simulator reads of a node's disk (no node code calls these) ---

  /** The logged own vote of (height, round, kind), if any: the simulator's write-ahead check. */
  loggedVote(height: number, round: number, kind: number): Uint8Array | undefined {
    return this.#data.voteLog.get(voteKey(height, round, kind));
  }

  /** Every evidence record stored, in write order. */
  evidence(): readonly EvidenceRecord[] {
    return this.#data.evidence;
  }

  #checkEvidenceRoom(records: readonly EvidenceRecord[]): void {
    for (const record of records) {
      const stored = this.#data.evidence.filter((entry) => entry.height === record.height).length;
      const added = records.filter((entry) => entry.height === record.height).length;
      if (stored + added > STORAGE_MAX_EVIDENCE_PER_HEIGHT)
        throw new StorageError('TOO_LARGE', `evidence at height ${record.height} would exceed the bound`);
    }
  }

  #checkHeight(height: number): void {
    assert(
      Number.isSafeInteger(height) && height >= 0,
      `height must be a safe non-negative integer, got ${height}`,
    );
    this.#checkOpen();
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError('CLOSED', 'store is closed');
  }
}

/** What a MemoryStore holds; shared by the handles of one simulated disk. */
export interface MemoryStoreData {
  /** blocks[h − 1] is the certified block of height h. */
  blocks: CertifiedBlock[];
  latestHash: Hex;
  txIndex: Map<Hex, TransactionLocation>;
  namespaceSequences: Map<Hex, number>;
  extensions: Map<number, StoredExtension[]>;
  contentExtensions: Map<number, StoredExtension[]>;
  evidence: EvidenceRecord[];
  consensusState: Uint8Array | undefined;
  /** `height/round/kind` → the vote's bytes. */
  voteLog: Map<string, Uint8Array>;
  /** `height/txId` → the body. */
  listedBodies: Map<string, ListedBody>;
}

function emptyData(): MemoryStoreData {
  return {
    blocks: [],
    latestHash: ZERO_HASH,
    txIndex: new Map(),
    namespaceSequences: new Map(),
    extensions: new Map(),
    contentExtensions: new Map(),
    evidence: [],
    consensusState: undefined,
    voteLog: new Map(),
    listedBodies: new Map(),
  };
}

function voteKey(height: number, round: number, kind: number): string {
  return `${height}/${round}/${kind}`;
}

function sortedExtensions(extensions: readonly StoredExtension[]): StoredExtension[] {
  return [...extensions].sort((a, b) => a.validatorIndex - b.validatorIndex);
}
