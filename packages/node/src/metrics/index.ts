/**
 * Node metrics: one Registry for every subsystem (createNodeMetrics), the per-subsystem
 * factories, and a standalone /metrics endpoint.
 */
export { type ConsensusMetrics, createConsensusMetrics } from './consensus.ts';
export { createNodeMetrics, createNodeRegistry, type NodeMetrics } from './node.ts';
export { createMetricsServer, type MetricsServer, type MetricsServerOptions } from './server.ts';
