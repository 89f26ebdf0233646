import type { FeedConfig } from '@synod/oracle';
import type { Evidence, Hex, Timers } from '@synod/protocol';
import type { Logger } from 'pino';
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import { BatchJob, type L1BatchSource, type L1BatchStatus, type L1SettlementTarget } from './batches.ts';
import { EvidenceJob, type L1EvidenceTarget } from './evidence.ts';
import { HeaderJob, type L1BlockSource } from './headers.ts';
import type { L1Metrics } from './metrics.ts';
import { type L1Failure, L1Scheduler } from './scheduler.ts';
import { type L1CallKind, type L1FeePolicy, type L1PendingTransactionStatus, L1Sender } from './sender.ts';

/**
 * The L1 submitter: posts this network's certified headers to the SettlementInbox and its
 * prices to PriceFeeds, from the node's Ethereum account (docs/operations.md "L1 settlement").
 *
 * It is a scheduler (scheduler.ts) running jobs over one account's transaction pipeline
 * (sender.ts): the header job (headers.ts: which heights are needed, rotation and takeover,
 * the bounded backlog) and one batch relayer per settled namespace (batches.ts: every batch of
 * the namespace into its SynodBatchSettlement contract, in order, resumed from its counters).
 * The jobs take turns: one transaction is in flight for the whole account. One transaction is in flight at a time; a new one gets the next nonce,
 * tracked by the sender and resynced from the chain after any nonce error. A transaction
 * unmined after feeBumpAfterMs is replaced at the same nonce with +12.5 % fees; one whose work
 * landed from elsewhere while it waited is replaced by a 0-value transfer to ourselves instead.
 * A submission L1 refuses as a duplicate, at estimate or once mined, is counted and never
 * retried. Any other failure is retried with exponential backoff.
 *
 * State is in memory only: after a restart it resumes from L1 (the inbox's latestHeight and the
 * prices PriceFeeds holds), which is all it needs.
 */

export type { L1BatchSource, L1BatchStatus, L1SettlementTarget } from './batches.ts';
export type { L1EvidenceTarget } from './evidence.ts';
export type { L1BlockSource } from './headers.ts';
export type { L1CallKind, L1FeePolicy, L1PendingTransactionStatus } from './sender.ts';

export interface L1SubmitterOptions {
  /** Reads, estimates, receipts and broadcasts on the settlement chain. */
  publicClient: PublicClient;
  /** The node's Ethereum account (it pays the gas); signs locally. */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  addresses: { inbox: Address; priceFeeds: Address };
  /** This validator's 0-based index in the committee. */
  validatorIndex: number;
  committeeSize: number;
  /**
   * The committee deciding a height (the driver's committeeAt, when the membership changes over
   * epochs): the rotation of that height is over it, and a height of an epoch we are not a
   * member of is never ours to post (we still take nothing over). Default: validatorIndex of
   * committeeSize for every height.
   */
  committeeAt?: ((height: number) => { validatorIndex: number; validatorCount: number }) | undefined;
  store: L1BlockSource;
  /** The network's feeds (same list on every validator), with their L1 push rules. */
  feeds: readonly FeedConfig[];
  /** k: post every k-th height, sooner when a price must be pushed. */
  postEveryHeaders?: number;
  /** Wait per step of rotation distance before taking over another validator's height. */
  takeoverTimeoutMs?: number;
  /** Loop period: read the inbox, check the pending transaction, post what is due. */
  tickIntervalMs?: number;
  fees?: L1FeePolicy;
  /** Backoff after a failed round: min, doubled per consecutive failure up to max. */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Override of L1_MAX_BACKLOG_HEIGHTS (tests). */
  maxBacklogHeights?: number;
  /**
   * Namespaces whose batches this node settles (l1.settlement), each into its
   * SynodBatchSettlement contract, from the same account; and the store they are read from
   * (the node's Store; it must also be `store`'s source of blocks).
   */
  settlement?: { targets: readonly L1SettlementTarget[]; store: L1BatchSource };
  /** Override of L1_MAX_BACKLOG_BATCHES (tests). */
  maxBacklogBatches?: number;
  /** Where equivocation evidence goes (l1.equivocationRegistryAddress); absent: not posted. */
  evidence?: L1EvidenceTarget;
  /** Override of L1_BATCH_CALL_MAX_GAS, the gas budget of a multi-batch call (tests). */
  maxBatchCallGas?: bigint;
  timers?: Timers;
  nowMs?: () => number;
  metrics?: L1Metrics;
  logger?: Logger;
}

export interface L1SubmitterStatus {
  running: boolean;
  /** The inbox and PriceFeeds were read since start (resumed from L1). */
  resumed: boolean;
  /** The last round with L1 succeeded. */
  reachable: boolean;
  validatorIndex: number;
  /** The inbox's latestHeight as last read. */
  l1LatestHeight: number;
  /** Highest finalized height planned. */
  plannedHeight: number;
  /** Heights waiting to be posted. */
  backlog: number;
  backlogHeights: number[];
  /** Highest height this node itself landed (0: none since start). */
  lastPostedHeight: number;
  /** The last failure of any L1 work of this node. */
  lastError: L1Failure | undefined;
  /** The account's transaction in flight, whichever job sent it. */
  pendingTransaction: L1PendingTransactionStatus | undefined;
  headersPosted: number;
  pricesPosted: number;
  duplicateSubmissions: number;
  feeBumps: number;
  /** One entry per settled namespace (l1.settlement), in config order; absent when none. */
  batches?: L1NamespaceSettlementStatus[];
  /** Equivocations this node recorded on L1, and those waiting; absent without an evidence registry. */
  evidence?: { recorded: number; pending: number; duplicates: number };
}

