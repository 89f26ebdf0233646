import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  register: Registry;
  /** Usually a private interface: metrics reveal load and peers, which the public need not see. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  logger?: Logger;
}

export interface MetricsServer {
  /** Resolves to the scrape URL (http://host:port/metrics). */
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * A standalone Prometheus endpoint: GET /metrics in the text exposition format, 404 elsewhere.
 * Use it to keep metrics off the public RPC port; alternatively pass `metricsRegister` to
 * createRpcServer to serve /metrics there too (both may serve the same Registry).
 *
 * @example
 * ```ts
 * const server = createMetricsServer({ register, host: '127.0.0.1', port: 9464 });
 * const { url } = await server.start(); // scrape url
 * ```
 */
export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const logger = options.logger?.child({ subsystem: 'metrics' });
  return {
    async start() {
      if (server !== undefined) throw new Error('assertion failed: metrics server already started');
      const created = createServer((req, res) => {
        const path = (req.url ?? '/').split('?', 1)[0];
        if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: GET /metrics\n');
          return;
        }
        options.register.metrics().then(
          (body) => {
            res.writeHead(200, { 'Content-Type': options.register.contentType });
            res.end(req.method === 'HEAD' ? undefined : body);
          },
          (error: unknown) => {
            logger?.error({ err: error }, 'collecting metrics failed');
            res.writeHead(500, { 'Content-Type': 'text/plain' }).end('collecting metrics failed\n');
          },
        );
      });
      created.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(options.port, options.host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      server = created;
      const address = created.address();
      if (address === null || typeof address === 'string') throw new Error('assertion failed: TCP address');
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      logger?.info({ host: address.address, port: address.port }, 'metrics listening');
      return { url: `http://${host}:${address.port}/metrics`, port: address.port };
    },
    async stop() {
      const closing = server;
      if (closing === undefined) return;
      server = undefined;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
      for (const socket of sockets) socket.destroy();
    },
  };
}
