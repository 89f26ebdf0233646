import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { BrowserRunConfig, BrowserRunReport } from '../browser/types.ts';
import { launchChromium } from './chromium.ts';

/**
 * The browser test's machinery: Vite bundles test/browser/ (index.html + page.ts, which imports
 * the SDK from src/) for browsers, a small 127.0.0.1 server serves the bundle, the page's config
 * and a same-origin JSON-RPC forwarder, and playwright-core drives a headless Chromium: by
 * default the one inside the npm package @sparticuz/chromium, so `pnpm install` is all it needs.
 */

const PAGE_DIR = fileURLToPath(new URL('../browser/', import.meta.url));

export interface Bundle {
  dir: string;
  /** Every emitted file, relative to dir. */
  files: string[];
  /** Bytes of the JavaScript emitted. */
  javaScriptBytes: number;
  /** The concatenated JavaScript, for checks on what got in. */
  javaScript: string;
  remove(): Promise<void>;
}

/** `vite build` of test/browser/ into a temporary directory (no config file, no cache in the repo). */
export async function bundlePage(): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), 'synod-sdk-bundle-'));
  try {
    await build({
      root: PAGE_DIR,
      configFile: false,
      envFile: false,
      publicDir: false,
      cacheDir: join(dir, '.vite-cache'),
      logLevel: 'error',
      // A Node built-in reaching the bundle would become an empty stub at runtime: fail instead.
      plugins: [
        {
          name: 'no-node-builtins',
          enforce: 'pre',
          resolveId(source, importer) {
            const bare = source.startsWith('node:') ? source.slice(5) : source;
            if (source.startsWith('node:') || builtinModules.includes(bare)) {
              throw new Error(`the browser bundle imports the Node built-in '${source}' (from ${importer})`);
            }
            return null;
          },
        },
      ],
      build: {
        outDir: join(dir, 'dist'),
        emptyOutDir: true,
        target: 'es2022',
        reportCompressedSize: false,
      },
    });
    const dist = join(dir, 'dist');
    const files = (await readdir(dist, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(dist.length + 1));
    const scripts = files.filter((file) => file.endsWith('.js'));
    const javaScript = (await Promise.all(scripts.map((file) => readFile(join(dist, file), 'utf8')))).join(
      '\n',
    );
    return {
      dir: dist,
      files,
      javaScript,
      javaScriptBytes: Buffer.byteLength(javaScript),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface PageServer {
  url: string;
  /** Resolves with the page's POST /report. */
  report: Promise<BrowserRunReport>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Serves the bundle, GET /config.json and POST /report on 127.0.0.1, and forwards POST
 * `config.httpPath` to `rpcUrl` (what a dapp's reverse proxy does; a page may also call a node
 * directly when the node lists its origin in rpc.corsOrigins, as the testnet's dashboard does).
 * Its WebSocket needs no CORS.
 */
export async function servePage(
  bundle: Bundle,
  config: BrowserRunConfig,
  rpcUrl: string,
): Promise<PageServer> {
  let deliver!: (report: BrowserRunReport) => void;
  const report = new Promise<BrowserRunReport>((resolve) => {
    deliver = resolve;
  });
  const server: Server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'POST' && path === '/report') {
        deliver(JSON.parse((await body(req)).toString('utf8')) as BrowserRunReport);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'POST' && path === config.httpPath) {
        const forwarded = await fetch(rpcUrl, {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          body: new Uint8Array(await body(req)),
          signal: AbortSignal.timeout(15_000),
        });
        const headers: Record<string, string> = {
          'content-type': forwarded.headers.get('content-type') ?? 'application/json',
        };
        const retryAfter = forwarded.headers.get('retry-after');
        if (retryAfter !== null) headers['retry-after'] = retryAfter;
        res.writeHead(forwarded.status, headers).end(Buffer.from(await forwarded.arrayBuffer()));
        return;
      }
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return;
      }
      if (path === '/config.json') {
        res.writeHead(200, { 'content-type': MIME['.json']! }).end(JSON.stringify(config));
        return;
      }
      const file = normalize(join(bundle.dir, path === '/' ? 'index.html' : path));
      if (!file.startsWith(bundle.dir + sep) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' })
        .end(await readFile(file));
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    report,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface BrowserRun {
  report: BrowserRunReport;
  /** Console messages and uncaught page errors, for failure messages. */
  console: string[];
}

/**
 * Opens `url` in headless Chromium (a fresh profile; see launchChromium) and waits for the
 * page's report. Throws when no Chromium launches: never a skip.
 */
export async function runInChromium(
  url: string,
  report: Promise<BrowserRunReport>,
  timeoutMs: number,
): Promise<BrowserRun> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'synod-sdk-chromium-'));
  const messages: string[] = [];
  const context = await launchChromium(userDataDir).catch(async (error: unknown) => {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => messages.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) =>
      messages.push(`requestfailed: ${request.url()} ${request.failure()?.errorText ?? ''}`),
    );
    await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the page did not report within ${timeoutMs} ms:\n${messages.join('\n')}`)),
        timeoutMs,
      );
    });
    try {
      return { report: await Promise.race([report, timeout]), console: messages } satisfies BrowserRun;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
}
