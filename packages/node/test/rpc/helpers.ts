import { request } from 'node:http';
import {
  type Block,
  type Certificate,
  type Hex,
  toLowerHex,
  VoteExtensionCodec,
  VoteKind,
} from '@synod/protocol';
import { WebSocket } from 'ws';
import type {
  BlockOrdering,
  FinalizedBlock,
  FinalizedPrice,
  NodeStatus,
  SynodRpcBackend,
  TransactionInclusion,
  TransactionStatus,
} from '../../src/rpc/backend.ts';
import {
  createRpcServer,
  type RpcServer,
  type RpcServerAddress,
  type RpcServerOptions,
} from '../../src/rpc/server.ts';

/** A 32-byte hex filled with one byte value: readable ids in tests. */
export const hash = (byte: number): Hex => `0x${byte.toString(16).padStart(2, '0').repeat(32)}`;

export const STATUS: NodeStatus = {
  version: '0.1.0',
  networkId: 7,
  chainId: 31337,
  inbox: '0x00000000000000000000000000000000000000aa',
  epoch: 0,
  finalizedHeight: 3,
  finalizedHash: hash(3),
  consensusHeight: 4,
  consensusRound: 0,
  consensus: {
    step: 'propose',
    lockedRound: -1,
    validRound: -1,
    msSinceProgress: 120,
    stalled: false,
    stalls: 0,
    queuedInputs: 0,
    processing: false,
    pendingTimers: 2,
    rounds: [{ round: 0, proposal: null, prevotes: { nil: [1, 2] }, precommits: {} }],
    ownVotes: [],
    futureMessages: 0,
  },
  syncing: false,
  peers: 3,
  mempoolTransactions: 0,
  mempoolBytes: 0,
};

export const CERTIFICATE: Certificate = { round: 0, signature: new Uint8Array(96).fill(9) };

export function makeBlock(height: number): FinalizedBlock {
  const block: Block = {
    header: {
      version: 2,
      networkId: 7,
      epoch: 0,
      height,
      parentHash: hash(height - 1),
      timestampMs: 1_700_000_000_000 + height,
      txRoot: hash(0xa0),
      txCount: 0,
      namespaceRoot: hash(0xd0),
      namespaceCount: 0,
      priceRoot: hash(0xb0),
      priceCount: 1,
      historyRoot: hash(0xc0),
      proposerIndex: height % 4,
    },
    transactions: [],
    prices: [{ feedId: hash(0xfe), answer: 2_500_000_000_000_000_000_000n }],
  };
  return { hash: hash(height), block, certificate: CERTIFICATE, transactionIds: [] };
}

export function makeInclusion(txId: Hex, height = 5): TransactionInclusion {
  const { block } = makeBlock(height);
  return {
    height,
    index: 0,
    blockHash: hash(height),
    header: block.header,
    certificate: CERTIFICATE,
    proof: [txId],
  };
}

/**
 * Fills each validator's raw `extension` of a stub ordering: the VoteExtension message
 * (VoteExtensionCodec) with that validator's clock, its reports (firstSeen of every listed
 * transaction) and its observations, bound to block height − 1 (hash(height − 1)). The RPC tests
 * check its shape only: the signature is not a real one.
 */
