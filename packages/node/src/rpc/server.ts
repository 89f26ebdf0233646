import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocket, WebSocketServer } from 'ws';
import type { SynodRpcBackend } from './backend.ts';
import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_HTTP_CONNECTIONS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET,
  DEFAULT_MAX_WEBSOCKET_BUFFERED_BYTES,
  DEFAULT_MAX_WEBSOCKET_CONNECTIONS,
  DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES,
  DEFAULT_RATE_LIMIT_BURST,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  DEFAULT_REQUEST_TIMEOUT_MS,
  SUBSCRIPTION_NOTIFICATION_METHOD,
  WEBSOCKET_CLOSE_GOING_AWAY,
  WEBSOCKET_CLOSE_GRACE_MS,
  WEBSOCKET_CLOSE_SLOW_CONSUMER,
  WEBSOCKET_PATHS,
  WEBSOCKET_PING_INTERVAL_MS,
} from './constants.ts';
import { CorsPolicy } from './cors.ts';
import { type DispatchContext, Dispatcher, errorResponse } from './dispatcher.ts';
import { RpcError } from './errors.ts';
import type { RpcMetrics } from './metrics.ts';
import { ClientRateLimiter } from './rateLimiter.ts';
import { SubscriptionHub } from './subscriptions.ts';

/** Every bound of the server; each defaults to the constant of the same name in constants.ts. */
export interface RpcServerLimits {
  /** Largest HTTP body (413 past it, counted while streaming). */
  maxBodyBytes: number;
  /** Most calls in one batch (-32600 past it). */
  maxBatchSize: number;
  /** Largest serialized response or batch response (RESPONSE_TOO_LARGE past it). */
  maxResponseBytes: number;
  /** Sustained calls per second per client IP. */
  rateLimitPerSecond: number;
  /** Calls a client IP may make at once. */
  rateLimitBurst: number;
  maxSubscriptionsPerSocket: number;
  /** Largest WebSocket message (the socket is closed with 1009 past it). */
  maxWebSocketMessageBytes: number;
  maxWebSocketConnections: number;
  maxHttpConnections: number;
  /** Unread bytes queued to one WebSocket before it is closed as a slow consumer (1013). */
  maxWebSocketBufferedBytes: number;
  /** Deadline of one call, and of receiving one HTTP request. */
  requestTimeoutMs: number;
}

export const DEFAULT_RPC_SERVER_LIMITS: Readonly<RpcServerLimits> = {
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxBatchSize: DEFAULT_MAX_BATCH_SIZE,
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  rateLimitPerSecond: DEFAULT_RATE_LIMIT_PER_SECOND,
  rateLimitBurst: DEFAULT_RATE_LIMIT_BURST,
  maxSubscriptionsPerSocket: DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET,
  maxWebSocketMessageBytes: DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES,
  maxWebSocketConnections: DEFAULT_MAX_WEBSOCKET_CONNECTIONS,
  maxHttpConnections: DEFAULT_MAX_HTTP_CONNECTIONS,
  maxWebSocketBufferedBytes: DEFAULT_MAX_WEBSOCKET_BUFFERED_BYTES,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
};

export interface RpcServerOptions {
  backend: SynodRpcBackend;
  /** Interface to listen on; an operator exposes the RPC deliberately (e.g. 0.0.0.0). */
  host: string;
  /** TCP port; 0 picks a free one (see start()'s result). */
  port: number;
  limits?: Partial<RpcServerLimits>;
  metrics?: RpcMetrics;
  /** When given, GET /metrics on the same port serves this registry (see also createMetricsServer). */
  metricsRegister?: Registry;
  /** The node's logger; the server logs with `subsystem: 'rpc'`. */
  logger?: Logger;
  /** Monotonic clock in ms for rate limiting; injected by tests. Default performance.now. */
  nowMs?: () => number;
  /**
   * Origins whose browser pages may call the HTTP RPC (CORS), e.g. `https://app.example.com`, or
   * `*` for any. Default none: no CORS headers. See cors.ts.
   */
  corsOrigins?: readonly string[];
}

export interface RpcServerAddress {
  /** http://host:port/ — POST JSON-RPC here. */
  url: string;
  /** ws://host:port/ws — WebSocket JSON-RPC and subscriptions. */
  webSocketUrl: string;
  port: number;
}

export interface RpcServer {
  start(): Promise<RpcServerAddress>;
  /** Closes the listener and every HTTP and WebSocket connection; resolves when all are closed. */
  stop(): Promise<void>;
  /** Open connections, for status and tests. */
  readonly openConnections: { http: number; webSocket: number };
}

