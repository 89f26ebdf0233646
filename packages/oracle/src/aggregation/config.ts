import type { Hex } from '@synod/protocol';
import {
  DEFAULT_CONFIRMATION_HEIGHTS,
  DEFAULT_DEVIATION_BOUND_BPS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_PUSH_DEVIATION_BPS,
} from '../constants.ts';
import type { FeedConfig } from './types.ts';
import { validateFeedConfigs } from './validate.ts';

export type FeedConfigInput = Pick<FeedConfig, 'feedId' | 'decimals'> & Partial<FeedConfig>;

/**
 * A feed configuration with the defaults of constants.ts for every setting not given, checked.
 * @throws OracleError INVALID_CONFIG
 * @example
 * const ethUsd = createFeedConfig({ feedId: '0x…', decimals: 8, deviationBoundBps: 1_000 });
 */
export function createFeedConfig(init: FeedConfigInput): FeedConfig {
  const feed: FeedConfig = {
    feedId: init.feedId.toLowerCase() as Hex,
    decimals: init.decimals,
    deviationBoundBps: init.deviationBoundBps ?? DEFAULT_DEVIATION_BOUND_BPS,
    confirmationHeights: init.confirmationHeights ?? DEFAULT_CONFIRMATION_HEIGHTS,
    maxAgeMs: init.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    heartbeatMs: init.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    pushDeviationBps: init.pushDeviationBps ?? DEFAULT_PUSH_DEVIATION_BPS,
  };
  validateFeedConfigs([feed]);
  return feed;
}
