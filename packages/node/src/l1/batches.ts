import {
  type HistoryBatch,
  historyBatchArgs,
  type NamespaceBatch,
  settleBatchArgs,
  settleBatchesArgs,
  settleBatchFromHistoryArgs,
  submitHeaderAndSettleBatchArgs,
  submitHeaderAndSettleBatchesArgs,
  synodBatchSettlementAbi,
} from '@synod/contracts/abi';
import {
  type BlockHeader,
  type Certificate,
  type Hex,
  merkleDepth,
  type NamespaceEntry,
  type NetworkDomain,
  namespaceInclusionProof,
} from '@synod/protocol';
import type { Logger } from 'pino';
import {
  type Abi,
  type AbiParameter,
  type Address,
  BaseError,
  ContractFunctionZeroDataError,
  encodeAbiParameters,
  type PublicClient,
  parseEventLogs,
  size,
  type TransactionReceipt,
} from 'viem';
import { batchSettlementCallAbi, inboxCallAbi } from './abis.ts';
import { certificateArgs } from './calls.ts';
import {
  L1_BATCH_CALL_MAX_CALLDATA_BYTES,
  L1_BATCH_CALL_MAX_GAS,
  L1_BATCH_INITIAL_GAS_PER_TRANSACTION,
  L1_DEFAULT_POST_EVERY_HEADERS,
  L1_DEFAULT_TAKEOVER_TIMEOUT_MS,
  L1_FALLBACK_BATCH_GAS_BASE,
  L1_FALLBACK_BATCH_GAS_PER_BATCH,
  L1_FALLBACK_BATCH_GAS_PER_TRANSACTION,
  L1_MAX_BACKLOG_BATCHES,
  L1_MAX_BATCHES_PER_CALL,
} from './constants.ts';
import { isBatchAlreadySettledRevert, isStaleHeightRevert, L1SubmitError } from './errors.ts';
import type { L1BlockSource } from './headers.ts';
import type { L1Metrics } from './metrics.ts';
import { historyProofsBelow } from './prove.ts';
import { rotationDistance } from './rotation.ts';
import type { L1Failure, L1Job, L1JobContext } from './scheduler.ts';
import type { L1Call, L1DuplicateAt } from './sender.ts';

/**
 * The batch relayer of one namespace (docs/operations.md "L1 settlement", "Batch settlement"):
 * settles every finalized batch of the namespace into its SynodBatchSettlement contract, in
 * order, exactly once.
 *
 * It resumes from the contract's own counters (appliedCount: the next expected sequence
 * number; lastSettledHeight), then reads from the store the finalized heights above
 * lastSettledHeight where the namespace has transactions (its batch index: a height without
 * them needs no call) with their namespace entries, into a bounded backlog (at the cap it stops
 * reading and resumes where it stopped, since no batch may be dropped). The next batch is the one whose sequenceStart equals
 * appliedCount.
 *
 * One call settles the next batch and the ones after it (a group: consecutive sequence
 * numbers, increasing heights), up to L1_MAX_BATCHES_PER_CALL and within a gas and a calldata
 * budget, because the account has one transaction in flight: one batch per call would settle at
 * most one height per L1 block. A group of several goes out as `settleBatches` against the
 * inbox's latest header when every batch is at or below it, else as
 * `submitHeaderAndSettleBatches`, which posts the group's highest header with its certificate
 * and proves the others by its history. A lone batch takes the single-batch entry point, which
 * is cheaper for one (no second header): its header stored → `settleBatch`; a higher header
 * stored → `settleBatchFromHistory` against the inbox's latest header; else →
 * `submitHeaderAndSettleBatch`. The history proofs of a group come from one read of the header
 * hashes below its anchor.
 *
 * Who settles: the rotation of the header submitter (rotation.ts) by the height of the next
 * batch (the group's first). The designated validator settles as soon as it is next; validator
 * i, d steps behind, once it has waited d × takeoverTimeoutMs since the batch became next (the
 * previous one was seen settled) without seeing it settled. A settlement refused with
 * BatchAlreadySettled (at simulation or once mined: someone settled at least its first batch),
 * or cancelled because the counter passed it while it waited, is a duplicate: counted, never
 * retried; the next round re-reads the counters and builds the group from what is left.
 * Transactions, nonces and fees are the shared sender's.
 */

