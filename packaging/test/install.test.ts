import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SOLC_SETTINGS } from '@synod/contracts/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectQuickstartOutput,
  prepareQuickstartNode,
  quickstartEnv,
} from '../../packages/sdk/test/helpers/quickstart.ts';
import { startTestNode } from '../../packages/sdk/test/helpers/server.ts';
import { buildPackages, type PUBLISHED_PACKAGES, packPackages, REPO_ROOT } from '../../scripts/packages.ts';

/**
 * Issue #16 §4: the packages as an app or an operator outside this repository gets them. Built
 * (`pnpm build`) and packed (`pnpm pack`, as `pnpm packages:pack` does), then installed with npm
 * into scratch folders under the system temp dir, away from the workspace's node_modules:
 *
 * - a trading app installs @synod/sdk (with @synod/protocol and @synod/contracts, and viem as
 *   the SDK's peer): nothing native and no install script comes with it; the README's quick
 *   start runs from it against a node; a TypeScript app type-checks against its declarations;
 *   vite bundles it for the browser; a Solidity app compiles against the contracts' sources;
 * - an operator installs @synod/node and runs the `synod` binary it ships (help, then `init`,
 *   which loads the native crypto from the installed tree).
 *
 * npm comes from the registry (the only network CI has); the runtime is this Node 24.
 */

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** Node 24 first on PATH (npm's own shebang finds it), and none of pnpm's npm_* settings. */
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key) && key !== 'NODE_OPTIONS'),
  ),
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
};

/** What a browser-safe client must never pull: native addons, WebAssembly crypto, the compiler, the L1 node. */
const NOT_IN_AN_APP = [
  '@chainsafe/blst',
  '@chainsafe/bls-keystore',
  'secp256k1',
  'mcl-wasm',
  'classic-level',
  'solc',
  '@foundry-rs/anvil',
  'libp2p',
  '@synod/node',
];

let scratch: string;
let app: string;
let operator: string;

