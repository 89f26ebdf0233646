import { describe, expect, it } from 'vitest';
import { childEnvironment, validatorNodeFlags } from '../src/synod.ts';

describe('validator processes', () => {
  it('take Node flags from SYNOD_TESTNET_NODE_FLAGS, split on spaces', () => {
    expect(validatorNodeFlags({})).toEqual([]);
    expect(validatorNodeFlags({ SYNOD_TESTNET_NODE_FLAGS: '  --cpu-prof   --cpu-prof-dir=/tmp/p ' })).toEqual(
      ['--cpu-prof', '--cpu-prof-dir=/tmp/p'],
    );
  });

  it('do not inherit SYNOD_* variables (the flags variable included)', () => {
    expect(
      childEnvironment({ SYNOD_TESTNET_NODE_FLAGS: '--cpu-prof', SYNOD_RPC_PORT: '1', PATH: '/bin' }),
    ).toEqual({
      PATH: '/bin',
    });
  });
});
