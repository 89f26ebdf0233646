/**
 * Synod JSON-RPC 2.0 server: HTTP and WebSocket on one port, a typed method registry, strict
 * params, subscriptions, per-client rate limits and an OpenRPC document (docs/openrpc.json).
 */
export type * from './backend.ts';
export * from './constants.ts';
export type { MethodContext, RpcMethod } from './defineMethod.ts';
export type * from './encoding.ts';
export * from './errors.ts';
export { openRpcDocument, RPC_METHODS, type RpcMethodName } from './methods.ts';
export { createRpcMetrics, type RpcMetrics } from './metrics.ts';
export { buildOpenRpcDocument, type OpenRpcDocument } from './openrpc.ts';
export { ClientRateLimiter } from './rateLimiter.ts';
export {
  createRpcServer,
  DEFAULT_RPC_SERVER_LIMITS,
  type RpcServer,
  type RpcServerAddress,
  type RpcServerLimits,
  type RpcServerOptions,
} from './server.ts';
export { SUBSCRIPTION_TOPICS, type SubscriptionTopic } from './subscriptions.ts';
