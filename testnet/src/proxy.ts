import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * Network faults for real node processes, without root or containers: every validator's p2p
 * traffic to every other goes through a TCP proxy of the runner, one per ordered pair (node i
 * dials node j through the proxy of (i → j), which forwards to j's real listen port). The runner
 * sets each link's condition:
 *
 * - `up`: bytes are forwarded as they come (optionally each chunk `delayMs` later, order kept);
 * - `cut`: live connections are reset (RST on both sides), new ones are accepted and reset at once;
 * - `blackhole`: nothing moves and nobody is told, as in a partition where packets vanish: live
 *   connections stop being read (the kernel buffers fill, then the senders block), new ones are
 *   accepted and held without dialing the target. Healing resumes them, as TCP would after a short
 *   partition; whoever gave up meanwhile (a ping timeout) has closed its side, which then reaches
 *   the other.
 */

export type LinkMode = 'up' | 'cut' | 'blackhole';

export interface LinkCondition {
  mode: LinkMode;
  /** Added to every chunk in both directions while `up` (0 = none). */
  delayMs: number;
}

export const LINK_UP: LinkCondition = Object.freeze({ mode: 'up', delayMs: 0 });

/** The longest delay a link takes: a minute is already "down" for consensus. */
export const MAX_LINK_DELAY_MS = 60_000;

/** A connection whose one side closed cleanly is destroyed after this, if the other has not closed. */
const HALF_CLOSED_LINGER_MS = 10_000;

/** Bytes a delayed direction may hold before it stops reading its source (backpressure). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export interface LinkProxyStats {
  /** Connections open through the proxy now (forwarding, or held by a blackhole). */
  connections: number;
  /** Connections accepted since the proxy started (reset ones included). */
  accepted: number;
  /** Connections reset because the link was cut (live or new). */
  reset: number;
  /** Bytes forwarded dialer → target and back. */
  bytesForward: number;
  bytesBackward: number;
}

interface Queued {
  chunk: Buffer;
  receivedAtMs: number;
}

/** One direction of a proxied connection: reads `source`, writes `sink`, after the link's delay. */
class Flow {
  readonly #source: Socket;
  readonly #sink: () => Socket | undefined;
  readonly #link: () => LinkCondition;
  readonly #onBytes: (bytes: number) => void;
  readonly #queue: Queued[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #endForwarded = false;
  #waitingForDrain = false;

