// @synod/contracts: Synod settlement contracts (typed artifacts for viem), deploy, local anvil.
export * from './anvil.ts';
export * from './artifacts.ts';
export * from './calls.ts';
export * from './deploy.ts';
