export { aggregatePrices, INITIAL_FEED_STATE, quorumSize } from './aggregate.ts';
export { createFeedConfig, type FeedConfigInput } from './config.ts';
export { isBeyondBound, moveBps } from './deviation.ts';
export { compareBigint, lowerMedian } from './median.ts';
export { decideL1Push, type L1PushDecision, shouldPushToL1 } from './push.ts';
export type * from './types.ts';
export { validateFeedConfigs, validateObservations } from './validate.ts';
