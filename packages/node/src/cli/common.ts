import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { defaultConfigPath, readConfigFile } from '../config/file.ts';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import type { CommandContext, CommandFlag } from './types.ts';

/** Flags shared by every command that works on a data dir. */
export const DATA_DIR_FLAG: CommandFlag = {
  name: 'data-dir',
  type: 'string',
  placeholder: '<dir>',
  description: 'Data directory (default ~/.synod, or node.dataDir of --config). Same as --node.dataDir.',
};
export const CONFIG_FLAG: CommandFlag = {
  name: 'config',
  type: 'string',
  placeholder: '<file>',
  description: 'Config file (default <data-dir>/config.json, optional there).',
};
export const PASSWORD_FILE_FLAG: CommandFlag = {
  name: 'password-file',
  type: 'string',
  placeholder: '<file>',
  description:
    'File holding the BLS keystore password (one trailing newline ignored). Without it, SYNOD_KEYSTORE_PASSWORD. Never a flag value: command lines are visible in `ps`.',
};
export const JSON_FLAG: CommandFlag = {
  name: 'json',
  type: 'boolean',
  description: 'Machine-readable JSON output.',
};

export const DEFAULT_DATA_DIR_NAME = '.synod';

export interface ResolvedConfig extends LoadedConfig {
  /** Absolute data dir. */
  readonly dataDir: string;
  /** The config file read, if any. */
  readonly configPath: string | undefined;
}

function lastFlagValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) value = argv[i + 1];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  }
  return value;
}

/**
 * The config a command runs with. With `--config F`, F is required and its node.dataDir (default:
 * F's directory) is the data dir. Otherwise the data dir comes first (--data-dir, --node.dataDir,
 * SYNOD_NODE_DATA_DIR, ~/.synod) and its config.json is read if it exists.
 */
export async function resolveConfig(context: CommandContext): Promise<ResolvedConfig> {
  const { io } = context;
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(io.cwd, path));
  const configArgv = [...context.configArgv];
  const dataDirFlag = context.flags['data-dir'];
  if (typeof dataDirFlag === 'string') configArgv.push('--node.dataDir', absolute(dataDirFlag));
  const configFlag = context.flags.config;

  if (typeof configFlag === 'string') {
    const path = absolute(configFlag);
    const file = await readConfigFile(path, { optional: false });
    const loaded = loadConfig({ file, env: io.env, argv: configArgv, cwd: io.cwd });
    return { ...loaded, dataDir: absolute(loaded.config.node.dataDir), configPath: path };
  }
  const explicit = lastFlagValue(configArgv, 'node.dataDir') ?? io.env.SYNOD_NODE_DATA_DIR;
  const dataDir = absolute(explicit ?? join(io.homeDir ?? homedir(), DEFAULT_DATA_DIR_NAME));
  const path = defaultConfigPath(dataDir);
  const file = await readConfigFile(path, { optional: true });
  // The data dir decided above wins over node.dataDir inside its own config file.
  const loaded = loadConfig({
    file,
    env: io.env,
    argv: [...configArgv, '--node.dataDir', dataDir],
    cwd: io.cwd,
    defaultsDir: dataDir,
  });
  return { ...loaded, dataDir, configPath: file === undefined ? undefined : path };
}

/** An RPC URL a client on this machine can use: wildcard listen hosts become loopback. */
export function localRpcUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}/`;
}
