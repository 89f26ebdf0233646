import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the RPC server. Optional at every call site (`metrics?.x.inc()`).
 * Label values are bounded: `method` is a registry method name or `unknown` (a client-chosen
 * name never becomes a label), `code` an RpcErrorName, `transport` http|ws, `topic` a
 * subscription topic, `reason` a closed set.
 */
export function createRpcMetrics(register: Registry) {
  return {
    /**
     * Time to serve one call (one batch item), from dispatch to result, by method and transport.
     * Buckets from 0.5 ms (an in-memory read) to 10 s (DEFAULT_REQUEST_TIMEOUT_MS): reads and
     * mempool inserts (one signature recovery) sit in the lowest buckets; a stall shows up high.
     */
    requestSeconds: new Histogram<'method' | 'transport'>({
      name: 'synod_rpc_request_duration_seconds',
      help: 'Latency of JSON-RPC calls, by method and transport',
      labelNames: ['method', 'transport'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [register],
    }),
    /** Error responses by method and symbolic code (INVALID_PARAMS, NONCE_USED, RATE_LIMITED, …). */
    errorsTotal: new Counter<'method' | 'code'>({
      name: 'synod_rpc_errors_total',
      help: 'JSON-RPC error responses, by method and error code',
      labelNames: ['method', 'code'],
      registers: [register],
    }),
    /** Requests refused before dispatch (body too large, rate limited, wrong content type, …). */
    rejectedTotal: new Counter<'transport' | 'reason'>({
      name: 'synod_rpc_rejected_total',
      help: 'HTTP requests or WebSocket messages refused before any call ran, by reason',
      labelNames: ['transport', 'reason'],
      registers: [register],
    }),
    /** Open WebSocket connections. */
    websocketConnections: new Gauge({
      name: 'synod_rpc_websocket_connections',
      help: 'Open JSON-RPC WebSocket connections',
      registers: [register],
    }),
    /** Live subscriptions by topic. */
    subscriptions: new Gauge<'topic'>({
      name: 'synod_rpc_subscriptions',
      help: 'Live subscriptions, by topic',
      labelNames: ['topic'],
      registers: [register],
    }),
    /** Notifications sent to subscribers. */
    notificationsTotal: new Counter({
      name: 'synod_rpc_notifications_total',
      help: 'Subscription notifications sent',
      registers: [register],
    }),
  };
}

/** The RPC metrics bundle; pass `undefined` to disable metrics. */
export type RpcMetrics = ReturnType<typeof createRpcMetrics>;