/** One namespace this node settles and the contract that settles it (l1.settlement). */
export interface L1SettlementTarget {
  /** bytes32 namespace. */
  namespace: Hex;
  /** The SynodBatchSettlement app bound to it. */
  contract: Address;
}

/** What the batch relayer reads from the node's store (Store implements it). */
export interface L1BatchSource extends L1BlockSource {
  readonly domain: NetworkDomain;
  getHeader(height: number): Promise<BlockHeader | undefined>;
  /** The block's namespace-tree leaves, sorted; undefined above the latest height. */
  getNamespaceEntries(height: number): Promise<NamespaceEntry[] | undefined>;
  /** Transactions of `namespace` finalized up to the latest height. */
  namespaceSequence(namespace: Hex): Promise<number>;
  /** The first finalized height above `afterHeight` with transactions of `namespace`, if any. */
  nextNamespaceBatchHeight(namespace: Hex, afterHeight: number): Promise<number | undefined>;
}

export interface BatchJobOptions {
  publicClient: PublicClient;
  inbox: Address;
  target: L1SettlementTarget;
  validatorIndex: number;
  committeeSize: number;
  /**
   * The committee deciding a height (the driver's committeeAt, when the membership changes over
   * epochs): the rotation of that height is over it, and a height of an epoch we are not a
   * member of is never ours to post (we still take nothing over). Default: validatorIndex of
   * committeeSize for every height.
   */
  committeeAt?: ((height: number) => { validatorIndex: number; validatorCount: number }) | undefined;
  store: L1BatchSource;
  postEveryHeaders?: number;
  takeoverTimeoutMs?: number;
  /** Override of L1_MAX_BACKLOG_BATCHES (tests). */
  maxBacklogBatches?: number;
  /** Override of L1_BATCH_CALL_MAX_GAS (tests). */
  maxCallGas?: bigint;
  context: L1JobContext;
  metrics?: L1Metrics;
  logger?: Logger;
}

export interface BatchCall extends L1Call {
  kind:
    | 'settleBatch'
    | 'settleBatchFromHistory'
    | 'submitHeaderAndSettleBatch'
    | 'settleBatches'
    | 'submitHeaderAndSettleBatches';
  namespace: Hex;
  /** The first batch's sequenceStart. */
  sequenceStart: number;
  /** Transactions in all its batches. */
  count: number;
  /** The heights of its batches, increasing; `height` is the last. */
  heights: number[];
  /** The header its batches are proven against; the one it posts for the submitHeader… kinds. */
  anchorHeight: number;
}

/** A batch read from the store with what its call needs. */
interface LoadedBatch {
  entry: BatchEntry;
  header: BlockHeader;
  certificate: Certificate;
  batch: NamespaceBatch;
}

/** The ABI type of one SynodBatchSettlement HistoryBatch, to size a group's calldata. */
const HISTORY_BATCH_PARAMETER: AbiParameter = (() => {
  const settleBatches = synodBatchSettlementAbi.find(
    (item) => item.type === 'function' && item.name === 'settleBatches',
  );
  if (settleBatches?.type !== 'function') throw new Error('the ABI has no settleBatches');
  const list = settleBatches.inputs[1]!;
  return { ...list, type: 'tuple' } as AbiParameter;
})();

/**
 * Calldata of a settleBatches / submitHeaderAndSettleBatches call besides its batches: selector,
 * anchor (448), certificate (round, offset, length, 256-byte signature), the list's offset and length.
 */
const GROUP_CALL_FIXED_BYTES = 4 + 448 + 5 * 32 + 256 + 3 * 32;

/** A finalized batch waiting to be settled. */
interface BatchEntry {
  height: number;
  sequenceStart: number;
  count: number;
  /** When this node first saw it as the next batch (the previous one settled): its takeover clock. */
  nextSinceMs: number | undefined;
}

