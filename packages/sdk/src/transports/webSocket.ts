import type { Hex } from 'viem';
import {
  DEFAULT_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_RETRY_COUNT,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
} from '../constants.ts';
import { type RpcErrorObject, rpcErrorFromResponse } from '../errors/rpc.ts';
import { TimeoutError, WebSocketRequestError } from '../errors/transport.ts';
import { SUBSCRIPTION_NOTIFICATION_METHOD } from '../internal/protocol.ts';
import type { SubscriptionResults, SubscriptionTopic, SynodRpcMethod } from '../types/rpc.ts';
import type { RequestArguments, RequestOptions, SynodRequestFn, Transport } from './createTransport.ts';
import { sleep, withRetry } from './retry.ts';

export interface WebSocketTransportConfig {
  /** Retries of a retryable failure (closed socket, rate limited, unavailable). Default 3. */
  retryCount?: number;
  /** First backoff delay in ms, doubled per retry. Default 150. */
  retryDelayMs?: number;
  /** Deadline of one request in ms. Default 12 s. */
  timeoutMs?: number;
  /**
   * Reconnect after the socket drops while subscriptions are live, and re-subscribe them.
   * `false` ends the subscriptions with an error instead. Default 5 attempts, 500 ms apart.
   */
  reconnect?: boolean | { attempts?: number; delayMs?: number };
  /** A WebSocket constructor (default: the global one of browsers and Node ≥ 22). */
  WebSocket?: typeof WebSocket;
}

export interface SubscribeParameters<Topic extends SubscriptionTopic> {
  topic: Topic;
  /** transactionFinality: the txId (required); prices: a feedId (absent = every feed). */
  filter?: Hex | undefined;
  onData: (result: SubscriptionResults[Topic]) => void;
  /** The subscription ended for good (reconnection failed). */
  onError?: ((error: Error) => void) | undefined;
  /** The socket reconnected and the subscription was re-established (events may have been missed). */
  onReconnect?: (() => void) | undefined;
}

export interface Subscription {
  /** Ends the subscription (best effort: a closed socket has no subscription to end). */
  unsubscribe(): Promise<void>;
}

export interface WebSocketTransportValue {
  url: string;
  /** Subscribes over `synod_subscribe`; notifications go to `onData`. */
  subscribe<Topic extends SubscriptionTopic>(parameters: SubscribeParameters<Topic>): Promise<Subscription>;
  /** Closes the socket, failing requests in flight and ending subscriptions. A later request reconnects. */
  close(): Promise<void>;
}

export type WebSocketTransport = Transport<'webSocket', WebSocketTransportValue>;

/**
 * JSON-RPC over one WebSocket (opened on first use), with subscriptions, retries, per-request
 * deadlines and reconnection. Uses the global WebSocket (browsers, Node ≥ 22): no `ws` import.
 * Call `client.transport.value.close()` when done, or the open socket keeps a Node process alive.
 *
 * @example
 * ```ts
 * const client = createSynodClient({ transport: webSocket('ws://127.0.0.1:8645/ws'), network });
 * const unwatch = watchBlocks(client, { onBlock: (block) => console.log(block.header.height) });
 * // later
 * unwatch();
 * await client.transport.value.close();
 * ```
 */
export function webSocket(url: string, config: WebSocketTransportConfig = {}): WebSocketTransport {
  const retryCount = config.retryCount ?? DEFAULT_RETRY_COUNT;
  const retryDelayMs = config.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const reconnect =
    config.reconnect === false
      ? { attempts: 0, delayMs: 0 }
      : {
          attempts:
            (typeof config.reconnect === 'object' ? config.reconnect.attempts : undefined) ??
            DEFAULT_RECONNECT_ATTEMPTS,
          delayMs:
            (typeof config.reconnect === 'object' ? config.reconnect.delayMs : undefined) ??
            DEFAULT_RECONNECT_DELAY_MS,
        };
  return () => {
    const connection = new SocketConnection(url, {
      timeoutMs,
      reconnect,
      WebSocket: config.WebSocket ?? globalThis.WebSocket,
    });
    const request = (<Method extends SynodRpcMethod>(
      args: RequestArguments<Method>,
      options: RequestOptions = {},
    ) =>
      withRetry(() => connection.request(args.method, args.params, options), {
        retryCount: options.retryCount ?? retryCount,
        retryDelayMs,
        signal: options.signal,
      })) as SynodRequestFn;
    return {
      config: {
        key: 'webSocket',
        name: 'WebSocket JSON-RPC',
        type: 'webSocket',
        url,
        retryCount,
        retryDelayMs,
        timeoutMs,
      },
      request,
      value: {
        url,
        subscribe: (parameters) =>
          withRetry(() => connection.subscribe(parameters), { retryCount, retryDelayMs }),
        close: () => connection.close(),
      },
    };
  };
}

