/**
 * Synod p2p: libp2p 3 (TCP, noise, yamux, identify, ping), gossipsub v1.1 with a typed topic
 * registry and per-topic validation, request/response protocols, reconnection with backoff.
 */
export * from './constants.ts';
export * from './errors.ts';
export {
  createP2pNode,
  type P2pNode,
  type P2pNodeDeps,
  type P2pNodeOptions,
  type P2pServices,
} from './host.ts';
export { createP2pMetrics, type P2pMetrics } from './metrics.ts';
export {
  type ReconnectDialer,
  Reconnector,
  type ReconnectorDeps,
  type ReconnectorOptions,
  reconnectDelayMs,
  systemTimers,
} from './reconnect.ts';
export {
  defineReqRespProtocol,
  type ReqRespHandler,
  type ReqRespProtocol,
  type ReqRespProtocolSpec,
  ResponseStatus,
} from './reqresp/protocol.ts';
export { RateLimiter } from './reqresp/rateLimiter.ts';
export { ReqResp, type ReqRespDeps, type ReqRespNetwork, type ReqRespOptions } from './reqresp/reqResp.ts';
export { peerScoreParams, peerScoreThresholds, topicScoreParams } from './scoring.ts';
export {
  fetchBlocksProtocol,
  fetchTransactionsProtocol,
  GossipTopic,
  type SynodGossipMessages,
  type SynodGossipValidators,
  synodGossipTopics,
} from './synod.ts';
export {
  defineGossipTopics,
  type GossipHandler,
  type GossipHandlers,
  type GossipTopicEntry,
  type GossipTopicName,
  type GossipTopicRegistry,
  type GossipTopicSpec,
  type GossipTopicSpecs,
  type GossipValidator,
  gossipTopicString,
} from './topics.ts';
export { type GossipValidationOutcome, validateGossipMessage } from './validation.ts';
