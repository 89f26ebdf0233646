import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { stripTypeScriptTypes } from 'node:module';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardConfig } from '../app/types.ts';

/**
 * The dashboard's HTTP server: the page (app/index.html), its modules and the config. The page's
 * modules are TypeScript with erasable syntax only (as the whole repository); the server strips
 * their types with Node's own `stripTypeScriptTypes` when it first serves them, so nothing is
 * built by hand and what runs in the browser is the checked source, position for position. The
 * page then talks to the nodes (and L1) directly, as any app would: nothing is proxied here.
 */

export const APP_DIR = fileURLToPath(new URL('../app/', import.meta.url));

/** What the server may send, by extension: everything else under app/ is 404. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export class DashboardError extends Error {
  readonly code: 'INVALID_CONFIG' | 'LISTEN_FAILED';
  constructor(code: DashboardError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DashboardError';
    this.code = code;
  }
}

export interface StartDashboardOptions {
  config: DashboardConfig;
  /** Default 127.0.0.1: the page links to the nodes' RPC, which the testnet binds there too. */
  host?: string;
  /** 0 = any free port. */
  port: number;
}

export interface RunningDashboard {
  /** http://host:port/ */
  url: string;
  /** The page's origin, for the nodes' rpc.corsOrigins. */
  origin: string;
  close(): Promise<void>;
}

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_32 = /^0x[0-9a-fA-F]{64}$/;

/** Refuses a config the page could not use, naming the field. */
export function checkDashboardConfig(config: DashboardConfig): void {
  const fail = (field: string, why: string) => {
    throw new DashboardError('INVALID_CONFIG', `dashboard config: ${field} ${why}`);
  };
  const url = (field: string, text: string, protocols: string[]) => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return fail(field, `is not a URL: ${JSON.stringify(text)}`);
    }
    if (!protocols.includes(parsed.protocol)) fail(field, `must be ${protocols.join(' or ')}: ${text}`);
  };
  if (config.nodes.length === 0) fail('nodes', 'is empty: the page needs at least one node');
  config.nodes.forEach((node, i) => {
    if (node.name.length === 0) fail(`nodes[${i}].name`, 'is empty');
    url(`nodes[${i}].rpcUrl`, node.rpcUrl, ['http:', 'https:']);
    url(`nodes[${i}].wsUrl`, node.wsUrl, ['ws:', 'wss:']);
  });
  if (!Number.isSafeInteger(config.pollIntervalMs) || config.pollIntervalMs < 200) {
    fail('pollIntervalMs', `must be an integer ≥ 200 (ms): ${config.pollIntervalMs}`);
  }
  const l1 = config.l1;
  if (l1 === undefined) return;
  url('l1.rpcUrl', l1.rpcUrl, ['http:', 'https:']);
  if (!HEX_ADDRESS.test(l1.inbox)) fail('l1.inbox', `is not an address: ${l1.inbox}`);
  l1.adapters.forEach((adapter, i) => {
    if (!HEX_32.test(adapter.feedId))
      fail(`l1.adapters[${i}].feedId`, `is not 32 bytes of hex: ${adapter.feedId}`);
    if (!HEX_ADDRESS.test(adapter.address)) fail(`l1.adapters[${i}].address`, `is not an address`);
  });
  l1.settlements.forEach((settlement, i) => {
    if (!HEX_ADDRESS.test(settlement.address)) fail(`l1.settlements[${i}].address`, 'is not an address');
    if (!HEX_32.test(settlement.namespace)) fail(`l1.settlements[${i}].namespace`, 'is not 32 bytes of hex');
  });
}

/** The body and type of GET `path`, or undefined (404). Only files directly in app/ (and its subfolders) with a known extension. */
async function appFile(
  path: string,
  cache: Map<string, { mtimeMs: number; body: Buffer }>,
): Promise<{ body: Buffer; type: string } | undefined> {
  const type = CONTENT_TYPES[extname(path)];
  if (type === undefined) return undefined;
  const file = normalize(join(APP_DIR, path));
  if (!file.startsWith(APP_DIR) || file.split(sep).includes('..')) return undefined;
  let mtimeMs: number;
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) return undefined;
    mtimeMs = info.mtimeMs;
    // Stripped once per version of the file: an edited module is served fresh on reload.
    const cached = cache.get(file);
    if (cached?.mtimeMs === mtimeMs) return { body: cached.body, type };
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const body = Buffer.from(extname(file) === '.ts' ? stripTypeScriptTypes(text, { mode: 'strip' }) : text);
  cache.set(file, { mtimeMs, body });
  return { body, type };
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/**
 * Serves the dashboard for `config` until closed.
 *
 * @example
 * const dashboard = await startDashboard({
 *   port: 8650,
 *   config: { title: 'My network', pollIntervalMs: 1000,
 *     nodes: [{ name: 'a', rpcUrl: 'http://127.0.0.1:8645/', wsUrl: 'ws://127.0.0.1:8645/ws' }] },
 * });
 * console.log(`open ${dashboard.url} (list ${dashboard.origin} in the nodes' rpc.corsOrigins)`);
 */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  checkDashboardConfig(options.config);
  const configJson = JSON.stringify(options.config);
  const cache = new Map<string, { mtimeMs: number; body: Buffer }>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'GET only\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (path === '/config.json') {
      send(res, 200, 'application/json', configJson);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    let name: string;
    try {
      name = path === '/' ? 'index.html' : decodeURIComponent(path.slice(1));
    } catch {
      send(res, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`);
      return;
    }
    const file = await appFile(name, cache);
    if (file === undefined) send(res, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`);
    else send(res, 200, file.type, file.body);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${String(error)}\n`);
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new DashboardError(
          'LISTEN_FAILED',
          `the dashboard cannot listen on ${host}:${options.port}: ${error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
