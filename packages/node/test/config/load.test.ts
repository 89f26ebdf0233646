import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  ConfigError,
  loadConfig,
  renderConfigReference,
  splitConfigFlags,
} from '../../src/config/index.ts';

const file = (json: unknown, path = '/etc/synod/config.json') => ({ path, text: JSON.stringify(json) });

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('every key has its schema default when nothing is given', () => {
    const { config, sources } = loadConfig({ env: {}, argv: [] });
    for (const key of CONFIG_KEYS) {
      expect((config as Record<string, Record<string, unknown>>)[key.section]![key.name]).toEqual(
        key.field.default,
      );
      expect(sources[key.key]).toBe('default');
    }
    expect(config.rpc.port).toBe(8645);
  });

  test('precedence is flags > env > file > defaults, key by key', () => {
    const fromFile = file({ rpc: { port: 1001, host: '10.0.0.1' }, log: { level: 'warn' } });
    const env = { SYNOD_RPC_PORT: '2002', SYNOD_LOG_LEVEL: 'debug' };
    const all = loadConfig({ file: fromFile, env, argv: ['--rpc.port', '3003'] });
    expect(all.config.rpc.port).toBe(3003);
    expect(all.sources['rpc.port']).toBe('flag');
    expect(all.config.log.level).toBe('debug');
    expect(all.sources['log.level']).toBe('env');
    expect(all.config.rpc.host).toBe('10.0.0.1');
    expect(all.sources['rpc.host']).toBe('file');
    expect(all.config.metrics.port).toBe(9464);

    expect(loadConfig({ file: fromFile, env, argv: [] }).config.rpc.port).toBe(2002);
    expect(loadConfig({ file: fromFile, env: {}, argv: [] }).config.rpc.port).toBe(1001);
    expect(loadConfig({ env: {}, argv: ['--rpc.port=4004'] }).config.rpc.port).toBe(4004);
  });

  test('the later of two flags for one key wins; list flags accumulate and split on commas', () => {
    const { config } = loadConfig({
      env: {},
      argv: [
        '--rpc.port',
        '1',
        '--rpc.port',
        '2',
        '--p2p.listenAddresses',
        '/ip4/127.0.0.1/tcp/1,/ip4/127.0.0.1/tcp/2',
        '--p2p.listenAddresses=/ip4/127.0.0.1/tcp/3',
      ],
    });
    expect(config.rpc.port).toBe(2);
    expect(config.p2p.listenAddresses).toEqual([
      '/ip4/127.0.0.1/tcp/1',
      '/ip4/127.0.0.1/tcp/2',
      '/ip4/127.0.0.1/tcp/3',
    ]);
  });

  test('booleans: a bare flag is true, env and flags accept true/false/1/0', () => {
    expect(loadConfig({ env: {}, argv: ['--metrics.enabled=false'] }).config.metrics.enabled).toBe(false);
    expect(
      loadConfig({ file: file({ metrics: { enabled: false } }), env: {}, argv: ['--metrics.enabled'] }).config
        .metrics.enabled,
    ).toBe(true);
    expect(loadConfig({ env: { SYNOD_RPC_ENABLED: '0' }, argv: [] }).config.rpc.enabled).toBe(false);
  });

  test('nullable keys: an empty env value means null', () => {
    const { config } = loadConfig({
      file: file({ l1: { rpcUrl: 'http://127.0.0.1:8545' } }),
      env: { SYNOD_L1_RPC_URL: '' },
      argv: [],
    });
    expect(config.l1.rpcUrl).toBeNull();
  });

  test('JSON-valued keys come from env and flags as JSON text', () => {
    const feedId = `0x${'ab'.repeat(32)}`;
    const { config } = loadConfig({
      env: {
        SYNOD_ORACLE_FEEDS: JSON.stringify([
          { feedId: feedId.toUpperCase().replace('0X', '0x'), decimals: 8 },
        ]),
      },
      argv: [],
    });
    expect(config.oracle.feeds).toEqual([{ feedId, decimals: 8 }]);
    const error = configError(() => loadConfig({ env: {}, argv: ['--oracle.feeds', '[{'] }));
    expect(error.key).toBe('oracle.feeds');
    expect(error.message).toMatch(/^oracle\.feeds: must be JSON text/);
  });

  test('relative paths: from the file against its directory, from env and flags against cwd', () => {
    const fromFile = loadConfig({
      file: file({ network: { genesisFile: 'g.json' } }, '/srv/v1/config.json'),
      env: {},
      argv: [],
    });
    expect(fromFile.config.network.genesisFile).toBe('/srv/v1/g.json');
    // Relative defaults resolve against the file's directory too (or defaultsDir without a file).
    expect(fromFile.config.node.dataDir).toBe('/srv/v1');
    expect(loadConfig({ env: {}, argv: [], defaultsDir: '/d' }).config.network.genesisFile).toBe(
      '/d/genesis.json',
    );
    expect(loadConfig({ env: {}, argv: [] }).config.node.dataDir).toBe('.');
    const fromFlag = loadConfig({ env: {}, argv: ['--node.dataDir', 'data'], cwd: '/home/op' });
    expect(fromFlag.config.node.dataDir).toBe('/home/op/data');
    const absolute = loadConfig({ env: { SYNOD_NETWORK_GENESIS_FILE: '/g.json' }, argv: [], cwd: '/x' });
    expect(absolute.config.network.genesisFile).toBe('/g.json');
  });

  test('the returned config is frozen', () => {
    const { config } = loadConfig({ env: {}, argv: [] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.p2p.listenAddresses)).toBe(true);
  });
});

