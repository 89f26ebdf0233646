// JSON-RPC from the page: calls over HTTP (a node's RPC, or L1's) and subscriptions over a
// node's WebSocket. Browser APIs only (fetch, WebSocket, AbortSignal).

export class RpcCallError extends Error {
  /** JSON-RPC error code, or 0 for a transport failure (unreachable, timeout, HTTP error). */
  readonly code: number;
  /** The node's symbolic code (error.data.code), when it gave one. */
  readonly dataCode: string | undefined;
  constructor(message: string, code: number, dataCode?: string) {
    super(message);
    this.name = 'RpcCallError';
    this.code = code;
    this.dataCode = dataCode;
  }
}

let nextId = 1;

/** One call; throws RpcCallError for a transport failure or a JSON-RPC error. */
export async function rpcCall<T>(
  url: string,
  method: string,
  params: unknown[],
  timeoutMs = 4_000,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new RpcCallError(`${method} at ${url}: ${(error as Error).message}`, 0);
  }
  let body: { result?: T; error?: { code: number; message: string; data?: { code?: string } } };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new RpcCallError(`${method} at ${url}: HTTP ${response.status}, not JSON`, 0);
  }
  if (body.error !== undefined) {
    throw new RpcCallError(`${method}: ${body.error.message}`, body.error.code, body.error.data?.code);
  }
  if (!('result' in body)) throw new RpcCallError(`${method} at ${url}: no result`, 0);
  return body.result as T;
}

export interface SubscriptionOptions<T> {
  wsUrl: string;
  topic: string;
  /** The subscription's filter param, if any. */
  filter?: unknown;
  onResult(result: T): void;
  /** Connected (true) or lost (false, with why). */
  onState(connected: boolean, reason?: string): void;
}

/**
 * A subscription that survives its socket: on close it reconnects after a backoff (0.5 s doubling
 * to 8 s) and subscribes again. What was notified while it was down is not replayed: callers
 * that need every item read the gap over HTTP.
 */
export class Subscription<T> {
  readonly #options: SubscriptionOptions<T>;
  #socket: WebSocket | undefined;
  #closed = false;
  #delayMs = 500;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SubscriptionOptions<T>) {
    this.#options = options;
    this.#connect();
  }

  #connect(): void {
    if (this.#closed) return;
    const options = this.#options;
    const socket = new WebSocket(options.wsUrl);
    this.#socket = socket;
    let subscription: string | undefined;
    socket.onopen = () => {
      const params = options.filter === undefined ? [options.topic] : [options.topic, options.filter];
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'synod_subscribe', params }));
    };
    socket.onmessage = (event) => {
      let message: {
        id?: number;
        result?: string;
        error?: { message: string };
        method?: string;
        params?: { subscription: string; result: T };
      };
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (message.id === 1) {
        if (message.error !== undefined) {
          options.onState(false, `synod_subscribe ${options.topic}: ${message.error.message}`);
          socket.close();
          return;
        }
        subscription = message.result;
        this.#delayMs = 500;
        options.onState(true);
        return;
      }
      const params = message.params;
      if (
        message.method === 'synod_subscription' &&
        params !== undefined &&
        params.subscription === subscription
      ) {
        options.onResult(params.result);
      }
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.#closed) return;
      options.onState(false, `WebSocket ${options.wsUrl} closed; retrying in ${this.#delayMs / 1000} s`);
      this.#timer = setTimeout(() => this.#connect(), this.#delayMs);
      this.#delayMs = Math.min(this.#delayMs * 2, 8_000);
    };
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
  }
}
