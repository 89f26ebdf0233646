import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the store. Optional at every call site (`metrics?.x.inc()`). Label
 * values are bounded: `code` is a StorageErrorCode.
 *
 * @example
 * ```ts
 * const store = await openStore(path, { domain, metrics: createStorageMetrics(register) });
 * ```
 */
export function createStorageMetrics(register: Registry) {
  return {
    /** Height of the latest committed block. */
    latestHeight: new Gauge({
      name: 'synod_storage_latest_height',
      help: 'Height of the latest block committed to the store',
      registers: [register],
    }),
    /** Lowest height whose block body is still stored. */
    prunedBelow: new Gauge({
      name: 'synod_storage_pruned_below_height',
      help: 'Block bodies below this height have been pruned',
      registers: [register],
    }),
    /**
     * commitBlock latency, hashing and the LevelDB batch included. Buckets from 1 ms (a small
     * block) to 2.5 s: a full 8192-transaction block hashes for tens of milliseconds, and LevelDB
     * write stalls during compaction show up in the top buckets.
     */
    commitSeconds: new Histogram({
      name: 'synod_storage_commit_seconds',
      help: 'Latency of committing one block (indexes and batch write)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [register],
    }),
    /** Operating errors by code (CORRUPT is the one to alert on). */
    errorsTotal: new Counter<'code'>({
      name: 'synod_storage_errors_total',
      help: 'Storage operating errors, by code',
      labelNames: ['code'],
      registers: [register],
    }),
  };
}

/** The storage metrics bundle; pass `undefined` to disable metrics. */
export type StorageMetrics = ReturnType<typeof createStorageMetrics>;