interface PendingRequest {
  method: string;
  resolve(result: unknown): void;
  reject(error: unknown): void;
  /** Runs synchronously with the response, before any later message is handled. */
  onResult?: ((result: unknown) => void) | undefined;
}

interface LiveSubscription {
  topic: SubscriptionTopic;
  filter: Hex | undefined;
  serverId: string | undefined;
  onData(result: unknown): void;
  onError: ((error: Error) => void) | undefined;
  onReconnect: (() => void) | undefined;
}

/** One socket, its requests in flight and its subscriptions (re-established on reconnect). */
class SocketConnection {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #reconnect: { attempts: number; delayMs: number };
  readonly #WebSocket: typeof WebSocket;
  #socket: WebSocket | undefined;
  #connecting: Promise<WebSocket> | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #subscriptions = new Set<LiveSubscription>();
  readonly #byServerId = new Map<string, LiveSubscription>();
  #closedByUser = false;

  constructor(
    url: string,
    options: {
      timeoutMs: number;
      reconnect: { attempts: number; delayMs: number };
      WebSocket: typeof WebSocket;
    },
  ) {
    this.#url = url;
    this.#timeoutMs = options.timeoutMs;
    this.#reconnect = options.reconnect;
    this.#WebSocket = options.WebSocket;
  }