/** One settled namespace in status. */
export interface L1BatchStatus {
  namespace: Hex;
  contract: Address;
  /** The contract was read since start (resumed from its counters). */
  resumed: boolean;
  /** The contract's appliedCount as last read: transactions applied = the next expected sequence number. */
  appliedCount: number;
  /** The contract's lastSettledHeight as last read. */
  lastSettledHeight: number;
  /** Transactions of the namespace finalized by this node (its store). */
  finalizedCount: number;
  /** Highest finalized height read from the store for this namespace. */
  scannedHeight: number;
  /** Batches read and waiting to be settled (capped; the store holds the rest). */
  backlog: number;
  backlogHeights: number[];
  /** Heights of the batches this node settled since start: count and highest. */
  batchesSettled: number;
  transactionsSettled: number;
  lastSettledByThisNodeHeight: number;
  /** Settlements refused or cancelled because someone else settled the batch first. */
  duplicates: number;
  /** Combined header submissions a higher header overtook (at simulation, or mined and reverted): rebuilt from history. */
  overtaken: number;
  lastError: L1Failure | undefined;
}

const canonical = (value: string) => value.toLowerCase() as Hex;

const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

export class BatchJob implements L1Job<BatchCall> {
  readonly name: string;
  readonly namespace: Hex;
  readonly contract: Address;
  readonly #p: BatchJobOptions;
  readonly #postEveryHeaders: number;
  readonly #takeoverTimeoutMs: number;
  readonly #maxBacklog: number;
  readonly #maxCallGas: bigint;
  readonly #labels: { namespace: string };

  #resumed = false;
  #appliedCount = 0;
  #lastSettledHeight = 0;
  #finalizedCount = 0;
  #scannedHeight = 0;
  #backlog: BatchEntry[] = [];
  #batchesSettled = 0;
  #transactionsSettled = 0;
  #lastSettledByThisNodeHeight = 0;
  #duplicates = 0;
  #overtaken = 0;
  #lastError: L1Failure | undefined;
  /**
   * Gas per settled transaction, everything included (the app's hook, the batch's share of the
   * call): from the last receipt of a call that posted no header, or the last estimate above the
   * budget. Sizes the next group against L1_BATCH_CALL_MAX_GAS.
   */
  #gasPerTransaction = L1_BATCH_INITIAL_GAS_PER_TRANSACTION;