async function npmInstall(dir: string, dependencies: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  try {
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: dir,
      env: ENV,
      timeout: 240_000,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm install in ${dir} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** Every package installed under `dir`/node_modules (nested ones too), with its package.json. */
async function installedPackages(dir: string): Promise<Map<string, { scripts?: Record<string, string> }>> {
  const found = new Map<string, { scripts?: Record<string, string> }>();
  const visit = async (modules: string) => {
    let entries: string[];
    try {
      entries = await readdir(modules);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@')
        ? (await readdir(join(modules, entry))).map((name) => `${entry}/${name}`)
        : [entry];
      for (const name of names) {
        const path = join(modules, name);
        try {
          found.set(name, JSON.parse(await readFile(join(path, 'package.json'), 'utf8')));
        } catch {
          continue;
        }
        await visit(join(path, 'node_modules'));
      }
    }
  };
  await visit(join(dir, 'node_modules'));
  return found;
}

/** Files under `dir` whose name matches `pattern`. */
async function findFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && pattern.test(entry.name)).map((entry) => entry.name);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'synod-packaging-'));
  await buildPackages();
  const tarballs = await packPackages(join(scratch, 'tarballs'));
  const file = (name: (typeof PUBLISHED_PACKAGES)[number]) => `file:${tarballs.get(name)!}`;
  app = join(scratch, 'app');
  operator = join(scratch, 'operator');
  const viem = JSON.parse(await readFile(join(REPO_ROOT, 'packages/sdk/package.json'), 'utf8'))
    .devDependencies.viem as string;
  // The unpublished workspace versions cannot come from the registry: each tarball is named.
  await Promise.all([
    npmInstall(app, {
      '@synod/sdk': file('sdk'),
      '@synod/protocol': file('protocol'),
      '@synod/contracts': file('contracts'),
      viem,
    }),
    npmInstall(operator, {
      '@synod/node': file('node'),
      '@synod/protocol': file('protocol'),
      '@synod/contracts': file('contracts'),
      '@synod/oracle': file('oracle'),
    }),
  ]);
});

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('an app installs @synod/sdk with npm', () => {
  it('gets no native module, no install script and no compiler: viem, @noble/* and the three @synod packages', async () => {
    const installed = await installedPackages(app);
    expect([...installed.keys()]).toEqual(expect.arrayContaining(['@synod/sdk', '@synod/protocol', 'viem']));
    expect(NOT_IN_AN_APP.filter((name) => installed.has(name))).toEqual([]);
    const withScripts = [...installed]
      .filter(([, manifest]) => ['preinstall', 'install', 'postinstall'].some((s) => manifest.scripts?.[s]))
      .map(([name]) => name);
    expect(withScripts).toEqual([]);
    expect(await findFiles(join(app, 'node_modules'), /\.(node|wasm)$|^binding\.gyp$/)).toEqual([]);
    // viem is the app's: the SDK names it as a peer, not a dependency of its own.
    const sdk = installed.get('@synod/sdk') as {
      peerDependencies?: Record<string, string>;
      dependencies?: object;
    };
    expect(sdk.peerDependencies?.viem).toBeDefined();
    expect(Object.keys(sdk.dependencies ?? {})).not.toContain('viem');
  });

  it('runs the README quick start from the installed package against a node', async () => {
    const quickstart = await readFile(join(REPO_ROOT, 'packages/sdk/examples/quickstart.ts'), 'utf8');
    expect(quickstart).toContain("from '../src/index.ts'");
    await writeFile(join(app, 'quickstart.ts'), quickstart.replace("'../src/index.ts'", "'@synod/sdk'"));
    const node = await startTestNode();
    try {
      prepareQuickstartNode(node);
      const { stdout } = await run(process.execPath, ['quickstart.ts'], {
        cwd: app,
        timeout: 30_000,
        env: { ...ENV, ...quickstartEnv(node) },
      });
      expectQuickstartOutput(stdout);
    } finally {
      await node.stop();
    }
  });

  it('type-checks a TypeScript app against the installed declarations (and they are not `any`)', async () => {
    await writeFile(
      join(app, 'typed.ts'),
      `import { createSynodClient, http, type SynodClient } from '@synod/sdk';
import { headerHash, type BlockHeader } from '@synod/protocol/pure';
import { settlementInboxAbi } from '@synod/contracts/abi';

export const client: SynodClient = createSynodClient({
  transport: http('http://127.0.0.1:8645/'),
  network: { networkId: 1, chainId: 31337, inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
});
export const hash = (header: BlockHeader) => headerHash(header, client.network);
export const abi = settlementInboxAbi;
// @ts-expect-error a network id is a number: the declarations are real, not any
createSynodClient({ transport: http('x'), network: { networkId: 'one', chainId: 1, inbox: '0x00' } });
`,
    );
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', 'tsconfig.json'], { cwd: app, env: ENV }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
    );
    expect(result.stdout).toBe('');
  });

  it('bundles for the browser with vite, with no node:* import left', async () => {
    await writeFile(
      join(app, 'index.html'),
      '<!doctype html><script type="module" src="./main.ts"></script>\n',
    );
    await writeFile(
      join(app, 'main.ts'),
      `import { createSynodClient, http, verifyCertificate } from '@synod/sdk';
const client = createSynodClient({
  transport: http(location.origin),
  network: { networkId: 1, chainId: 31337, inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
});
Object.assign(globalThis, { client, verifyCertificate });
`,
    );
    const { build } = await import('vite');
    await build({
      root: app,
      logLevel: 'silent',
      configFile: false,
      build: { outDir: join(app, 'web'), emptyOutDir: true },
    });
    const assets = await readdir(join(app, 'web', 'assets'));
    const scripts = assets.filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const code = (
      await Promise.all(scripts.map((name) => readFile(join(app, 'web', 'assets', name), 'utf8')))
    ).join('\n');
    // Checked without printing megabytes of minified code on failure.
    expect(code.match(/["']node:[a-z_]+["']/g) ?? []).toEqual([]);
    expect(code.includes('synod_sendTransaction'), "the SDK's code is in the bundle").toBe(true);
  });

  it('compiles a Solidity app that imports the installed contracts by package path', async () => {
    const source = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementInbox} from "@synod/contracts/contracts/core/SettlementInbox.sol";
import {SynodBatchSettlement} from "@synod/contracts/contracts/core/SynodBatchSettlement.sol";
import {Header, SynodTransaction} from "@synod/contracts/contracts/core/SynodTypes.sol";
import {AggregatorV3Interface} from "@synod/contracts/contracts/adapters/AggregatorV3Interface.sol";

/// Counts the orders Synod settles and reads a Synod price feed through Chainlink's interface.
contract OrderCounter is SynodBatchSettlement {
    uint256 public orders;
    AggregatorV3Interface public immutable feed;

    constructor(SettlementInbox inbox_, bytes32 namespace_, AggregatorV3Interface feed_)
        SynodBatchSettlement(inbox_, namespace_)
    {
        feed = feed_;
    }

    function _applyTransaction(SynodTransaction calldata, bytes32, uint64, Header calldata)
        internal
        override
        returns (bytes memory rejection)
    {
        orders += 1;
        return rejection;
    }
}
`;
    const solc = require('solc') as { compile(input: string, callbacks: object): string };
    const output = JSON.parse(
      solc.compile(
        JSON.stringify({
          language: 'Solidity',
          sources: { 'OrderCounter.sol': { content: source } },
          settings: SOLC_SETTINGS,
        }),
        {
          // As Hardhat and Foundry resolve a package path: from the app's node_modules.
          import: (path: string) => {
            try {
              return { contents: require('node:fs').readFileSync(join(app, 'node_modules', path), 'utf8') };
            } catch (error) {
              return { error: String(error) };
            }
          },
        },
      ),
    ) as {
      errors?: { severity: string; formattedMessage: string }[];
      contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
    };
    const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
    expect(errors.map((error) => error.formattedMessage)).toEqual([]);
    expect(output.contracts?.['OrderCounter.sol']?.OrderCounter?.evm.bytecode.object.length).toBeGreaterThan(
      1_000,
    );
  });
});

describe('an operator installs @synod/node with npm', () => {
  it('runs the synod binary it ships: help, then init (the native crypto loads from the installed tree)', async () => {
    const synod = join(operator, 'node_modules', '.bin', 'synod');
    const help = await run(synod, ['--help'], { cwd: operator, env: ENV });
    expect(help.stdout).toContain('Usage: synod <command>');
    const dataDir = join(scratch, 'validator');
    const init = await run(synod, ['init', '--data-dir', dataDir, '--json'], { cwd: operator, env: ENV });
    const created = JSON.parse(init.stdout) as Record<string, unknown>;
    expect(JSON.stringify(created)).toMatch(/12D3KooW/); // its libp2p peer id
    const keys = await run(synod, ['keys', '--data-dir', dataDir, '--json'], { cwd: operator, env: ENV });
    expect(JSON.parse(keys.stdout)).toBeTypeOf('object');
  });
});
