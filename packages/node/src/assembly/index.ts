// The node assembly: `startNode(config, deps)` wires keys, store, mempool, p2p, consensus driver,
// catch-up sync, RPC and metrics. `synod start` calls it.
export { createNodeBackend, NODE_VERSION, type NodeBackendOptions } from './backend.ts';
export * from './constants.ts';
export {
  createGossipValidators,
  type GossipValidationContext,
  splitToFit,
  TransactionBatcher,
} from './gossip.ts';
export {
  type EncryptionKeys,
  loadEncryptionKeys,
  loadEpochEncryptionKeys,
  loadValidatorIdentity,
  type ValidatorIdentity,
} from './identity.ts';
export { type AssemblyMetrics, createAssemblyMetrics } from './metrics.ts';
export { type StartNodeDeps, type SynodNode, startNode } from './startNode.ts';
