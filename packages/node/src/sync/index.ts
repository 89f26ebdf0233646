// Catch-up sync: fetch certified blocks from peers, verify certificates and chaining, rejoin consensus.
export * from './constants.ts';
export { type BlockRequester, requestSyncedBlocks, serveSyncedBlocks } from './serve.ts';
export { type BlockCheck, CatchUpSync, type CatchUpSyncOptions, type SyncNetwork } from './sync.ts';
