// @synod/oracle: the oracle's pure aggregation rule (median of ≥ 2f+1 observations, circuit
// breaker, staleness, L1 push rule). Price sources (I/O adapters) arrive with issue #6.
export * from './aggregation/index.ts';
export * from './constants.ts';
export * from './errors.ts';
