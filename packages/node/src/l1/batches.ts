import {
  settleBatchArgs,
  settleBatchFromHistoryArgs,
  submitHeaderAndSettleBatchArgs,
  synodBatchSettlementAbi,
} from '@synod/contracts/abi';
import {
  type BlockHeader,
  type Hex,
  historyProof,
  type NamespaceEntry,
  type NetworkDomain,
  namespaceInclusionProof,
} from '@synod/protocol';
import type { Logger } from 'pino';
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionZeroDataError,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem';
import { batchSettlementCallAbi, inboxCallAbi } from './abis.ts';
import { certificateArgs } from './calls.ts';
import {
  L1_DEFAULT_POST_EVERY_HEADERS,
  L1_DEFAULT_TAKEOVER_TIMEOUT_MS,
  L1_FALLBACK_BATCH_GAS_BASE,
  L1_FALLBACK_BATCH_GAS_PER_TRANSACTION,
  L1_MAX_BACKLOG_BATCHES,
} from './constants.ts';
import { isBatchAlreadySettledRevert, isStaleHeightRevert, L1SubmitError } from './errors.ts';
import type { L1BlockSource } from './headers.ts';
import type { L1Metrics } from './metrics.ts';
import { headerHashesBelow } from './prove.ts';
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
 * appliedCount. Its call depends on what the inbox holds: its header stored → `settleBatch`;
 * a higher header stored → `settleBatchFromHistory` against the inbox's latest header with a
 * history proof; else → `submitHeaderAndSettleBatch` with the block's certificate.
 *
 * Who settles: the rotation of the header submitter (rotation.ts) by the batch's height. The
 * designated validator settles a batch as soon as it is next; validator i, d steps behind, once
 * it has waited d × takeoverTimeoutMs since the batch became next (the previous one was seen
 * settled) without seeing it settled. A settlement refused with BatchAlreadySettled (at
 * simulation or once mined), or cancelled because the counter passed it while it waited, is a
 * duplicate: counted, never retried. Transactions, nonces and fees are the shared sender's.
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

export interface BatchJobParameters {
  publicClient: PublicClient;
  inbox: Address;
  target: L1SettlementTarget;
  validatorIndex: number;
  committeeSize: number;
  store: L1BatchSource;
  postEveryHeaders?: number;
  takeoverTimeoutMs?: number;
  /** Override of L1_MAX_BACKLOG_BATCHES (tests). */
  maxBacklogBatches?: number;
  context: L1JobContext;
  metrics?: L1Metrics;
  logger?: Logger;
}

export interface BatchCall extends L1Call {
  kind: 'settleBatch' | 'settleBatchFromHistory' | 'submitHeaderAndSettleBatch';
  namespace: Hex;
  sequenceStart: number;
  count: number;
}

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

export class BatchJob implements L1Job<BatchCall> {
  readonly name: string;
  readonly namespace: Hex;
  readonly contract: Address;
  readonly #p: BatchJobParameters;
  readonly #postEveryHeaders: number;
  readonly #takeoverTimeoutMs: number;
  readonly #maxBacklog: number;
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