  constructor(parameters: {
    source: Socket;
    sink: () => Socket | undefined;
    link: () => LinkCondition;
    onBytes: (bytes: number) => void;
  }) {
    this.#source = parameters.source;
    this.#sink = parameters.sink;
    this.#link = parameters.link;
    this.#onBytes = parameters.onBytes;
    this.#source.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#source.on('end', () => {
      this.#ended = true;
      this.flush();
    });
  }

  /** The source sent FIN and everything before it was written to the sink. */
  get finished(): boolean {
    return this.#endForwarded;
  }

  #receive(chunk: Buffer): void {
    const { mode, delayMs } = this.#link();
    const sink = this.#sink();
    if (mode === 'up' && delayMs === 0 && this.#queue.length === 0 && sink !== undefined) {
      this.#write(sink, chunk);
      return;
    }
    // Delayed, held by a blackhole, or before the target answered: queued in order. A chunk is due
    // `delayMs` after it came, with the link's delay at the time it is sent (a delay lifted
    // releases what waits for it).
    this.#queue.push({ chunk, receivedAtMs: Date.now() });
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > MAX_QUEUED_BYTES) this.#source.pause();
    this.flush();
  }

  #write(sink: Socket, chunk: Buffer): void {
    this.#onBytes(chunk.length);
    if (!sink.write(chunk) && !this.#waitingForDrain) {
      this.#waitingForDrain = true;
      this.#source.pause();
      sink.once('drain', () => {
        this.#waitingForDrain = false;
        this.resume();
      });
    }
  }

  /** Reads the source again unless the link holds it or the sink is full. */
  resume(): void {
    if (this.#link().mode !== 'up' || this.#waitingForDrain || this.#queuedBytes > MAX_QUEUED_BYTES) return;
    if (!this.#source.destroyed) this.#source.resume();
  }

  pause(): void {
    this.#source.pause();
  }

  /** Writes what is due; arms a timer for the rest. Nothing moves unless the link is up. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const sink = this.#sink();
    const { mode, delayMs } = this.#link();
    if (mode !== 'up' || sink === undefined || sink.destroyed) return;
    const nowMs = Date.now();
    while (this.#queue.length > 0 && this.#queue[0]!.receivedAtMs + delayMs <= nowMs) {
      const { chunk } = this.#queue.shift()!;
      this.#queuedBytes -= chunk.length;
      this.#write(sink, chunk);
    }
    if (this.#queue.length > 0) {
      this.#timer = setTimeout(() => this.flush(), this.#queue[0]!.receivedAtMs + delayMs - nowMs);
      return;
    }
    if (this.#queuedBytes <= MAX_QUEUED_BYTES) this.resume();
    if (this.#ended && !this.#endForwarded) {
      this.#endForwarded = true;
      sink.end();
    }
  }

  /** Drops what is queued (the connection is being reset). */
  discard(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
  }
}

/** One connection through the proxy: the dialer's socket and (once dialed) the target's. */
class ProxiedConnection {
  readonly #proxy: LinkProxy;
  readonly #client: Socket;
  #upstream: Socket | undefined;
  readonly #flows: Flow[] = [];
  #closed = false;

  constructor(proxy: LinkProxy, client: Socket) {
    this.#proxy = proxy;
    this.#client = client;
    this.#flows.push(
      new Flow({
        source: client,
        sink: () => (this.#upstream?.connecting === false ? this.#upstream : undefined),
        link: () => proxy.condition,
        onBytes: (bytes) => proxy.countBytes('forward', bytes),
      }),
    );
    this.#watch(client);
  }

  /** Dials the target and starts moving bytes (once the link is up). */
  connectUpstream(host: string, port: number): void {
    if (this.#upstream !== undefined || this.#closed) return;
    const upstream = createConnection({ host, port, allowHalfOpen: true, noDelay: true });
    this.#upstream = upstream;
    this.#flows.push(
      new Flow({
        source: upstream,
        sink: () => (this.#client.destroyed ? undefined : this.#client),
        link: () => this.#proxy.condition,
        onBytes: (bytes) => this.#proxy.countBytes('backward', bytes),
      }),
    );
    upstream.on('connect', () => this.#flows[0]!.flush());
    this.#watch(upstream);
    if (this.#proxy.condition.mode === 'blackhole') this.hold();
  }

  /** Blackhole: stop reading both sides; queued bytes wait. */
  hold(): void {
    for (const flow of this.#flows) flow.pause();
  }

  /** Link up again (or its delay changed): move what waits, read again. */
  release(): void {
    for (const flow of this.#flows) {
      flow.flush();
      flow.resume();
    }
  }

  /** RST to both sides. */
  reset(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const flow of this.#flows) flow.discard();
    for (const socket of [this.#client, this.#upstream]) {
      if (socket !== undefined && !socket.destroyed) socket.resetAndDestroy();
    }
    this.#proxy.forget(this);
  }

  /**
   * A failed side (a reset, or the target refusing: a killed node) resets the other, as a direct
   * connection would see it. A clean close needs nothing: each FIN is passed on after the bytes
   * before it, and a half-open socket closes itself once both directions ended.
   */
  #watch(socket: Socket): void {
    socket.on('error', () => this.reset());
    socket.on('close', () => {
      if (this.#closed) return;
      if (this.#client.destroyed && (this.#upstream === undefined || this.#upstream.destroyed)) {
        this.#closed = true;
        this.#proxy.forget(this);
        return;
      }
      // One side is gone cleanly; the other gets what is queued for it, then has a while to finish.
      const other = socket === this.#client ? this.#upstream : this.#client;
      if (other === undefined) {
        this.reset();
        return;
      }
      setTimeout(() => {
        if (!other.destroyed) other.destroy();
      }, HALF_CLOSED_LINGER_MS).unref();
    });
  }
}

export interface LinkProxyOptions {
  /** Where the dialer connects. */
  listenPort: number;
  /** The target node's real p2p port. */
  targetPort: number;
  host?: string;
  /** For logs and errors: `node-1 → node-3`. */
  name?: string;
}

/** The proxy of one ordered pair: node i's connections to node j. */
export class LinkProxy {
  readonly name: string;
  readonly listenPort: number;
  readonly targetPort: number;
  readonly host: string;
  readonly #server: Server;
  readonly #connections = new Set<ProxiedConnection>();
  #condition: LinkCondition = LINK_UP;
  readonly #stats = { accepted: 0, reset: 0, bytesForward: 0, bytesBackward: 0 };

  constructor(options: LinkProxyOptions) {
    this.listenPort = options.listenPort;
    this.targetPort = options.targetPort;
    this.host = options.host ?? '127.0.0.1';
    this.name = options.name ?? `:${options.listenPort} → :${options.targetPort}`;
    this.#server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (client) =>
      this.#accept(client),
    );
  }

  get condition(): LinkCondition {
    return this.#condition;
  }

  /** The port it listens on (the given one, or the one the system chose for 0). */
  get port(): number {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address.port : this.listenPort;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.listenPort, this.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Resets every connection and stops listening. */
  async close(): Promise<void> {
    for (const connection of [...this.#connections]) connection.reset();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Changes the link's condition; applies to live connections at once. */
  set(condition: LinkCondition): void {
    if (
      !Number.isSafeInteger(condition.delayMs) ||
      condition.delayMs < 0 ||
      condition.delayMs > MAX_LINK_DELAY_MS
    ) {
      throw new RangeError(`delay ${condition.delayMs} ms outside 0..${MAX_LINK_DELAY_MS}`);
    }
    this.#condition = Object.freeze({ ...condition });
    const connections = [...this.#connections];
    switch (condition.mode) {
      case 'cut':
        this.#stats.reset += connections.length;
        for (const connection of connections) connection.reset();
        break;
      case 'blackhole':
        for (const connection of connections) connection.hold();
        break;
      case 'up':
        for (const connection of connections) {
          // Held since a blackhole before the target was dialed: dial it now.
          connection.connectUpstream(this.host, this.targetPort);
          connection.release();
        }
        break;
    }
  }

  stats(): LinkProxyStats {
    return { connections: this.#connections.size, ...this.#stats };
  }

  /** @internal */
  countBytes(direction: 'forward' | 'backward', bytes: number): void {
    if (direction === 'forward') this.#stats.bytesForward += bytes;
    else this.#stats.bytesBackward += bytes;
  }

  /** @internal */
  forget(connection: ProxiedConnection): void {
    this.#connections.delete(connection);
  }

  #accept(client: Socket): void {
    this.#stats.accepted++;
    if (this.#condition.mode === 'cut') {
      this.#stats.reset++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const connection = new ProxiedConnection(this, client);
    this.#connections.add(connection);
    if (this.#condition.mode === 'blackhole') return; // held: paused since accept, nothing dialed
    connection.connectUpstream(this.host, this.targetPort);
    client.resume();
  }
}

/** What the runner reports of one link (an unordered pair of nodes; both of its proxies). */
export interface LinkStatus {
  a: number;
  b: number;
  mode: LinkMode;
  delayMs: number;
  /** Connections through the two proxies now. */
  connections: number;
  /** Bytes through both proxies, both directions, since the start. */
  bytes: number;
}

export interface LinkMeshOptions {
  nodes: number;
  /** Where node `from` dials node `to`. */
  proxyPort(from: number, to: number): number;
  /** Where node `to` really listens. */
  targetPort(to: number): number;
  /** Node i's price sources proxy, and the simulator's port it forwards to (both or neither). */
  sourcesProxyPort?(node: number): number;
  sourcesTargetPort?: number;
  host?: string;
}

/**
 * Every link proxy of a testnet. A link between nodes a and b is both proxies, (a → b) and
 * (b → a): cutting it cuts whoever dials.
 */
export class LinkMesh {
  readonly nodes: number;
  readonly #proxies = new Map<string, LinkProxy>();
  /** Per node: its price sources' way to the simulator (empty without sourcesProxyPort). */
  readonly #sources: LinkProxy[] = [];

  constructor(options: LinkMeshOptions) {
    this.nodes = options.nodes;
    if (options.sourcesProxyPort !== undefined && options.sourcesTargetPort !== undefined) {
      for (let node = 0; node < options.nodes; node++) {
        this.#sources.push(
          new LinkProxy({
            listenPort: options.sourcesProxyPort(node),
            targetPort: options.sourcesTargetPort,
            host: options.host,
            name: `node-${node} → price sources`,
          }),
        );
      }
    }
    for (let from = 0; from < options.nodes; from++) {
      for (let to = 0; to < options.nodes; to++) {
        if (from === to) continue;
        this.#proxies.set(
          `${from}>${to}`,
          new LinkProxy({
            listenPort: options.proxyPort(from, to),
            targetPort: options.targetPort(to),
            host: options.host,
            name: `node-${from} → node-${to}`,
          }),
        );
      }
    }
  }

  /** Listens on every proxy port; on failure closes the ones that did listen. */
  async start(): Promise<void> {
    const all = [...this.#proxies.values(), ...this.#sources];
    const results = await Promise.allSettled(all.map((proxy) => proxy.start()));
    const failed = results.findIndex((result) => result.status === 'rejected');
    if (failed >= 0) {
      await this.close();
      const proxy = all[failed]!;
      throw new Error(
        `link proxy ${proxy.name} cannot listen on 127.0.0.1:${proxy.listenPort}: ${((results[failed] as PromiseRejectedResult).reason as Error).message}`,
      );
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#proxies.values(), ...this.#sources].map((proxy) => proxy.close()));
  }

  /** Whether node i's price sources go through a proxy here (the runner's testnets: yes). */
  get hasSources(): boolean {
    return this.#sources.length > 0;
  }

  /** Cuts (every source of node i down: connections reset, new ones refused) or heals its price sources. */
  setSources(node: number, condition: LinkCondition): void {
    const proxy = this.#sources[node];
    if (proxy === undefined) throw new RangeError(`no price-sources proxy for node ${node}`);
    proxy.set(condition);
  }

  /** Nodes whose price sources are not up. */
  sourcesDown(): number[] {
    return this.#sources.flatMap((proxy, node) => (proxy.condition.mode === 'up' ? [] : [node]));
  }

  proxy(from: number, to: number): LinkProxy {
    const proxy = this.#proxies.get(`${from}>${to}`);
    if (proxy === undefined) throw new RangeError(`no link proxy from node ${from} to node ${to}`);
    return proxy;
  }

  condition(a: number, b: number): LinkCondition {
    return this.proxy(a, b).condition;
  }

  /** Sets the link a–b (both directions). */
  set(a: number, b: number, condition: LinkCondition): void {
    this.proxy(a, b).set(condition);
    this.proxy(b, a).set(condition);
  }

  /** Separates `group` from every other node (links inside the group and outside it stay as they are). */
  partition(group: readonly number[], mode: 'cut' | 'blackhole' = 'cut'): void {
    const inside = new Set(group);
    for (const a of inside) {
      for (let b = 0; b < this.nodes; b++) if (!inside.has(b)) this.set(a, b, { mode, delayMs: 0 });
    }
  }

  /** Every link up, without delay (price sources too). */
  healAll(): void {
    for (const proxy of [...this.#proxies.values(), ...this.#sources]) {
      if (proxy.condition.mode !== 'up' || proxy.condition.delayMs !== 0) proxy.set(LINK_UP);
    }
  }

  /** Every link (a < b), in order. */
  status(): LinkStatus[] {
    const links: LinkStatus[] = [];
    for (let a = 0; a < this.nodes; a++) {
      for (let b = a + 1; b < this.nodes; b++) {
        const there = this.proxy(a, b);
        const back = this.proxy(b, a);
        const [s1, s2] = [there.stats(), back.stats()];
        links.push({
          a,
          b,
          mode: there.condition.mode,
          delayMs: there.condition.delayMs,
          connections: s1.connections + s2.connections,
          bytes: s1.bytesForward + s1.bytesBackward + s2.bytesForward + s2.bytesBackward,
        });
      }
    }
    return links;
  }
}