function withExtensions(
  ordering: Omit<BlockOrdering, 'validators'> & {
    validators: Omit<BlockOrdering['validators'][number], 'extension'>[];
  },
  networkId: number,
): BlockOrdering {
  const listed = [...ordering.transactions, ...ordering.unordered];
  return {
    ...ordering,
    validators: ordering.validators.map((validator) => {
      const { validatorIndex } = validator;
      const inclusionList = listed
        .flatMap(({ txId, firstSeen }) =>
          firstSeen
            .filter((report) => report.validatorIndex === validatorIndex)
            .map((report) => ({ txId, firstSeenMs: report.firstSeenMs })),
        )
        .sort((a, b) => (a.txId < b.txId ? -1 : 1));
      const prices = ordering.prices.flatMap(({ feedId, observations }) =>
        observations
          .filter((observation) => observation.validatorIndex === validatorIndex)
          .map((observation) => ({ feedId, price: observation.price })),
      );
      const extension = {
        networkId,
        height: ordering.height - 1,
        round: 0,
        blockId: hash(ordering.height - 1),
        validatorIndex,
        timestampMs: validator.timestampMs,
        inclusionList,
        prices,
        signature: new Uint8Array(96).fill(validatorIndex + 1),
      };
      return { ...validator, extension: toLowerHex(VoteExtensionCodec.encode(extension)) };
    }),
  };
}

/**
 * The ordering of makeBlock(height) as four validators (f = 1) reported it: validator 3's clock
 * runs early on the first transaction and late on the second, validator 2 never saw the first,
 * only validator 3 saw a third; validator 3's price is an outlier outside [low, high].
 */
export function makeBlockOrdering(height: number): BlockOrdering {
  const { block } = makeBlock(height);
  const seen = (ms: number) => 1_700_000_000_000 - ms;
  const sender = '0x1a642f0e3c3af545e7acbd38b07251b3990914f1';
  const price = (usd: bigint) => usd * 10n ** 18n;
  return withExtensions(
    {
      height,
      blockHash: hash(height),
      epoch: block.header.epoch,
      timestampMs: block.header.timestampMs,
      proposerIndex: block.header.proposerIndex,
      signerCount: 4,
      faultTolerance: 1,
      validators: [
        { validatorIndex: 0, timestampMs: block.header.timestampMs - 2, reported: 2 },
        { validatorIndex: 1, timestampMs: block.header.timestampMs, reported: 2 },
        { validatorIndex: 2, timestampMs: block.header.timestampMs + 1, reported: 1 },
        { validatorIndex: 3, timestampMs: block.header.timestampMs + 6, reported: 3 },
      ],
      transactions: [
        {
          index: 0,
          txId: hash(0x71),
          sender,
          nonce: 4n,
          namespace: hash(0x11),
          source: 'fair',
          envelopeTxId: null,
          fairTimestampMs: seen(500),
          effectiveTimestampMs: seen(500),
          firstSeen: [
            { validatorIndex: 0, firstSeenMs: seen(500) },
            { validatorIndex: 1, firstSeenMs: seen(480) },
            { validatorIndex: 3, firstSeenMs: seen(900) },
          ],
        },
        {
          index: 1,
          txId: hash(0x72),
          sender,
          nonce: 5n,
          namespace: hash(0x11),
          source: 'fair',
          envelopeTxId: null,
          fairTimestampMs: seen(595),
          effectiveTimestampMs: seen(500),
          firstSeen: [
            { validatorIndex: 0, firstSeenMs: seen(600) },
            { validatorIndex: 1, firstSeenMs: seen(590) },
            { validatorIndex: 2, firstSeenMs: seen(595) },
            { validatorIndex: 3, firstSeenMs: seen(100) },
          ],
        },
      ],
      unordered: [
        {
          txId: hash(0x73),
          fairTimestampMs: null,
          firstSeen: [{ validatorIndex: 3, firstSeenMs: seen(450) }],
        },
      ],
      unorderedTotal: 1,
      finalizedEarlier: 0,
      prices: [
        {
          feedId: hash(0xfe),
          answer: price(2_500n),
          median: price(2_500n),
          low: price(2_500n),
          high: price(2_501n),
          observations: [
            { validatorIndex: 0, price: price(2_499n) },
            { validatorIndex: 1, price: price(2_500n) },
            { validatorIndex: 2, price: price(2_501n) },
            { validatorIndex: 3, price: price(9_999n) },
          ],
        },
      ],
    },
    block.header.networkId,
  );
}

type Listener<A extends unknown[]> = (...args: A) => void;

