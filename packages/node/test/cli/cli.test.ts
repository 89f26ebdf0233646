import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { COMMANDS } from '../../src/cli/run.ts';
import { dataDirLayout, loadNodeKeys, publicKeysOf } from '../../src/keys/index.ts';
import { synod } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('synod --help', () => {
  test('lists and explains every command', async () => {
    const { code, stdout } = await synod(['--help']);
    expect(code).toBe(0);
    for (const name of ['init', 'keys', 'dkg', 'start', 'status', 'reshare']) {
      expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(COMMANDS.map((command) => command.name)).toEqual([
      'init',
      'keys',
      'dkg',
      'start',
      'status',
      'reshare',
    ]);
    expect(stdout).toContain('SYNOD_<SECTION>_<KEY>');
  });

  test('synod <command> --help shows every flag of that command', async () => {
    for (const command of COMMANDS) {
      const { code, stdout } = await synod([command.name, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`synod ${command.name}: ${command.summary}`);
      for (const flag of command.flags)
        expect(stdout, `${command.name} --${flag.name}`).toContain(`--${flag.name}`);
    }
    expect((await synod(['help', 'dkg'])).stdout).toContain('--password-file');
  });

  test('an unknown command prints the usage and exits 2; so does a bad flag; no command at all too', async () => {
    const unknown = await synod(['strat']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "strat"');
    expect(unknown.stderr).toContain('Usage: synod <command>');
    const badFlag = await synod(['keys', '--frobnicate']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--frobnicate');
    expect((await synod([])).code).toBe(2);
  });
});

describe('synod init', () => {
  test('creates the data dir with 0600 keys and a config holding the overrides, and prints the public keys', async () => {
    const dataDir = join(dir, 'v1');
    const { code, stdout, stderr } = await synod([
      'init',
      '--data-dir',
      dataDir,
      '--p2p.listenAddresses',
      '/ip4/0.0.0.0/tcp/9101',
      '--rpc.port',
      '8701',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const layout = dataDirLayout(dataDir);
    for (const path of [layout.p2pKey, layout.ethereumKey, layout.dkgSeed]) {
      expect((await stat(path)).mode & 0o777, path).toBe(0o600);
    }
    expect((await stat(layout.keysDir)).mode & 0o777).toBe(0o700);
    const config = JSON.parse(await readFile(layout.config, 'utf8'));
    expect(config.rpc.port).toBe(8701);
    expect(config.p2p.listenAddresses).toEqual(['/ip4/0.0.0.0/tcp/9101']);
    expect(config.node).toBeUndefined(); // the data dir is where the file is

    const keys = publicKeysOf(await loadNodeKeys(layout));
    expect(stdout).toContain(keys.peerId);
    expect(stdout).toContain(keys.ethereumAddress);
    expect(stdout).toContain(keys.dkgSigningPublicKey);
    expect(stdout).toContain(keys.dkgEncryptionPublicKey);
    expect(stdout).toContain(`/ip4/<public-ip>/tcp/9101/p2p/${keys.peerId}`);
  });

  test('refuses to overwrite existing keys without --force, and replaces them with it', async () => {
    const dataDir = join(dir, 'v1');
    expect((await synod(['init', '--data-dir', dataDir])).code).toBe(0);
    const layout = dataDirLayout(dataDir);
    const before = await readFile(layout.p2pKey);
    const again = await synod(['init', '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(await readFile(layout.p2pKey)).toEqual(before);
    const forced = await synod(['init', '--data-dir', dataDir, '--force']);
    expect(forced.code).toBe(0);
    expect(await readFile(layout.p2pKey)).not.toEqual(before);
    expect((await stat(layout.p2pKey)).mode & 0o777).toBe(0o600);
  });

  test('an invalid override fails with exit 78 naming the key, before anything is written', async () => {
    const dataDir = join(dir, 'v1');
    const { code, stderr } = await synod(['init', '--data-dir', dataDir, '--rpc.port', 'abc']);
    expect(code).toBe(78);
    expect(stderr).toContain('rpc.port: must be an integer 1..65535, got "abc" (flag --rpc.port)');
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('checks the keystore password source when one is given', async () => {
    const short = await synod(['init', '--data-dir', join(dir, 'a')], {
      env: { SYNOD_KEYSTORE_PASSWORD: 'short' },
    });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('shorter than 8');
    const passwordFile = join(dir, 'pw');
    await writeFile(passwordFile, 'a long enough password\n');
    const ok = await synod(['init', '--data-dir', join(dir, 'b'), '--password-file', passwordFile]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Keystore password: readable and long enough.');
  });
});

describe('synod keys', () => {
  test('shows the public keys and never a secret', async () => {
    const dataDir = join(dir, 'v1');
    await synod(['init', '--data-dir', dataDir]);
    const layout = dataDirLayout(dataDir);
    const { code, stdout } = await synod(['keys', '--data-dir', dataDir]);
    expect(code).toBe(0);
    const keys = await loadNodeKeys(layout);
    expect(stdout).toContain(publicKeysOf(keys).peerId);
    const secrets = [
      keys.ethereumPrivateKey.slice(2),
      Buffer.from(keys.dkgSeed).toString('hex'),
      Buffer.from(keys.p2pPrivateKey.raw).toString('hex'),
      Buffer.from(keys.p2pPrivateKey.raw).toString('base64'),
    ];
    const json = await synod(['keys', '--data-dir', dataDir, '--json']);
    expect(JSON.parse(json.stdout).genesisParticipant.peerId).toBe(publicKeysOf(keys).peerId);
    for (const output of [stdout, json.stdout]) {
      for (const secret of secrets) expect(output.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    expect(stdout).toContain('No committee yet');
  });

  test('without keys it says to run init', async () => {
    const { code, stderr } = await synod(['keys', '--data-dir', join(dir, 'empty')]);
    expect(code).toBe(1);
    expect(stderr).toContain('run `synod init` first');
  });
});

describe('synod start', () => {
  test('validates the config, then refuses to start a node that has no committee yet (exit 1)', async () => {
    const dataDir = join(dir, 'v1');
    await synod(['init', '--data-dir', dataDir]);
    const { code, stdout, stderr } = await synod(['start', '--data-dir', dataDir]);
    expect(code).toBe(1);
    expect(stdout).toContain('Configuration is valid');
    expect(stderr).toContain('run `synod dkg` first');
  });

  test('an invalid config from any source stops it with exit 78 naming the key', async () => {
    const dataDir = join(dir, 'v1');
    await synod(['init', '--data-dir', dataDir]);
    const fromEnv = await synod(['start', '--data-dir', dataDir], { env: { SYNOD_RPC_PORT: 'abc' } });
    expect(fromEnv.code).toBe(78);
    expect(fromEnv.stderr).toContain('rpc.port: must be an integer 1..65535, got "abc" (env SYNOD_RPC_PORT)');
    const config = JSON.parse(await readFile(dataDirLayout(dataDir).config, 'utf8'));
    config.consensus = { timeoutProposeBaseMs: -1 };
    await writeFile(dataDirLayout(dataDir).config, JSON.stringify(config));
    const fromFile = await synod(['start', '--data-dir', dataDir]);
    expect(fromFile.code).toBe(78);
    expect(fromFile.stderr).toContain('consensus.timeoutProposeBaseMs: must be an integer');
    const typo = await synod([
      'start',
      '--data-dir',
      dataDir,
      '--consensus.timeoutProposeBaseMs',
      '1000',
      '--rpc.prot',
      '1',
    ]);
    expect(typo.code).toBe(78);
    expect(typo.stderr).toContain('rpc.prot: unknown key (did you mean rpc.port?)');
  });

  test('--config names the file; its directory is the data dir by default', async () => {
    const dataDir = join(dir, 'v1');
    await synod(['init', '--data-dir', dataDir]);
    const { stdout } = await synod(['start', '--config', join(dataDir, 'config.json')]);
    expect(stdout).toContain(`data dir ${dataDir}`);
    const missing = await synod(['start', '--config', join(dir, 'none.json')]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('cannot read: ENOENT');
  });
});

describe('synod status', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  test('prints the synod_status result as pretty JSON', async () => {
    const requests: unknown[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push(JSON.parse(body));
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ jsonrpc: '2.0', id: 1, result: { networkId: 7, finalizedHeight: 12, peers: 3 } }),
        );
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const { code, stdout } = await synod(['status', '--data-dir', dir, '--rpc.port', String(port)]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ networkId: 7, finalizedHeight: 12, peers: 3 });
    expect(stdout).toContain('\n  "finalizedHeight": 12');
    expect(requests).toEqual([{ jsonrpc: '2.0', id: 1, method: 'synod_status', params: [] }]);
  });

  test('a node that does not answer is a clear error, exit 1', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { code, stderr } = await synod(['status', '--url', `http://127.0.0.1:${port}/`]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach the node's RPC at http://127.0.0.1:${port}/ (ECONNREFUSED)`);
  });
});

describe('synod dkg (checks before the network)', () => {
  test('needs a readable genesis and a password before it starts', async () => {
    const dataDir = join(dir, 'v1');
    await synod(['init', '--data-dir', dataDir]);
    const noGenesis = await synod(['dkg', '--data-dir', dataDir]);
    expect(noGenesis.code).toBe(1);
    expect(noGenesis.stderr).toContain(`cannot read ${join(dataDir, 'genesis.json')}`);
    const keys = JSON.parse((await synod(['keys', '--data-dir', dataDir, '--json'])).stdout);
    const genesis = {
      version: 1,
      networkId: 1,
      chainId: 1,
      epoch: 0,
      threshold: 1,
      dkgNonce: `0x${'00'.repeat(32)}`,
      participants: [{ index: 0, ...keys.genesisParticipant, multiaddrs: ['/ip4/127.0.0.1/tcp/1'] }],
    };
    await writeFile(join(dataDir, 'genesis.json'), JSON.stringify(genesis));
    const noPassword = await synod(['dkg', '--data-dir', dataDir]);
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toContain('no keystore password');
    const other = join(dir, 'v2');
    await synod(['init', '--data-dir', other]);
    const stranger = await synod(['dkg', '--data-dir', other, '--genesis', join(dataDir, 'genesis.json')], {
      env: { SYNOD_KEYSTORE_PASSWORD: 'long enough password' },
    });
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('is not in the genesis file');
    for (const bad of ['1000', '16383', '2097152', 'cheap']) {
      const weak = await synod(['dkg', '--data-dir', dataDir, '--scrypt-n', bad], {
        env: { SYNOD_KEYSTORE_PASSWORD: 'long enough password' },
      });
      expect(weak.code, bad).toBe(2);
      expect(weak.stderr).toContain(`--scrypt-n must be a power of two from 16384 to 1048576, got ${bad}`);
    }
  });
});
