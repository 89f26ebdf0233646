import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { type BrowserContext, chromium } from 'playwright-core';

/**
 * Headless Chromium for the repository's browser tests (the SDK's page, the dashboard): by
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
export async function launchChromium(userDataDir: string): Promise<BrowserContext> {
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
