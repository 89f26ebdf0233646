import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score';
import {
  SCORE_ACCEPT_PX_THRESHOLD,
  SCORE_BEHAVIOUR_PENALTY_DECAY,
  SCORE_BEHAVIOUR_PENALTY_THRESHOLD,
  SCORE_BEHAVIOUR_PENALTY_WEIGHT,
  SCORE_DECAY_INTERVAL_MS,
  SCORE_DECAY_TO_ZERO,
  SCORE_FIRST_DELIVERY_CAP,
  SCORE_FIRST_DELIVERY_DECAY,
  SCORE_FIRST_DELIVERY_WEIGHT,
  SCORE_GOSSIP_THRESHOLD,
  SCORE_GRAYLIST_THRESHOLD,
  SCORE_INVALID_MESSAGE_DECAY,
  SCORE_INVALID_MESSAGE_WEIGHT,
  SCORE_OPPORTUNISTIC_GRAFT_THRESHOLD,
  SCORE_PUBLISH_THRESHOLD,
  SCORE_RETAIN_MS,
  SCORE_TIME_IN_MESH_CAP,
  SCORE_TIME_IN_MESH_QUANTUM_MS,
  SCORE_TIME_IN_MESH_WEIGHT,
  SCORE_TOPIC_CAP,
} from './constants.ts';

/**
 * gossipsub v1.1 peer-score parameters for Synod topics (decision: docs/decisions.md
 * "Peer scoring"). The score is dominated by P4, invalid messages: honest nodes validate before
 * forwarding, so any REJECTed delivery is attributable misbehaviour.
 *
 * Disabled on purpose:
 * - P3/P3b mesh delivery deficits: consensus traffic is bursty and a quiet topic (no
 *   transactions for minutes) would penalize every honest peer;
 * - P6 IP colocation: validators are a known committee, and local testnets run every node on
 *   127.0.0.1, which this penalty would punish;
 * - P5 application score: no application signal yet.
 */
export function topicScoreParams(scoreWeight: number): TopicScoreParams {
  return {
    topicWeight: scoreWeight,
    timeInMeshWeight: SCORE_TIME_IN_MESH_WEIGHT,
    timeInMeshQuantum: SCORE_TIME_IN_MESH_QUANTUM_MS,
    timeInMeshCap: SCORE_TIME_IN_MESH_CAP,
    firstMessageDeliveriesWeight: SCORE_FIRST_DELIVERY_WEIGHT,
    firstMessageDeliveriesDecay: SCORE_FIRST_DELIVERY_DECAY,
    firstMessageDeliveriesCap: SCORE_FIRST_DELIVERY_CAP,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: SCORE_INVALID_MESSAGE_WEIGHT,
    invalidMessageDeliveriesDecay: SCORE_INVALID_MESSAGE_DECAY,
  };
}

/** Whole-peer score parameters, with one topic entry per gossip topic string → topic weight. */
export function peerScoreParams(topicWeights: ReadonlyMap<string, number>): PeerScoreParams {
  const topics: Record<string, TopicScoreParams> = {};
  for (const [topic, weight] of topicWeights) topics[topic] = topicScoreParams(weight);
  return {
    topics,
    topicScoreCap: SCORE_TOPIC_CAP,
    appSpecificScore: () => 0,
    appSpecificWeight: 1,
    IPColocationFactorWeight: 0,
    IPColocationFactorThreshold: 1,
    IPColocationFactorWhitelist: new Set(),
    behaviourPenaltyWeight: SCORE_BEHAVIOUR_PENALTY_WEIGHT,
    behaviourPenaltyThreshold: SCORE_BEHAVIOUR_PENALTY_THRESHOLD,
    behaviourPenaltyDecay: SCORE_BEHAVIOUR_PENALTY_DECAY,
    decayInterval: SCORE_DECAY_INTERVAL_MS,
    decayToZero: SCORE_DECAY_TO_ZERO,
    retainScore: SCORE_RETAIN_MS,
  };
}

/** Score thresholds: gossip > publish > graylist, all reached only through invalid messages. */
export function peerScoreThresholds(): PeerScoreThresholds {
  return {
    gossipThreshold: SCORE_GOSSIP_THRESHOLD,
    publishThreshold: SCORE_PUBLISH_THRESHOLD,
    graylistThreshold: SCORE_GRAYLIST_THRESHOLD,
    acceptPXThreshold: SCORE_ACCEPT_PX_THRESHOLD,
    opportunisticGraftThreshold: SCORE_OPPORTUNISTIC_GRAFT_THRESHOLD,
  };
}
