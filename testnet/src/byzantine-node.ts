// The testnet's test-only validator entry: `synod start` with a test-only behaviour, a byzantine
// strategy (`--byzantine K --strategy S`), a wrong wall clock (`--clock-offset node-I=±MS`), or both.
//
//   node testnet/src/byzantine-node.ts [--strategy <S>] [--clock-offset-ms <±MS>]
//                                      --data-dir <dir> --password-file <file>
//
// It loads the node's configuration exactly as `synod start` does (config.json of the data dir,
// SYNOD_* env, defaults), then calls the node's own startNode with a NodeBehaviour of
// packages/node/src/behaviour. The product (`synod`, its configs, its env) has no way to do this:
// the behaviour is a code-level dependency only this script and tests hand to startNode.
// SIGINT/SIGTERM stop it gracefully, as `synod start`; a second signal exits at once.
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { startNode } from '../../packages/node/src/assembly/startNode.ts';
import {
  BYZANTINE_STRATEGIES,
  createByzantineActionCounter,
  createByzantineBehaviour,
  createClockOffsetBehaviour,
  isByzantineStrategy,
  type NodeBehaviour,
} from '../../packages/node/src/behaviour/index.ts';
import { resolveConfig } from '../../packages/node/src/cli/common.ts';
import { ConfigError } from '../../packages/node/src/config/errors.ts';
import { createLogger } from '../../packages/node/src/logging/index.ts';
import { createNodeRegistry } from '../../packages/node/src/metrics/node.ts';

/** Exit codes of `synod start` (docs/operations.md): 1 failure, 2 usage, 78 invalid config. */
const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const;

const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  if (signals > 1) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  process.stderr.write(`byzantine-node: ${signal} received, stopping (again to force)\n`);
  controller.abort(new Error(`${signal} received`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main(): Promise<number> {
  let values: {
    strategy?: string;
    'clock-offset-ms'?: string;
    'data-dir'?: string;
    'password-file'?: string;
  };
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: {
        strategy: { type: 'string' },
        'clock-offset-ms': { type: 'string' },
        'data-dir': { type: 'string' },
        'password-file': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`byzantine-node: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const strategy = values.strategy;
  const offsetText = values['clock-offset-ms'];
  const clockOffsetMs = offsetText === undefined ? undefined : Number(offsetText);
  if (
    (strategy !== undefined && !isByzantineStrategy(strategy)) ||
    (offsetText !== undefined && !/^[+-]?\d+$/.test(offsetText)) ||
    (strategy === undefined && clockOffsetMs === undefined) ||
    values['data-dir'] === undefined
  ) {
    process.stderr.write(
      `usage: byzantine-node.ts [--strategy <${BYZANTINE_STRATEGIES.join('|')}>] [--clock-offset-ms <±MS>] --data-dir <dir> [--password-file <file>] (a strategy, an offset or both)\n`,
    );
    return EXIT.usage;
  }
  const io = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    homeDir: homedir(),
    signal: controller.signal,
  };
  let config: Awaited<ReturnType<typeof resolveConfig>>['config'];
  try {
    ({ config } = await resolveConfig({ flags: { 'data-dir': values['data-dir'] }, configArgv: [], io }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`byzantine-node: invalid configuration: ${error.message}\n`);
    return EXIT.config;
  }
  const logger = createLogger({
    level: config.log.level,
    name: config.node.name,
    destination: { write: (line: string) => io.stdout(line) },
  });
  const register = createNodeRegistry({ labels: { node: config.node.name } });
  let behaviour: NodeBehaviour | undefined;
  if (strategy !== undefined) {
    const counted = createByzantineActionCounter(register, strategy);
    const seen = new Set<string>();
    behaviour = createByzantineBehaviour(strategy, (action) => {
      counted(action);
      // The first act of each kind is logged; the counter has them all.
      if (!seen.has(action)) {
        seen.add(action);
        logger.warn({ strategy, action }, 'byzantine act (first of its kind)');
      }
    });
  }
  if (clockOffsetMs !== undefined) {
    behaviour = createClockOffsetBehaviour(clockOffsetMs, { base: behaviour });
    logger.warn({ clockOffsetMs }, "clock offset: this node's wall clock is off by the offset");
  }
  let failure: unknown;
  let wake: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const node = await startNode(config, {
    logger,
    register,
    passwordFile: values['password-file'],
    env: io.env,
    behaviour,
    onFatal: (error) => {
      failure = error;
      wake();
    },
  });
  if (controller.signal.aborted) wake();
  controller.signal.addEventListener('abort', () => wake(), { once: true });
  await done;
  await node.stop();
  if (failure !== undefined) {
    process.stderr.write(
      `byzantine-node: stopped after a fatal error: ${(failure as Error).message ?? failure}\n`,
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}

const code = await main().catch((error: unknown) => {
  process.stderr.write(`byzantine-node: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.failure;
});
process.exitCode = code;
// Lingering handles must not keep a stopped node alive (as `synod`).
setTimeout(() => process.exit(code), 1_000).unref();