/**
 * JSON-RPC 2.0 over HTTP (POST /) and WebSocket (upgrade on / or /ws) on one port, with
 * subscriptions over WebSocket, optional GET /metrics, and the bounds of RpcServerLimits.
 *
 * @example
 * ```ts
 * const rpc = createRpcServer({ backend, host: '127.0.0.1', port: 8645, metrics: createRpcMetrics(register) });
 * const { url } = await rpc.start();
 * // curl -s $url -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"synod_status"}'
 * await rpc.stop();
 * ```
 */
export function createRpcServer(options: RpcServerOptions): RpcServer {
  return new JsonRpcServer(options);
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

class JsonRpcServer implements RpcServer {
  readonly #options: RpcServerOptions;
  readonly #limits: RpcServerLimits;
  readonly #logger: Logger | undefined;
  readonly #metrics: RpcMetrics | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #limiter: ClientRateLimiter;
  readonly #hub: SubscriptionHub;
  readonly #cors: CorsPolicy;
  readonly #sockets = new Set<Socket>();
  readonly #webSockets = new Set<WebSocket>();
  #server: Server | undefined;
  #webSocketServer: WebSocketServer | undefined;
  #stopping = new AbortController();
  #pingTimer: NodeJS.Timeout | undefined;
  #alive = new WeakSet<WebSocket>();

  constructor(options: RpcServerOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_RPC_SERVER_LIMITS, ...options.limits };
    this.#logger = options.logger?.child({ subsystem: 'rpc' });
    this.#metrics = options.metrics;
    this.#dispatcher = new Dispatcher({
      backend: options.backend,
      maxBatchSize: this.#limits.maxBatchSize,
      maxResponseBytes: this.#limits.maxResponseBytes,
      requestTimeoutMs: this.#limits.requestTimeoutMs,
      metrics: options.metrics,
      logger: this.#logger,
    });
    this.#limiter = new ClientRateLimiter({
      perSecond: this.#limits.rateLimitPerSecond,
      burst: this.#limits.rateLimitBurst,
      nowMs: options.nowMs ?? (() => performance.now()),
    });
    this.#hub = new SubscriptionHub(options.backend, options.metrics);
    this.#cors = new CorsPolicy(options.corsOrigins ?? []);
  }

  get openConnections() {
    return { http: this.#sockets.size, webSocket: this.#webSockets.size };
  }

  async start(): Promise<RpcServerAddress> {
    if (this.#server !== undefined) throw new Error('assertion failed: RPC server already started');
    this.#stopping = new AbortController();
    const server = createServer((req, res) => {
      this.#onRequest(req, res).catch((error: unknown) => {
        this.#logger?.error({ err: error }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500, JSON_HEADERS);
        res.end(errorResponse(null, new RpcError('INTERNAL_ERROR')));
      });
    });
    server.maxConnections = this.#limits.maxHttpConnections;
    server.requestTimeout = this.#limits.requestTimeoutMs;
    server.headersTimeout = this.#limits.requestTimeoutMs;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    const webSocketServer = new WebSocketServer({
      noServer: true,
      maxPayload: this.#limits.maxWebSocketMessageBytes,
      // Compression would let a small frame expand to a large message (and costs CPU per socket).
      perMessageDeflate: false,
    });
    server.on('upgrade', (req, socket, head) =>
      this.#onUpgrade(webSocketServer, req, socket as Socket, head),
    );
    this.#server = server;
    this.#webSocketServer = webSocketServer;
    this.#hub.start();
    this.#pingTimer = setInterval(() => this.#pingAll(), WEBSOCKET_PING_INTERVAL_MS);
    this.#pingTimer.unref();

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port, this.#options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('assertion failed: TCP address');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#logger?.info({ host: address.address, port: address.port }, 'rpc listening');
    return {
      url: `http://${host}:${address.port}/`,
      webSocketUrl: `ws://${host}:${address.port}/ws`,
      port: address.port,
    };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    this.#stopping.abort(new RpcError('UNAVAILABLE', 'the server is stopping'));
    clearInterval(this.#pingTimer);
    this.#hub.stop();
    const closed = [...this.#webSockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          const terminate = setTimeout(() => ws.terminate(), WEBSOCKET_CLOSE_GRACE_MS);
          ws.once('close', () => {
            clearTimeout(terminate);
            resolve();
          });
          ws.close(WEBSOCKET_CLOSE_GOING_AWAY, 'server stopping');
        }),
    );
    await Promise.all(closed);
    this.#webSocketServer?.close();
    this.#webSocketServer = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    for (const socket of this.#sockets) socket.destroy();
    this.#logger?.info('rpc stopped');
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    // Every answer (errors included) carries the CORS headers, so a browser page can read it.
    const origin = req.headers.origin;
    for (const [name, value] of Object.entries(this.#cors.responseHeaders(origin)))
      res.setHeader(name, value);
    if (path === '/' && req.method === 'OPTIONS') {
      const preflight = this.#cors.preflightHeaders(origin);
      if (preflight !== undefined) {
        res.writeHead(204, preflight).end();
        return;
      }
    }
    if (path === '/metrics' && this.#options.metricsRegister !== undefined && req.method === 'GET') {
      const register = this.#options.metricsRegister;
      const body = await register.metrics();
      res.writeHead(200, { 'Content-Type': register.contentType });
      res.end(body);
      return;
    }
    if (path !== '/') {
      res
        .writeHead(404, JSON_HEADERS)
        .end(errorResponse(null, new RpcError('INVALID_REQUEST', `no route ${path}`)));
      return;
    }
    if (req.method !== 'POST') {
      res
        .writeHead(405, { ...JSON_HEADERS, Allow: 'POST' })
        .end(errorResponse(null, new RpcError('INVALID_REQUEST', 'use POST with a JSON body')));
      return;
    }
    // Requiring application/json also keeps browsers from sending "simple" cross-site requests.
    const contentType = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      this.#reject('http', 'content_type');
      this.#refuseHttp(
        req,
        res,
        415,
        new RpcError('INVALID_REQUEST', 'Content-Type must be application/json'),
      );
      return;
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    if (!this.#limiter.hasTokens(client)) {
      this.#reject('http', 'rate_limited');
      this.#refuseHttp(req, res, 429, new RpcError('RATE_LIMITED', undefined, { retryAfterMs: 1000 }), 1);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > this.#limits.maxBodyBytes) {
      this.#reject('http', 'body_too_large');
      this.#refuseHttp(req, res, 413, this.#bodyTooLarge());
      return;
    }
    const body = await readBody(req, this.#limits.maxBodyBytes);
    if (body === 'too-large') {
      this.#reject('http', 'body_too_large');
      this.#refuseHttp(req, res, 413, this.#bodyTooLarge());
      return;
    }
    if (body === 'aborted') return;

    const parsed = this.#dispatcher.parse(body.toString('utf8'));
    if (!parsed.ok) {
      res.writeHead(200, JSON_HEADERS).end(parsed.response);
      return;
    }
    const waitMs = this.#limiter.take(client, this.#dispatcher.callCount(parsed.payload));
    if (waitMs > 0) {
      this.#reject('http', 'rate_limited');
      res
        .writeHead(429, { ...JSON_HEADERS, 'Retry-After': String(Math.ceil(waitMs / 1000)) })
        .end(
          this.#dispatcher.refuse(
            parsed.payload,
            new RpcError('RATE_LIMITED', undefined, { retryAfterMs: waitMs }),
          ),
        );
      return;
    }
    const connectionClosed = new AbortController();
    res.once('close', () => connectionClosed.abort());
    const context: DispatchContext = {
      transport: 'http',
      subscriptions: undefined,
      signal: AbortSignal.any([connectionClosed.signal, this.#stopping.signal]),
      afterResponse: [],
    };
    const response = await this.#dispatcher.handle(parsed.payload, context);
    if (response === undefined) res.writeHead(204).end();
    else res.writeHead(200, JSON_HEADERS).end(response);
    for (const callback of context.afterResponse) callback();
  }

  #bodyTooLarge(): RpcError {
    return new RpcError('INVALID_REQUEST', `body exceeds ${this.#limits.maxBodyBytes} bytes`, {
      maxBodyBytes: this.#limits.maxBodyBytes,
    });
  }

  /** Answers before (or instead of) reading the body, and closes the connection after it. */
  #refuseHttp(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    error: RpcError,
    retryAfterSeconds?: number,
  ) {
    const headers: Record<string, string> = { ...JSON_HEADERS, Connection: 'close' };
    if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
    this.#metrics?.errorsTotal.inc({ method: 'unknown', code: error.code });
    res.writeHead(status, headers).end(errorResponse(null, error));
    // Discard whatever of the body is still arriving until the connection closes.
    req.resume();
  }

  #reject(transport: 'http' | 'ws', reason: string): void {
    this.#metrics?.rejectedTotal.inc({ transport, reason });
  }

  // -------------------------------------------------------------------------------------------
  // WebSocket

  #onUpgrade(webSocketServer: WebSocketServer, req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const refuse = (status: number, text: string, reason: string) => {
      this.#reject('ws', reason);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroySoon();
    };
    const client = req.socket.remoteAddress ?? 'unknown';
    if (!WEBSOCKET_PATHS.includes(path)) {
      refuse(404, 'Not Found', 'not_found');
    } else if (this.#server === undefined) {
      refuse(503, 'Service Unavailable', 'stopping');
    } else if (this.#webSockets.size >= this.#limits.maxWebSocketConnections) {
      refuse(503, 'Service Unavailable', 'too_many_connections');
    } else if (!this.#limiter.hasTokens(client)) {
      refuse(429, 'Too Many Requests', 'rate_limited');
    } else {
      webSocketServer.handleUpgrade(req, socket, head, (ws) => this.#onWebSocket(ws, client));
    }
  }

  #onWebSocket(ws: WebSocket, client: string): void {
    this.#webSockets.add(ws);
    this.#alive.add(ws);
    this.#metrics?.websocketConnections.inc();
    const closed = new AbortController();
    const signal = AbortSignal.any([closed.signal, this.#stopping.signal]);
    const send = (text: string): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount + text.length > this.#limits.maxWebSocketBufferedBytes) {
        this.#logger?.warn({ client, bufferedBytes: ws.bufferedAmount }, 'closing slow websocket consumer');
        ws.close(WEBSOCKET_CLOSE_SLOW_CONSUMER, 'slow consumer');
        return;
      }
      ws.send(text);
    };
    const subscriptions = this.#hub.openSocket(
      {
        notify: (subscription, result) => {
          this.#metrics?.notificationsTotal.inc();
          send(
            JSON.stringify({
              jsonrpc: '2.0',
              method: SUBSCRIPTION_NOTIFICATION_METHOD,
              params: { subscription, result },
            }),
          );
        },
      },
      this.#limits.maxSubscriptionsPerSocket,
    );
    ws.on('pong', () => this.#alive.add(ws));
    ws.on('message', (data, isBinary) => {
      this.#onWebSocketMessage(data as Buffer, isBinary, client, send, subscriptions, signal).catch(
        (error: unknown) => {
          this.#logger?.error({ err: error }, 'websocket handler failed');
          send(errorResponse(null, new RpcError('INTERNAL_ERROR')));
        },
      );
    });
    ws.on('error', (error) => this.#logger?.debug({ err: error, client }, 'websocket error'));
    ws.once('close', () => {
      closed.abort();
      subscriptions.close();
      this.#webSockets.delete(ws);
      this.#metrics?.websocketConnections.dec();
    });
  }

  async #onWebSocketMessage(
    data: Buffer,
    isBinary: boolean,
    client: string,
    send: (text: string) => void,
    subscriptions: DispatchContext['subscriptions'],
    signal: AbortSignal,
  ): Promise<void> {
    if (isBinary) {
      this.#reject('ws', 'binary');
      send(errorResponse(null, new RpcError('INVALID_REQUEST', 'send JSON in text frames')));
      return;
    }
    const parsed = this.#dispatcher.parse(data.toString('utf8'));
    if (!parsed.ok) return send(parsed.response);
    const waitMs = this.#limiter.take(client, this.#dispatcher.callCount(parsed.payload));
    if (waitMs > 0) {
      this.#reject('ws', 'rate_limited');
      send(
        this.#dispatcher.refuse(
          parsed.payload,
          new RpcError('RATE_LIMITED', undefined, { retryAfterMs: waitMs }),
        ),
      );
      return;
    }
    const context: DispatchContext = { transport: 'ws', subscriptions, signal, afterResponse: [] };
    const response = await this.#dispatcher.handle(parsed.payload, context);
    if (response !== undefined) send(response);
    for (const callback of context.afterResponse) callback();
  }

  /** Terminates sockets that did not answer the previous ping (dead peers hold no slot forever). */
  #pingAll(): void {
    for (const ws of this.#webSockets) {
      if (!this.#alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.#alive.delete(ws);
      ws.ping();
    }
  }
}

/** Reads a body up to maxBytes, counting while it streams; never buffers more than that. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (value: Buffer | 'too-large' | 'aborted') => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        settle('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => settle(Buffer.concat(chunks, size)));
    req.once('error', () => settle('aborted'));
    req.once('close', () => settle('aborted'));
  });
}
