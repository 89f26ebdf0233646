import { RpcError } from './errors.ts';

/**
 * A parameter type: a strict parser of untrusted JSON and the JSON Schema that documents it (in
 * the OpenRPC document). One definition serves both, so the document cannot drift from what
 * the server accepts.
 */
export interface ParamSchema<T> {
  readonly json: JsonSchema;
  /** Returns the value or throws RpcError INVALID_PARAMS naming `name`. */
  parse(value: unknown, name: string): T;
}

/** The subset of JSON Schema (draft 7) the document uses. */
export type JsonSchema = { [key: string]: unknown };

function invalid(name: string, expected: string, value: unknown): never {
  throw new RpcError('INVALID_PARAMS', `${name} must be ${expected}, got ${describe(value)}`, {
    param: name,
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 20 ? `a string of ${value.length} chars` : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

const HEX_BODY = /^0x(?:[0-9a-fA-F]{2})*$/;

/**
 * 0x-prefixed hex bytes. `bytes` fixes the length; `maxChars` bounds the string before the
 * pattern is tested, so an oversized value costs nothing. Output is lowercase.
 */
export function hexBytes(options: {
  title: string;
  description: string;
  bytes?: number;
  maxChars?: number;
}): ParamSchema<`0x${string}`> {
  const expected =
    options.bytes === undefined
      ? 'a 0x-prefixed hex string of whole bytes'
      : `a ${options.bytes}-byte 0x-hex string`;
  const pattern =
    options.bytes === undefined ? '^0x([0-9a-fA-F]{2})*$' : `^0x[0-9a-fA-F]{${2 * options.bytes}}$`;
  const json: JsonSchema = {
    title: options.title,
    description: options.description,
    type: 'string',
    pattern,
  };
  if (options.maxChars !== undefined) json.maxLength = options.maxChars;
  return {
    json,
    parse(value, name) {
      if (typeof value !== 'string') invalid(name, expected, value);
      if (options.maxChars !== undefined && value.length > options.maxChars) {
        invalid(name, `${expected} of at most ${options.maxChars} chars`, value);
      }
      if (options.bytes !== undefined && value.length !== 2 + 2 * options.bytes)
        invalid(name, expected, value);
      if (!HEX_BODY.test(value)) invalid(name, expected, value);
      return value.toLowerCase() as `0x${string}`;
    },
  };
}

/** A JSON integer in [minimum, maximum] (safe integers only). */
export function integer(options: {
  title: string;
  description: string;
  minimum: number;
  maximum?: number;
}): ParamSchema<number> {
  const maximum = options.maximum ?? Number.MAX_SAFE_INTEGER;
  const expected = `an integer in [${options.minimum}, ${maximum}]`;
  return {
    json: {
      title: options.title,
      description: options.description,
      type: 'integer',
      minimum: options.minimum,
      maximum,
    },
    parse(value, name) {
      if (
        typeof value !== 'number' ||
        !Number.isSafeInteger(value) ||
        value < options.minimum ||
        value > maximum
      ) {
        invalid(name, expected, value);
      }
      return value;
    },
  };
}

export function boolean(options: { title: string; description: string }): ParamSchema<boolean> {
  return {
    json: { title: options.title, description: options.description, type: 'boolean' },
    parse(value, name) {
      if (typeof value !== 'boolean') invalid(name, 'a boolean', value);
      return value;
    },
  };
}

/** One of a fixed set of strings. */
export function stringEnum<const T extends string>(options: {
  title: string;
  description: string;
  values: readonly T[];
}): ParamSchema<T> {
  const expected = `one of ${options.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return {
    json: {
      title: options.title,
      description: options.description,
      type: 'string',
      enum: [...options.values],
    },
    parse(value, name) {
      if (typeof value !== 'string' || !(options.values as readonly string[]).includes(value)) {
        invalid(name, expected, value);
      }
      return value as T;
    },
  };
}

/** Either of two parameter types (tried in order; the error names both). */
export function oneOf<A, B>(
  options: { title: string; description: string },
  a: ParamSchema<A>,
  b: ParamSchema<B>,
): ParamSchema<A | B> {
  return {
    json: { title: options.title, description: options.description, oneOf: [a.json, b.json] },
    parse(value, name) {
      try {
        return a.parse(value, name);
      } catch {
        try {
          return b.parse(value, name);
        } catch {
          return invalid(name, `${a.json.title} or ${b.json.title}`, value);
        }
      }
    },
  };
}
