import {
  assert,
  type BlockHeader,
  type Certificate,
  type CertifiedBlock,
  type Hex,
  headerHash,
  merkleProof,
  type NamespaceEntry,
  type NetworkDomain,
  namespaceRoot,
  type SignedTransaction,
  transactionId,
  verifyMerkleProof,
} from '@synod/protocol';
import { ClassicLevel } from 'classic-level';
import {
  type BatchOperation,
  blockNamespaces,
  type CommitBlockOptions,
  type EvidenceRecord,
  evidenceOperations,
  prepareCommit,
  type StoredExtension,
} from './commit.ts';
import {
  STORAGE_MAX_CONSENSUS_STATE_BYTES,
  STORAGE_MAX_EVIDENCE_PER_HEIGHT,
  STORAGE_MAX_EXTENSIONS_PER_HEIGHT,
  STORAGE_MAX_LISTED_BODIES_PER_READ,
  STORAGE_MAX_LISTED_BODY_BYTES,
  STORAGE_MAX_VOTE_BYTES,
  STORAGE_MAX_VOTES_PER_READ,
  STORAGE_PRUNE_HEIGHTS_PER_BATCH,
} from './constants.ts';
import { decodeStoredBlock, decodeStoredCertificate, decodeStoredHeader } from './decode.ts';
import { StorageError } from './errors.ts';
import {
  CONSENSUS_STATE_KEY,
  decodeLeaves,
  decodeNamespaceEntries,
  decodeTxLocation,
  decodeU64,
  encodeU64,
  extensionKeyValidator,
  hashIndexKey,
  heightKey,
  heightRange,
  keyHeight,
  listedBodyKey,
  listedBodyKeyTxId,
  metaKey,
  namespaceBatchKey,
  namespaceBatchKeyHeight,
  namespaceSequenceKey,
  namespaceSequenceKeyNamespace,
  roundKindOfKey,
  Table,
  txIndexKey,
  voteLogKey,
} from './keys.ts';
import { type Database, equalBytes, loadMeta, type MetaState } from './meta.ts';
import type { StorageMetrics } from './metrics.ts';
import type {
  ConsensusStore,
  ListedBody,
  LoggedVote,
  SyncedBlockSource,
  TransactionLocation,
} from './types.ts';

export type { ListedBody, LoggedVote, TransactionLocation } from './types.ts';

/**
 * The node's LevelDB store: certified blocks, their indexes, vote extensions, evidence, and the
 * consensus write-ahead state. Key schema in keys.ts.
 *
 * - Every write that spans keys is one LevelDB batch (atomic, also across a process kill), and
 *   writes are serialized, so readers see a block with all of its indexes or not at all.
 * - Consensus state and own votes are written with `sync` (fsync): they must survive a power loss,
 *   not just a crash, because the node signs on the strength of them. Blocks are not synced:
 *   a block lost with the OS's page cache is fetched again from peers by catch-up sync.
 * - Transaction proofs are computed on demand from the stored leaf hashes of the block (32 bytes
 *   per transaction): storing each proof would cost depth × 32 bytes per transaction for a value
 *   that takes one tree of hashing (< 10 ms at MAX_BLOCK_TXS) to rebuild, and keeping the leaves
 *   separate from bodies lets a pruned node still prove finality.
 * - Pruning (pruneBelow) drops block bodies, vote extensions and the own-vote log below a height;
 *   headers, certificates, leaves, evidence and both indexes stay, so every finalized txId keeps
 *   its status and proof, only its body is gone (`transaction: undefined`).
 * - Each commit also stores the block's namespace-tree leaves and advances each namespace's
 *   finalized count, in the same batch; both survive pruning, so a restart restores the
 *   namespace sequences without the pruned bodies.
 */

export interface OpenStoreOptions {
  /** The network this data directory belongs to; checked against the stored one on every open. */
  domain: NetworkDomain;
  metrics?: StorageMetrics;
  /** Override of STORAGE_MAX_CONSENSUS_STATE_BYTES (tests). */
  maxConsensusStateBytes?: number;
}

