import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the mempool. Optional at every call site (`metrics?.x.inc()`). Label
 * values are bounded: `result` is ACCEPTED, DUPLICATE or a MempoolErrorCode; `reason` is one of
 * the removal reasons below.
 *
 * @example
 * ```ts
 * const mempool = new Mempool({ domain, metrics: createMempoolMetrics(register) });
 * ```
 */
export function createMempoolMetrics(register: Registry) {
  return {
    /** Pending transactions. */
    size: new Gauge({
      name: 'synod_mempool_transactions',
      help: 'Pending transactions in the mempool',
      registers: [register],
    }),
    /** Encoded bytes of the pending transactions. */
    bytes: new Gauge({
      name: 'synod_mempool_bytes',
      help: 'Encoded bytes of the pending transactions in the mempool',
      registers: [register],
    }),
    /** Every add() by result: ACCEPTED, DUPLICATE or the MempoolErrorCode. */
    admissionsTotal: new Counter<'result'>({
      name: 'synod_mempool_admissions_total',
      help: 'Transactions offered to the mempool, by result (ACCEPTED, DUPLICATE or an error code)',
      labelNames: ['result'],
      registers: [register],
    }),
    /** Transactions that left the pool, by reason: finalized | stale (nonce used) | expired. */
    removalsTotal: new Counter<'reason'>({
      name: 'synod_mempool_removals_total',
      help: 'Transactions removed from the mempool, by reason (finalized, stale, expired)',
      labelNames: ['reason'],
      registers: [register],
    }),
  };
}

/** The mempool metrics bundle; pass `undefined` to disable metrics. */
export type MempoolMetrics = ReturnType<typeof createMempoolMetrics>;
