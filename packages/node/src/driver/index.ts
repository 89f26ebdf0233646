// The consensus driver: the pure core of consensus/ with real timers, disk and network.
export * from './constants.ts';
export { ConsensusDriver, reconstructProposal } from './driver.ts';
export {
  decodePersistedState,
  encodePersistedState,
  type FeedStateSnapshot,
  PERSISTED_STATE_VERSION,
  type PersistedDriverState,
} from './persistence.ts';
export type * from './types.ts';
