import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VenueAnswer } from './formats.ts';
import {
  DEFAULT_SIMULATOR_MAX_STEP_PPM,
  DEFAULT_SIMULATOR_SPREAD_PPM,
  DEFAULT_SIMULATOR_TICK_MS,
  SimulatedMarket,
} from './simulated-market.ts';
import {
  type GarbageKind,
  type PriceSimulator,
  type PriceSimulatorOptions,
  SIMULATED_VENUES,
  type SimulatedVenue,
  type SourceSelector,
} from './types.ts';

/** `POST /control` bodies are a few fields; anything larger is refused. */
const MAX_CONTROL_BODY_BYTES = 4 * 1024;

/**
 * Starts the price simulator: one HTTP server on `host:port` (default 127.0.0.1, an ephemeral
 * port) serving each venue's public ticker format under its own path prefix, from a seeded
 * random walk per pair, with fault switches per (venue, pair) source:
 *
 * - `GET /coinbase/products/{product_id}/ticker`
 * - `GET /kraken/0/public/Ticker?pair={pair}`
 * - `GET /binance/api/v3/ticker/price?symbol={symbol}`
 * - `POST /control` `{ "action": "pump" | "freeze" | "garbage" | "slow" | "down" | "reset" | "advance"
 *   | "crash", "venue"?, "pair"?, "factor"?, "kind"?, "delayMs"?, "ticks"? }` (same as `control`;
 *   `crash` takes `pair` and `factor` and no venue: the market price of the pair on every venue)
 * - `GET /state`: market and venue prices and faults.
 *
 * @example
 * const simulator = await startPriceSimulator({ seed: 42, pairs: [{ pair: 'ETH/USD', initialPrice: '3000.00' }] });
 * simulator.control.pump({ venue: 'kraken', pair: 'ETH/USD' }, 1.2);
 * // sources: { kind: 'kraken', baseUrl: simulator.urls.kraken, symbol: 'ETHUSD' }, ...
 * await simulator.stop();
 */
export async function startPriceSimulator(options: PriceSimulatorOptions): Promise<PriceSimulator> {
  const market = new SimulatedMarket({
    seed: String(options.seed),
    pairs: options.pairs,
    venues: options.venues ?? SIMULATED_VENUES,
    tickMs: options.tickMs ?? DEFAULT_SIMULATOR_TICK_MS,
    maxStepPpm: options.maxStepPpm ?? DEFAULT_SIMULATOR_MAX_STEP_PPM,
    spreadPpm: options.spreadPpm ?? DEFAULT_SIMULATOR_SPREAD_PPM,
    now: options.now ?? Date.now,
  });
  const delayed = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  const server = createServer((request, response) => {
    // A client that gives up (timeout, body cap) resets the socket; that is not our error.
    response.on('error', () => {});
    handle(market, request, response, delayed).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const urls = Object.fromEntries(SIMULATED_VENUES.map((venue) => [venue, `${url}/${venue}`])) as Record<
    SimulatedVenue,
    string
  >;

  return {
    url,
    urls,
    port,
    control: market,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const timer of delayed) clearTimeout(timer);
      delayed.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(
  market: SimulatedMarket,
  request: IncomingMessage,
  response: ServerResponse,
  delayed: Set<ReturnType<typeof setTimeout>>,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://simulator');
  const path = url.pathname;
  if (request.method === 'POST' && path === '/control') {
    const body = await readBody(request);
    if (body === undefined) return sendJson(response, 413, { error: 'control body too large' });
    try {
      applyControl(market, JSON.parse(body) as unknown);
    } catch (error) {
      return sendJson(response, 400, { error: error instanceof Error ? error.message : String(error) });
    }
    return sendJson(response, 200, { ok: true, tick: market.tick() });
  }
  if (request.method !== 'GET') return sendJson(response, 405, { error: 'method not allowed' });
  if (path === '/state') return sendJson(response, 200, market.state());

  const route = venueRoute(path, url.searchParams);
  if (route === undefined || !market.venues.includes(route.venue)) {
    return sendJson(response, 404, { error: 'not found' });
  }
  const { answer, delayMs } = market.answer(route.venue, route.symbol);
  if (delayMs === 0) return send(response, answer);
  const timer = setTimeout(() => {
    delayed.delete(timer);
    if (!response.destroyed) send(response, answer);
  }, delayMs);
  delayed.add(timer);
}

function venueRoute(
  path: string,
  query: URLSearchParams,
): { venue: SimulatedVenue; symbol: string } | undefined {
  const coinbase = /^\/coinbase\/products\/([^/]+)\/ticker$/.exec(path);
  if (coinbase?.[1] !== undefined) return { venue: 'coinbase', symbol: decodeURIComponent(coinbase[1]) };
  if (path === '/kraken/0/public/Ticker') return { venue: 'kraken', symbol: query.get('pair') ?? '' };
  if (path === '/binance/api/v3/ticker/price') return { venue: 'binance', symbol: query.get('symbol') ?? '' };
  return undefined;
}

function applyControl(market: SimulatedMarket, command: unknown): void {
  if (typeof command !== 'object' || command === null) throw new Error('control body must be a JSON object');
  const { action, venue, pair, factor, kind, delayMs, ticks } = command as Record<string, unknown>;
  if (venue !== undefined && !SIMULATED_VENUES.includes(venue as SimulatedVenue)) {
    throw new Error(`venue must be one of ${SIMULATED_VENUES.join(', ')}`);
  }
  if (pair !== undefined && typeof pair !== 'string') throw new Error('pair must be a string');
  const selector: SourceSelector = {};
  if (venue !== undefined) selector.venue = venue as SimulatedVenue;
  if (pair !== undefined) selector.pair = pair;
  switch (action) {
    case 'pump':
      market.pump(selector, Number(factor));
      return;
    case 'freeze':
      market.freeze(selector);
      return;
    case 'garbage':
      market.garbage(selector, (kind ?? 'not-json') as GarbageKind);
      return;
    case 'slow':
      market.slow(selector, Number(delayMs));
      return;
    case 'down':
      market.down(selector);
      return;
    case 'reset':
      market.reset(selector);
      return;
    case 'advance':
      market.advance(ticks === undefined ? 1 : Number(ticks));
      return;
    case 'crash':
      if (typeof pair !== 'string') throw new Error('crash needs a pair');
      if (venue !== undefined) throw new Error('crash moves the market on every venue: no venue');
      market.crash(pair, Number(factor));
      return;
    default:
      throw new Error('action must be pump, freeze, garbage, slow, down, reset, advance or crash');
  }
}

function send(response: ServerResponse, answer: VenueAnswer): void {
  if (answer.chunks.length === 1) {
    const body = answer.chunks[0]!;
    response.writeHead(answer.status, {
      'content-type': answer.contentType,
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
    return;
  }
  response.writeHead(answer.status, { 'content-type': answer.contentType });
  for (const chunk of answer.chunks) response.write(chunk);
  response.end();
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, { status, contentType: 'application/json', chunks: [JSON.stringify(value)] });
}

/** The request body as text, or undefined when it exceeds MAX_CONTROL_BODY_BYTES. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).byteLength;
    if (length > MAX_CONTROL_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
