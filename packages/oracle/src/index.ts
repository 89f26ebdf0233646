// @synod/oracle: the oracle's pure aggregation rule (median of ≥ 2f+1 observations, circuit
// breaker, staleness, L1 push rule) and the price sources that produce each validator's
// observations (exchange adapters, health, observer). The price simulator (node:http) is a
// separate entry point: `@synod/oracle/simulator`.
export * from './aggregation/index.ts';
export * from './constants.ts';
export * from './errors.ts';
export * from './sources/index.ts';
