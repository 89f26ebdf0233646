import { collectDefaultMetrics, Registry } from 'prom-client';
import { createL1Metrics } from '../l1/metrics.ts';
import { createMempoolMetrics } from '../mempool/metrics.ts';
import { createP2pMetrics } from '../p2p/metrics.ts';
import { createRpcMetrics } from '../rpc/metrics.ts';
import { createStorageMetrics } from '../storage/metrics.ts';
import { createConsensusMetrics } from './consensus.ts';

/**
 * Every metric of a node, registered once in one Registry: consensus (metrics/consensus.ts),
 * mempool, p2p, rpc and storage (each subsystem's own factory). The node creates this bundle and
 * hands each subsystem its part (`createP2pNode({ metrics: metrics.p2p })`,
 * `createRpcServer({ metrics: metrics.rpc })`, …). Each part is also its own factory, so a test
 * or a tool can build just the part it needs. Registering a factory twice in one Registry throws
 * (duplicate metric names): a subsystem must take its part from here rather than call its
 * factory again.
 *
 * Series (all prefixed synod_): consensus_height, consensus_round, storage_latest_height,
 * finalized_blocks_total, finalized_transactions_total (tx/s = rate()), consensus_vote_latency_seconds,
 * consensus_commit_latency_seconds, mempool_transactions, mempool_bytes, p2p_peers,
 * gossip_messages_total{topic,result,code}, rpc_request_duration_seconds{method,transport},
 * rpc_errors_total{method,code}, l1_backlog, l1_last_posted_height, l1_headers_posted_total, …
 * (l1/metrics.ts), and the rest documented on each factory. The oracle's gauges
 * (synod_oracle_*) are registered by the node's oracle wiring (assembly/oracle.ts).
 *
 * @example
 * ```ts
 * const register = createNodeRegistry();
 * const metrics = createNodeMetrics(register);
 * metrics.consensus.height.set(42);
 * const server = createMetricsServer({ register, host: '127.0.0.1', port: 9464 });
 * ```
 */
export function createNodeMetrics(register: Registry) {
  return {
    consensus: createConsensusMetrics(register),
    mempool: createMempoolMetrics(register),
    p2p: createP2pMetrics(register),
    rpc: createRpcMetrics(register),
    storage: createStorageMetrics(register),
    l1: createL1Metrics(register),
  };
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;

/**
 * A Registry for a node: every series carries the given labels (e.g. `{ node: 'validator-1' }`
 * so a shared Prometheus can tell nodes apart), plus the Node.js process metrics (CPU, memory,
 * event-loop lag, GC) unless `processMetrics` is false.
 */
export function createNodeRegistry(
  options: { labels?: Record<string, string>; processMetrics?: boolean } = {},
): Registry {
  const register = new Registry();
  if (options.labels !== undefined) register.setDefaultLabels(options.labels);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register });
  return register;
}
