// @synod/protocol: pure protocol code. No network, disk, clock or hidden randomness.
export * from './bls/index.ts';
export * from './codec/index.ts';
export * from './committee.ts';
export * from './consensus/index.ts';
export * from './constants.ts';
export * from './dkg/index.ts';
export * from './encryption/index.ts';
export * from './errors.ts';
export * from './hashing/index.ts';
export * from './keystore/index.ts';
export * from './merkle/index.ts';
export * from './messages/index.ts';
export * from './timers.ts';
export * from './tx/index.ts';
export * from './types.ts';