/** A settled namespace in status, with its settlement in flight if the account's pending transaction is one. */
export interface L1NamespaceSettlementStatus extends L1BatchStatus {
  pending: { height: number; kind: L1CallKind; hash: Hex; nonce: number } | undefined;
}

export interface L1Submitter {
  /** Starts the loop; L1 need not be reachable (the first successful round resumes from it). */
  start(): Promise<void>;
  /** Stops the loop after the current round. A transaction in flight stays in the pool. */
  stop(): Promise<void>;
  /** The node finalized `height` (stored): plan it and post what is due now. */
  onFinalized(height: number): void;
  /** The node recorded equivocation evidence: post it (if an evidence registry is configured). */
  onEvidence(evidence: Evidence): void;
  status(): L1SubmitterStatus;
}

/**
 * Creates the submitter; call start(), then onFinalized(h) after each stored block.
 *
 * @example
 * ```ts
 * const submitter = createL1Submitter({
 *   publicClient, walletClient, addresses: { inbox, priceFeeds },
 *   validatorIndex: 2, committeeSize: 4, store, feeds,
 *   metrics: createL1Metrics(register), logger: subsystemLogger(logger, 'l1'),
 * });
 * await submitter.start();
 * driver.onCommit((block) => submitter.onFinalized(block.height));
 * ```
 */
export function createL1Submitter(parameters: L1SubmitterOptions): L1Submitter {
  const nowMs = parameters.nowMs ?? Date.now;
  const { metrics, logger } = parameters;
  const sender = new L1Sender({
    publicClient: parameters.publicClient,
    walletClient: parameters.walletClient,
    fees: parameters.fees,
    nowMs,
    metrics,
    logger,
  });
  const scheduler = new L1Scheduler({
    sender,
    tickIntervalMs: parameters.tickIntervalMs,
    retryMinDelayMs: parameters.retryMinDelayMs,
    retryMaxDelayMs: parameters.retryMaxDelayMs,
    timers: parameters.timers,
    nowMs,
    metrics,
    logger,
  });
  const headers = new HeaderJob({
    publicClient: parameters.publicClient,
    addresses: parameters.addresses,
    validatorIndex: parameters.validatorIndex,
    committeeSize: parameters.committeeSize,
    committeeAt: parameters.committeeAt,
    store: parameters.store,
    feeds: parameters.feeds,
    postEveryHeaders: parameters.postEveryHeaders,
    takeoverTimeoutMs: parameters.takeoverTimeoutMs,
    maxBacklogHeights: parameters.maxBacklogHeights,
    context: scheduler.context,
    metrics,
    logger,
  });
  scheduler.add(headers);
  const batchJobs = (parameters.settlement?.targets ?? []).map(
    (target) =>
      new BatchJob({
        publicClient: parameters.publicClient,
        inbox: parameters.addresses.inbox,
        target,
        validatorIndex: parameters.validatorIndex,
        committeeSize: parameters.committeeSize,
        committeeAt: parameters.committeeAt,
        store: parameters.settlement!.store,
        postEveryHeaders: parameters.postEveryHeaders,
        takeoverTimeoutMs: parameters.takeoverTimeoutMs,
        maxBacklogBatches: parameters.maxBacklogBatches,
        maxCallGas: parameters.maxBatchCallGas,
        context: scheduler.context,
        metrics,
        logger,
      }),
  );
  const evidenceJob =
    parameters.evidence === undefined
      ? undefined
      : new EvidenceJob({
          publicClient: parameters.publicClient,
          target: parameters.evidence,
          context: scheduler.context,
          logger,
        });
  if (evidenceJob !== undefined) scheduler.add(evidenceJob);
  const namespaces = new Set<Hex>();
  for (const job of batchJobs) {
    if (namespaces.has(job.namespace)) throw new RangeError(`namespace ${job.namespace} is settled twice`);
    namespaces.add(job.namespace);
    scheduler.add(job);
  }

  const batchStatus = (job: BatchJob): L1NamespaceSettlementStatus => {
    const pending = sender.pendingStatus();
    return {
      ...job.status(),
      pending:
        pending?.namespace === job.namespace
          ? { height: pending.height, kind: pending.kind, hash: pending.hash, nonce: pending.nonce }
          : undefined,
    };
  };

  return {
    async start() {
      scheduler.start();
    },
    stop: () => scheduler.stop(),
    onFinalized(height) {
      scheduler.onFinalized(height);
    },
    onEvidence(evidence) {
      evidenceJob?.add(evidence);
    },
    status(): L1SubmitterStatus {
      return {
        running: scheduler.running,
        resumed: headers.resumed,
        reachable: scheduler.reachable,
        validatorIndex: parameters.validatorIndex,
        l1LatestHeight: headers.l1LatestHeight,
        plannedHeight: headers.plannedHeight,
        backlog: headers.backlog.size,
        backlogHeights: headers.backlog.entries().map((entry) => entry.height),
        lastPostedHeight: headers.lastPostedHeight,
        lastError: scheduler.lastError,
        pendingTransaction: sender.pendingStatus(),
        headersPosted: headers.headersPosted,
        pricesPosted: headers.pricesPosted,
        duplicateSubmissions: headers.duplicates,
        feeBumps: sender.feeBumps,
        ...(batchJobs.length === 0 ? {} : { batches: batchJobs.map(batchStatus) }),
        ...(evidenceJob === undefined
          ? {}
          : {
              evidence: {
                recorded: evidenceJob.recorded,
                pending: evidenceJob.pending,
                duplicates: evidenceJob.duplicates,
              },
            }),
      };
    },
  };
}