describe('invalid configuration', () => {
  test('names the key and the reason, with where the value came from', () => {
    const error = configError(() => loadConfig({ env: { SYNOD_RPC_PORT: 'abc' }, argv: [] }));
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.key).toBe('rpc.port');
    expect(error.message).toBe('rpc.port: must be an integer 1..65535, got "abc" (env SYNOD_RPC_PORT)');
    expect(configError(() => loadConfig({ env: {}, argv: ['--rpc.port', '70000'] })).message).toBe(
      'rpc.port: must be an integer 1..65535, got 70000 (flag --rpc.port)',
    );
  });

  test('every key rejects a value of the wrong type from the file, naming that key', () => {
    for (const key of CONFIG_KEYS) {
      const error = configError(() =>
        loadConfig({ file: file({ [key.section]: { [key.name]: { wrong: true } } }), env: {}, argv: [] }),
      );
      expect(error.code, key.key).toBe('INVALID_VALUE');
      expect(error.key, key.key).toBe(key.key);
      expect(error.message.startsWith(`${key.key}: `), error.message).toBe(true);
    }
  });

  test('every key rejects a bad value from the environment and from flags, naming that key', () => {
    // Text that no field of the key's kind accepts: a string field gets an empty value.
    const badText = (key: (typeof CONFIG_KEYS)[number]): string => {
      const type = key.field.type;
      if (type.startsWith('integer') || type === 'boolean') return 'abc';
      if (type.includes('multiaddr')) return 'not-a-multiaddr';
      if (type === 'feed[]') return '{"not":"a list"}';
      if (type.startsWith('"')) return 'no-such-level';
      if (type.startsWith('address')) return '0x1234';
      if (type.startsWith('url')) return 'ftp://x';
      if (type === 'host') return 'http://host:1';
      if (type.startsWith('origin')) return 'https://app.example.com/path';
      return '';
    };
    for (const key of CONFIG_KEYS) {
      const text = badText(key);
      if (text === '' && key.field.type.endsWith('| null')) continue; // empty is null there
      const fromEnv = configError(() => loadConfig({ env: { [key.envName]: text }, argv: [] }));
      expect(fromEnv.key.startsWith(key.key), `${key.key}: ${fromEnv.message}`).toBe(true);
      expect(fromEnv.message).toContain(`env ${key.envName}`);
      const fromFlag = configError(() => loadConfig({ env: {}, argv: [`--${key.key}=${text}`] }));
      expect(fromFlag.key.startsWith(key.key), `${key.key}: ${fromFlag.message}`).toBe(true);
    }
  });

  test('a structured value names the element at fault', () => {
    const error = configError(() =>
      loadConfig({
        file: file({
          oracle: {
            feeds: [
              { feedId: `0x${'11'.repeat(32)}`, decimals: 8 },
              { feedId: `0x${'22'.repeat(32)}`, decimals: 99 },
            ],
          },
        }),
        env: {},
        argv: [],
      }),
    );
    expect(error.key).toBe('oracle.feeds[1].decimals');
    const list = configError(() =>
      loadConfig({ env: {}, argv: ['--p2p.bootstrapPeers', '/ip4/1.2.3.4/tcp/1'] }),
    );
    expect(list.key).toBe('p2p.bootstrapPeers[0]');
    expect(list.message).toContain('/p2p/<peerId>');
  });

  test('unknown keys are errors everywhere, with a suggestion for a typo', () => {
    const inFile = configError(() => loadConfig({ file: file({ rpc: { prot: 1 } }), env: {}, argv: [] }));
    expect(inFile.code).toBe('UNKNOWN_KEY');
    expect(inFile.key).toBe('rpc.prot');
    expect(inFile.message).toContain('did you mean rpc.port?');
    const section = configError(() => loadConfig({ file: file({ rcp: {} }), env: {}, argv: [] }));
    expect(section.key).toBe('rcp');
    expect(section.message).toContain('did you mean rpc?');
    const inEnv = configError(() => loadConfig({ env: { SYNOD_RPC_PROT: '1' }, argv: [] }));
    expect(inEnv.key).toBe('SYNOD_RPC_PROT');
    expect(inEnv.message).toContain('SYNOD_RPC_PORT');
    const inFlags = configError(() => loadConfig({ env: {}, argv: ['--rpc.prot', '1'] }));
    expect(inFlags.key).toBe('rpc.prot');
    // Non-Synod variables and the reserved password variable are not config.
    expect(() =>
      loadConfig({ env: { HOME: '/root', SYNOD_KEYSTORE_PASSWORD: 'x' }, argv: [] }),
    ).not.toThrow();
  });

  test('a flag without its value, and a file that is not a JSON object', () => {
    expect(configError(() => loadConfig({ env: {}, argv: ['--rpc.port'] })).code).toBe('MISSING_VALUE');
    const notJson = configError(() =>
      loadConfig({ file: { path: '/c.json', text: '{ rpc: ' }, env: {}, argv: [] }),
    );
    expect(notJson.code).toBe('INVALID_FILE');
    expect(notJson.key).toBe('/c.json');
    expect(
      configError(() => loadConfig({ file: { path: '/c.json', text: '[]' }, env: {}, argv: [] })).code,
    ).toBe('INVALID_FILE');
  });

  test('rules between keys', () => {
    const backoff = configError(() =>
      loadConfig({
        env: {},
        argv: ['--p2p.reconnectMinDelayMs', '5000', '--p2p.reconnectMaxDelayMs', '1000'],
      }),
    );
    expect(backoff.key).toBe('p2p.reconnectMaxDelayMs');
    const ports = configError(() => loadConfig({ env: {}, argv: ['--metrics.port', '8645'] }));
    expect(ports.key).toBe('metrics.port');
    expect(() =>
      loadConfig({ env: {}, argv: ['--metrics.port', '8645', '--metrics.host', '0.0.0.0'] }),
    ).not.toThrow();
    const timeouts = configError(() => loadConfig({ env: {}, argv: ['--consensus.timeoutMaxMs', '100'] }));
    expect(timeouts.key).toBe('consensus.timeoutMaxMs');
    // An idle height may not outlast a feed's heartbeat (or max age); 0 (never idle) always passes.
    const feeds = (heartbeatMs: number) =>
      file({
        oracle: { feeds: [{ feedId: `0x${'ab'.repeat(32)}`, decimals: 8, heartbeatMs, maxAgeMs: 60_000 }] },
      });
    const idle = configError(() =>
      loadConfig({ file: feeds(2_000), env: {}, argv: ['--consensus.idleIntervalMs', '2000'] }),
    );
    expect(idle.key).toBe('consensus.idleIntervalMs');
    expect(idle.message).toContain('heartbeat');
    expect(() =>
      loadConfig({ file: feeds(2_001), env: {}, argv: ['--consensus.idleIntervalMs', '2000'] }),
    ).not.toThrow();
    expect(() =>
      loadConfig({ file: feeds(1_000), env: {}, argv: ['--consensus.idleIntervalMs', '0'] }),
    ).not.toThrow();
  });

  test('all problems are reported at once', () => {
    const error = configError(() =>
      loadConfig({ file: file({ rpc: { port: 0 }, bogus: {} }), env: { SYNOD_LOG_LEVEL: 'loud' }, argv: [] }),
    );
    expect(error.issues.map((issue) => issue.key).sort()).toEqual(['bogus', 'log.level', 'rpc.port']);
    expect(error.message).toContain('3 config problems');
  });
});

