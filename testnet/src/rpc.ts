import { RpcError } from './errors.ts';

/**
 * A minimal JSON-RPC 2.0 client for the nodes' RPC (docs/openrpc.json): the runner polls status,
 * reads blocks and submits pre-encoded transactions, so it needs neither verification nor the SDK.
 */

/** One call must not hang the runner: a local node answers in milliseconds. */
export const RPC_TIMEOUT_MS = 5_000;
/** The node's rpc.maxBatchSize default: the most calls per batch. */
export const MAX_RPC_BATCH = 100;

/** The subset of `synod_status` the runner reads. */
export interface NodeStatus {
  networkId: number;
  chainId: number;
  inbox: string;
  finalizedHeight: number;
  finalizedHash: string | null;
  consensusHeight: number;
  consensusRound: number;
  syncing: boolean;
  peers: number;
  mempoolTransactions: number;
}

/** The subset of a `synod_getBlockByHeight` answer the runner reads. */
export interface RpcBlock {
  hash: string;
  header: { height: number | string; timestamp?: number | string };
  transactionIds: string[];
  prices: { feedId: string; answer: string }[];
}

export type BatchResult<T> = { ok: true; result: T } | { ok: false; error: RpcError };

/** What the summary and the load generator need from a node; tests stub it. */
export interface NodeRpc {
  readonly url: string;
  status(): Promise<NodeStatus>;
  blockByHeight(height: number): Promise<RpcBlock | null>;
  blocksByHeight(heights: readonly number[]): Promise<(RpcBlock | null)[]>;
  sendRawTransactions(encoded: readonly string[]): Promise<BatchResult<string>[]>;
}

interface JsonRpcResponse {
  id?: number;
  result?: unknown;
  error?: { code: number; message: string };
}

export function createNodeRpc(url: string, options: { timeoutMs?: number } = {}): NodeRpc {
  const timeoutMs = options.timeoutMs ?? RPC_TIMEOUT_MS;
  let nextId = 1;
  async function post(body: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new RpcError('UNREACHABLE', `${url}: ${cause}`);
    }
    if (!response.ok) throw new RpcError('HTTP_STATUS', `${url}: HTTP ${response.status}`, response.status);
    return await response.json();
  }
  async function call<T>(method: string, params: unknown[]): Promise<T> {
    const answer = (await post({ jsonrpc: '2.0', id: nextId++, method, params })) as JsonRpcResponse;
    if (answer.error !== undefined)
      throw new RpcError('RPC_ERROR', `${method}: ${answer.error.message}`, answer.error.code);
    return answer.result as T;
  }
  async function batch<T>(method: string, paramsList: readonly unknown[][]): Promise<BatchResult<T>[]> {
    const results: BatchResult<T>[] = [];
    for (let start = 0; start < paramsList.length; start += MAX_RPC_BATCH) {
      const chunk = paramsList.slice(start, start + MAX_RPC_BATCH);
      const firstId = nextId;
      nextId += chunk.length;
      const answer = await post(
        chunk.map((params, i) => ({ jsonrpc: '2.0', id: firstId + i, method, params })),
      );
      if (!Array.isArray(answer)) {
        const error = (answer as JsonRpcResponse).error;
        throw new RpcError(
          error === undefined ? 'BAD_RESPONSE' : 'RPC_ERROR',
          `${method} batch: ${error?.message ?? 'not an array'}`,
          error?.code,
        );
      }
      const byId = new Map((answer as JsonRpcResponse[]).map((entry) => [entry.id, entry]));
      for (let i = 0; i < chunk.length; i++) {
        const entry = byId.get(firstId + i);
        if (entry === undefined) {
          results.push({ ok: false, error: new RpcError('MISSING', `${method}: no answer in the batch`) });
        } else if (entry.error !== undefined) {
          results.push({
            ok: false,
            error: new RpcError('RPC_ERROR', `${method}: ${entry.error.message}`, entry.error.code),
          });
        } else {
          results.push({ ok: true, result: entry.result as T });
        }
      }
    }
    return results;
  }
  return {
    url,
    status: () => call<NodeStatus>('synod_status', []),
    blockByHeight: (height) => call<RpcBlock | null>('synod_getBlockByHeight', [height, false]),
    async blocksByHeight(heights) {
      const answers = await batch<RpcBlock | null>(
        'synod_getBlockByHeight',
        heights.map((height) => [height, false]),
      );
      return answers.map((answer) => {
        if (!answer.ok) throw answer.error;
        return answer.result;
      });
    },
    sendRawTransactions: (encoded) =>
      batch<string>(
        'synod_sendTransaction',
        encoded.map((transaction) => [transaction]),
      ),
  };
}

/** How long the runner waits for a node's status when several are asked at once (a paused node never answers). */
export const STATUS_PROBE_TIMEOUT_MS = 1_000;

/**
 * One NodeRpc over several nodes, to follow the chain while nodes come and go (killed, paused,
 * cut off): `status()` is the answer of the node with the highest finalized height among those
 * that answer within `timeoutMs`; blocks are read from that node, or the next one that answers.
 * Its `url` (the WebSocket a follower subscribes to) is the first node's.
 */
export function createNetworkRpc(urls: readonly string[], options: { timeoutMs?: number } = {}): NodeRpc {
  if (urls.length === 0) throw new Error('createNetworkRpc needs at least one node');
  const probes = urls.map((url) =>
    createNodeRpc(url, { timeoutMs: options.timeoutMs ?? STATUS_PROBE_TIMEOUT_MS }),
  );
  // Block batches may take longer than a status under load: the usual timeout.
  const nodes = urls.map((url) => createNodeRpc(url));
  let best = 0;
  const inOrder = () => [nodes[best]!, ...nodes.filter((_, i) => i !== best)];
  async function firstAnswer<T>(call: (node: NodeRpc) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const node of inOrder()) {
      try {
        return await call(node);
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }
  return {
    url: urls[0]!,
    async status() {
      const answers = await Promise.allSettled(probes.map((node) => node.status()));
      let chosen: NodeStatus | undefined;
      answers.forEach((answer, i) => {
        if (answer.status !== 'fulfilled') return;
        if (chosen === undefined || answer.value.finalizedHeight > chosen.finalizedHeight) {
          chosen = answer.value;
          best = i;
        }
      });
      if (chosen === undefined) throw (answers[0] as PromiseRejectedResult).reason;
      return chosen;
    },
    blockByHeight: (height) => firstAnswer((node) => node.blockByHeight(height)),
    blocksByHeight: (heights) => firstAnswer((node) => node.blocksByHeight(heights)),
    sendRawTransactions: (encoded) => nodes[best]!.sendRawTransactions(encoded),
  };
}
