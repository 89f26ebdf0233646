import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  blsPublicKey,
  decryptShareKeystore,
  parseHex,
  partialSign,
  recoverGroupSignature,
  toLowerHex,
  verifyGroupSignature,
} from '@synod/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGenesisJson } from '../../src/config/index.ts';
import { parseCommittee } from '../../src/dkg/index.ts';
import { dataDirLayout } from '../../src/keys/index.ts';

/**
 * End to end: four `synod init` and four `synod dkg` OS processes over TCP on 127.0.0.1, the
 * genesis assembled from the init outputs. All must write the same committee.json, and any t = 3
 * of the decrypted shares must produce a group signature that verifies under its group key; any
 * f + 1 = 2 of the encryption-key shares one under the encryption key.
 */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const N = 4;
const THRESHOLD = 3;
const ENCRYPTION_THRESHOLD = 2;
const PASSWORD = 'a test password that is long';

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** The environment without SYNOD_* variables, which the CLI would read as config. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SYNOD_')));
}

function run(args: readonly string[]): { child: ChildProcess; exited: Promise<Exited> } {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    children.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  return { child, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let dir: string;
let genesisPath: string;
let passwordPath: string;
const dataDirs: string[] = [];

beforeAll(async () => {
  // pnpm puts Node 24 first on PATH; the children run the same binary (type stripping, libp2p 3).
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  dir = await mkdtemp(join(tmpdir(), 'synod-dkg-'));
  passwordPath = join(dir, 'password');
  await writeFile(passwordPath, `${PASSWORD}\n`, { mode: 0o600 });
  const ports: number[] = [];
  while (ports.length < N) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const inits = ports.map((port, i) => {
    const dataDir = join(dir, `v${i}`);
    dataDirs.push(dataDir);
    return run([
      'init',
      '--data-dir',
      dataDir,
      '--json',
      '--p2p.listenAddresses',
      `/ip4/127.0.0.1/tcp/${port}`,
    ]).exited;
  });
  const outputs = await Promise.all(inits);
  for (const output of outputs) expect(output.code, output.stderr).toBe(0);
  const genesis = createGenesisJson({
    networkId: 7,
    chainId: 31337,
    dkgNonce: new Uint8Array(32).map((_, i) => i),
    participants: outputs.map((output) => JSON.parse(output.stdout).genesisParticipant),
  });
  genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(genesis, null, 2));
}, 30_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('synod dkg across four OS processes', () => {
  test('all finish with one committee.json; any 3 shares sign for the group key, any 2 for the encryption key', {
    timeout: 60_000,
  }, async () => {
    const startedMs = Date.now();
    // Two of them write their keystore with the testnet's cheap scrypt cost, two with EIP-2335's.
    const scryptN = [16_384, 16_384, 262_144, 262_144];
    const runs = dataDirs.map(
      (dataDir, i) =>
        run([
          'dkg',
          '--data-dir',
          dataDir,
          '--genesis',
          genesisPath,
          '--password-file',
          passwordPath,
          '--dkg.peerWaitTimeoutMs',
          '30000',
          '--dkg.lingerMs',
          '1500',
          ...(i < 2 ? ['--scrypt-n', '16384'] : []),
        ]).exited,
    );
    const results = await Promise.all(runs);
    for (const result of results) {
      expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('DKG finished');
    }
    const committees = await Promise.all(
      dataDirs.map((dataDir) => readFile(dataDirLayout(dataDir).committee, 'utf8')),
    );
    expect(new Set(committees).size).toBe(1);
    const committee = parseCommittee(committees[0]!);
    expect(committee.threshold).toBe(THRESHOLD);
    expect(committee.qualified).toEqual([0, 1, 2, 3]);
    for (const result of results) expect(result.stdout).toContain(committee.groupPublicKey);
    const { encryption } = committee;
    expect(encryption?.threshold).toBe(ENCRYPTION_THRESHOLD);
    expect(encryption?.qualified).toEqual([0, 1, 2, 3]);
    expect(encryption?.publicKey).not.toBe(committee.groupPublicKey);
    expect(encryption?.dkgSessionId).not.toBe(committee.dkgSessionId);
    for (const result of results) expect(result.stdout).toContain(encryption!.publicKey);

    const message = new TextEncoder().encode('synod/test/dkg-e2e/v1');
    // Shares 2, 3 and 4: a subset other than the first three (keystores of both costs).
    const signers = [1, 2, 3];
    const partials = [];
    for (const i of signers) {
      const path = dataDirLayout(dataDirs[i]!).blsShareKeystore;
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const keystore = await readFile(path, 'utf8');
      expect(JSON.parse(keystore).crypto.kdf.params.n).toBe(scryptN[i]);
      const share = await decryptShareKeystore(keystore, PASSWORD);
      partials.push({ index: committee.members[i]!.shareIndex, signature: partialSign(share, message) });
    }
    const signature = recoverGroupSignature(partials, THRESHOLD);
    expect(verifyGroupSignature(parseHex(committee.groupPublicKey)!, message, signature)).toBe(true);

    // Decryption shares of members 1 and 3 (partial signatures with the encryption-key shares).
    const decryptionShares = [];
    for (const i of [1, 3]) {
      const path = dataDirLayout(dataDirs[i]!).encryptionShareKeystore;
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const keystore = await readFile(path, 'utf8');
      expect(JSON.parse(keystore).crypto.kdf.params.n).toBe(scryptN[i]);
      const share = await decryptShareKeystore(keystore, PASSWORD);
      expect(toLowerHex(blsPublicKey(share))).toBe(committee.members[i]!.encryptionSharePublicKey);
      decryptionShares.push({
        index: committee.members[i]!.shareIndex,
        signature: partialSign(share, message),
      });
    }
    const decryptionKey = recoverGroupSignature(decryptionShares, ENCRYPTION_THRESHOLD);
    expect(verifyGroupSignature(parseHex(encryption!.publicKey)!, message, decryptionKey)).toBe(true);
    // The phases end when every message is in; the timeouts (30 s deal) are never waited out.
    expect(Date.now() - startedMs).toBeLessThan(45_000);
  });

  test('SIGINT stops a waiting dkg cleanly: exit 130 and no share written', { timeout: 30_000 }, async () => {
    const dataDir = join(dir, 'interrupted');
    const init = await run(['init', '--data-dir', dataDir, '--json']).exited;
    expect(init.code).toBe(0);
    // A genesis of four where the other three never come: the process waits for them.
    const others = [0, 1, 2].map(async (i) =>
      JSON.parse((await run(['keys', '--data-dir', dataDirs[i]!, '--json']).exited).stdout),
    );
    const genesis = createGenesisJson({
      networkId: 8,
      chainId: 31337,
      dkgNonce: new Uint8Array(32).fill(1),
      participants: [
        ...(await Promise.all(others)).map((keys) => keys.genesisParticipant),
        { ...JSON.parse(init.stdout).genesisParticipant, multiaddrs: ['/ip4/127.0.0.1/tcp/1'] },
      ],
    });
    const path = join(dir, 'genesis-interrupted.json');
    await writeFile(path, JSON.stringify(genesis));
    const { child, exited } = run([
      'dkg',
      '--data-dir',
      dataDir,
      '--genesis',
      path,
      '--password-file',
      passwordPath,
      '--p2p.listenAddresses',
      '/ip4/127.0.0.1/tcp/0',
    ]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('waiting for the other participants')) {
      expect(Date.now(), stderr).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    const result = await exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('SIGINT received');
    expect(result.stderr).toContain('nothing was written');
    const layout = dataDirLayout(dataDir);
    for (const path of [layout.blsShareKeystore, layout.encryptionShareKeystore, layout.committee])
      await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('refuses to run over an existing share keystore, the encryption-key one too (--force would replace it)', {
    timeout: 30_000,
  }, async () => {
    const layout = dataDirLayout(dataDirs[0]!);
    const refused = await run([
      'dkg',
      '--data-dir',
      dataDirs[0]!,
      '--genesis',
      genesisPath,
      '--password-file',
      passwordPath,
    ]).exited;
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`${layout.blsShareKeystore} exists`);
    // The encryption keystore alone is enough to refuse: a share exists only there.
    const dataDir = join(dir, 'only-encryption-share');
    expect((await run(['init', '--data-dir', dataDir]).exited).code).toBe(0);
    await writeFile(dataDirLayout(dataDir).encryptionShareKeystore, '{}', { mode: 0o600 });
    const alone = await run([
      'dkg',
      '--data-dir',
      dataDir,
      '--genesis',
      genesisPath,
      '--password-file',
      passwordPath,
    ]).exited;
    expect(alone.code, alone.stderr).toBe(1);
    expect(alone.stderr).toContain(`${dataDirLayout(dataDir).encryptionShareKeystore} exists`);
    expect(alone.stderr).toContain('--force');
  });
});
