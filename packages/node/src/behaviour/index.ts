// Test-only byzantine behaviours of a node (the end-to-end testnet's byzantine validators).
// Deliberately not exported from the package index: `synod start` and node configs cannot reach
// them; only code that calls startNode(config, { behaviour }) itself can.
export * from './actions.ts';
export * from './clock.ts';
export { createByzantineActionCounter } from './metrics.ts';
export * from './strategies.ts';
export type { BehaviourContext, NodeBehaviour } from './types.ts';
