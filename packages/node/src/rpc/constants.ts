import { MAX_BLOCK_TXS, MAX_TRANSACTION_BYTES } from '@synod/protocol';

/**
 * Defaults of the JSON-RPC server. Every limit of `createRpcServer` falls back to one of these
 * (override through `limits`); each says why it has its value. Units are last in names.
 */

/** Version of the RPC API in the OpenRPC document; bump the major on a breaking change. */
export const RPC_API_VERSION = '1.0.0';

/** Method name of every subscription notification (`params: { subscription, result }`). */
export { SUBSCRIPTION_NOTIFICATION_METHOD } from '@synod/protocol/pure';

/** WebSocket upgrades are accepted on these paths (one port serves HTTP and WebSocket). */
export const WEBSOCKET_PATHS: readonly string[] = ['/', '/ws'];

/**
 * Most calls in one batch. 100 lets a client submit a burst of orders or read a page of blocks
 * in one round trip, while the work one HTTP request can trigger stays bounded (each call is
 * also charged to the client's rate limit, so a batch is no way around it).
 */
export const DEFAULT_MAX_BATCH_SIZE = 100;

/**
 * Longest accepted transaction parameter: the wire encoding of the largest transaction
 * (MAX_TRANSACTION_BYTES) as 0x-hex. Checked on the string before decoding.
 */
export const MAX_RAW_TRANSACTION_HEX_CHARS = 2 + 2 * MAX_TRANSACTION_BYTES;

/**
 * Largest HTTP body. A full batch of maximum-size transactions as hex (100 × ~8.5 KB ≈ 850 KB)
 * plus JSON framing fits in 1 MiB; nothing legitimate is larger, and the body is counted while it
 * streams in, so an oversized one is refused without buffering it.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Largest WebSocket message: the same request as over HTTP, so the same bound. */
export const DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES = DEFAULT_MAX_BODY_BYTES;

/**
 * Sustained calls per second per client IP. Every method is a local read or a mempool insert
 * (one native secp256k1 recovery, ~60 µs), so 100/s per client costs well under 1% of a core,
 * and is above what one trading client needs (orders plus status polling).
 */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 100;

/** Calls a client may make at once before the sustained rate applies: two full batches. */
export const DEFAULT_RATE_LIMIT_BURST = 2 * DEFAULT_MAX_BATCH_SIZE;

/**
 * Client IPs whose token buckets are remembered. Beyond this the least recently seen are
 * forgotten (a forgotten client starts with a full bucket again), which bounds memory (~100 B
 * per entry) against a flood of source addresses.
 */
export const MAX_RATE_LIMITED_CLIENTS = 10_000;

/**
 * Subscriptions per WebSocket. An app watches blocks, a few price feeds and the finality of its
 * in-flight orders (one-shot subscriptions that end when the transaction finalizes); a few
 * hundred covers a market maker's in-flight orders, and bounds the server's index per socket.
 */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET = 256;

/**
 * Open WebSocket connections. Each costs a socket, a ws buffer and up to
 * DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET index entries; 256 apps per validator is well above the
 * expected integrations, and past it new upgrades get 503.
 */
export const DEFAULT_MAX_WEBSOCKET_CONNECTIONS = 256;

/**
 * Open HTTP connections (keep-alive included); further connections are dropped by the kernel
 * listener. Bounds file descriptors independently of the WebSocket cap.
 */
export const DEFAULT_MAX_HTTP_CONNECTIONS = 1024;

/**
 * Deadline of one call. Every method is a local read or a mempool insert (sub-millisecond), so
 * 10 s trips only when the node is stalled; it is below common client timeouts (30 s), so a
 * client gets a typed TIMEOUT error instead of a hung socket. Also the time allowed to receive a
 * whole HTTP request (slow-loris bound).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Bytes queued on a WebSocket that the client has not read. A subscriber this far behind is not
 * keeping up (4 MiB is thousands of notifications); it is disconnected (close code 1013) rather
 * than buffered without bound.
 */
export const DEFAULT_MAX_WEBSOCKET_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Notifications held for a subscription between its creation and the moment the subscribe
 * response is written (so a client never sees a notification before its subscription id). The
 * window is one event-loop turn; 64 covers a burst of blocks or prices in it.
 */
export const MAX_PENDING_NOTIFICATIONS_PER_SUBSCRIPTION = 64;

/** How long stop() lets WebSocket clients complete the close handshake before terminating them. */
export const WEBSOCKET_CLOSE_GRACE_MS = 1_000;

/** WebSocket close code for a subscriber that does not read fast enough (RFC 6455 "try again later"). */
export const WEBSOCKET_CLOSE_SLOW_CONSUMER = 1013;
/** WebSocket close code when the server stops (RFC 6455 "going away"). */
export const WEBSOCKET_CLOSE_GOING_AWAY = 1001;

/**
 * Largest serialized response (one call, or a whole batch). Sized so the largest valid answer
 * fits: a block of MAX_BLOCK_TXS maximum-size transactions returned in full (each ~8.5 KB of hex
 * plus ~512 B of JSON fields), plus 1 MiB for the header and ids (~75 MB in all). A batch shares
 * one budget, so a batch of such calls cannot multiply the memory one request pins; calls past
 * the budget get RESPONSE_TOO_LARGE.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = MAX_BLOCK_TXS * (2 * MAX_TRANSACTION_BYTES + 512) + 1024 * 1024;

/**
 * Unordered transactions synod_getBlockOrdering lists (earliest report first; the rest are only
 * counted). Its other lists are bounded by the protocol: MAX_BLOCK_TXS transactions, and one
 * firstSeen entry per inclusion-list entry of at most MAX_COMMITTEE_VALIDATORS extensions. 256
 * shows what a block left out at a glance without letting a flood of one-off reports swell it.
 */
export const BLOCK_ORDERING_MAX_UNORDERED = 256;

/**
 * Interval of WebSocket pings; a socket that has not answered the previous ping by the next one
 * is terminated, so a vanished client frees its slot and subscriptions within a minute.
 */
export const WEBSOCKET_PING_INTERVAL_MS = 30_000;
