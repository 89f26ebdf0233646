import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ControlError, NodeStateError } from './errors.ts';
import { type TestnetLayout, testnetLayout } from './layout.ts';
import { type LinkMesh, type LinkMode, MAX_LINK_DELAY_MS } from './proxy.ts';
import type { NodeRpc } from './rpc.ts';
import type { NodeRuntimeStatus, ValidatorSet, ValidatorTotals } from './validators.ts';

/**
 * The control endpoint of a running testnet: HTTP on 127.0.0.1, port P+2, written to
 * `.testnet/control.json` for scripts (`pnpm testnet:ctl`, TestnetControl below):
 *
 *   GET  /status                            nodes (state, pid, exits, height, peers) and links
 *   POST /nodes/<node>/kill|stop            SIGKILL | SIGTERM; body {"restart": true} to let the
 *                                           restart policy bring it back (default: stays down)
 *   POST /nodes/<node>/pause|resume         SIGSTOP | SIGCONT
 *   POST /nodes/<node>/restart|start        stop (if running) and start | start a node that is down
 *   POST /nodes/<node>/sources-down|up      every price source of that node unreachable | back
 *   POST /links/<a>/<b>/cut|blackhole|heal  the link between two nodes (both directions)
 *   POST /links/<a>/<b>/delay               body {"ms": N}: N ms more on every chunk, each way
 *   POST /partition                         body {"nodes": ["node-2"], "mode": "cut"|"blackhole"}:
 *                                           separates those nodes from the others
 *   POST /heal                              every link up, no delay
 *
 * A node is `node-<i>` or `<i>`. Answers are JSON; errors are `{"error": "…"}` with 400 (bad
 * request), 404 (unknown node or path), 405 (method), 409 (not possible now: the node is down,
 * the testnet runs without link proxies, it is stopping).
 */

