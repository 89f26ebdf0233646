import {
  decryptionSharesCodec,
  MAX_EVIDENCE_MESSAGE_BYTES,
  MAX_PROPOSAL_MESSAGE_BYTES,
  MAX_VOTE_MESSAGE_BYTES,
} from '@synod/protocol';

/**
 * Defaults of the p2p subsystem. Every option of `createP2pNode` and of the request/response
 * layer falls back to one of these; each says why it has its value. Units are last in names.
 */

/** Every topic and request protocol is namespaced and versioned so an incompatible change gets a new id. */
export const PROTOCOL_PREFIX = '/synod/1';

/**
 * Encoding suffix of gossip topic strings (`/synod/1/<name>/<encoding>`). `bin` = the
 * @synod/protocol wire codec (2-byte envelope + canonical fields); a new encoding gets a new suffix
 * so both can coexist during an upgrade.
 */
export const GOSSIP_ENCODING = 'bin';

// ---------------------------------------------------------------------------------------------
// Gossip

/**
 * Per-topic caps on one gossip message (envelope included). A topic's cap may be tighter than its
 * codec's `maxBytes`, never looser; when a registry entry gives none, the codec's cap applies (a
 * tighter default would REJECT, and so penalize, honest peers sending valid large messages).
 *
 * Transactions travel in micro-batches: 256 KiB is ~60 max-size transactions, enough for one
 * batch interval at the target load, and far below the 1 MiB TransactionBatch codec cap that
 * request/response answers may use. Publishers split batches to fit.
 */
export const GOSSIP_MAX_TRANSACTIONS_BYTES = 256 * 1024;
/** Proposals carry up to MAX_COMMITTEE_VALIDATORS extensions: they need the full codec cap. */
export const GOSSIP_MAX_PROPOSAL_BYTES = MAX_PROPOSAL_MESSAGE_BYTES;
/** A vote with its extension (inclusion list + prices) at the codec's own cap. */
export const GOSSIP_MAX_VOTE_BYTES = MAX_VOTE_MESSAGE_BYTES;
/** Equivocation evidence: two votes, each at the vote cap. */
export const GOSSIP_MAX_EVIDENCE_BYTES = MAX_EVIDENCE_MESSAGE_BYTES;
/** A validator's decryption shares: one per envelope of a block, at the codec's cap. */
export const GOSSIP_MAX_DECRYPTION_SHARES_BYTES = decryptionSharesCodec.maxBytes;

/**
 * Caps of one direct re-send (`/synod/1/req/resend`, p2p/resend.ts): the largest single gossip
 * message (a full proposal) with room for the framing, and at most 32 messages (a rebroadcast
 * carries the votes of MAX_REBROADCAST_ROUNDS rounds, two per round). Senders split larger sets.
 */
export const GOSSIP_RESEND_MAX_BYTES = MAX_PROPOSAL_MESSAGE_BYTES + 64 * 1024;
export const GOSSIP_RESEND_MAX_MESSAGES = 32;

/**
 * Slack added to the largest topic cap to size gossipsub's inbound RPC frame limit: a frame also
 * carries protobuf field headers, the topic string and piggy-backed control messages (IHAVE /
 * IWANT ids, bounded by gossipsub's decodeRpcLimits). A frame over the limit kills the stream
 * before any of our validation runs, so the slack must cover a legitimate frame with room.
 */
export const GOSSIP_RPC_FRAME_OVERHEAD_BYTES = 64 * 1024;

/**
 * Mesh degree. A committee is small (4–128 validators), so the gossipsub defaults (D=6, 4..12)
 * fit: with n ≤ 7 every peer is in everyone's mesh, above that delivery takes ~log_D(n) hops.
 */
export const GOSSIP_MESH_DEGREE = 6;
/** Below this many mesh peers a heartbeat grafts more (gossipsub default). */
export const GOSSIP_MESH_DEGREE_LOW = 4;
/** Above this many mesh peers a heartbeat prunes (gossipsub default). */
export const GOSSIP_MESH_DEGREE_HIGH = 12;

/**
 * Heartbeat: mesh maintenance and score decay. 700 ms (Ethereum consensus clients' value) keeps
 * a mesh repaired well inside one consensus round (~1 s propose timeout) after a peer leaves.
 */
export const GOSSIP_HEARTBEAT_INTERVAL_MS = 700;