/** An event source that records its listeners, so tests can emit and check unsubscription. */
class Emitter<A extends unknown[]> {
  readonly listeners = new Set<Listener<A>>();
  on = (listener: Listener<A>) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
  emit(...args: A): void {
    for (const listener of this.listeners) listener(...args);
  }
}

/**
 * A SynodRpcBackend stub: methods answer from fields a test may override; the event sources
 * are emitters the test fires.
 */
export class StubBackend implements SynodRpcBackend {
  readonly blocks = new Emitter<[FinalizedBlock]>();
  readonly finalized = new Emitter<[Hex, TransactionInclusion]>();
  readonly prices = new Emitter<[FinalizedPrice]>();
  readonly calls: string[] = [];
  transactionStatuses = new Map<Hex, TransactionStatus>();
  nextNonces = new Map<Hex, bigint>();

  sendTransaction: SynodRpcBackend['sendTransaction'] = async () => {
    this.calls.push('sendTransaction');
    return hash(0x77);
  };
  getTransactionStatus: SynodRpcBackend['getTransactionStatus'] = async (txId) => {
    this.calls.push('getTransactionStatus');
    return this.transactionStatuses.get(txId) ?? { status: 'unknown' };
  };
  getNextNonce: SynodRpcBackend['getNextNonce'] = async (sender) => {
    this.calls.push('getNextNonce');
    return this.nextNonces.get(sender) ?? 0n;
  };
  getBlock: SynodRpcBackend['getBlock'] = async (ref) => {
    this.calls.push('getBlock');
    if (ref === 'latest') return makeBlock(STATUS.finalizedHeight);
    if (typeof ref === 'number') return ref <= STATUS.finalizedHeight ? makeBlock(ref) : undefined;
    for (let height = 1; height <= STATUS.finalizedHeight; height++)
      if (hash(height) === ref) return makeBlock(height);
    return undefined;
  };
  getCommittee: SynodRpcBackend['getCommittee'] = async (epoch) =>
    epoch === undefined || epoch === 0
      ? {
          epoch: 0,
          threshold: 3,
          groupPublicKey: new Uint8Array(48).fill(1),
          members: [{ index: 0, blsPublicKey: new Uint8Array(48).fill(2), peerId: '12D3KooWtest' }],
        }
      : undefined;
  getPrice: SynodRpcBackend['getPrice'] = async (feedId) =>
    feedId === hash(0xfe)
      ? { feedId, answer: 123_456_789_000_000_000_000n, height: 3, timestampMs: 1 }
      : undefined;
  getNamespaceBatch: SynodRpcBackend['getNamespaceBatch'] = async (namespace, height) => {
    this.calls.push('getNamespaceBatch');
    return { status: 'not-final', namespace, height, latestHeight: STATUS.finalizedHeight };
  };
  getNextNamespaceBatch: SynodRpcBackend['getNextNamespaceBatch'] = async (namespace, afterHeight) => {
    this.calls.push('getNextNamespaceBatch');
    return { status: 'not-final', namespace, height: afterHeight + 1, latestHeight: STATUS.finalizedHeight };
  };
  getHeaderProof: SynodRpcBackend['getHeaderProof'] = async () => {
    this.calls.push('getHeaderProof');
    return undefined;
  };
  /** Height 3 holds one equivocation: validator 2 prevoted two blocks in round 1. */
  getEvidence: SynodRpcBackend['getEvidence'] = async (height) => {
    this.calls.push('getEvidence');
    if (height !== 3) return [];
    const vote = (blockByte: number, signatureByte: number) => ({
      kind: VoteKind.Prevote,
      networkId: STATUS.networkId,
      height: 3,
      round: 1,
      blockId: hash(blockByte),
      validatorIndex: 2,
      signature: new Uint8Array(96).fill(signatureByte),
      extension: null,
    });
    return [{ first: vote(0xa1, 7), second: vote(0xb2, 8) }];
  };
  getBlockOrdering: SynodRpcBackend['getBlockOrdering'] = async (height) => {
    this.calls.push('getBlockOrdering');
    return height <= STATUS.finalizedHeight ? makeBlockOrdering(height) : undefined;
  };
  status: SynodRpcBackend['status'] = async () => {
    this.calls.push('status');
    return STATUS;
  };
  onBlock = this.blocks.on;
  onTransactionFinalized = this.finalized.on;
  onPrice = this.prices.on;
}

