import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

/** l1.settlement: the namespaces whose batches the node settles, each with its contract. */

const namespace = (byte: string) => `0x${byte.repeat(32)}`;
const contract = (byte: string) => `0x${byte.repeat(20)}`;

function load(settlement: unknown) {
  return loadConfig({
    file: { path: '/srv/v0/config.json', text: JSON.stringify({ l1: { settlement } }) },
    env: {},
    argv: [],
  });
}

function failure(settlement: unknown): ConfigError {
  try {
    load(settlement);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('l1.settlement', () => {
  test('entries load lowercased, from the file, the environment (JSON) and flags', () => {
    const { config } = load([
      { namespace: namespace('AB'), contract: contract('CD') },
      { namespace: namespace('01'), contract: contract('02') },
    ]);
    expect(config.l1.settlement).toEqual([
      { namespace: namespace('ab'), contract: contract('cd') },
      { namespace: namespace('01'), contract: contract('02') },
    ]);
    const fromEnv = loadConfig({
      env: {
        SYNOD_L1_SETTLEMENT: JSON.stringify([{ namespace: namespace('aa'), contract: contract('bb') }]),
      },
      argv: [],
    });
    expect(fromEnv.config.l1.settlement).toEqual([{ namespace: namespace('aa'), contract: contract('bb') }]);
    const fromFlag = loadConfig({
      env: {},
      argv: ['--l1.settlement', JSON.stringify([{ namespace: namespace('cc'), contract: contract('dd') }])],
    });
    expect(fromFlag.config.l1.settlement).toHaveLength(1);
    expect(loadConfig({ env: {}, argv: [] }).config.l1.settlement).toEqual([]);
  });

  test.each([
    ['not a list', { namespace: namespace('ab') }, 'l1.settlement', /must be a list/],
    ['not an object', ['0xab'], 'l1.settlement[0]', /must be an object/],
    [
      'a short namespace',
      [{ namespace: '0xabcd', contract: contract('cd') }],
      'l1.settlement[0].namespace',
      /32-byte hex namespace/,
    ],
    [
      'a namespace without 0x',
      [{ namespace: 'ab'.repeat(32), contract: contract('cd') }],
      'l1.settlement[0].namespace',
      /32-byte hex namespace/,
    ],
    [
      'a duplicate namespace (any case)',
      [
        { namespace: namespace('ab'), contract: contract('01') },
        { namespace: namespace('AB'), contract: contract('02') },
      ],
      'l1.settlement[1].namespace',
      /duplicate namespace/,
    ],
    [
      'a bad address',
      [{ namespace: namespace('ab'), contract: '0x1234' }],
      'l1.settlement[0].contract',
      /20-byte hex address/,
    ],
    [
      'a missing contract',
      [{ namespace: namespace('ab') }],
      'l1.settlement[0].contract',
      /20-byte hex address/,
    ],
    [
      'one contract for two namespaces',
      [
        { namespace: namespace('ab'), contract: contract('01') },
        { namespace: namespace('cd'), contract: contract('01') },
      ],
      'l1.settlement[1].contract',
      /duplicate contract/,
    ],
    [
      'an unknown key',
      [{ namespace: namespace('ab'), contract: contract('01'), address: contract('02') }],
      'l1.settlement[0].address',
      /unknown key/,
    ],
    [
      'too many namespaces',
      Array.from({ length: 65 }, (_, i) => ({
        namespace: `0x${i.toString(16).padStart(64, '0')}`,
        contract: `0x${i.toString(16).padStart(40, '0')}`,
      })),
      'l1.settlement',
      /at most 64/,
    ],
  ])('refuses %s, naming the element', (_, settlement, key, reason) => {
    const error = failure(settlement);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(reason);
  });

  test('environment text that is not JSON is refused', () => {
    expect(() => loadConfig({ env: { SYNOD_L1_SETTLEMENT: '[{namespace' }, argv: [] })).toThrow(
      /l1.settlement.*JSON/,
    );
  });
});
