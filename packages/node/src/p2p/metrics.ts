import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the p2p subsystem. Optional at every call site (`metrics?.x.inc()`),
 * so tests and tools run without a registry. Label values are bounded: topics and protocols
 * come from the registries, results and codes from closed unions.
 *
 * @example
 * ```ts
 * const register = new Registry();
 * const node = createP2pNode({ ..., metrics: createP2pMetrics(register) });
 * ```
 */
export function createP2pMetrics(register: Registry) {
  return {
    /** Every validated gossip message: result accept|ignore|reject, code NONE or a GossipValidationCode. */
    gossipMessagesTotal: new Counter<'topic' | 'result' | 'code'>({
      name: 'synod_gossip_messages_total',
      help: 'Gossip messages received and validated, by topic, result and code',
      labelNames: ['topic', 'result', 'code'],
      registers: [register],
    }),
    /** Gossip messages we published that gossipsub sent to at least one peer, by topic. */
    gossipPublishedTotal: new Counter<'topic'>({
      name: 'synod_gossip_published_total',
      help: 'Gossip messages published by this node and sent to at least one peer, by topic',
      labelNames: ['topic'],
      registers: [register],
    }),
    /**
     * Publishes gossipsub sent to nobody: no subscribed peer known yet, or a duplicate of a message
     * published within the seen-cache TTL. Retransmission goes through `resend` for that reason.
     */
    gossipUnsentTotal: new Counter<'topic'>({
      name: 'synod_gossip_unsent_total',
      help: 'Gossip publishes that reached no peer (no subscribed peer yet, or a duplicate), by topic',
      labelNames: ['topic'],
      registers: [register],
    }),
    /** Messages re-sent directly to peers (`/synod/1/req/resend`), by topic and outcome (ok|failed), per peer. */
    gossipResentTotal: new Counter<'topic' | 'outcome'>({
      name: 'synod_gossip_resent_total',
      help: 'Messages re-sent directly to a peer over /synod/1/req/resend, by topic and outcome',
      labelNames: ['topic', 'outcome'],
      registers: [register],
    }),
    /** Handler failures after a message was accepted (our bug or overload, never the peer's fault). */
    gossipHandlerErrorsTotal: new Counter<'topic'>({
      name: 'synod_gossip_handler_errors_total',
      help: 'Gossip handlers that threw after validation accepted the message',
      labelNames: ['topic'],
      registers: [register],
    }),
    /** Request/response exchanges by protocol, side (inbound|outbound) and result (OK or an error code). */
    reqRespRequestsTotal: new Counter<'protocol' | 'direction' | 'result'>({
      name: 'synod_reqresp_requests_total',
      help: 'Request/response exchanges by protocol, direction and result',
      labelNames: ['protocol', 'direction', 'result'],
      registers: [register],
    }),
    /**
     * Outbound request latency. Buckets from 5 ms (same host) to 10 s (REQRESP_TIMEOUT_MS):
     * transaction fetches should sit in the low buckets, block batches in the middle.
     */
    reqRespOutboundSeconds: new Histogram<'protocol'>({
      name: 'synod_reqresp_outbound_seconds',
      help: 'Latency of outbound requests until the last response chunk, by protocol',
      labelNames: ['protocol'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [register],
    }),
    /** Currently connected peers. */
    peersConnected: new Gauge({
      name: 'synod_p2p_peers',
      help: 'Connected peers',
      registers: [register],
    }),
    /** Reconnect dials by outcome (success|failure). */
    reconnectAttemptsTotal: new Counter<'outcome'>({
      name: 'synod_p2p_reconnect_attempts_total',
      help: 'Dials to persistent or known peers after a disconnect, by outcome',
      labelNames: ['outcome'],
      registers: [register],
    }),
    /** Peers disconnected and banned because their gossip score fell below the disconnect threshold. */
    peersBannedTotal: new Counter({
      name: 'synod_p2p_peers_banned_total',
      help: 'Peers disconnected and refused for a while because of a low gossip score',
      registers: [register],
    }),
  };
}

/** The p2p metrics bundle; pass `undefined` to disable metrics. */
export type P2pMetrics = ReturnType<typeof createP2pMetrics>;