  constructor(parameters: BatchJobOptions) {
    this.#p = parameters;
    this.namespace = canonical(parameters.target.namespace);
    this.contract = parameters.target.contract;
    this.name = `batches ${this.namespace}`;
    this.#labels = { namespace: this.namespace };
    this.#postEveryHeaders = parameters.postEveryHeaders ?? L1_DEFAULT_POST_EVERY_HEADERS;
    this.#takeoverTimeoutMs = parameters.takeoverTimeoutMs ?? L1_DEFAULT_TAKEOVER_TIMEOUT_MS;
    this.#maxBacklog = parameters.maxBacklogBatches ?? L1_MAX_BACKLOG_BATCHES;
    this.#maxCallGas = parameters.maxCallGas ?? L1_BATCH_CALL_MAX_GAS;
    if (!Number.isSafeInteger(this.#maxBacklog) || this.#maxBacklog < 1) {
      throw new RangeError(`batch backlog cap must be a positive integer, got ${this.#maxBacklog}`);
    }
    if (parameters.committeeAt === undefined)
      rotationDistance(parameters.validatorIndex, 1, parameters.committeeSize, this.#postEveryHeaders);
  }

  status(): L1BatchStatus {
    return {
      namespace: this.namespace,
      contract: this.contract,
      resumed: this.#resumed,
      appliedCount: this.#appliedCount,
      lastSettledHeight: this.#lastSettledHeight,
      finalizedCount: this.#finalizedCount,
      scannedHeight: this.#scannedHeight,
      backlog: this.#backlog.length,
      backlogHeights: this.#backlog.map((entry) => entry.height),
      batchesSettled: this.#batchesSettled,
      transactionsSettled: this.#transactionsSettled,
      lastSettledByThisNodeHeight: this.#lastSettledByThisNodeHeight,
      duplicates: this.#duplicates,
      overtaken: this.#overtaken,
      lastError: this.#lastError,
    };
  }

  wantsRound(height: number): boolean {
    return this.#resumed && height > this.#scannedHeight;
  }

  wakeAtMs(): number | undefined {
    const head = this.#backlog[0];
    if (head === undefined || head.sequenceStart !== this.#appliedCount || head.nextSinceMs === undefined) {
      return undefined;
    }
    const due = this.#dueAtMs(head, head.nextSinceMs);
    return due > this.#p.context.nowMs() && Number.isFinite(due) ? due : undefined;
  }

  failed(failure: L1Failure): void {
    this.#lastError = failure;
    this.#p.metrics?.batchErrorsTotal.inc({ ...this.#labels, code: failure.code });
  }

  afterRound(): void {
    this.#p.metrics?.batchBacklog.set(this.#labels, this.#backlog.length);
    if (this.#resumed) {
      this.#p.metrics?.batchUnsettledTransactions.set(
        this.#labels,
        Math.max(0, this.#finalizedCount - this.#appliedCount),
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Planning

  /** Reads the namespace's batches above the last read height from the store, into the backlog. */
  async plan(): Promise<void> {
    if (!this.#resumed) return;
    const { store } = this.#p;
    while (this.#backlog.length < this.#maxBacklog) {
      const latest = store.latestHeight();
      if (this.#scannedHeight >= latest) break;
      const height = await store.nextNamespaceBatchHeight(this.namespace, this.#scannedHeight);
      if (height === undefined) {
        // Nothing of the namespace up to `latest` (read before the seek).
        this.#scannedHeight = latest;
        break;
      }
      const entry = (await store.getNamespaceEntries(height))?.find(
        (candidate) => canonical(candidate.namespace) === this.namespace,
      );
      if (entry === undefined) {
        throw new Error(`the store indexes a batch of ${this.namespace} at ${height} that its entries lack`);
      }
      this.#scannedHeight = height;
      this.#backlog.push({
        height,
        sequenceStart: entry.sequenceStart,
        count: entry.count,
        nextSinceMs: undefined,
      });
    }
    this.#finalizedCount = await store.namespaceSequence(this.namespace);
    this.#p.metrics?.batchBacklog.set(this.#labels, this.#backlog.length);
  }

  async next(): Promise<BatchCall | undefined> {
    if (!this.#resumed) {
      await this.#resume();
      await this.plan();
    }
    await this.#readCounters();
    const head = this.#backlog[0];
    if (head === undefined) return undefined;
    if (head.sequenceStart > this.#appliedCount) {
      throw new L1SubmitError(
        'BATCH_GAP',
        `the contract expects sequence ${this.#appliedCount}, the next finalized batch (height ${head.height}) starts at ${head.sequenceStart}`,
      );
    }
    const nowMs = this.#p.context.nowMs();
    head.nextSinceMs ??= nowMs;
    if (this.#dueAtMs(head, head.nextSinceMs) > nowMs) return undefined;
    return await this.#prepare(this.#group());
  }

  /**
   * The next batch and the ones that follow it in the backlog with consecutive sequence numbers,
   * at most L1_MAX_BATCHES_PER_CALL, while their transactions times the gas per transaction fit
   * L1_BATCH_CALL_MAX_GAS (the first batch always: it cannot be split).
   */
  #group(): BatchEntry[] {
    const group = [this.#backlog[0]!];
    let transactions = group[0]!.count;
    for (const entry of this.#backlog.slice(1)) {
      const previous = group.at(-1)!;
      if (group.length >= L1_MAX_BATCHES_PER_CALL) break;
      if (entry.sequenceStart !== previous.sequenceStart + previous.count) break;
      if (BigInt((transactions + entry.count) * this.#gasPerTransaction) > this.#maxCallGas) break;
      group.push(entry);
      transactions += entry.count;
    }
    return group;
  }

  /** Checks the contract is bound to this namespace and inbox, then reads its counters. */
  async #resume(): Promise<void> {
    const read = (functionName: 'namespace' | 'inbox') =>
      this.#p.publicClient.readContract({
        address: this.contract,
        abi: synodBatchSettlementAbi,
        functionName,
      }) as Promise<Hex>;
    let bound: [Hex, Hex];
    try {
      bound = await Promise.all([read('namespace'), read('inbox')]);
    } catch (error) {
      if (
        error instanceof BaseError &&
        error.walk((cause) => cause instanceof ContractFunctionZeroDataError)
      ) {
        throw new L1SubmitError('CONTRACT_MISMATCH', `no SynodBatchSettlement contract at ${this.contract}`, {
          cause: error,
        });
      }
      throw error;
    }
    const [namespace, inbox] = bound;
    if (canonical(namespace) !== this.namespace) {
      throw new L1SubmitError(
        'CONTRACT_MISMATCH',
        `${this.contract} settles namespace ${namespace}, not ${this.namespace}`,
      );
    }
    if (canonical(inbox) !== canonical(this.#p.inbox)) {
      throw new L1SubmitError(
        'CONTRACT_MISMATCH',
        `${this.contract} is bound to inbox ${inbox}, not ${this.#p.inbox}`,
      );
    }
    await this.#readCounters();
    this.#scannedHeight = this.#lastSettledHeight;
    this.#resumed = true;
    this.#p.logger?.info(
      {
        namespace: this.namespace,
        contract: this.contract,
        appliedCount: this.#appliedCount,
        lastSettledHeight: this.#lastSettledHeight,
        storeHeight: this.#p.store.latestHeight(),
      },
      'batch relayer resumed from the settlement contract',
    );
  }

  /** Reads appliedCount and lastSettledHeight; drops the batches they show settled. */
  async #readCounters(): Promise<number> {
    const read = (functionName: 'appliedCount' | 'lastSettledHeight') =>
      this.#p.publicClient.readContract({
        address: this.contract,
        abi: synodBatchSettlementAbi,
        functionName,
      }) as Promise<bigint>;
    const [applied, lastSettled] = await Promise.all([read('appliedCount'), read('lastSettledHeight')]);
    this.#p.context.markReachable();
    this.#appliedCount = Number(applied);
    this.#lastSettledHeight = Number(lastSettled);
    this.#p.metrics?.batchAppliedCount.set(this.#labels, this.#appliedCount);
    this.#backlog = this.#backlog.filter((entry) => entry.sequenceStart >= this.#appliedCount);
    // Someone settled past what this node has read: nothing up to there is needed any more
    // (a node still syncing reads on from there once its store gets there).
    if (this.#resumed && this.#lastSettledHeight > this.#scannedHeight) {
      this.#scannedHeight = this.#lastSettledHeight;
    }
    return this.#appliedCount;
  }

  #dueAtMs(entry: BatchEntry, nextSinceMs: number): number {
    const committee = this.#p.committeeAt?.(entry.height);
    if (committee !== undefined && committee.validatorIndex < 0) return Number.POSITIVE_INFINITY;
    const distance = rotationDistance(
      committee?.validatorIndex ?? this.#p.validatorIndex,
      entry.height,
      committee?.validatorCount ?? this.#p.committeeSize,
      this.#postEveryHeaders,
    );
    return Math.max(nextSinceMs, this.#p.context.reachableSinceMs()) + distance * this.#takeoverTimeoutMs;
  }

  // -------------------------------------------------------------------------------------------
  // Settling

  async #readInbox<T>(functionName: 'latestHeight' | 'headerHashes', args?: readonly [bigint]): Promise<T> {
    return (await this.#p.publicClient.readContract({
      address: this.#p.inbox,
      abi: inboxCallAbi,
      functionName,
      args,
    } as never)) as T;
  }