/**
 * How long a message id is remembered as seen. Duplicates inside this window are dropped by
 * gossipsub before validation; 2 minutes outlasts any gossip path in a committee of ≤ 128.
 */
export const GOSSIP_SEEN_TTL_MS = 2 * 60 * 1000;

/**
 * Bytes of the sha256 content hash used as message id. 20 bytes (Ethereum consensus' choice):
 * collision-free for any realistic message count, and shorter IHAVE/IWANT control messages.
 */
export const GOSSIP_MESSAGE_ID_BYTES = 20;

// ---------------------------------------------------------------------------------------------
// Peer scoring (gossipsub v1.1). See docs/decisions.md "## Networking / Peer scoring".

/**
 * P4 weight per topic: score += weight × topicWeight × invalidCount². One REJECTed message costs
 * 100 points, so a single invalid message already makes the sender's score negative (honest
 * peers never send one: every node validates before it forwards), while the square makes a
 * spammer's score collapse: 3 invalid → −900, 5 → −2500 (graylisted).
 */
export const SCORE_INVALID_MESSAGE_WEIGHT = -100;

/**
 * Per decay interval multiplier of the invalid-message counter. 0.99 per second halves it in
 * ~69 s and forgets it (below decayToZero) in ~8 minutes: a peer with a one-off bug recovers,
 * a peer that keeps sending garbage stays graylisted.
 */
export const SCORE_INVALID_MESSAGE_DECAY = 0.99;

/**
 * P2: reward for being first to deliver a valid message, capped so the positive part of a score
 * can never absorb more than a couple of invalid messages (see SCORE_TOPIC_CAP).
 */
export const SCORE_FIRST_DELIVERY_WEIGHT = 1;
/** P2 counter decay per interval: rewards only recent usefulness. */
export const SCORE_FIRST_DELIVERY_DECAY = 0.9;
/** P2 counter cap. */
export const SCORE_FIRST_DELIVERY_CAP = 20;

/** P1 weight: a small bonus for long mesh membership (0.01 per quantum, capped below). */
export const SCORE_TIME_IN_MESH_WEIGHT = 0.01;
/** P1 quantum: one second of mesh membership counts 1. */
export const SCORE_TIME_IN_MESH_QUANTUM_MS = 1000;
/** P1 cap: at most 10 minutes of membership count (= +6 with the weight above). */
export const SCORE_TIME_IN_MESH_CAP = 600;

/**
 * Cap on the sum of positive topic contributions. 50 < |one invalid message| (100): no amount
 * of good behaviour hides an invalid message from the score.
 */
export const SCORE_TOPIC_CAP = 50;

/**
 * P7 behaviour penalty (re-graft during backoff, broken IHAVE promises): gossipsub's default
 * weight; the threshold tolerates a few protocol races of an honest peer.
 */
export const SCORE_BEHAVIOUR_PENALTY_WEIGHT = -10;
export const SCORE_BEHAVIOUR_PENALTY_THRESHOLD = 6;
export const SCORE_BEHAVIOUR_PENALTY_DECAY = 0.9;

/** Score counters decay once per second (counters above are per second). */
export const SCORE_DECAY_INTERVAL_MS = 1000;
/** A decayed counter below this is reset to zero. */
export const SCORE_DECAY_TO_ZERO = 0.01;
/**
 * How long a disconnected peer's score is kept: a peer cannot wash a negative score by
 * reconnecting. 10 minutes ≥ the time the invalid-message counter needs to decay anyway.
 */
export const SCORE_RETAIN_MS = 10 * 60 * 1000;

/** Below this score we stop gossiping IHAVE/IWANT with a peer (3 invalid messages). */
export const SCORE_GOSSIP_THRESHOLD = -500;
/** Below this score we do not flood-publish our own messages to a peer (4 invalid messages). */
export const SCORE_PUBLISH_THRESHOLD = -1000;
/** Below this score every RPC from the peer is dropped unread (5 invalid messages). */
export const SCORE_GRAYLIST_THRESHOLD = -2000;
/**
 * Below this score we close the connection and refuse the peer (inbound and outbound) for
 * PEER_BAN_DURATION_MS. Equal to graylist: a graylisted peer is of no use and holds a slot.
 */
