import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { builtinModules, createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { type BrowserContext, chromium } from 'playwright-core';
import { build } from 'vite';
import type { BrowserRunConfig, BrowserRunReport } from '../browser/types.ts';

/**
 * The browser test's machinery: Vite bundles test/browser/ (index.html + page.ts, which imports
 * the SDK from src/) for browsers, a small 127.0.0.1 server serves the bundle, the page's config
 * and a same-origin JSON-RPC forwarder, and playwright-core drives a headless Chromium: by
 * default the one inside the npm package @sparticuz/chromium, so `pnpm install` is all it needs.
 */

/** An explicit Chromium (or Chrome) executable; when set, nothing else is tried. */
export const CHROMIUM_ENV = 'SYNOD_CHROMIUM';
/** A devDependency that ships a brotli-compressed Linux x64 headless Chromium in the package (no download at install). */
const CHROMIUM_PACKAGE = '@sparticuz/chromium';
/** Debian's chromium (apt-get install chromium), used when the npm package's binary cannot be. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
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
 * `config.httpPath` to `rpcUrl` (what a dapp's reverse proxy does). The node's HTTP RPC answers
 * CORS only for the origins in its rpc.corsOrigins, which `synod start` does not pass to the RPC
 * server yet (node.ts), so a page on another origin still cannot POST to it; its WebSocket needs
 * no CORS.
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

/** `target`, made by `make(temporary path)` unless it exists; the rename makes it appear whole or not at all. */
async function once(target: string, make: (path: string) => Promise<void>): Promise<string> {
  if (existsSync(target)) return target;
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}-${randomUUID().slice(0, 8)}.tmp`;
  try {
    await make(temporary);
    await rename(temporary, target);
  } catch (error) {
    // Another process (a concurrent test run) got there first: a directory cannot be renamed over.
    if (!existsSync(target)) throw error;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  return target;
}

interface PackagedChromium {
  /** The unpacked binary. */
  executablePath: string;
  /** Unpacks the NSS, NSPR and expat libraries the package ships (for Amazon Linux 2023) and returns their directory. */
  libraries(): Promise<string>;
}

/**
 * Unpacks @sparticuz/chromium's bin/chromium.br (67 MB, ~200 MB unpacked) once per package
 * version into the temporary directory. Not through the package's own executablePath(): it
 * writes $TMPDIR/chromium in place, whatever the version, and reuses a half-written file.
 */
async function packagedChromium(): Promise<PackagedChromium> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`it ships a Linux x64 binary only (this is ${process.platform} ${process.arch})`);
  }
  const root = join(dirname(createRequire(import.meta.url).resolve(CHROMIUM_PACKAGE)), '..');
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `synod-chromium-${version}`);
  const executablePath = await once(join(dir, 'chromium'), (path) =>
    pipeline(
      createReadStream(join(root, 'bin', 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(path, { mode: 0o755 }),
    ),
  );
  return {
    executablePath,
    libraries: async () => {
      const unpacked = await once(join(dir, 'al2023'), async (path) => {
        await mkdir(path);
        const tar = spawnSync('tar', ['-x', '-C', path], {
          input: brotliDecompressSync(await readFile(join(root, 'bin', 'al2023.tar.br'))),
        });
        if (tar.status !== 0) throw new Error(`tar -x of al2023.tar.br: ${tar.error ?? tar.stderr}`);
      });
      return join(unpacked, 'lib');
    },
  };
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().replaceAll('\n', '\n    ');
}

/**
 * Launches headless Chromium with a fresh profile in `userDataDir`: $SYNOD_CHROMIUM if set (and
 * nothing else), else @sparticuz/chromium's binary (with the libraries it ships if this system
 * lacks NSS), else Debian's /usr/bin/chromium. Throws what was tried and how to fix it.
 */
async function launchChromium(userDataDir: string): Promise<BrowserContext> {
  const launch = (executablePath: string, env?: Record<string, string | undefined>) =>
    chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
      ...(env && { env }),
    });
  const override = process.env[CHROMIUM_ENV];
  if (override) {
    try {
      return await launch(override);
    } catch (error) {
      throw new Error(
        `${CHROMIUM_ENV}=${override} did not launch (unset it to use ${CHROMIUM_PACKAGE}):\n    ${reason(error)}`,
      );
    }
  }
  const tried: string[] = [];
  try {
    const packaged = await packagedChromium();
    try {
      return await launch(packaged.executablePath);
    } catch (error) {
      if (!reason(error).includes('error while loading shared libraries')) throw error;
      const libraries = await packaged.libraries();
      const libraryPath = [libraries, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
      return await launch(packaged.executablePath, { ...process.env, LD_LIBRARY_PATH: libraryPath });
    }
  } catch (error) {
    tried.push(`${CHROMIUM_PACKAGE} (devDependency of @synod/sdk): ${reason(error)}`);
  }
  if (existsSync(DEBIAN_CHROMIUM)) {
    try {
      return await launch(DEBIAN_CHROMIUM);
    } catch (error) {
      tried.push(`${DEBIAN_CHROMIUM}: ${reason(error)}`);
    }
  } else {
    tried.push(`${DEBIAN_CHROMIUM}: not installed`);
  }
  throw new Error(
    `the browser test found no Chromium it could launch. Tried:\n  - ${tried.join('\n  - ')}\n` +
      `Fix: run \`pnpm install\` (it brings ${CHROMIUM_PACKAGE}), or set ${CHROMIUM_ENV} to a Chromium or Chrome executable, ` +
      `or on Debian/Ubuntu \`apt-get install chromium\`.`,
  );
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
