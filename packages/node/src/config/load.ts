import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, type ConfigSource } from './errors.ts';
import { type FeedEntry, toFeedConfig } from './feeds.ts';
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, type SynodConfig } from './schema.ts';

/**
 * Loading the config: defaults < file < environment < flags, key by key. Pure: the caller passes
 * the file's text, the environment and the argv; nothing here reads process state.
 */

/** Largest config file accepted: a config is a few KiB, anything near this is not one. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * `SYNOD_*` variables that are not config keys. Any other `SYNOD_*` variable is an error, so a
 * misspelt override (`SYNOD_RPC_PROT`) fails at start instead of being silently ignored.
 */
export const RESERVED_ENV_NAMES: readonly string[] = ['SYNOD_KEYSTORE_PASSWORD'];

export interface LoadConfigParameters {
  /** The config file's text and its path (for messages and to resolve relative paths in it). */
  readonly file?: { readonly path: string; readonly text: string } | undefined;
  /** Environment variables (`process.env` in the CLI). Only `SYNOD_*` ones are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Config flags only: `--rpc.port 8545`, `--rpc.port=8545`, `--metrics.enabled`. */
  readonly argv: readonly string[];
  /** Directory that relative paths from env and flags resolve against; left relative without it. */
  readonly cwd?: string | undefined;
  /**
   * Directory that relative path defaults (`node.dataDir` = ".", `network.genesisFile`) resolve
   * against; default the config file's directory. The CLI passes the data dir when there is no file.
   */
  readonly defaultsDir?: string | undefined;
}

export interface LoadedConfig {
  readonly config: SynodConfig;
  /** Where each dotted key's value came from. */
  readonly sources: Readonly<Record<string, ConfigSource>>;
}

const KEYS_BY_NAME = new Map(CONFIG_KEYS.map((key) => [key.key, key]));
const KEYS_BY_ENV = new Map(CONFIG_KEYS.map((key) => [key.envName, key]));

/**
 * Builds the configuration from defaults, the file, the environment and flags (later wins), and
 * checks every value. Throws ConfigError listing every problem, each naming its key.
 *
 * @example
 * const { config } = loadConfig({ file: { path, text }, env: process.env, argv: ['--rpc.port', '8545'] });
 */
export function loadConfig(parameters: LoadConfigParameters): LoadedConfig {
  const issues: ConfigIssue[] = [];
  const values = new Map<string, unknown>(CONFIG_KEYS.map((key) => [key.key, key.field.default]));
  const sources: Record<string, ConfigSource> = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key.key, 'default' as const]),
  );

  const set = (key: ConfigKey, raw: unknown, source: ConfigSource, origin: string, baseDir?: string) => {
    const result = key.field.check(raw);
    if (!result.ok) {
      const subKey = result.subKey ?? '';
      const joiner = subKey === '' || subKey.startsWith('[') ? '' : '.';
      issues.push({
        code: 'INVALID_VALUE',
        key: `${key.key}${joiner}${subKey}`,
        reason: result.reason,
        origin,
      });
      return;
    }
    let value: unknown = result.value;
    if (
      key.field.isPath === true &&
      typeof value === 'string' &&
      !isAbsolute(value) &&
      baseDir !== undefined
    ) {
      value = resolve(baseDir, value);
    }
    values.set(key.key, value);
    sources[key.key] = source;
  };

  if (parameters.file !== undefined) readFile(parameters.file, issues, set);
  readEnv(parameters.env, parameters.cwd, issues, set);
  readFlags(parameters.argv, parameters.cwd, issues, set);
  const defaultsDir =
    parameters.defaultsDir ?? (parameters.file === undefined ? undefined : dirname(parameters.file.path));
  for (const key of CONFIG_KEYS) {
    const value = values.get(key.key);
    if (key.field.isPath !== true || sources[key.key] !== 'default' || defaultsDir === undefined) continue;
    if (typeof value === 'string' && !isAbsolute(value)) values.set(key.key, resolve(defaultsDir, value));
  }
  if (issues.length === 0) checkRelations(values, sources, issues);
  if (issues.length > 0) throw new ConfigError(issues);

  const config: Record<string, Record<string, unknown>> = {};
  for (const key of CONFIG_KEYS) {
    config[key.section] ??= {};
    config[key.section]![key.name] = values.get(key.key);
  }
  return { config: deepFreeze(config) as unknown as SynodConfig, sources };
}

type Setter = (key: ConfigKey, raw: unknown, source: ConfigSource, origin: string, baseDir?: string) => void;

function readFile(file: { path: string; text: string }, issues: ConfigIssue[], set: Setter): void {
  const origin = `file ${file.path}`;
  if (file.text.length > MAX_CONFIG_FILE_BYTES) {
    issues.push({
      code: 'INVALID_FILE',
      key: file.path,
      reason: `larger than ${MAX_CONFIG_FILE_BYTES} bytes`,
    });
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.text);
  } catch (error) {
    issues.push({
      code: 'INVALID_FILE',
      key: file.path,
      reason: `not valid JSON: ${(error as Error).message}`,
    });
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    issues.push({ code: 'INVALID_FILE', key: file.path, reason: 'must be a JSON object of sections' });
    return;
  }
  const baseDir = dirname(file.path);
  for (const [section, body] of Object.entries(parsed)) {
    if (!Object.hasOwn(CONFIG_SCHEMA, section)) {
      issues.push(unknownKey(section, Object.keys(CONFIG_SCHEMA), origin));
      continue;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      issues.push({ code: 'INVALID_VALUE', key: section, reason: 'must be an object of keys', origin });
      continue;
    }
    for (const [name, raw] of Object.entries(body)) {
      const key = KEYS_BY_NAME.get(`${section}.${name}`);
      if (key === undefined) {
        issues.push(unknownKey(`${section}.${name}`, [...KEYS_BY_NAME.keys()], origin));
        continue;
      }
      set(key, raw, 'file', origin, baseDir);
    }
  }
}