export const SCORE_DISCONNECT_THRESHOLD = -2000;
/** Peers exchanging peer lists must have proven themselves (positive score) — PX is off anyway. */
export const SCORE_ACCEPT_PX_THRESHOLD = 10;
/** Opportunistic grafting when the median mesh score falls below this small positive value. */
export const SCORE_OPPORTUNISTIC_GRAFT_THRESHOLD = 5;

/** How often peers are checked against SCORE_DISCONNECT_THRESHOLD. */
export const SCORE_CHECK_INTERVAL_MS = 1000;
/**
 * How long a peer whose score fell below SCORE_DISCONNECT_THRESHOLD is refused. Long enough to
 * stop a reconnect loop, short enough that a fixed honest peer comes back without an operator.
 */
export const PEER_BAN_DURATION_MS = 10 * 60 * 1000;
/** Bound on the ban list; the oldest ban is dropped first. */
export const MAX_BANNED_PEERS = 1024;

// ---------------------------------------------------------------------------------------------
// Connections

/**
 * Maximum open connections. A committee has ≤ 128 validators (MAX_COMMITTEE_VALIDATORS) plus a
 * few sync clients; 160 leaves room without letting an attacker exhaust file descriptors.
 */
export const MAX_PEERS = 160;

/** Dial timeout: a TCP + noise + yamux handshake on a WAN takes ≪ 5 s. */
export const DIAL_TIMEOUT_MS = 5_000;

/** First reconnect delay after a persistent peer drops: fast enough to rejoin within a round. */
export const RECONNECT_MIN_DELAY_MS = 500;
/** Reconnect delay ceiling: a peer down for hours is retried every minute, never in a hot loop. */
export const RECONNECT_MAX_DELAY_MS = 60_000;
/**
 * A peer that is not a bootstrap peer (learned at runtime) is given up after this many failed
 * reconnects; bootstrap peers are retried forever at RECONNECT_MAX_DELAY_MS.
 */
export const RECONNECT_MAX_ATTEMPTS_KNOWN_PEER = 10;
/** Bound on peers remembered for reconnection (bootstrap peers always fit: they are few). */
export const MAX_KNOWN_PEERS = 256;

// ---------------------------------------------------------------------------------------------
// Request / response

/**
 * Whole-request timeout on the client (dial, send, every response chunk). Catch-up fetches a
 * batch of blocks well under 10 s on any link that can follow consensus at all.
 */
export const REQRESP_TIMEOUT_MS = 10_000;
/** Server: time allowed for a peer to send its request after opening the stream (slowloris bound). */
export const REQRESP_REQUEST_READ_TIMEOUT_MS = 5_000;
/** Server: time allowed for a handler to produce its response before the stream is aborted. */
export const REQRESP_HANDLER_TIMEOUT_MS = 8_000;
/** Cap on a request when the protocol gives none: requests are small (ids, heights). */
export const REQRESP_MAX_REQUEST_BYTES_DEFAULT = 64 * 1024;
/** Cap on one response chunk when the protocol gives none (further capped by the codec's maxBytes). */
export const REQRESP_MAX_RESPONSE_CHUNK_BYTES_DEFAULT = 4 * 1024 * 1024;
/** Response chunks per request when the protocol gives none: one request, one answer. */
export const REQRESP_MAX_RESPONSE_CHUNKS_DEFAULT = 1;
/** Cap on the UTF-8 error text a server puts in an error chunk: enough for a reason, not a payload. */
export const REQRESP_MAX_ERROR_MESSAGE_BYTES = 256;
/**
 * Concurrent inbound streams per connection per protocol: a peer asks for a few missing
 * things at once, more is abuse; libp2p resets streams beyond it.
 */
export const REQRESP_MAX_INBOUND_STREAMS = 8;
/** Concurrent outbound streams per connection per protocol. */
export const REQRESP_MAX_OUTBOUND_STREAMS = 8;
/**
 * Per-peer, per-protocol token bucket: sustained requests per second. A node fetching missing
 * transactions asks at most a few times per round; catch-up asks for consecutive block batches.
 */
export const REQRESP_RATE_LIMIT_PER_SECOND = 20;
/** Token bucket depth: a burst (e.g. a node that just reconnected) is served at once. */
export const REQRESP_RATE_LIMIT_BURST = 40;
/** Bound on tracked rate-limit buckets; the least recently used is evicted first. */
export const REQRESP_MAX_RATE_LIMIT_BUCKETS = 4096;