  /** The batch of `entry` from the store: its block's header, certificate, leaf proof and transactions. */
  async #load(entry: BatchEntry): Promise<LoadedBatch | undefined> {
    const { store } = this.#p;
    const [certified, entries] = await Promise.all([
      store.getBlock(entry.height),
      store.getNamespaceEntries(entry.height),
    ]);
    if (certified === undefined) return undefined;
    const inclusion = entries === undefined ? undefined : namespaceInclusionProof(entries, this.namespace);
    const transactions = certified.block.transactions.filter(
      (tx) => canonical(tx.namespace) === this.namespace,
    );
    if (
      inclusion === undefined ||
      inclusion.entry.sequenceStart !== entry.sequenceStart ||
      inclusion.entry.count !== transactions.length
    ) {
      throw new Error(`the store's namespace entries of block ${entry.height} do not match its transactions`);
    }
    return {
      entry,
      header: certified.block.header,
      certificate: certified.certificate,
      batch: { inclusion, transactions },
    };
  }

  async #prepare(group: readonly BatchEntry[]): Promise<BatchCall | undefined> {
    const loaded: LoadedBatch[] = [];
    for (const batch of await Promise.all(group.map((entry) => this.#load(entry)))) {
      if (batch === undefined) break; // the group stops at a missing body; the head's is an error
      loaded.push(batch);
    }
    const head = loaded[0];
    if (head === undefined) {
      const entry = group[0]!;
      // Never skipped: the batch waits until the store has it (a pruned body never comes back).
      throw new L1SubmitError(
        'BLOCK_MISSING',
        `block ${entry.height} (batch ${entry.sequenceStart}.. of ${this.namespace}) is not in the store`,
      );
    }
    const latest = Number(await this.#readInbox<bigint>('latestHeight'));
    const fitted = this.#fitCalldata(loaded, latest);
    return fitted.length === 1
      ? await this.#prepareSingle(head, latest)
      : await this.#prepareGroup(fitted, latest);
  }

  /**
   * The longest prefix of `loaded` (at least its first batch) whose settleBatches calldata fits
   * L1_BATCH_CALL_MAX_CALLDATA_BYTES, history proofs counted at the depth of the highest
   * possible anchor.
   */
  #fitCalldata(loaded: readonly LoadedBatch[], latest: number): LoadedBatch[] {
    const anchorHeight = Math.max(latest, loaded.at(-1)!.entry.height);
    const proof = Array.from({ length: merkleDepth(anchorHeight - 1) }, () => ZERO_HASH);
    let bytes = GROUP_CALL_FIXED_BYTES;
    const fitted: LoadedBatch[] = [];
    for (const batch of loaded) {
      const args = historyBatchArgs({ header: batch.header, historyProof: proof, batch: batch.batch });
      bytes += size(encodeAbiParameters([HISTORY_BATCH_PARAMETER], [args]));
      if (fitted.length > 0 && bytes > L1_BATCH_CALL_MAX_CALLDATA_BYTES) break;
      fitted.push(batch);
    }
    return fitted;
  }

  /** What every call of `batches` shares. */
  #callBase(batches: readonly LoadedBatch[], anchorHeight: number) {
    const first = batches[0]!.entry;
    const count = batches.reduce((sum, batch) => sum + batch.entry.count, 0);
    const heights = batches.map((batch) => batch.entry.height);
    return {
      height: heights.at(-1)!,
      heights,
      anchorHeight,
      namespace: this.namespace,
      sequenceStart: first.sequenceStart,
      count,
      address: this.contract,
      abi: batchSettlementCallAbi as Abi,
      fallbackGas:
        L1_FALLBACK_BATCH_GAS_BASE +
        L1_FALLBACK_BATCH_GAS_PER_TRANSACTION * BigInt(count) +
        L1_FALLBACK_BATCH_GAS_PER_BATCH * BigInt(batches.length - 1),
      logFields: {
        namespace: this.namespace,
        sequenceStart: first.sequenceStart,
        count,
        ...(batches.length === 1 ? {} : { batches: batches.length, firstHeight: first.height, anchorHeight }),
      },
    };
  }

  /** One batch: settleBatch, submitHeaderAndSettleBatch or settleBatchFromHistory. */
  async #prepareSingle(loaded: LoadedBatch, latest: number): Promise<BatchCall | undefined> {
    const { header, certificate, batch, entry } = loaded;
    const stored = await this.#readInbox<Hex>('headerHashes', [BigInt(entry.height)]);
    if (BigInt(stored) !== 0n) {
      return {
        ...this.#callBase([loaded], entry.height),
        kind: 'settleBatch',
        functionName: 'settleBatch',
        args: settleBatchArgs(header, batch),
      };
    }
    if (latest <= entry.height) {
      return {
        ...this.#callBase([loaded], entry.height),
        kind: 'submitHeaderAndSettleBatch',
        functionName: 'submitHeaderAndSettleBatch',
        args: submitHeaderAndSettleBatchArgs(header, certificateArgs(certificate), batch),
      };
    }
    // The inbox passed this height without storing it: prove the header by the latest one's history.
    const anchor = await this.#anchorAt(latest, entry.height);
    if (anchor === undefined) return undefined;
    const [proof] = await historyProofsBelow(this.#p.store, latest, [entry.height]);
    return {
      ...this.#callBase([loaded], latest),
      kind: 'settleBatchFromHistory',
      functionName: 'settleBatchFromHistory',
      args: settleBatchFromHistoryArgs(anchor, header, proof!, batch),
    };
  }

  /**
   * Several batches in one call: against the inbox's latest header when it covers them all
   * (settleBatches), else against the group's highest header, posted by the same call
   * (submitHeaderAndSettleBatches). Every proof from one read of the hashes below the anchor.
   */
  async #prepareGroup(batches: readonly LoadedBatch[], latest: number): Promise<BatchCall | undefined> {
    const top = batches.at(-1)!;
    const posting = top.entry.height > latest;
    const anchorHeight = posting ? top.entry.height : latest;
    const anchor = posting ? top.header : await this.#anchorAt(latest, batches[0]!.entry.height);
    if (anchor === undefined) return undefined;
    const below = batches.filter((batch) => batch.entry.height < anchorHeight);
    const proofs = await historyProofsBelow(
      this.#p.store,
      anchorHeight,
      below.map((batch) => batch.entry.height),
    );
    const historyBatches: HistoryBatch[] = batches.map((batch) => ({
      header: batch.header,
      historyProof: batch.entry.height === anchorHeight ? [] : proofs[below.indexOf(batch)]!,
      batch: batch.batch,
    }));
    const base = this.#callBase(batches, anchorHeight);
    if (posting) {
      return {
        ...base,
        gasBudget: this.#maxCallGas,
        kind: 'submitHeaderAndSettleBatches',
        functionName: 'submitHeaderAndSettleBatches',
        args: submitHeaderAndSettleBatchesArgs(anchor, certificateArgs(top.certificate), historyBatches),
      };
    }
    return {
      ...base,
      gasBudget: this.#maxCallGas,
      kind: 'settleBatches',
      functionName: 'settleBatches',
      args: settleBatchesArgs(anchor, historyBatches),
    };
  }

  /** The store's header at the inbox's latest height; undefined while the store is below it (syncing). */
  async #anchorAt(latest: number, height: number): Promise<BlockHeader | undefined> {
    const anchor = await this.#p.store.getHeader(latest);
    if (anchor === undefined) {
      this.#p.logger?.debug(
        { height, l1LatestHeight: latest, storeHeight: this.#p.store.latestHeight() },
        "the inbox's latest header is above this node's store (syncing); waiting to settle from history",
      );
    }
    return anchor;
  }

  // -------------------------------------------------------------------------------------------
  // Outcomes (L1CallOwner)

  isDuplicateRevert(error: unknown): boolean {
    return isBatchAlreadySettledRevert(error);
  }

  /**
   * submitHeaderAndSettleBatch refused with HeightNotIncreasing: a higher header landed first (the
   * header submitter's, another batch's). The batch now goes from that header's history.
   */
  isOutdatedRevert(error: unknown): boolean {
    return isStaleHeightRevert(error);
  }

  /**
   * A group's estimate is above its gas budget (the app's hook costs more than assumed):
   * nothing is sent, and the gas per transaction it implies sizes the next, smaller group.
   */
  overBudget(call: BatchCall, estimate: bigint): boolean {
    if (call.heights.length === 1) return false;
    this.#gasPerTransaction = Math.ceil(Number(estimate) / call.count);
    this.#p.logger?.info(
      {
        namespace: this.namespace,
        batches: call.heights.length,
        estimate,
        gasPerTransaction: this.#gasPerTransaction,
      },
      'batch group over the gas budget; sending a smaller one',
    );
    return true;
  }

  outdated(call: BatchCall, at: 'estimate' | 'mined'): void {
    this.#overtaken++;
    this.#p.logger?.info(
      { namespace: this.namespace, height: call.height, kind: call.kind, at },
      'a higher header overtook the batch header; settling from history next',
    );
  }

  /**
   * False once the counter passed the batch (settled elsewhere), or when a combined header
   * submission can no longer succeed (the inbox passed the height without storing it: the batch
   * goes from history next time).
   */
  async isStillWanted(call: BatchCall): Promise<boolean> {
    if ((await this.#readCounters()) > call.sequenceStart) return false;
    if (call.kind !== 'submitHeaderAndSettleBatch' && call.kind !== 'submitHeaderAndSettleBatches')
      return true;
    const stored = await this.#readInbox<Hex>('headerHashes', [BigInt(call.anchorHeight)]);
    if (BigInt(stored) !== 0n) return true;
    return Number(await this.#readInbox<bigint>('latestHeight')) <= call.anchorHeight;
  }

  landed(call: BatchCall, receipt: TransactionReceipt): void {
    const settled = parseEventLogs({
      abi: synodBatchSettlementAbi,
      eventName: 'BatchSettled',
      logs: receipt.logs.filter((log) => canonical(log.address) === canonical(this.contract)),
    });
    if (call.kind !== 'submitHeaderAndSettleBatch' && call.kind !== 'submitHeaderAndSettleBatches') {
      this.#gasPerTransaction = Math.ceil(Number(receipt.gasUsed) / call.count);
    }
    this.#batchesSettled += call.heights.length;
    this.#transactionsSettled += call.count;
    this.#lastSettledByThisNodeHeight = Math.max(this.#lastSettledByThisNodeHeight, call.height);
    this.#appliedCount = Math.max(this.#appliedCount, call.sequenceStart + call.count);
    this.#lastSettledHeight = Math.max(this.#lastSettledHeight, call.height);
    this.#backlog = this.#backlog.filter((entry) => entry.sequenceStart >= this.#appliedCount);
    this.#p.metrics?.batchesSettledTotal.inc(this.#labels, call.heights.length);
    this.#p.metrics?.batchTransactionsSettledTotal.inc(this.#labels, call.count);
    this.#p.metrics?.batchAppliedCount.set(this.#labels, this.#appliedCount);
    this.#p.logger?.info(
      {
        namespace: this.namespace,
        height: call.height,
        sequenceStart: call.sequenceStart,
        count: call.count,
        batches: call.heights.length,
        rejectedByApp: settled.reduce((sum, event) => sum + event.args.rejected, 0),
      },
      call.heights.length === 1 ? 'batch settled on L1' : 'batches settled on L1',
    );
  }

  duplicate(call: BatchCall, at: Exclude<L1DuplicateAt, 'cancelled'>): void {
    this.#recordDuplicate(call, at);
  }

  async cancelled(call: BatchCall): Promise<void> {
    if ((await this.#readCounters()) > call.sequenceStart) {
      this.#recordDuplicate(call, 'cancelled');
      return;
    }
    this.#p.logger?.info(
      { namespace: this.namespace, height: call.height },
      'batch settlement cancelled (its header was passed); it goes from history next',
    );
  }

  #recordDuplicate(call: BatchCall, at: L1DuplicateAt): void {
    this.#duplicates++;
    this.#p.metrics?.batchDuplicatesTotal.inc(this.#labels);
    this.#backlog = this.#backlog.filter((entry) => entry.sequenceStart > call.sequenceStart);
    this.#p.logger?.info(
      { namespace: this.namespace, height: call.height, sequenceStart: call.sequenceStart, at },
      'batch already settled on L1 (duplicate settlement, harmless)',
    );
  }
}