  #connect(): Promise<WebSocket> {
    const open = this.#socket;
    if (open !== undefined && open.readyState === this.#WebSocket.OPEN) return Promise.resolve(open);
    this.#closedByUser = false;
    this.#connecting ??= new Promise<WebSocket>((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new this.#WebSocket(this.#url);
      } catch (cause) {
        reject(new WebSocketRequestError({ url: this.#url, reason: 'could not open the socket', cause }));
        return;
      }
      const onOpen = () => {
        ws.removeEventListener('error', onFailure);
        ws.removeEventListener('close', onFailure);
        this.#socket = ws;
        ws.addEventListener('message', (event) => this.#onMessage(event));
        ws.addEventListener('close', (event) => this.#onClose(ws, event.code));
        resolve(ws);
      };
      const onFailure = () => {
        ws.removeEventListener('open', onOpen);
        reject(new WebSocketRequestError({ url: this.#url, reason: 'could not connect' }));
      };
      ws.addEventListener('open', onOpen, { once: true });
      ws.addEventListener('error', onFailure, { once: true });
      ws.addEventListener('close', onFailure, { once: true });
    }).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async request(
    method: string,
    params: unknown,
    options: RequestOptions = {},
    onResult?: (result: unknown) => void,
  ): Promise<unknown> {
    if (options.signal?.aborted) throw options.signal.reason;
    const ws = await this.#connect();
    const id = this.#nextId++;
    const deadlineMs = options.timeoutMs ?? this.#timeoutMs;
    return await new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new TimeoutError({ timeoutMs: deadlineMs, what: method, url: this.#url }));
      }, deadlineMs);
      const onAbort = () => {
        cleanup();
        reject(options.signal?.reason);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        method,
        onResult,
        resolve: (result) => {
          cleanup();
          resolve(result);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  async subscribe<Topic extends SubscriptionTopic>(
    parameters: SubscribeParameters<Topic>,
  ): Promise<Subscription> {
    const subscription: LiveSubscription = {
      topic: parameters.topic,
      filter: parameters.filter,
      serverId: undefined,
      onData: parameters.onData as (result: unknown) => void,
      onError: parameters.onError,
      onReconnect: parameters.onReconnect,
    };
    this.#subscriptions.add(subscription);
    try {
      await this.#establish(subscription);
    } catch (error) {
      this.#subscriptions.delete(subscription);
      throw error;
    }
    return {
      unsubscribe: async () => {
        if (!this.#subscriptions.delete(subscription)) return;
        const serverId = subscription.serverId;
        if (serverId === undefined) return;
        this.#byServerId.delete(serverId);
        if (this.#socket?.readyState !== this.#WebSocket.OPEN) return;
        try {
          await this.request('synod_unsubscribe', [serverId]);
        } catch {
          // The subscription is gone locally; the node drops it with the socket anyway.
        }
      },
    };
  }

  async #establish(subscription: LiveSubscription): Promise<void> {
    const params =
      subscription.filter === undefined ? [subscription.topic] : [subscription.topic, subscription.filter];
    await this.request('synod_subscribe', params, {}, (result) => {
      // Registered synchronously with the response: the node sends notifications only after it.
      subscription.serverId = String(result);
      if (this.#subscriptions.has(subscription)) this.#byServerId.set(subscription.serverId, subscription);
    });
  }

  #onMessage(event: MessageEvent): void {
    if (typeof event.data !== 'string') return;
    let message: {
      id?: unknown;
      result?: unknown;
      error?: RpcErrorObject;
      method?: unknown;
      params?: { subscription?: unknown; result?: unknown };
    };
    try {
      message = JSON.parse(event.data) as typeof message;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    if (message.method === SUBSCRIPTION_NOTIFICATION_METHOD) {
      const subscription = this.#byServerId.get(String(message.params?.subscription));
      if (subscription === undefined) return;
      if (subscription.topic === 'transactionFinality') {
        // One-shot: the node ends it after this notification.
        this.#byServerId.delete(String(message.params?.subscription));
        this.#subscriptions.delete(subscription);
      }
      subscription.onData(message.params?.result);
      return;
    }
    if (typeof message.id !== 'number') return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    if (message.error !== undefined && message.error !== null) {
      pending.reject(rpcErrorFromResponse({ method: pending.method, url: this.#url, error: message.error }));
    } else {
      pending.onResult?.(message.result);
      pending.resolve(message.result);
    }
  }

  #onClose(ws: WebSocket, code: number): void {
    if (this.#socket !== ws) return;
    this.#socket = undefined;
    this.#byServerId.clear();
    for (const pending of [...this.#pending.values()]) {
      pending.reject(
        new WebSocketRequestError({
          url: this.#url,
          reason: `socket closed (${code})`,
          method: pending.method,
        }),
      );
    }
    if (!this.#closedByUser && this.#subscriptions.size > 0) void this.#reconnectSubscriptions(code);
  }

  async #reconnectSubscriptions(code: number): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#reconnect.attempts; attempt++) {
      await sleep(this.#reconnect.delayMs);
      if (this.#closedByUser) return;
      try {
        for (const subscription of [...this.#subscriptions]) {
          await this.#establish(subscription);
          subscription.onReconnect?.();
        }
        return;
      } catch (error) {
        lastError = error;
      }
    }
    const error =
      lastError instanceof Error
        ? lastError
        : new WebSocketRequestError({
            url: this.#url,
            reason: `socket closed (${code}) and reconnection is off`,
          });
    const ended = [...this.#subscriptions];
    this.#subscriptions.clear();
    for (const subscription of ended) subscription.onError?.(error);
  }

  async close(): Promise<void> {
    this.#closedByUser = true;
    this.#subscriptions.clear();
    this.#byServerId.clear();
    const ws = this.#socket;
    if (ws === undefined || ws.readyState === this.#WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.addEventListener('close', () => resolve(), { once: true });
      ws.close(1000, 'client closing');
    });
  }
}