export interface TestServer {
  server: RpcServer;
  address: RpcServerAddress;
  backend: SynodRpcBackend;
}

export async function startServer(
  options: Partial<RpcServerOptions> & { backend: SynodRpcBackend },
): Promise<TestServer> {
  const server = createRpcServer({ host: '127.0.0.1', port: 0, ...options });
  const address = await server.start();
  return { server, address, backend: options.backend };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body (undefined when empty). */
  body: unknown;
}

/**
 * POSTs `body` with node:http and no keep-alive agent (so a stopped server leaves no client
 * socket behind). `chunked` streams it without Content-Length.
 */
export function post(
  url: string,
  body: string | Buffer,
  options: {
    /** null: no Content-Type header. */
    contentType?: string | null;
    chunked?: boolean;
    method?: string;
    path?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path ?? '/', url);
    const headers: Record<string, string> = { ...options.headers };
    if (options.contentType !== null) headers['Content-Type'] = options.contentType ?? 'application/json';
    if (!options.chunked) headers['Content-Length'] = String(Buffer.byteLength(body));
    const req = request(target, { method: options.method ?? 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    // The server may answer (413) and close while we are still writing: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    if (options.chunked) {
      const buffer = Buffer.from(body);
      const chunkBytes = 64 * 1024;
      for (let at = 0; at < buffer.length; at += chunkBytes) req.write(buffer.subarray(at, at + chunkBytes));
      req.end();
    } else {
      req.end(body);
    }
  });
}

export function get(url: string, path: string): Promise<HttpResult> {
  return post(url, '', { method: 'GET', path });
}

let nextId = 1;

/** One JSON-RPC call over HTTP; returns the response object. */
export async function call(url: string, method: string, params?: unknown): Promise<Record<string, unknown>> {
  const request: Record<string, unknown> = { jsonrpc: '2.0', id: nextId++, method };
  if (params !== undefined) request.params = params;
  const result = await post(url, JSON.stringify(request));
  return result.body as Record<string, unknown>;
}

/** A WebSocket client that queues every message it receives. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly messages: Record<string, unknown>[] = [];
  readonly #waiters: (() => void)[] = [];
  #nextId = 1;
  closeCode: number | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Record<string, unknown>);
      for (const waiter of this.#waiters.splice(0)) waiter();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const waiter of this.#waiters.splice(0)) waiter();
    });
  }

  static open(url: string): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(payload: unknown): void {
    this.ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  /** Sends a request and resolves to the response with its id. */
  async call(method: string, params?: unknown): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    return this.next((message) => message.id === id);
  }

  /** Resolves to (and removes) the first queued message matching `predicate`, waiting up to 5 s. */
  async next(predicate: (message: Record<string, unknown>) => boolean, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex(predicate);
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('timed out waiting for a websocket message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Notifications of a subscription received so far (removed from the queue). */
  notifications(subscription: string): unknown[] {
    const results: unknown[] = [];
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i]!;
      const params = message.params as { subscription?: string; result?: unknown } | undefined;
      if (message.method === 'synod_subscription' && params?.subscription === subscription) {
        results.unshift(params.result);
        this.messages.splice(i, 1);
      }
    }
    return results;
  }

  waitClosed(timeoutMs = 5_000): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.ws.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  close(): Promise<number> {
    this.ws.close();
    return this.waitClosed();
  }
}

/** Lets pending I/O callbacks run. */
export const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
