import { CodedError } from '@synod/protocol';

/**
 * Operating errors of configuration: a config file, environment variable or flag that the node
 * cannot run with. One class with a bounded `code`; every issue names the key it is about, so an
 * operator reads `rpc.port: must be an integer 1..65535, got "abc" (env SYNOD_RPC_PORT)` and
 * knows what to fix and where.
 */

export type ConfigErrorCode =
  /** A key the schema does not know (a typo, or a key of another version). */
  | 'UNKNOWN_KEY'
  /** A known key with a value of the wrong type or out of range. */
  | 'INVALID_VALUE'
  /** The config file cannot be read or is not a JSON object. */
  | 'INVALID_FILE'
  /** A flag without its value (`--rpc.port` at the end of the line). */
  | 'MISSING_VALUE';

/** Where a value came from, in precedence order (later wins). */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

export interface ConfigIssue {
  readonly code: ConfigErrorCode;
  /** Dotted key (`rpc.port`), or the file path for INVALID_FILE. */
  readonly key: string;
  readonly reason: string;
  /** `file config.json`, `env SYNOD_RPC_PORT`, `flag --rpc.port`. */
  readonly origin?: string;
}

/** Formats one issue as `key: reason (origin)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return `${issue.key}: ${issue.reason}${issue.origin === undefined ? '' : ` (${issue.origin})`}`;
}

/**
 * Every problem found in one load, not just the first: an operator fixes them in one pass.
 * `code` and `key` are those of the first issue.
 */
export class ConfigError extends CodedError<ConfigErrorCode> {
  override readonly name = 'ConfigError';
  readonly key: string;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const first = issues[0];
    if (first === undefined) throw new Error('assertion failed: ConfigError without issues');
    super(
      first.code,
      issues.length === 1
        ? formatConfigIssue(first)
        : `${issues.length} config problems:\n${issues.map((issue) => `  ${formatConfigIssue(issue)}`).join('\n')}`,
    );
    this.key = first.key;
    this.issues = issues;
  }
}

export type GenesisErrorCode =
  /** Not JSON, or not an object. */
  | 'INVALID_JSON'
  /** A field is missing, of the wrong type, or out of range. */
  | 'INVALID_FIELD'
  /** A field the format does not have (typo protection). */
  | 'UNKNOWN_FIELD'
  /** Two participants share a peer id, key or address. */
  | 'DUPLICATE'
  /** The threshold is not the committee's quorum 2f+1. */
  | 'INVALID_THRESHOLD';

/** A genesis file that cannot be used (config/genesis.ts `parseGenesis`). */
export class GenesisError extends CodedError<GenesisErrorCode> {
  override readonly name = 'GenesisError';
  /** Dotted path of the offending field (`participants[2].peerId`), '' for the whole file. */
  readonly field: string;
  constructor(code: GenesisErrorCode, field: string, reason: string) {
    super(code, `${field === '' ? 'genesis' : `genesis ${field}`}: ${reason}`);
    this.field = field;
  }
}
