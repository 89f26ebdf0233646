import { startNode } from '../../assembly/startNode.ts';
import { createLogger } from '../../logging/index.ts';
import { CONFIG_FLAG, DATA_DIR_FLAG, PASSWORD_FILE_FLAG, resolveConfig } from '../common.ts';
import { type Command, ExitCode } from '../types.ts';

/**
 * `synod start`: loads and checks the configuration, then runs the node (packages/node/src/assembly)
 * until SIGINT/SIGTERM, which stop it gracefully.
 */
export const startCommand: Command = {
  name: 'start',
  summary: 'Start the validator node (p2p, consensus, mempool, RPC, metrics).',
  description: [
    'Loads and checks the configuration (file < env < flags); an invalid config stops here with exit code 78, naming the key and the reason. Then runs the node until SIGINT/SIGTERM.',
    'Needs the data dir from `synod init` and the committee.json and share keystore from `synod dkg`; the keystore password comes from --password-file or SYNOD_KEYSTORE_PASSWORD.',
  ].join('\n\n'),
  flags: [DATA_DIR_FLAG, CONFIG_FLAG, PASSWORD_FILE_FLAG],
  readsConfig: true,
  examples: [
    'synod start --data-dir /var/lib/synod',
    'SYNOD_RPC_PORT=8646 synod start --data-dir ./v1 --log.level debug',
  ],
  async run(context) {
    const { io, flags } = context;
    const { config, dataDir, configPath } = await resolveConfig(context);
    io.stdout(`Configuration is valid (data dir ${dataDir}, config ${configPath ?? 'defaults only'}).\n`);
    const logger = createLogger({
      level: config.log.level,
      name: config.node.name,
      destination: { write: (line: string) => io.stdout(line) },
    });
    let failure: unknown;
    let wake: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const node = await startNode(config, {
      logger,
      passwordFile: typeof flags['password-file'] === 'string' ? flags['password-file'] : undefined,
      env: io.env,
      onFatal: (error) => {
        failure = error;
        wake();
      },
    });
    if (io.signal?.aborted === true) wake();
    io.signal?.addEventListener('abort', () => wake(), { once: true });
    await done;
    await node.stop();
    if (failure !== undefined) {
      io.stderr(`synod start: stopped after a fatal error: ${(failure as Error).message ?? failure}\n`);
      return ExitCode.failure;
    }
    return ExitCode.ok;
  },
};