/** Everything a client needs to check that a transaction is final, without trusting this node. */
export interface TransactionWithProof {
  txId: Hex;
  /** undefined when the block body was pruned (status and proof remain). */
  transaction: SignedTransaction | undefined;
  height: number;
  index: number;
  header: BlockHeader;
  certificate: Certificate;
  /** transactionLeaf(transaction, txId): leaf `index` of the header's tx tree. */
  leaf: Hex;
  /** Sibling hashes from the leaf up; verifyMerkleProof({ root: header.txRoot, count: header.txCount, ... }). */
  proof: Hex[];
}

const ZERO_TX_ID: Hex = `0x${'00'.repeat(32)}`;

/** Opens (creating if needed) the store at `path`. Throws StorageError WRONG_NETWORK, SCHEMA_MISMATCH, CORRUPT or IO. */
export async function openStore(path: string, options: OpenStoreOptions): Promise<Store> {
  const db: Database = new ClassicLevel<Uint8Array, Uint8Array>(path, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  try {
    await db.open();
  } catch (error) {
    // classic-level reports a held LOCK file as LEVEL_LOCKED on the error's cause.
    const locked = (error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED';
    const reason = locked
      ? 'it is locked by another process (is another node running on this data directory?)'
      : (error as Error).message;
    throw new StorageError('IO', `cannot open ${path}: ${reason}`, { cause: error });
  }
  try {
    const state = await loadMeta(db, options.domain);
    return new Store(db, options, state);
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** LevelDB hands out Buffers; callers get plain Uint8Array views of the same memory. */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function assertHeightArgument(height: number): void {
  assert(
    Number.isSafeInteger(height) && height >= 0,
    `height must be a safe non-negative integer, got ${height}`,
  );
}

export class Store implements ConsensusStore, SyncedBlockSource {
  readonly domain: NetworkDomain;
  readonly #db: Database;
  readonly #metrics: StorageMetrics | undefined;
  readonly #maxConsensusStateBytes: number;
  #latestHeight: number;
  #latestHash: Hex;
  #prunedBelow: number;
  /** Tail of the write queue: writes run one at a time, in call order. */
  #writes: Promise<unknown> = Promise.resolve();
  /** close() was called: no new operations. */
  #closing = false;
  /** The database is closed. */
  #closed = false;

  /** Use openStore. */
  constructor(db: Database, options: OpenStoreOptions, state: MetaState) {
    this.#db = db;
    this.domain = options.domain;
    this.#metrics = options.metrics;
    this.#maxConsensusStateBytes = options.maxConsensusStateBytes ?? STORAGE_MAX_CONSENSUS_STATE_BYTES;
    this.#latestHeight = state.latestHeight;
    this.#latestHash = state.latestHash;
    this.#prunedBelow = state.prunedBelow;
    this.#metrics?.latestHeight.set(state.latestHeight);
    this.#metrics?.prunedBelow.set(state.prunedBelow);
  }

  /** Height of the latest committed block (0 when empty). */
  latestHeight(): number {
    return this.#latestHeight;
  }

  /** headerHash of the latest committed block (zero when empty): the next block's parentHash. */
  latestHash(): Hex {
    return this.#latestHash;
  }

  /** Lowest height whose body is stored (1 if nothing was pruned). */
  prunedBelow(): number {
    return this.#prunedBelow;
  }

  // -------------------------------------------------------------------------------------------
  // Blocks

  /**
   * Commits the next certified block with its indexes, extensions and evidence, and advances the
   * latest height, in one atomic batch. The block must be the child of latestHash(); its bodies
   * must match its header. Throws StorageError NOT_NEXT_BLOCK, INVALID_BLOCK, TOO_LARGE, CLOSED, IO.
   */
  commitBlock(certified: CertifiedBlock, options: CommitBlockOptions = {}): Promise<void> {
    return this.#write(async () => {
      const startedMs = performance.now();
      const namespaces = blockNamespaces(certified);
      const counters = await this.#io(() => this.#db.getMany(namespaces.map(namespaceSequenceKey)));
      const sequences = new Map<Hex, number>();
      namespaces.forEach((namespace, i) => {
        const bytes = counters[i];
        if (bytes !== undefined) {
          sequences.set(
            namespace,
            this.#checked(() => decodeU64(plainBytes(bytes), 'namespace sequence')),
          );
        }
      });
      const prepared = prepareCommit(
        certified,
        this.domain,
        { height: this.#latestHeight, hash: this.#latestHash },
        options,
        sequences,
      );
      const already = await this.#io(() => this.#db.getMany(prepared.txIds.map(txIndexKey)));
      const repeated = already.findIndex((value) => value !== undefined);
      if (repeated >= 0) {
        throw new StorageError(
          'INVALID_BLOCK',
          `transaction ${prepared.txIds[repeated]} is already finalized`,
        );
      }
      const evidence = options.evidence ?? [];
      await this.#checkEvidenceRoom(evidence);
      // Bodies listed below this height backed inclusion lists whose height is now final.
      const height = certified.block.header.height;
      const stale = await this.#io(() =>
        this.#db.keys({ gte: listedBodyKey(0, ZERO_TX_ID), lt: listedBodyKey(height, ZERO_TX_ID) }).all(),
      );
      for (const key of stale) prepared.operations.push({ type: 'del', key });
      await this.#batch(prepared.operations, false);
      this.#latestHeight = certified.block.header.height;
      this.#latestHash = prepared.headerHash;
      this.#metrics?.latestHeight.set(this.#latestHeight);
      this.#metrics?.commitSeconds.observe((performance.now() - startedMs) / 1000);
    });
  }

  /** The certified block at `height`; undefined above the latest height or when pruned. */
  async getBlock(height: number): Promise<CertifiedBlock | undefined> {
    assertHeightArgument(height);
    this.#checkOpen();
    if (height === 0 || height > this.#latestHeight || height < this.#prunedBelow) return undefined;
    const bytes = await this.#get(heightKey(Table.Block, height));
    // Bodies exist for exactly [prunedBelow, latest]: a hole there is damage, not absence.
    if (bytes === undefined) throw this.#corrupt(`no block body at height ${height}`);
    return this.#checked(() => decodeStoredBlock(bytes, height));
  }

  /** The block whose headerHash is `hash`; undefined if unknown or pruned. */
  async getBlockByHash(hash: Hex): Promise<CertifiedBlock | undefined> {
    const height = await this.getHeightByHash(hash);
    if (height === undefined) return undefined;
    const certified = await this.getBlock(height);
    if (certified !== undefined && headerHash(certified.block.header, this.domain) !== hash.toLowerCase()) {
      throw this.#corrupt(`hash index points ${hash} at block ${height} of another hash`);
    }
    return certified;
  }

  async getHeightByHash(hash: Hex): Promise<number | undefined> {
    this.#checkOpen();
    const bytes = await this.#get(hashIndexKey(hash));
    return bytes === undefined ? undefined : this.#checked(() => decodeU64(bytes, 'hash index'));
  }

  /** The header at `height` (kept after pruning). */
  async getHeader(height: number): Promise<BlockHeader | undefined> {
    assertHeightArgument(height);
    this.#checkOpen();
    if (height === 0 || height > this.#latestHeight) return undefined;
    const bytes = await this.#get(heightKey(Table.Header, height));
    if (bytes === undefined) throw this.#corrupt(`no header at height ${height}`);
    return this.#checked(() => decodeStoredHeader(bytes, height));
  }

  /** The certificate of the block at `height` (kept after pruning). */
  async getCertificate(height: number): Promise<Certificate | undefined> {
    assertHeightArgument(height);
    this.#checkOpen();
    if (height === 0 || height > this.#latestHeight) return undefined;
    const bytes = await this.#get(heightKey(Table.Certificate, height));
    if (bytes === undefined) throw this.#corrupt(`no certificate at height ${height}`);
    return this.#checked(() => decodeStoredCertificate(bytes, height));
  }

  // -------------------------------------------------------------------------------------------
  // Transactions

  async getTransactionLocation(txId: Hex): Promise<TransactionLocation | undefined> {
    this.#checkOpen();
    const bytes = await this.#get(txIndexKey(txId));
    if (bytes === undefined) return undefined;
    const location = this.#checked(() => decodeTxLocation(bytes));
    if (location.height > this.#latestHeight)
      throw this.#corrupt(`tx ${txId} indexed above the latest height`);
    return location;
  }

  /**
   * A finalized transaction with its header, certificate and Merkle proof against header.txRoot.
   * The proof is rebuilt from the block's stored leaves and checked before it is returned.
   */
  async getTransactionWithProof(txId: Hex): Promise<TransactionWithProof | undefined> {
    const location = await this.getTransactionLocation(txId);
    if (location === undefined) return undefined;
    const { height, index } = location;
    const [header, certificate, leavesBytes] = await Promise.all([
      this.getHeader(height),
      this.getCertificate(height),
      this.#get(heightKey(Table.TxLeaves, height)),
    ]);
    if (header === undefined || certificate === undefined || leavesBytes === undefined) {
      throw this.#corrupt(`block ${height} of indexed tx ${txId} is incomplete`);
    }
    const leaves = this.#checked(() => decodeLeaves(leavesBytes, header.txCount));
    const leaf = leaves[index];
    if (leaf === undefined) throw this.#corrupt(`tx ${txId} indexed at ${index} of ${header.txCount}`);
    const proof = merkleProof(leaves, index);
    if (!verifyMerkleProof({ root: header.txRoot, count: header.txCount, index, leaf, proof })) {
      throw this.#corrupt(`stored leaves of block ${height} do not match its txRoot`);
    }
    const block = await this.getBlock(height);
    const transaction = block?.block.transactions[index];
    if (transaction !== undefined && transactionId(transaction, this.domain) !== txId.toLowerCase()) {
      throw this.#corrupt(`tx index points ${txId} at another transaction of block ${height}`);
    }
    return { txId: txId.toLowerCase() as Hex, transaction, height, index, header, certificate, leaf, proof };
  }

  // -------------------------------------------------------------------------------------------
  // Namespaces

  /**
   * The namespace-tree leaves of the block at `height` (docs/protocol.md "Namespaces"), sorted by
   * namespace: what namespaceInclusionProof and namespaceExclusionProof take. Kept after pruning;
   * undefined above the latest height. Checked against the header before they are returned.
   */
  async getNamespaceEntries(height: number): Promise<NamespaceEntry[] | undefined> {
    assertHeightArgument(height);
    this.#checkOpen();
    if (height === 0 || height > this.#latestHeight) return undefined;
    const [header, bytes] = await Promise.all([
      this.getHeader(height),
      this.#get(heightKey(Table.NamespaceEntries, height)),
    ]);
    if (header === undefined || bytes === undefined)
      throw this.#corrupt(`no namespace entries at height ${height}`);
    const entries = this.#checked(() => decodeNamespaceEntries(bytes, header.namespaceCount));
    if (namespaceRoot(entries) !== header.namespaceRoot) {
      throw this.#corrupt(`stored namespace entries of block ${height} do not match its namespaceRoot`);
    }
    return entries;
  }

  /**
   * Transactions of `namespace` (bytes32) finalized up to the latest height: the sequenceStart
   * its leaf gets in the next block with its transactions. 0 for a namespace never seen.
   */
  async namespaceSequence(namespace: Hex): Promise<number> {
    this.#checkOpen();
    const bytes = await this.#get(namespaceSequenceKey(namespace));
    return bytes === undefined ? 0 : this.#checked(() => decodeU64(bytes, 'namespace sequence'));
  }

  /**
   * The first finalized height above `afterHeight` where `namespace` has transactions, or
   * undefined when none is final yet: what a contract that settled `afterHeight` settles next.
   */
  async nextNamespaceBatchHeight(namespace: Hex, afterHeight: number): Promise<number | undefined> {
    assertHeightArgument(afterHeight);
    this.#checkOpen();
    // Up to the latest height only: a commit's keys are in LevelDB a moment before latestHeight
    // says so, and a height above it has no entries to read yet.
    const latest = this.#latestHeight;
    if (afterHeight >= latest) return undefined;
    const keys = await this.#io(() =>
      this.#db
        .keys({
          gte: namespaceBatchKey(namespace, afterHeight + 1),
          lte: namespaceBatchKey(namespace, latest),
          limit: 1,
        })
        .all(),
    );
    const first = keys[0];
    return first === undefined ? undefined : this.#checked(() => namespaceBatchKeyHeight(plainBytes(first)));
  }

  /** Every namespace's finalized count (what a restart restores the chain state from). */
  async namespaceSequences(): Promise<Map<Hex, number>> {
    this.#checkOpen();
    const entries = await this.#io(() =>
      this.#db
        .iterator({
          gte: Uint8Array.of(Table.NamespaceSequence),
          lt: Uint8Array.of(Table.NamespaceSequence + 1),
        })
        .all(),
    );
    const sequences = new Map<Hex, number>();
    for (const [key, value] of entries) {
      sequences.set(
        this.#checked(() => namespaceSequenceKeyNamespace(key)),
        this.#checked(() => decodeU64(plainBytes(value), 'namespace sequence')),
      );
    }
    return sequences;
  }

  // -------------------------------------------------------------------------------------------
  // Extensions and evidence

  /** The stored extensions of the commit of `height`, by validator index. */
  async getExtensions(height: number): Promise<StoredExtension[]> {
    assertHeightArgument(height);
    this.#checkOpen();
    const entries = await this.#range(Table.Extension, height, STORAGE_MAX_EXTENSIONS_PER_HEIGHT);
    return entries.map(([key, bytes]) => ({
      validatorIndex: this.#checked(() => extensionKeyValidator(key)),
      bytes,
    }));
  }

  /** The stored extensions block `height`'s content derives from (see CommitBlockOptions), by validator. */
  async getContentExtensions(height: number): Promise<StoredExtension[]> {
    assertHeightArgument(height);
    this.#checkOpen();
    const entries = await this.#range(Table.ContentExtension, height, STORAGE_MAX_EXTENSIONS_PER_HEIGHT);
    return entries.map(([key, bytes]) => ({
      validatorIndex: this.#checked(() => extensionKeyValidator(key)),
      bytes,
    }));
  }

  /** Stores evidence found outside a commit (one batch). At most STORAGE_MAX_EVIDENCE_PER_HEIGHT per height. */
  putEvidence(records: readonly EvidenceRecord[]): Promise<void> {
    return this.#write(async () => {
      const operations = evidenceOperations(records);
      await this.#checkEvidenceRoom(records);
      await this.#batch(operations, false);
    });
  }

  /** Evidence records of `height`, by (round, kind, validator). */
  async getEvidence(height: number): Promise<EvidenceRecord[]> {
    assertHeightArgument(height);
    this.#checkOpen();
    const entries = await this.#range(Table.Evidence, height, STORAGE_MAX_EVIDENCE_PER_HEIGHT);
    return entries.map(([key, bytes]) => ({ height, ...this.#checked(() => roundKindOfKey(key)), bytes }));
  }

  // -------------------------------------------------------------------------------------------
  // Consensus write-ahead state

  /**
   * Durably replaces the consensus driver's state (opaque bytes), together with any own votes
   * to log, in one fsynced batch. Resolves only once it is on disk: send nothing before.
   */
  persistConsensusState(
    bytes: Uint8Array,
    options: { votes?: readonly LoggedVote[]; listedBodies?: readonly ListedBody[] } = {},
  ): Promise<void> {
    return this.#write(async () => {
      if (bytes.length > this.#maxConsensusStateBytes) {
        throw new StorageError(
          'TOO_LARGE',
          `consensus state of ${bytes.length} bytes exceeds ${this.#maxConsensusStateBytes}`,
        );
      }
      const bodyOperations: BatchOperation[] = (options.listedBodies ?? []).map((body) => {
        if (body.bytes.length > STORAGE_MAX_LISTED_BODY_BYTES) {
          throw new StorageError(
            'TOO_LARGE',
            `listed body of ${body.bytes.length} bytes exceeds ${STORAGE_MAX_LISTED_BODY_BYTES}`,
          );
        }
        return { type: 'put', key: listedBodyKey(body.height, body.txId), value: body.bytes };
      });
      const voteOperations = await this.#voteOperations(options.votes ?? []);
      await this.#batch(
        [{ type: 'put', key: CONSENSUS_STATE_KEY, value: bytes }, ...bodyOperations, ...voteOperations],
        true,
      );
    });
  }

  /** Bodies this node listed at heights ≥ `fromHeight` (see ListedBody); at most STORAGE_MAX_LISTED_BODIES_PER_READ. */
  async listedBodies(fromHeight: number): Promise<ListedBody[]> {
    assertHeightArgument(fromHeight);
    this.#checkOpen();
    const entries = await this.#io(() =>
      this.#db
        .iterator({
          gte: listedBodyKey(fromHeight, ZERO_TX_ID),
          lt: Uint8Array.of(Table.ListedBody + 1),
          limit: STORAGE_MAX_LISTED_BODIES_PER_READ,
        })
        .all(),
    );
    return entries.map(([key, value]) => ({
      height: this.#checked(() => keyHeight(key)),
      txId: this.#checked(() => listedBodyKeyTxId(key)),
      bytes: plainBytes(value),
    }));
  }

  async loadConsensusState(): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    return this.#get(CONSENSUS_STATE_KEY);
  }

  /**
   * Durably logs this node's own signed vote for (height, round, kind). Logging the same bytes
   * again is a no-op; different bytes for a logged (height, round, kind) are refused with
   * CONFLICTING_VOTE and not written: the last line against signing two votes after a restart.
   */
  appendVote(height: number, round: number, kind: number, bytes: Uint8Array): Promise<void> {
    return this.#write(async () => {
      const operations = await this.#voteOperations([{ height, round, kind, bytes }]);
      if (operations.length > 0) await this.#batch(operations, true);
    });
  }

  /** Own votes logged at `height`, by (round, kind); the newest STORAGE_MAX_VOTES_PER_READ if more. */
  async votesAt(height: number): Promise<LoggedVote[]> {
    assertHeightArgument(height);
    this.#checkOpen();
    const entries = await this.#range(Table.VoteLog, height, STORAGE_MAX_VOTES_PER_READ, true);
    return entries.reverse().map(([key, bytes]) => {
      const { round, kind } = this.#checked(() => roundKindOfKey(key));
      return { height, round, kind, bytes };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Pruning and lifecycle

  /**
   * Drops block bodies, extensions and own-vote log of heights below min(height, latest) — the
   * latest block is always kept whole — in batches of STORAGE_PRUNE_HEIGHTS_PER_BATCH heights,
   * each advancing the prunedBelow marker in the same batch. Returns the new prunedBelow.
   */
  pruneBelow(height: number): Promise<number> {
    assertHeightArgument(height);
    return this.#write(async () => {
      const target = Math.min(height, this.#latestHeight);
      while (this.#prunedBelow < target) {
        const from = this.#prunedBelow;
        const to = Math.min(target, from + STORAGE_PRUNE_HEIGHTS_PER_BATCH);
        const operations: BatchOperation[] = [];
        for (let h = from; h < to; h++) operations.push({ type: 'del', key: heightKey(Table.Block, h) });
        for (const table of [Table.Extension, Table.ContentExtension, Table.VoteLog] as const) {
          const keys = await this.#io(() => this.#db.keys(heightRange(table, from, to)).all());
          for (const key of keys) operations.push({ type: 'del', key });
        }
        operations.push({ type: 'put', key: metaKey('prunedBelow'), value: encodeU64(to) });
        await this.#batch(operations, false);
        this.#prunedBelow = to;
        this.#metrics?.prunedBelow.set(to);
      }
      return this.#prunedBelow;
    });
  }

  /** Waits for pending writes, then closes the database. Later calls throw CLOSED. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.#writes;
    this.#closed = true;
    await this.#db.close();
  }

  // -------------------------------------------------------------------------------------------

  async #voteOperations(votes: readonly LoggedVote[]): Promise<BatchOperation[]> {
    const operations: BatchOperation[] = [];
    const keys = votes.map((vote) => {
      if (vote.bytes.length > STORAGE_MAX_VOTE_BYTES) {
        throw new StorageError(
          'TOO_LARGE',
          `vote of ${vote.bytes.length} bytes exceeds ${STORAGE_MAX_VOTE_BYTES}`,
        );
      }
      return voteLogKey(vote.height, vote.round, vote.kind);
    });
    const existing = await this.#io(() => this.#db.getMany(keys));
    const batchValues = new Map<string, Uint8Array>();
    votes.forEach((vote, i) => {
      const id = `${vote.height}/${vote.round}/${vote.kind}`;
      const logged = existing[i] ?? batchValues.get(id);
      if (logged !== undefined) {
        if (!equalBytes(logged, vote.bytes)) {
          throw new StorageError('CONFLICTING_VOTE', `a different vote is logged for (${id})`);
        }
        return;
      }
      batchValues.set(id, vote.bytes);
      operations.push({ type: 'put', key: keys[i]!, value: vote.bytes });
    });
    return operations;
  }

  async #checkEvidenceRoom(records: readonly EvidenceRecord[]): Promise<void> {
    const perHeight = new Map<number, number>();
    for (const record of records) perHeight.set(record.height, (perHeight.get(record.height) ?? 0) + 1);
    for (const [height, added] of perHeight) {
      const stored = await this.#io(() =>
        this.#db
          .keys({
            ...heightRange(Table.Evidence, height, height + 1),
            limit: STORAGE_MAX_EVIDENCE_PER_HEIGHT,
          })
          .all(),
      );
      if (stored.length + added > STORAGE_MAX_EVIDENCE_PER_HEIGHT) {
        throw new StorageError(
          'TOO_LARGE',
          `evidence at height ${height} would exceed ${STORAGE_MAX_EVIDENCE_PER_HEIGHT}`,
        );
      }
    }
  }

  /** Entries of `table` at one height, ascending (or descending with `reverse`), at most `limit`. */
  #range(table: Table, height: number, limit: number, reverse = false): Promise<[Uint8Array, Uint8Array][]> {
    return this.#io(() =>
      this.#db.iterator({ ...heightRange(table, height, height + 1), limit, reverse }).all(),
    ).then((entries) => {
      for (const [key] of entries)
        if (this.#checked(() => keyHeight(key)) !== height) throw this.#corrupt('range key');
      return entries.map(([key, value]) => [key, plainBytes(value)]);
    });
  }

  /** Runs `write` after every earlier write, so commits and the latest height never interleave. */
  #write<T>(write: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new StorageError('CLOSED', 'store is closed'));
    const run = this.#writes.then(write);
    this.#writes = run.catch(() => {});
    return run.catch((error: unknown) => {
      if (error instanceof StorageError) this.#metrics?.errorsTotal.inc({ code: error.code });
      throw error;
    });
  }

  #batch(operations: BatchOperation[], sync: boolean): Promise<void> {
    return this.#io(() => this.#db.batch(operations, { sync }));
  }

  async #get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const value = await this.#io(() => this.#db.get(key));
    return value === undefined ? undefined : plainBytes(value);
  }

  async #io<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StorageError('CLOSED', 'store is closed');
    try {
      return await operation();
    } catch (error) {
      if (this.#closed)
        throw new StorageError('CLOSED', 'store closed during the operation', { cause: error });
      throw new StorageError('IO', (error as Error).message, { cause: error });
    }
  }

  /** Runs a read-back check, counting a CORRUPT failure in the metrics. */
  #checked<T>(check: () => T): T {
    try {
      return check();
    } catch (error) {
      if (error instanceof StorageError) this.#metrics?.errorsTotal.inc({ code: error.code });
      throw error;
    }
  }

  #corrupt(message: string): StorageError {
    this.#metrics?.errorsTotal.inc({ code: 'CORRUPT' });
    return new StorageError('CORRUPT', message);
  }

  /** Refuses new operations once close() was called (queued writes still complete). */
  #checkOpen(): void {
    if (this.#closing) throw new StorageError('CLOSED', 'store is closed');
  }
}