describe('schema', () => {
  test('env names are SYNOD_<SECTION>_<KEY> in SCREAMING_SNAKE_CASE, one per key', () => {
    const names = CONFIG_KEYS.map((key) => key.envName);
    expect(new Set(names).size).toBe(names.length);
    expect(CONFIG_KEYS.find((key) => key.key === 'consensus.timeoutProposeBaseMs')?.envName).toBe(
      'SYNOD_CONSENSUS_TIMEOUT_PROPOSE_BASE_MS',
    );
    for (const name of names) expect(name).toMatch(/^SYNOD_[A-Z0-9_]+$/);
  });

  test('every default passes its own check and every key is documented', () => {
    for (const key of CONFIG_KEYS) {
      expect(key.field.check(key.field.default).ok, key.key).toBe(true);
      expect(key.field.description.length, key.key).toBeGreaterThan(10);
    }
    expect(Object.keys(CONFIG_SCHEMA)).toEqual([
      'network',
      'node',
      'p2p',
      'rpc',
      'metrics',
      'consensus',
      'mempool',
      'oracle',
      'l1',
      'log',
      'dkg',
    ]);
  });

  test('docs/operations.md holds the generated reference, so it lists every key and default', () => {
    const docs = readFileSync(new URL('../../../../docs/operations.md', import.meta.url), 'utf8');
    expect(docs).toContain(renderConfigReference());
    for (const key of CONFIG_KEYS) expect(docs).toContain(`\`${key.key}\``);
  });
});

describe('splitConfigFlags', () => {
  test('dotted flags (with their values) go to the config, the rest to the command', () => {
    expect(
      splitConfigFlags([
        '--data-dir',
        'd',
        '--rpc.port',
        '1',
        '--force',
        '--metrics.enabled',
        '--json',
        '--log.level=debug',
        '--metrics.enabled',
        'false',
      ]),
    ).toEqual({
      configArgv: ['--rpc.port', '1', '--metrics.enabled', '--log.level=debug', '--metrics.enabled', 'false'],
      commandArgv: ['--data-dir', 'd', '--force', '--json'],
    });
  });
});
