// The consensus driver: the pure core of consensus/ against an injected store, network, clocks and timers.
export * from './constants.ts';
export { ConsensusDriver, reconstructProposal } from './driver.ts';
export { fetchBodiesFromPeers } from './fetchBodies.ts';
export {
  decodePersistedState,
  encodePersistedState,
  type FeedStateSnapshot,
  PERSISTED_STATE_VERSION,
  type PersistedDriverState,
} from './persistence.ts';
export type * from './types.ts';
