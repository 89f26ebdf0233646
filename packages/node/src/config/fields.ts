import { multiaddr } from '@multiformats/multiaddr';

/**
 * Field types of the config schema. A field knows its type (for docs), its default, how to check
 * a JSON value, and how to read the text of an environment variable or flag. Reasons are written
 * to be read after the key: `rpc.port: must be an integer 1..65535, got "abc"`.
 */

export type CheckResult<T> =
  | { readonly ok: true; readonly value: T }
  /** `subKey` refines the key inside a structured value (`[1].decimals` of `oracle.feeds`). */
  | { readonly ok: false; readonly reason: string; readonly subKey?: string };

export interface ConfigField<T> {
  /** Human-readable type, as the docs show it (`integer 1..65535`). */
  readonly type: string;
  readonly default: T;
  /** What the key means and why its default is what it is. */
  readonly description: string;
  readonly check: (value: unknown) => CheckResult<T>;
  /** Turns env/flag text into the JSON-like value `check` takes. Throws Error(reason) if it cannot. */
  readonly fromText: (text: string) => unknown;
  /** Relative paths resolve against the config file's directory (file) or the working directory (env, flags). */
  readonly isPath?: boolean;
  /** A flag given twice appends to the list instead of replacing it. */
  readonly isList?: boolean;
  /** `--metrics.enabled` alone means true. */
  readonly isBoolean?: boolean;
}

/** The value type of a field. */
export type FieldValue<F> = F extends ConfigField<infer T> ? T : never;

const GOT_MAX_CHARS = 80;

/** `"abc"`, `12`, `null`, … truncated: the reason shows what was given without flooding the terminal. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > GOT_MAX_CHARS ? `${text.slice(0, GOT_MAX_CHARS)}…` : text;
}

function fail(reason: string, value: unknown): { ok: false; reason: string } {
  return { ok: false, reason: `${reason}, got ${describeValue(value)}` };
}

const INTEGER_TEXT = /^[+-]?\d+$/;

export function integer(spec: {
  min: number;
  max: number;
  default: number;
  description: string;
}): ConfigField<number> {
  const range = `${spec.min}..${spec.max}`;
  return {
    type: `integer ${range}`,
    default: spec.default,
    description: spec.description,
    check: (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= spec.min && value <= spec.max
        ? { ok: true, value }
        : fail(`must be an integer ${range}`, value),
    fromText: (text) => (INTEGER_TEXT.test(text.trim()) ? Number(text.trim()) : text),
  };
}

export function boolean(spec: { default: boolean; description: string }): ConfigField<boolean> {
  return {
    type: 'boolean',
    default: spec.default,
    description: spec.description,
    isBoolean: true,
    check: (value) =>
      typeof value === 'boolean' ? { ok: true, value } : fail('must be true or false', value),
    fromText: (text) => {
      const normalized = text.trim().toLowerCase();
      if (normalized === 'true' || normalized === '1') return true;
      if (normalized === 'false' || normalized === '0') return false;
      return text;
    },
  };
}

export function string(spec: {
  default: string;
  description: string;
  /** Extra check on a string: a reason when invalid. */
  validate?: (value: string) => string | undefined;
  type?: string;
}): ConfigField<string> {
  return {
    type: spec.type ?? 'string',
    default: spec.default,
    description: spec.description,
    check: (value) => {
      if (typeof value !== 'string' || value.length === 0) return fail('must be a non-empty string', value);
      const reason = spec.validate?.(value);
      return reason === undefined ? { ok: true, value } : fail(reason, value);
    },
    fromText: (text) => text,
  };
}

export function path(spec: { default: string; description: string }): ConfigField<string> {
  return { ...string({ ...spec, type: 'path' }), isPath: true };
}

export function oneOf<const V extends string>(spec: {
  values: readonly V[];
  default: V;
  description: string;
}): ConfigField<V> {
  return {
    type: spec.values.map((v) => `"${v}"`).join(' | '),
    default: spec.default,
    description: spec.description,
    check: (value) =>
      typeof value === 'string' && (spec.values as readonly string[]).includes(value)
        ? { ok: true, value: value as V }
        : fail(`must be one of ${spec.values.join(', ')}`, value),
    fromText: (text) => text.trim(),
  };
}

/** `null` (unset) or a value of `inner`. In env and flags, an empty value means null. */
export function nullable<T>(inner: ConfigField<T>, description: string): ConfigField<T | null> {
  return {
    type: `${inner.type} | null`,
    default: null,
    description,
    check: (value) => {
      if (value === null) return { ok: true, value: null };
      const result = inner.check(value);
      return result.ok ? result : { ...result, reason: `${result.reason} (or null)` };
    },
    fromText: (text) => (text.trim() === '' || text.trim() === 'null' ? null : inner.fromText(text)),
  };
}

/** A list of strings, each checked by `validate`. In env and flags: comma-separated. */
export function stringList(spec: {
  default: readonly string[];
  description: string;
  itemType: string;
  validate: (item: string) => string | undefined;
  maxItems: number;
}): ConfigField<readonly string[]> {
  return {
    type: `${spec.itemType}[]`,
    default: spec.default,
    description: spec.description,
    isList: true,
    check: (value) => {
      if (!Array.isArray(value)) return fail(`must be a list of ${spec.itemType}`, value);
      if (value.length > spec.maxItems) return fail(`must have at most ${spec.maxItems} entries`, value);
      for (const [i, item] of value.entries()) {
        if (typeof item !== 'string')
          return { ...fail(`must be a ${spec.itemType}`, item), subKey: `[${i}]` };
        const reason = spec.validate(item);
        if (reason !== undefined) return { ...fail(reason, item), subKey: `[${i}]` };
      }
      return { ok: true, value: [...(value as string[])] };
    },
    fromText: (text) =>
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
  };
}

/** A JSON value (lists of objects); env and flags carry it as JSON text. */
export function json<T>(spec: {
  type: string;
  default: T;
  description: string;
  check: (value: unknown) => CheckResult<T>;
}): ConfigField<T> {
  return {
    type: spec.type,
    default: spec.default,
    description: spec.description,
    check: spec.check,
    fromText: (text) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`must be JSON text (${spec.type}), got ${describeValue(text)}`);
      }
    },
  };
}

// Validators shared by several fields: a reason, or undefined when the value is fine.

export function checkMultiaddr(text: string): string | undefined {
  try {
    multiaddr(text);
    return undefined;
  } catch {
    return 'must be a multiaddr such as /ip4/0.0.0.0/tcp/9000';
  }
}

export function checkPeerMultiaddr(text: string): string | undefined {
  if (checkMultiaddr(text) !== undefined || !/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(text)) {
    return 'must be a multiaddr ending in /p2p/<peerId>';
  }
  return undefined;
}

export function checkHttpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'must be an http(s) URL';
  } catch {
    return 'must be an http(s) URL';
  }
}

const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;

export function checkAddress(text: string): string | undefined {
  return ADDRESS_PATTERN.test(text) ? undefined : 'must be a 0x-prefixed 20-byte hex address';
}

/** Host names and IP literals; no scheme, no port. */
export function checkHost(text: string): string | undefined {
  return /^[A-Za-z0-9.:_-]+$/.test(text) && !text.includes('://')
    ? undefined
    : 'must be a host name or IP address (no scheme, no port)';
}
