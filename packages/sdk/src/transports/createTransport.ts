import type { SynodRpcMethod, SynodRpcSchema } from '../types/rpc.ts';

/** What every transport was configured with (after defaults). */
export interface TransportConfig<Type extends string = string> {
  /** A short key, e.g. `http`. */
  key: string;
  name: string;
  type: Type;
  url: string;
  /** Retries of a retryable failure (network, rate limited, unavailable). */
  retryCount: number;
  /** First backoff delay, doubled per retry (the node's Retry-After wins when it gives one). */
  retryDelayMs: number;
  /** Deadline of one attempt. */
  timeoutMs: number;
}

/** Per-call overrides. */
export interface RequestOptions {
  /** Aborts the call (and its retries); the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  retryCount?: number | undefined;
}

export interface RequestArguments<Method extends SynodRpcMethod> {
  method: Method;
  params: SynodRpcSchema[Method]['params'];
}

/** A typed JSON-RPC call with the transport's retries and timeout. */
export type SynodRequestFn = <Method extends SynodRpcMethod>(
  args: RequestArguments<Method>,
  options?: RequestOptions,
) => Promise<SynodRpcSchema[Method]['result']>;

/** What a transport factory returns (viem's shape). `value` holds transport-specific extras. */
export interface TransportInstance<Type extends string = string, Value = undefined> {
  config: TransportConfig<Type>;
  request: SynodRequestFn;
  value: Value;
}

/** A transport as passed to createSynodClient: a factory the client calls once. */
export type Transport<Type extends string = string, Value = undefined> = () => TransportInstance<Type, Value>;