export const NODE_ACTIONS = [
  'kill',
  'stop',
  'pause',
  'resume',
  'restart',
  'start',
  'sources-down',
  'sources-up',
] as const;
export type NodeAction = (typeof NODE_ACTIONS)[number];
export const LINK_ACTIONS = ['cut', 'blackhole', 'heal', 'delay'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

export type ControlCommand =
  | { kind: 'status' }
  | { kind: 'node'; action: NodeAction; node: number; restart: boolean }
  | { kind: 'link'; action: LinkAction; a: number; b: number; delayMs: number }
  | { kind: 'partition'; nodes: number[]; mode: 'cut' | 'blackhole' }
  | { kind: 'heal-all' };

export type ParsedControlRequest =
  | { ok: true; command: ControlCommand }
  | { ok: false; status: 400 | 404 | 405; error: string };

/** The largest request body: commands are a few bytes of JSON. */
const MAX_BODY_BYTES = 64 * 1024;

function fail(status: 400 | 404 | 405, error: string): ParsedControlRequest {
  return { ok: false, status, error };
}

function nodeList(nodes: number): string {
  return nodes === 1 ? 'node-0' : `node-0 … node-${nodes - 1}`;
}

/** `node-2` or `2` → 2; undefined for anything else (or out of range). */
export function parseNodeName(text: string, nodes: number): number | undefined {
  const match = /^(?:node-)?(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const index = Number(match[1]);
  return index < nodes ? index : undefined;
}

function unknownNode(text: string, nodes: number): ParsedControlRequest {
  return fail(404, `unknown node "${text}": this testnet has ${nodeList(nodes)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a control request (method, path, parsed JSON body or undefined) against a testnet of
 * `nodes` nodes. Pure: the server and the tests share it.
 */
export function parseControlRequest(
  request: { method: string; path: string; body: unknown },
  nodes: number,
): ParsedControlRequest {
  const path = request.path.split('?')[0]!.replace(/\/+$/, '') || '/';
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  const body = request.body;
  if (body !== undefined && !isObject(body)) return fail(400, 'the body must be a JSON object');
  const post = (command: ControlCommand): ParsedControlRequest =>
    request.method === 'POST'
      ? { ok: true, command }
      : fail(405, `${path} takes POST, not ${request.method}`);

  if (path === '/status' || path === '/') {
    return request.method === 'GET'
      ? { ok: true, command: { kind: 'status' } }
      : fail(405, `${path} takes GET, not ${request.method}`);
  }
  if (parts[0] === 'nodes' && parts.length === 3) {
    const node = parseNodeName(parts[1]!, nodes);
    if (node === undefined) return unknownNode(parts[1]!, nodes);
    const action = parts[2]!;
    if (!(NODE_ACTIONS as readonly string[]).includes(action)) {
      return fail(400, `unknown node command "${action}": one of ${NODE_ACTIONS.join(', ')}`);
    }
    const restart = body?.restart;
    if (restart !== undefined && typeof restart !== 'boolean')
      return fail(400, '"restart" must be true or false');
    if (restart === true && action !== 'kill' && action !== 'stop') {
      return fail(400, `"restart" goes with kill and stop, not ${action}`);
    }
    return post({ kind: 'node', action: action as NodeAction, node, restart: restart === true });
  }
  if (parts[0] === 'links' && parts.length === 4) {
    const a = parseNodeName(parts[1]!, nodes);
    if (a === undefined) return unknownNode(parts[1]!, nodes);
    const b = parseNodeName(parts[2]!, nodes);
    if (b === undefined) return unknownNode(parts[2]!, nodes);
    if (a === b) return fail(400, `a link joins two different nodes, not node-${a} and itself`);
    const action = parts[3]!;
    if (!(LINK_ACTIONS as readonly string[]).includes(action)) {
      return fail(400, `unknown link command "${action}": one of ${LINK_ACTIONS.join(', ')}`);
    }
    let delayMs = 0;
    if (action === 'delay') {
      const ms = body?.ms;
      if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0 || ms > MAX_LINK_DELAY_MS) {
        return fail(400, `delay needs {"ms": N} with N an integer in 0..${MAX_LINK_DELAY_MS}`);
      }
      delayMs = ms;
    }
    return post({ kind: 'link', action: action as LinkAction, a, b, delayMs });
  }
  if (path === '/partition') {
    const names = body?.nodes;
    if (!Array.isArray(names) || names.length === 0) {
      return fail(400, 'partition needs {"nodes": ["node-<i>", …]}: the nodes to separate from the others');
    }
    const group: number[] = [];
    for (const name of names) {
      const index =
        typeof name === 'string' || typeof name === 'number' ? parseNodeName(String(name), nodes) : undefined;
      if (index === undefined) return unknownNode(String(name), nodes);
      if (!group.includes(index)) group.push(index);
    }
    if (group.length >= nodes) return fail(400, 'a partition leaves at least one node on the other side');
    const mode = body?.mode ?? 'cut';
    if (mode !== 'cut' && mode !== 'blackhole') return fail(400, '"mode" is "cut" or "blackhole"');
    return post({ kind: 'partition', nodes: group.sort((x, y) => x - y), mode });
  }
  if (path === '/heal') return post({ kind: 'heal-all' });
  return fail(
    404,
    `no such endpoint ${request.method} ${path}: GET /status, POST /nodes/<node>/<${NODE_ACTIONS.join('|')}>, POST /links/<a>/<b>/<${LINK_ACTIONS.join('|')}>, POST /partition, POST /heal`,
  );
}

/** A link as the control endpoint reports it. */
export interface ControlLinkStatus {
  a: string;
  b: string;
  mode: LinkMode;
  delayMs: number;
  connections: number;
  bytes: number;
}

export interface ControlNodeStatus extends NodeRuntimeStatus {
  /** From the node's RPC (null when it does not answer within a second). */
  finalizedHeight: number | null;
  peers: number | null;
}

export interface ControlStatus {
  nodes: ControlNodeStatus[];
  /** Every link, or null when the testnet runs without link proxies. */
  links: ControlLinkStatus[] | null;
  /** Nodes whose price sources are down (sources-down). */
  sourcesDown: string[];
  totals: ValidatorTotals;
}

/** What the control endpoint acts on. */
export interface ControlTarget {
  validators: ValidatorSet;
  /** undefined without link proxies: link commands answer 409. */
  links: LinkMesh | undefined;
  /** A short-timeout RPC client per node, for heights in the status. */
  rpc(index: number): NodeRpc;
  /** Told of every link change (the runner prints it). */
  onEvent?(message: string): void;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ControlError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlError(400, 'the body is not JSON');
  }
}

function linkName(index: number): string {
  return `node-${index}`;
}

/** Runs a validated command. Throws ControlError for what is not possible now. */
export async function executeControlCommand(
  target: ControlTarget,
  command: ControlCommand,
): Promise<unknown> {
  const say = (message: string) => target.onEvent?.(message);
  switch (command.kind) {
    case 'status':
      return await controlStatus(target);
    case 'node': {
      const { validators } = target;
      try {
        switch (command.action) {
          case 'kill':
            return await validators.kill(command.node, { restart: command.restart });
          case 'stop':
            return await validators.stop(command.node, { restart: command.restart });
          case 'pause':
            return validators.pause(command.node);
          case 'resume':
            return validators.resume(command.node);
          case 'restart':
            return await validators.restart(command.node);
          case 'start':
            return validators.start(command.node);
          case 'sources-down':
          case 'sources-up': {
            const links = requireLinks(target);
            if (!links.hasSources) throw new ControlError(409, 'the price sources are not behind proxies');
            const up = command.action === 'sources-up';
            links.setSources(command.node, up ? { mode: 'up', delayMs: 0 } : { mode: 'cut', delayMs: 0 });
            say(`price sources of node-${command.node} ${up ? 'back up' : 'down'}`);
            return validators.nodeStatus(command.node);
          }
        }
      } catch (error) {
        if (error instanceof NodeStateError) throw new ControlError(409, error.message);
        throw error;
      }
      break;
    }
    case 'link': {
      const links = requireLinks(target);
      const { a, b } = command;
      const condition =
        command.action === 'delay'
          ? { mode: 'up' as const, delayMs: command.delayMs }
          : { mode: command.action === 'heal' ? ('up' as const) : command.action, delayMs: 0 };
      links.set(a, b, condition);
      const what =
        command.action === 'delay'
          ? `delayed by ${command.delayMs} ms each way`
          : command.action === 'heal'
            ? 'healed'
            : command.action;
      say(`link node-${a} — node-${b} ${what}`);
      return linkStatus(links).find(
        (link) => link.a === linkName(Math.min(a, b)) && link.b === linkName(Math.max(a, b)),
      );
    }
    case 'partition': {
      const links = requireLinks(target);
      links.partition(command.nodes, command.mode);
      say(
        `partition (${command.mode}): ${command.nodes.map(linkName).join(', ')} separated from the other nodes`,
      );
      return { links: linkStatus(links) };
    }
    case 'heal-all': {
      const links = requireLinks(target);
      links.healAll();
      say('every link healed');
      return { links: linkStatus(links) };
    }
  }
  throw new ControlError(400, 'unknown command');
}

function requireLinks(target: ControlTarget): LinkMesh {
  if (target.links === undefined) {
    throw new ControlError(409, 'this testnet runs without link proxies (--no-proxy): no link faults');
  }
  return target.links;
}

function linkStatus(links: LinkMesh): ControlLinkStatus[] {
  return links.status().map((link) => ({ ...link, a: linkName(link.a), b: linkName(link.b) }));
}

async function controlStatus(target: ControlTarget): Promise<ControlStatus> {
  const nodes = target.validators.status();
  const rpcs = await Promise.all(
    nodes.map((node) =>
      node.state === 'running'
        ? target
            .rpc(node.index)
            .status()
            .catch(() => undefined)
        : Promise.resolve(undefined),
    ),
  );
  return {
    nodes: nodes.map((node, i) => ({
      ...node,
      finalizedHeight: rpcs[i]?.finalizedHeight ?? null,
      peers: rpcs[i]?.peers ?? null,
    })),
    links: target.links === undefined ? null : linkStatus(target.links),
    sourcesDown: target.links?.sourcesDown().map(linkName) ?? [],
    totals: target.validators.totals(),
  };
}

function send(response: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** The HTTP server of the control endpoint. */
export class ControlServer {
  readonly #target: ControlTarget;
  readonly #server: Server;
  readonly #host: string;
  readonly #port: number;

  constructor(target: ControlTarget, options: { port: number; host?: string }) {
    this.#target = target;
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port;
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  get url(): string {
    const address = this.#server.address();
    const port = address !== null && typeof address === 'object' ? address.port : this.#port;
    return `http://${this.#host}:${port}/`;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await readBody(request);
      const parsed = parseControlRequest(
        { method: request.method ?? 'GET', path: request.url ?? '/', body },
        this.#target.validators.size,
      );
      if (!parsed.ok) {
        send(response, parsed.status, { error: parsed.error });
        return;
      }
      send(response, 200, await executeControlCommand(this.#target, parsed.command));
    } catch (error) {
      if (error instanceof ControlError) send(response, error.status, { error: error.message });
      else send(response, 500, { error: (error as Error).message ?? String(error) });
    }
  }
}

/** `.testnet/control.json`: where a running testnet's control endpoint listens. */
export interface ControlEndpointFile {
  url: string;
  /** The runner's pid. */
  pid: number;
  nodes: number;
  basePort: number;
  linkProxies: boolean;
  startedAt: string;
}

/**
 * A client of the control endpoint, for tests, fault campaigns and `pnpm testnet:ctl`:
 *
 * ```ts
 * const control = await TestnetControl.find(); // .testnet/control.json (or $SYNOD_TESTNET_DIR)
 * await control.kill('node-2');
 * await control.partition(['node-3']);
 * await control.healAll();
 * console.log(await control.status());
 * ```
 */
export class TestnetControl {
  readonly url: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.url = url.endsWith('/') ? url : `${url}/`;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The control endpoint of the testnet in `layout` (default `.testnet/`); throws when none runs. */
  static async find(layout?: TestnetLayout): Promise<TestnetControl> {
    const path = (layout ?? testnetLayout()).control;
    let file: ControlEndpointFile;
    try {
      file = JSON.parse(await readFile(path, 'utf8')) as ControlEndpointFile;
    } catch {
      throw new ControlError(0, `no running testnet: ${path} does not exist (start one with pnpm testnet)`);
    }
    return new TestnetControl(file.url);
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.url), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ControlError(
        0,
        `the testnet's control endpoint ${this.url} does not answer (${cause}): is the testnet running?`,
      );
    }
    const answer = (await response.json().catch(() => ({ error: `HTTP ${response.status}` }))) as T & {
      error?: string;
    };
    if (!response.ok) throw new ControlError(response.status, answer.error ?? `HTTP ${response.status}`);
    return answer;
  }

  status(): Promise<ControlStatus> {
    return this.#request('GET', 'status');
  }

  #node(node: string | number, action: NodeAction, body?: unknown): Promise<NodeRuntimeStatus> {
    return this.#request('POST', `nodes/${encodeURIComponent(String(node))}/${action}`, body);
  }

  /** SIGKILL; it stays down unless `restart` lets the restart policy bring it back. */
  kill(node: string | number, options: { restart?: boolean } = {}): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'kill', options.restart === true ? { restart: true } : undefined);
  }

  /** SIGTERM (graceful); it stays down unless `restart`. */
  stop(node: string | number, options: { restart?: boolean } = {}): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'stop', options.restart === true ? { restart: true } : undefined);
  }

  pause(node: string | number): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'pause');
  }

  resume(node: string | number): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'resume');
  }

  restart(node: string | number): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'restart');
  }

  start(node: string | number): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'start');
  }

  /** Every price source of the node unreachable (its oracle observes nothing) until sourcesUp. */
  sourcesDown(node: string | number): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'sources-down');
  }

  sourcesUp(node: string | number): Promise<NodeRuntimeStatus> {
    return this.#node(node, 'sources-up');
  }

  #link(
    a: string | number,
    b: string | number,
    action: LinkAction,
    body?: unknown,
  ): Promise<ControlLinkStatus> {
    return this.#request(
      'POST',
      `links/${encodeURIComponent(String(a))}/${encodeURIComponent(String(b))}/${action}`,
      body,
    );
  }

  /** Resets the link's connections and refuses new ones (RST), both directions. */
  cut(a: string | number, b: string | number): Promise<ControlLinkStatus> {
    return this.#link(a, b, 'cut');
  }

  /** Holds the link's bytes silently (no RST), both directions. */
  blackhole(a: string | number, b: string | number): Promise<ControlLinkStatus> {
    return this.#link(a, b, 'blackhole');
  }

  /** `ms` more on every chunk, each way (0 lifts the delay). */
  delay(a: string | number, b: string | number, ms: number): Promise<ControlLinkStatus> {
    return this.#link(a, b, 'delay', { ms });
  }

  heal(a: string | number, b: string | number): Promise<ControlLinkStatus> {
    return this.#link(a, b, 'heal');
  }

  /** Separates `nodes` from the others (one node: isolates it). */
  partition(
    nodes: readonly (string | number)[],
    options: { mode?: 'cut' | 'blackhole' } = {},
  ): Promise<{ links: ControlLinkStatus[] }> {
    return this.#request('POST', 'partition', { nodes: nodes.map(String), mode: options.mode ?? 'cut' });
  }

  healAll(): Promise<{ links: ControlLinkStatus[] }> {
    return this.#request('POST', 'heal');
  }
}
