import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './errors.ts';
import { MAX_CONFIG_FILE_BYTES } from './load.ts';
import { CONFIG_SCHEMA } from './schema.ts';

/** Name of the config file inside a data directory. */
export const CONFIG_FILE_NAME = 'config.json';

export function defaultConfigPath(dataDir: string): string {
  return join(dataDir, CONFIG_FILE_NAME);
}

/**
 * Reads a config file for loadConfig. A missing file is `undefined` when `optional` (the data
 * dir's default config may not exist; defaults apply), a ConfigError otherwise.
 */
export async function readConfigFile(
  path: string,
  options: { optional: boolean },
): Promise<{ path: string; text: string } | undefined> {
  try {
    const buffer = await readFile(path);
    if (buffer.length > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigError([
        { code: 'INVALID_FILE', key: path, reason: `larger than ${MAX_CONFIG_FILE_BYTES} bytes` },
      ]);
    }
    return { path, text: buffer.toString('utf8') };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.optional) return undefined;
    throw new ConfigError([
      { code: 'INVALID_FILE', key: path, reason: `cannot read: ${code ?? (error as Error).message}` },
    ]);
  }
}

/**
 * The config file `synod init` writes: the keys an operator is expected to look at, plus any
 * override given to init. Every other key keeps its default, so a later release's better default
 * applies without editing the file; the full list is in docs/operations.md.
 */
export function renderInitialConfig(overrides: Readonly<Record<string, unknown>>): string {
  const shown: Record<string, Record<string, unknown>> = {
    network: { genesisFile: CONFIG_SCHEMA.network.genesisFile.default },
    p2p: { listenAddresses: CONFIG_SCHEMA.p2p.listenAddresses.default },
    rpc: { host: CONFIG_SCHEMA.rpc.host.default, port: CONFIG_SCHEMA.rpc.port.default },
    metrics: { host: CONFIG_SCHEMA.metrics.host.default, port: CONFIG_SCHEMA.metrics.port.default },
    log: { level: CONFIG_SCHEMA.log.level.default },
  };
  for (const [key, value] of Object.entries(overrides)) {
    const [section, name] = key.split('.') as [string, string];
    shown[section] ??= {};
    shown[section][name] = value;
  }
  return `${JSON.stringify(shown, null, 2)}\n`;
}