  constructor(parameters: BatchJobParameters) {
    this.#p = parameters;
    this.namespace = canonical(parameters.target.namespace);
    this.contract = parameters.target.contract;
    this.name = `batches ${this.namespace}`;
    this.#labels = { namespace: this.namespace };
    this.#postEveryHeaders = parameters.postEveryHeaders ?? L1_DEFAULT_POST_EVERY_HEADERS;
    this.#takeoverTimeoutMs = parameters.takeoverTimeoutMs ?? L1_DEFAULT_TAKEOVER_TIMEOUT_MS;
    this.#maxBacklog = parameters.maxBacklogBatches ?? L1_MAX_BACKLOG_BATCHES;
    if (!Number.isSafeInteger(this.#maxBacklog) || this.#maxBacklog < 1) {
      throw new RangeError(`batch backlog cap must be a positive integer, got ${this.#maxBacklog}`);
    }
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
    return due > this.#p.context.nowMs() ? due : undefined;
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
    return await this.#prepare(head);
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
    const distance = rotationDistance(
      this.#p.validatorIndex,
      entry.height,
      this.#p.committeeSize,
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

  async #prepare(entry: BatchEntry): Promise<BatchCall | undefined> {
    const { store } = this.#p;
    const [certified, entries] = await Promise.all([
      store.getBlock(entry.height),
      store.getNamespaceEntries(entry.height),
    ]);
    if (certified === undefined) {
      // Never skipped: the batch waits until the store has it (a pruned body never comes back).
      throw new L1SubmitError(
        'BLOCK_MISSING',
        `block ${entry.height} (batch ${entry.sequenceStart}.. of ${this.namespace}) is not in the store`,
      );
    }
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
    const batch = { inclusion, transactions };
    const { header } = certified.block;
    const base = {
      height: entry.height,
      namespace: this.namespace,
      sequenceStart: entry.sequenceStart,
      count: entry.count,
      address: this.contract,
      abi: batchSettlementCallAbi as Abi,
      fallbackGas: L1_FALLBACK_BATCH_GAS_BASE + L1_FALLBACK_BATCH_GAS_PER_TRANSACTION * BigInt(entry.count),
      logFields: { namespace: this.namespace, sequenceStart: entry.sequenceStart, count: entry.count },
    };
    const stored = await this.#readInbox<Hex>('headerHashes', [BigInt(entry.height)]);
    if (BigInt(stored) !== 0n) {
      return {
        ...base,
        kind: 'settleBatch',
        functionName: 'settleBatch',
        args: settleBatchArgs(header, batch),
      };
    }
    const latest = Number(await this.#readInbox<bigint>('latestHeight'));
    if (latest <= entry.height) {
      return {
        ...base,
        kind: 'submitHeaderAndSettleBatch',
        functionName: 'submitHeaderAndSettleBatch',
        args: submitHeaderAndSettleBatchArgs(header, certificateArgs(certified.certificate), batch),
      };
    }
    // The inbox passed this height without storing it: prove the header by the latest one's history.
    const anchor = await store.getHeader(latest);
    if (anchor === undefined) {
      this.#p.logger?.debug(
        { height: entry.height, l1LatestHeight: latest, storeHeight: store.latestHeight() },
        "the inbox's latest header is above this node's store (syncing); waiting to settle from history",
      );
      return undefined;
    }
    const history = await headerHashesBelow(store, latest);
    return {
      ...base,
      kind: 'settleBatchFromHistory',
      functionName: 'settleBatchFromHistory',
      args: settleBatchFromHistoryArgs(anchor, header, historyProof(history, entry.height - 1), batch),
    };
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
    if (call.kind !== 'submitHeaderAndSettleBatch') return true;
    const stored = await this.#readInbox<Hex>('headerHashes', [BigInt(call.height)]);
    if (BigInt(stored) !== 0n) return true;
    return Number(await this.#readInbox<bigint>('latestHeight')) <= call.height;
  }

  landed(call: BatchCall, receipt: TransactionReceipt): void {
    const settled = parseEventLogs({
      abi: synodBatchSettlementAbi,
      eventName: 'BatchSettled',
      logs: receipt.logs.filter((log) => canonical(log.address) === canonical(this.contract)),
    })[0];
    this.#batchesSettled++;
    this.#transactionsSettled += call.count;
    this.#lastSettledByThisNodeHeight = Math.max(this.#lastSettledByThisNodeHeight, call.height);
    this.#appliedCount = Math.max(this.#appliedCount, call.sequenceStart + call.count);
    this.#lastSettledHeight = Math.max(this.#lastSettledHeight, call.height);
    this.#backlog = this.#backlog.filter((entry) => entry.sequenceStart >= this.#appliedCount);
    this.#p.metrics?.batchesSettledTotal.inc(this.#labels);
    this.#p.metrics?.batchTransactionsSettledTotal.inc(this.#labels, call.count);
    this.#p.metrics?.batchAppliedCount.set(this.#labels, this.#appliedCount);
    this.#p.logger?.info(
      {
        namespace: this.namespace,
        height: call.height,
        sequenceStart: call.sequenceStart,
        count: call.count,
        rejectedByApp: settled?.args.rejected,
      },
      'batch settled on L1',
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
