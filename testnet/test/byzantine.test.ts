import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { BYZANTINE_STRATEGIES as NODE_STRATEGIES } from '../../packages/node/src/behaviour/index.ts';
import { BYZANTINE_STRATEGIES } from '../src/args.ts';
import { BYZANTINE_NODE_SCRIPT, SYNOD_CLI } from '../src/layout.ts';

/**
 * How byzantine nodes are started: the runner's strategy names are the node behaviours', the
 * testnet's own entry runs them, and the product's `synod start` has no way to.
 */
describe('byzantine nodes', () => {
  test('every --strategy of the runner is a node behaviour, and the other way round', () => {
    expect(Object.keys(BYZANTINE_STRATEGIES).sort()).toEqual([...NODE_STRATEGIES].sort());
  });

  test('`synod start` has no byzantine mode: its help names no such flag, and it refuses one', () => {
    const help = spawnSync(process.execPath, [SYNOD_CLI, 'start', '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(help.status).toBe(0);
    expect(help.stdout).not.toMatch(/byzantine|behaviour|strategy/i);
    const refused = spawnSync(process.execPath, [SYNOD_CLI, 'start', '--byzantine', 'equivocate'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(refused.status).toBe(2);
  });

  test('the byzantine entry refuses an unknown strategy with its usage (exit 2)', () => {
    const run = spawnSync(
      process.execPath,
      [BYZANTINE_NODE_SCRIPT, '--strategy', 'bribe', '--data-dir', '/nonexistent'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/equivocate\|censor\|front-run\|manipulate-prices/);
  });
});
