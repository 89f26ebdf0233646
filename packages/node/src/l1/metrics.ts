import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the L1 submitter. Optional at every call site (`metrics?.x.inc()`).
 * `code` is an L1ErrorCode (bounded).
 *
 * Alert suggestions (docs/operations.md "L1 settlement"): `synod_l1_backlog > 0` for several
 * posting intervals (L1 unreachable or the account unfunded), `increase(synod_l1_submit_errors_total{code="INSUFFICIENT_FUNDS"}[5m]) > 0`,
 * `synod_storage_latest_height - synod_l1_last_posted_height` growing.
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
