import type { SynodRpcBackend } from './backend.ts';
import { type ApplicationErrorName, RpcError } from './errors.ts';
import type { JsonSchema, ParamSchema } from './schema.ts';
import type { SocketSubscriptions } from './subscriptions.ts';

/**
 * The method framework: `defineMethod` turns a spec (params with their parsers and JSON Schemas,
 * result schema, application errors, handler) into a registry entry whose `call` parses raw
 * JSON-RPC params strictly before running the handler. The method list is methods.ts.
 */

/** What a handler gets besides its params. */
export interface MethodContext {
  backend: SynodRpcBackend;
  /** Aborts when the call times out or the connection goes away. */
  signal: AbortSignal;
  /** The WebSocket's subscriptions; undefined over HTTP. */
  subscriptions: SocketSubscriptions | undefined;
  /** Runs `callback` once the response carrying this call has been written. */
  afterResponse(callback: () => void): void;
}

/** One parameter, by position and by name. */
export interface ParamSpec<Name extends string, T, Required extends boolean> {
  readonly name: Name;
  readonly required: Required;
  readonly schema: ParamSchema<T>;
}
type AnyParamSpec = ParamSpec<string, unknown, boolean>;

export function requiredParam<const Name extends string, T>(
  name: Name,
  schema: ParamSchema<T>,
): ParamSpec<Name, T, true> {
  return { name, required: true, schema };
}

/** An optional param: absent, or JSON null, means "not given". */
export function optionalParam<const Name extends string, T>(
  name: Name,
  schema: ParamSchema<T>,
): ParamSpec<Name, T, false> {
  return { name, required: false, schema };
}

/** The object a handler receives: each param by name, optional ones possibly undefined. */
export type ParamsOf<P extends readonly AnyParamSpec[]> = {
  [S in P[number] as S['name']]: S extends ParamSpec<string, infer T, true>
    ? T
    : S extends ParamSpec<string, infer T, false>
      ? T | undefined
      : never;
};

export interface MethodSpec<P extends readonly AnyParamSpec[], R> {
  readonly summary: string;
  readonly description: string;
  readonly params: P;
  readonly result: { readonly name: string; readonly schema: JsonSchema };
  /** Application errors (beyond the JSON-RPC ones every method can return). */
  readonly errors: readonly ApplicationErrorName[];
  handler(params: ParamsOf<P>, context: MethodContext): Promise<R>;
}

/**
 * A registry entry with its param types erased (what the dispatcher and OpenRPC see); `Result`
 * is what `call` resolves to, checked against the shared SynodRpcSchema in RPC_METHODS.
 */
export interface RpcMethod<Result = unknown> {
  readonly summary: string;
  readonly description: string;
  readonly params: readonly AnyParamSpec[];
  readonly result: { readonly name: string; readonly schema: JsonSchema };
  readonly errors: readonly ApplicationErrorName[];
  /** Validates raw JSON params (array by position or object by name), then runs the handler. */
  call(rawParams: unknown, context: MethodContext): Promise<Result>;
}

export function defineMethod<const P extends readonly AnyParamSpec[], R>(
  spec: MethodSpec<P, R>,
): RpcMethod<R> {
  return {
    summary: spec.summary,
    description: spec.description,
    params: spec.params,
    result: spec.result,
    errors: spec.errors,
    call: (rawParams, context) => spec.handler(parseParams(spec.params, rawParams) as ParamsOf<P>, context),
  };
}

/**
 * Strict params: by position (an array) or by name (an object). Too many positions, an unknown
 * name, a missing required param or a wrong type is INVALID_PARAMS naming the param.
 */
export function parseParams(specs: readonly AnyParamSpec[], raw: unknown): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  const take = (spec: AnyParamSpec, value: unknown): void => {
    if (value === undefined || (value === null && !spec.required)) {
      if (spec.required) {
        throw new RpcError('INVALID_PARAMS', `missing required param ${spec.name}`, { param: spec.name });
      }
      return;
    }
    parsed[spec.name] = spec.schema.parse(value, spec.name);
  };
  if (raw === undefined || Array.isArray(raw)) {
    const values: unknown[] = raw ?? [];
    if (values.length > specs.length) {
      throw new RpcError(
        'INVALID_PARAMS',
        `expected at most ${specs.length} params, got ${values.length}; unexpected param at position ${specs.length}`,
        { param: specs.length },
      );
    }
    specs.forEach((spec, position) => {
      take(spec, values[position]);
    });
    return parsed;
  }
  if (typeof raw === 'object' && raw !== null) {
    const byName = raw as Record<string, unknown>;
    for (const name of Object.keys(byName)) {
      if (!specs.some((spec) => spec.name === name)) {
        throw new RpcError('INVALID_PARAMS', `unknown param ${name}`, { param: name });
      }
    }
    for (const spec of specs) take(spec, Object.hasOwn(byName, spec.name) ? byName[spec.name] : undefined);
    return parsed;
  }
  // The dispatcher refuses non-structured params as INVALID_REQUEST before getting here.
  throw new RpcError('INVALID_PARAMS', 'params must be an array or an object');
}
