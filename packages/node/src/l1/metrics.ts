import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the L1 submitter and batch relayer. Optional at every call site (`metrics?.x.inc()`).
 * `code` is an L1ErrorCode (bounded); `namespace` is one of l1.settlement's (bounded by the config).
 *
 * Alert suggestions (docs/operations.md "L1 settlement"): `synod_l1_backlog > 0` for several
 * posting intervals (L1 unreachable or the account unfunded), `increase(synod_l1_submit_errors_total{code="INSUFFICIENT_FUNDS"}[5m]) > 0`,
 * `synod_storage_latest_height - synod_l1_last_posted_height` growing,
 * `synod_l1_batch_unsettled_transactions > 0` for several posting intervals.
 *
 * @example
 * ```ts
 * const submitter = createL1Submitter({ ..., metrics: createL1Metrics(register) });
 * ```
 */
export function createL1Metrics(register: Registry) {
  return {
    /** Heights waiting to be posted (needed by the posting rule, above the inbox's latestHeight). */
    backlog: new Gauge({
      name: 'synod_l1_backlog',
      help: 'Finalized heights waiting to be posted to L1',
      registers: [register],
    }),
    /** Headers this node landed on L1. */
    headersPostedTotal: new Counter({
      name: 'synod_l1_headers_posted_total',
      help: 'Headers this node posted to the SettlementInbox (mined, successful)',
      registers: [register],
    }),
    /** Feed prices this node landed on L1 (one per feed per transaction). */
    pricesPostedTotal: new Counter({
      name: 'synod_l1_prices_posted_total',
      help: 'Feed prices this node posted to PriceFeeds (mined, successful)',
      registers: [register],
    }),
    /** Submissions refused because the inbox already held that height (another validator won). */
    duplicateSubmissionsTotal: new Counter({
      name: 'synod_l1_duplicate_submissions_total',
      help: 'Submissions found stale (HeightNotIncreasing) at estimate or after mining; harmless',
      registers: [register],
    }),
    /** Failed rounds with L1, by L1ErrorCode. */
    submitErrorsTotal: new Counter<'code'>({
      name: 'synod_l1_submit_errors_total',
      help: 'Failed L1 reads and submissions, by code',
      labelNames: ['code'],
      registers: [register],
    }),
    /** Replacements of a stuck transaction with higher fees. */
    feeBumpsTotal: new Counter({
      name: 'synod_l1_fee_bumps_total',
      help: 'Stuck L1 transactions replaced with higher fees (same nonce)',
      registers: [register],
    }),
    /** Backlog entries dropped at the cap (covered by a later header's history). */
    backlogDroppedTotal: new Counter({
      name: 'synod_l1_backlog_dropped_total',
      help: 'Backlog heights dropped at the cap because a later header covers them',
      registers: [register],
    }),
    /** The inbox's latestHeight as last read: the newest height provable on L1. */
    lastPostedHeight: new Gauge({
      name: 'synod_l1_last_posted_height',
      help: 'Latest height held by the SettlementInbox (as last read by this node)',
      registers: [register],
    }),
    /** Batches this node settled, per namespace (l1.settlement). */
    batchesSettledTotal: new Counter<'namespace'>({
      name: 'synod_l1_batches_settled_total',
      help: 'Namespace batches this node settled on L1 (mined, successful), per namespace',
      labelNames: ['namespace'],
      registers: [register],
    }),
    /** Transactions in the batches this node settled, per namespace. */
    batchTransactionsSettledTotal: new Counter<'namespace'>({
      name: 'synod_l1_batch_transactions_settled_total',
      help: 'Transactions in the namespace batches this node settled on L1, per namespace',
      labelNames: ['namespace'],
      registers: [register],
    }),
    /** Batches read from the store and waiting to be settled, per namespace. */
    batchBacklog: new Gauge<'namespace'>({
      name: 'synod_l1_batch_backlog',
      help: 'Finalized batches of a settled namespace waiting to be settled on L1 (in memory, capped)',
      labelNames: ['namespace'],
      registers: [register],
    }),
    /** Finalized transactions of the namespace the settlement contract has not applied yet. */
    batchUnsettledTransactions: new Gauge<'namespace'>({
      name: 'synod_l1_batch_unsettled_transactions',
      help: "Finalized transactions of a settled namespace above the contract's appliedCount",
      labelNames: ['namespace'],
      registers: [register],
    }),
    /** The settlement contract's appliedCount as last read. */
    batchAppliedCount: new Gauge<'namespace'>({
      name: 'synod_l1_batch_applied_count',
      help: "The settlement contract's appliedCount (next expected sequence) as last read, per namespace",
      labelNames: ['namespace'],
      registers: [register],
    }),
    /** Settlements refused because the batch was already settled (another validator won). */
    batchDuplicatesTotal: new Counter<'namespace'>({
      name: 'synod_l1_batch_duplicates_total',
      help: 'Batch settlements found already settled (BatchAlreadySettled) at estimate, after mining or cancelled; harmless',
      labelNames: ['namespace'],
      registers: [register],
    }),
    /** Failed batch-relayer steps, by namespace and L1ErrorCode (also in synod_l1_submit_errors_total). */
    batchErrorsTotal: new Counter<'namespace' | 'code'>({
      name: 'synod_l1_batch_errors_total',
      help: 'Failed L1 reads and settlements of the batch relayer, by namespace and code',
      labelNames: ['namespace', 'code'],
      registers: [register],
    }),
    /** 1 while the last L1 read succeeded. */
    reachable: new Gauge({
      name: 'synod_l1_reachable',
      help: '1 if the last L1 RPC round succeeded, 0 otherwise',
      registers: [register],
    }),
  };
}

/** The L1 metrics bundle; pass `undefined` to disable metrics. */
export type L1Metrics = ReturnType<typeof createL1Metrics>;