function readEnv(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string | undefined,
  issues: ConfigIssue[],
  set: Setter,
): void {
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('SYNOD_') || text === undefined || RESERVED_ENV_NAMES.includes(name)) continue;
    const key = KEYS_BY_ENV.get(name);
    if (key === undefined) {
      const issue = unknownKey(name, [...KEYS_BY_ENV.keys(), ...RESERVED_ENV_NAMES], 'environment');
      issues.push(issue);
      continue;
    }
    const origin = `env ${name}`;
    const raw = fromText(key, text, origin, issues);
    if (raw !== NO_VALUE) set(key, raw, 'env', origin, cwd);
  }
}

function readFlags(
  argv: readonly string[],
  cwd: string | undefined,
  issues: ConfigIssue[],
  set: Setter,
): void {
  const lists = new Map<string, unknown[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      issues.push({
        code: 'UNKNOWN_KEY',
        key: arg,
        reason: 'unexpected argument (config flags are --<section>.<key> <value>)',
      });
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    const origin = `flag --${name}`;
    const key = KEYS_BY_NAME.get(name);
    if (key === undefined) {
      issues.push(unknownKey(name, [...KEYS_BY_NAME.keys()], 'flags'));
      if (equals === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    let text: string;
    if (equals !== -1) {
      text = arg.slice(equals + 1);
    } else if (key.field.isBoolean === true && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) {
      text = 'true';
    } else if (argv[i + 1] === undefined) {
      issues.push({ code: 'MISSING_VALUE', key: key.key, reason: 'flag without a value', origin });
      continue;
    } else {
      text = argv[++i]!;
    }
    const raw = fromText(key, text, origin, issues);
    if (raw === NO_VALUE) continue;
    if (key.field.isList === true && Array.isArray(raw)) {
      // A list flag given twice accumulates: --p2p.bootstrapPeers a --p2p.bootstrapPeers b.
      const accumulated = [...(lists.get(key.key) ?? []), ...raw];
      lists.set(key.key, accumulated);
      set(key, accumulated, 'flag', origin, cwd);
    } else {
      set(key, raw, 'flag', origin, cwd);
    }
  }
}

const NO_VALUE = Symbol('no value');

function fromText(key: ConfigKey, text: string, origin: string, issues: ConfigIssue[]): unknown {
  try {
    return key.field.fromText(text);
  } catch (error) {
    issues.push({ code: 'INVALID_VALUE', key: key.key, reason: (error as Error).message, origin });
    return NO_VALUE;
  }
}

/** Rules between keys; run only when every key is valid on its own. */
function checkRelations(
  values: ReadonlyMap<string, unknown>,
  sources: Readonly<Record<string, ConfigSource>>,
  issues: ConfigIssue[],
): void {
  const get = (key: string) => values.get(key) as number;
  const complain = (key: string, reason: string) =>
    issues.push({ code: 'INVALID_VALUE', key, reason, origin: sources[key] });
  if (get('p2p.reconnectMinDelayMs') > get('p2p.reconnectMaxDelayMs')) {
    complain(
      'p2p.reconnectMaxDelayMs',
      `must be ≥ p2p.reconnectMinDelayMs (${get('p2p.reconnectMinDelayMs')}), got ${get('p2p.reconnectMaxDelayMs')}`,
    );
  }
  for (const base of ['timeoutProposeBaseMs', 'timeoutPrevoteBaseMs', 'timeoutPrecommitBaseMs']) {
    if (get(`consensus.${base}`) > get('consensus.timeoutMaxMs')) {
      complain(
        'consensus.timeoutMaxMs',
        `must be ≥ consensus.${base} (${get(`consensus.${base}`)}), got ${get('consensus.timeoutMaxMs')}`,
      );
    }
  }
  // An idle height must come before any feed's price goes stale or misses its L1 heartbeat.
  const idleIntervalMs = get('consensus.idleIntervalMs');
  if (idleIntervalMs > 0) {
    for (const entry of (values.get('oracle.feeds') as readonly FeedEntry[] | undefined) ?? []) {
      const feed = toFeedConfig(entry);
      const limit = Math.min(feed.heartbeatMs, feed.maxAgeMs);
      if (idleIntervalMs >= limit) {
        complain(
          'consensus.idleIntervalMs',
          `must be below the heartbeat and max age of every feed (feed ${entry.feedId}: ${limit} ms), got ${idleIntervalMs}`,
        );
      }
    }
  }
  if (
    values.get('rpc.enabled') === true &&
    values.get('metrics.enabled') === true &&
    get('rpc.port') === get('metrics.port') &&
    values.get('rpc.host') === values.get('metrics.host')
  ) {
    complain('metrics.port', `must differ from rpc.port on the same host, got ${get('metrics.port')}`);
  }
}

function unknownKey(key: string, known: readonly string[], origin: string): ConfigIssue {
  const suggestion = closest(key, known);
  return {
    code: 'UNKNOWN_KEY',
    key,
    reason: `unknown key${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
    origin,
  };
}

/** The known name nearest to a misspelt one, if it is close enough to be the likely intent. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: edits plus adjacent transpositions (`rcp` → `rpc` is 1). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
