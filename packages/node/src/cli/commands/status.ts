import { CONFIG_FLAG, DATA_DIR_FLAG, localRpcUrl, resolveConfig } from '../common.ts';
import { StatusError } from '../errors.ts';
import { type Command, ExitCode } from '../types.ts';

/** How long `synod status` waits for the node: synod_status is cheap, so 5 s means it is not answering. */
export const STATUS_TIMEOUT_MS = 5_000;
/** Largest status response read: a status object is well under a kilobyte. */
const MAX_STATUS_RESPONSE_BYTES = 1024 * 1024;

/** Calls `synod_status` at `url` and returns its result object. */
export async function fetchStatus(
  url: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<unknown> {
  const timeout = AbortSignal.timeout(STATUS_TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'synod_status', params: [] }),
      signal,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const reason = timeout.aborted
      ? `no answer within ${STATUS_TIMEOUT_MS} ms`
      : (cause?.code ?? (error as Error).message);
    throw new StatusError(
      'UNREACHABLE',
      `cannot reach the node's RPC at ${url} (${reason}): is \`synod start\` running, and are rpc.host/rpc.port right?`,
      {
        cause: error,
      },
    );
  }
  const text = await response.text();
  if (text.length > MAX_STATUS_RESPONSE_BYTES)
    throw new StatusError('BAD_RESPONSE', `${url} answered with ${text.length} bytes`);
  let body: { result?: unknown; error?: { code?: number; message?: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new StatusError(
      'BAD_RESPONSE',
      `${url} answered HTTP ${response.status} with something that is not JSON-RPC: ${text.slice(0, 200)}`,
    );
  }
  if (body.error !== undefined) {
    throw new StatusError(
      'RPC_ERROR',
      `synod_status failed: ${body.error.message ?? 'unknown error'} (code ${body.error.code})`,
    );
  }
  if (typeof body.result !== 'object' || body.result === null) {
    throw new StatusError('BAD_RESPONSE', `${url} answered without a status object: ${text.slice(0, 200)}`);
  }
  return body.result;
}

export const statusCommand: Command = {
  name: 'status',
  summary: "Print a running node's status (JSON-RPC synod_status).",
  description:
    "Calls synod_status on the node's JSON-RPC (http://<rpc.host>:<rpc.port>/ from the config, a wildcard host meaning this machine, or --url) and prints the result as JSON: network, heights, round, peers, mempool, syncing. Exit code 1 if the node does not answer.",
  flags: [
    DATA_DIR_FLAG,
    CONFIG_FLAG,
    {
      name: 'url',
      type: 'string',
      placeholder: '<url>',
      description: 'RPC URL to query instead of the configured one.',
    },
  ],
  readsConfig: true,
  examples: ['synod status --data-dir /var/lib/synod', 'synod status --url http://10.0.0.5:8645/'],
  async run(context) {
    const url =
      typeof context.flags.url === 'string'
        ? context.flags.url
        : await resolveConfig(context).then(({ config }) => localRpcUrl(config.rpc.host, config.rpc.port));
    const status = await fetchStatus(url, { signal: context.io.signal });
    context.io.stdout(`${JSON.stringify(status, null, 2)}\n`);
    return ExitCode.ok;
  },
};
