import type {
  AbortOptions,
  Connection,
  PeerId,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface';
import { assert, DecodeError } from '@synod/protocol';
import * as lp from 'it-length-prefixed';
import type { Logger } from 'pino';
import {
  REQRESP_HANDLER_TIMEOUT_MS,
  REQRESP_MAX_ERROR_MESSAGE_BYTES,
  REQRESP_MAX_INBOUND_STREAMS,
  REQRESP_MAX_OUTBOUND_STREAMS,
  REQRESP_MAX_RATE_LIMIT_BUCKETS,
  REQRESP_REQUEST_READ_TIMEOUT_MS,
} from '../constants.ts';
import {
  MalformedResponseError,
  MessageTooLargeError,
  PeerUnreachableError,
  ProtocolNotSupportedError,
  RemoteError,
  type RemoteErrorCode,
  ReqRespError,
  RequestAbortedError,
  RequestHandlerError,
  RequestTimeoutError,
  StreamFailedError,
} from '../errors.ts';
import type { P2pMetrics } from '../metrics.ts';
import {
  REMOTE_ERROR_BY_STATUS,
  type ReqRespHandler,
  type ReqRespProtocol,
  ResponseStatus,
} from './protocol.ts';
import { RateLimiter } from './rateLimiter.ts';

/** What request/response needs from libp2p; a libp2p node satisfies it, tests may stub it. */
export interface ReqRespNetwork {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  dialProtocol(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>;
}

export interface ReqRespDeps {
  /** The libp2p stream API this runs over. */
  readonly network: ReqRespNetwork;
  readonly metrics?: P2pMetrics | undefined;
  readonly logger?: Logger | undefined;
  /** Milliseconds clock for rate limiting and latency (default Date.now / performance.now). */
  readonly now?: () => number;
}

export interface ReqRespOptions {
  readonly requestReadTimeoutMs?: number;
  readonly handlerTimeoutMs?: number;
  readonly maxInboundStreams?: number;
  readonly maxOutboundStreams?: number;
  readonly maxRateLimitBuckets?: number;
}

interface Registration {
  readonly protocol: ReqRespProtocol<unknown, unknown>;
  readonly handler: ReqRespHandler<unknown, unknown>;
  readonly limiter: RateLimiter;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Request/response over libp2p streams: a typed client (`request`) and a handler registry
 * (`handle`) with per-peer rate limiting, size caps on every frame and timeouts on every phase.
 */
export class ReqResp {
  private readonly network: ReqRespNetwork;
  private readonly metrics: P2pMetrics | undefined;
  private readonly logger: Logger | undefined;
  private readonly now: () => number;
  private readonly requestReadTimeoutMs: number;
  private readonly handlerTimeoutMs: number;
  private readonly maxInboundStreams: number;
  private readonly maxOutboundStreams: number;
  private readonly maxRateLimitBuckets: number;
  private readonly registrations = new Map<string, Registration>();
  private started = false;

  constructor(options: ReqRespOptions, deps: ReqRespDeps) {
    this.network = deps.network;
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.now = deps.now ?? Date.now;
    this.requestReadTimeoutMs = options.requestReadTimeoutMs ?? REQRESP_REQUEST_READ_TIMEOUT_MS;
    this.handlerTimeoutMs = options.handlerTimeoutMs ?? REQRESP_HANDLER_TIMEOUT_MS;
    this.maxInboundStreams = options.maxInboundStreams ?? REQRESP_MAX_INBOUND_STREAMS;
    this.maxOutboundStreams = options.maxOutboundStreams ?? REQRESP_MAX_OUTBOUND_STREAMS;
    this.maxRateLimitBuckets = options.maxRateLimitBuckets ?? REQRESP_MAX_RATE_LIMIT_BUCKETS;
  }

  /** Registers every handler added so far with the network. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const registration of this.registrations.values()) await this.register(registration);
  }

  /** Unregisters every handler; in-flight exchanges end with their streams. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const id of this.registrations.keys()) await this.network.unhandle(id).catch(() => {});
  }

  /**
   * Serves `protocol` with `handler`. One handler per protocol; registering twice is a bug.
   * Returns a function that unregisters it.
   */
  async handle<Req, Res>(
    protocol: ReqRespProtocol<Req, Res>,
    handler: ReqRespHandler<Req, Res>,
  ): Promise<() => Promise<void>> {
    assert(!this.registrations.has(protocol.id), `a handler for ${protocol.id} is already registered`);
    const registration: Registration = {
      protocol: protocol as ReqRespProtocol<unknown, unknown>,
      handler: handler as ReqRespHandler<unknown, unknown>,
      limiter: new RateLimiter({
        perSecond: protocol.rateLimit.perSecond,
        burst: protocol.rateLimit.burst,
        maxBuckets: this.maxRateLimitBuckets,
        now: this.now,
      }),
    };
    this.registrations.set(protocol.id, registration);
    if (this.started) await this.register(registration);
    return async () => {
      if (this.registrations.get(protocol.id) !== registration) return;
      this.registrations.delete(protocol.id);
      if (this.started) await this.network.unhandle(protocol.id).catch(() => {});
    };
  }

  /**
   * Sends `request` to `peer` and returns the response chunks. The exchange (dial included) is
   * bounded by the protocol's `timeoutMs`; `options.signal` aborts it earlier.
   *
   * @throws {RequestTimeoutError | RequestAbortedError | PeerUnreachableError | ProtocolNotSupportedError
   *   | MessageTooLargeError | MalformedResponseError | RemoteError | StreamFailedError}
   */
  async request<Req, Res>(
    peer: PeerId,
    protocol: ReqRespProtocol<Req, Res>,
    request: Req,
    options: AbortOptions = {},
  ): Promise<Res[]> {
    const startedMs = performance.now();
    try {
      const responses = await this.exchange(peer, protocol, request, options.signal);
      this.metrics?.reqRespRequestsTotal.inc({
        protocol: protocol.name,
        direction: 'outbound',
        result: 'OK',
      });
      this.metrics?.reqRespOutboundSeconds.observe(
        { protocol: protocol.name },
        (performance.now() - startedMs) / 1000,
      );
      return responses;
    } catch (error) {
      const result = error instanceof RemoteError ? error.remoteCode : (error as ReqRespError).code;
      this.metrics?.reqRespRequestsTotal.inc({ protocol: protocol.name, direction: 'outbound', result });
      throw error;
    }
  }

  private async exchange<Req, Res>(
    peer: PeerId,
    protocol: ReqRespProtocol<Req, Res>,
    request: Req,
    callerSignal: AbortSignal | undefined,
  ): Promise<Res[]> {
    const requestBytes = protocol.requestCodec.encode(request);
    if (requestBytes.length > protocol.maxRequestBytes) {
      throw new MessageTooLargeError(
        'REQUEST_TOO_LARGE',
        protocol.id,
        `${requestBytes.length} bytes exceeds cap ${protocol.maxRequestBytes}`,
      );
    }
    const timeoutSignal = AbortSignal.timeout(protocol.timeoutMs);
    const signal =
      callerSignal === undefined ? timeoutSignal : AbortSignal.any([callerSignal, timeoutSignal]);
    const abortError = (cause?: unknown): ReqRespError =>
      callerSignal?.aborted === true
        ? new RequestAbortedError(protocol.id, { cause })
        : new RequestTimeoutError(protocol.id, protocol.timeoutMs, { cause });

    let stream: Stream;
    try {
      stream = await this.network.dialProtocol(peer, protocol.id, { signal });
    } catch (error) {
      if (signal.aborted) throw abortError(error);
      if ((error as Error).name === 'UnsupportedProtocolError') {
        throw new ProtocolNotSupportedError(protocol.id, peer.toString(), { cause: error });
      }
      throw new PeerUnreachableError(protocol.id, peer.toString(), { cause: error });
    }

    const onAbort = (): void => stream.abort(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await sendFrame(stream, requestBytes, signal);
      await stream.close({ signal });
      const responses: Res[] = [];
      // +1: the status byte precedes the body inside each frame.
      for await (const frame of lp.decode(stream, { maxDataLength: protocol.maxResponseChunkBytes + 1 })) {
        const bytes = frame.subarray();
        const status = bytes[0];
        if (status === undefined) throw new MalformedResponseError(protocol.id, 'empty response frame');
        if (status !== ResponseStatus.OK) {
          const remoteCode = REMOTE_ERROR_BY_STATUS.get(status);
          if (remoteCode === undefined)
            throw new MalformedResponseError(protocol.id, `unknown status ${status}`);
          const reason = textDecoder.decode(bytes.subarray(1, 1 + REQRESP_MAX_ERROR_MESSAGE_BYTES));
          throw new RemoteError(protocol.id, remoteCode, reason);
        }
        if (responses.length >= protocol.maxResponseChunks) {
          throw new MessageTooLargeError(
            'TOO_MANY_CHUNKS',
            protocol.id,
            `more than ${protocol.maxResponseChunks} chunks`,
          );
        }
        responses.push(protocol.responseCodec.decode(bytes.subarray(1)));
      }
      if (signal.aborted) throw abortError();
      return responses;
    } catch (error) {
      stream.abort(error as Error);
      if (error instanceof ReqRespError) throw error;
      if (signal.aborted) throw abortError(error);
      if (error instanceof DecodeError) {
        throw new MalformedResponseError(protocol.id, error.message, { cause: error });
      }
      if ((error as Error).name === 'InvalidDataLengthError') {
        throw new MessageTooLargeError(
          'RESPONSE_TOO_LARGE',
          protocol.id,
          `response chunk exceeds cap ${protocol.maxResponseChunkBytes}`,
          { cause: error },
        );
      }
      if (
        (error as Error).name === 'UnexpectedEOFError' ||
        (error as Error).name === 'InvalidMessageLengthError'
      ) {
        throw new MalformedResponseError(protocol.id, (error as Error).message, { cause: error });
      }
      throw new StreamFailedError(protocol.id, (error as Error).message, { cause: error });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async register(registration: Registration): Promise<void> {
    await this.network.handle(
      registration.protocol.id,
      (stream, connection) => this.serve(registration, stream, connection),
      { maxInboundStreams: this.maxInboundStreams, maxOutboundStreams: this.maxOutboundStreams },
    );
  }

  private async serve(registration: Registration, stream: Stream, connection: Connection): Promise<void> {
    const { protocol, handler, limiter } = registration;
    const from = connection.remotePeer;
    const count = (result: string): void => {
      this.metrics?.reqRespRequestsTotal.inc({ protocol: protocol.name, direction: 'inbound', result });
    };
    // Aborted by either timeout, or when the requester resets the stream (it gave up): the
    // handler's signal then stops work nobody will read.
    const deadline = new AbortController();
    let failure: 'TIMEOUT' | 'STREAM_FAILED' = 'STREAM_FAILED';
    const expire = (reason: string) => (): void => {
      failure = 'TIMEOUT';
      deadline.abort(new Error(reason));
    };
    const onDeadline = (): void => stream.abort(deadline.signal.reason as Error);
    const onClose = (): void => deadline.abort(new Error('stream closed by the requester'));
    deadline.signal.addEventListener('abort', onDeadline, { once: true });
    stream.addEventListener('close', onClose, { once: true });
    const readTimer = setTimeout(expire('request read timeout'), this.requestReadTimeoutMs);
    let handlerTimer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (!limiter.tryTake(from.toString())) {
        count('RATE_LIMITED');
        await sendError(stream, 'RATE_LIMITED', 'rate limited', deadline.signal);
        return;
      }
      let request: unknown;
      try {
        const requestBytes = await readOneFrame(stream, protocol.maxRequestBytes);
        if (requestBytes === undefined) throw new DecodeError('TRUNCATED', 'no request frame');
        request = protocol.requestCodec.decode(requestBytes);
      } catch (error) {
        if (deadline.signal.aborted) throw error;
        const oversized = (error as Error).name === 'InvalidDataLengthError';
        count('INVALID_REQUEST');
        const reason = oversized
          ? `request exceeds ${protocol.maxRequestBytes} bytes`
          : (error as Error).message;
        await sendError(stream, 'INVALID_REQUEST', reason, deadline.signal);
        return;
      }
      clearTimeout(readTimer);
      handlerTimer = setTimeout(expire('handler timeout'), this.handlerTimeoutMs);

      const frames: Uint8Array[] = [];
      try {
        const responses = await handler(request, { from, signal: deadline.signal });
        // A handler breaking the protocol's caps is our bug; the peer gets SERVER_ERROR, the log the detail.
        if (responses.length > protocol.maxResponseChunks) {
          throw new Error(`handler returned ${responses.length} chunks, cap ${protocol.maxResponseChunks}`);
        }
        for (const response of responses) {
          const body = protocol.responseCodec.encode(response);
          if (body.length > protocol.maxResponseChunkBytes) {
            throw new Error(
              `response chunk of ${body.length} bytes exceeds cap ${protocol.maxResponseChunkBytes}`,
            );
          }
          frames.push(withStatus(ResponseStatus.OK, body));
        }
      } catch (error) {
        if (deadline.signal.aborted) throw error;
        const handlerError = error instanceof RequestHandlerError ? error : undefined;
        const code = handlerError?.code ?? 'SERVER_ERROR';
        if (handlerError === undefined) {
          this.logger?.error({ protocol: protocol.id, err: error }, 'request handler failed');
        }
        count(code);
        await sendError(stream, code, handlerError?.message ?? 'internal error', deadline.signal);
        return;
      }
      for (const frame of frames) await sendFrame(stream, frame, deadline.signal);
      stream.removeEventListener('close', onClose);
      await stream.close({ signal: deadline.signal });
      count('OK');
    } catch (error) {
      count(failure);
      this.logger?.debug(
        { protocol: protocol.id, peer: from.toString(), err: error },
        'inbound request failed',
      );
      stream.abort(error as Error);
    } finally {
      clearTimeout(readTimer);
      clearTimeout(handlerTimer);
      deadline.signal.removeEventListener('abort', onDeadline);
      stream.removeEventListener('close', onClose);
    }
  }
}

/** Reads the first length-prefixed frame of a stream; undefined if the stream ends first. */
async function readOneFrame(stream: Stream, maxBytes: number): Promise<Uint8Array | undefined> {
  for await (const frame of lp.decode(stream, { maxDataLength: maxBytes })) return frame.subarray();
  return undefined;
}

async function sendFrame(stream: Stream, body: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(lp.encode.single(body))) await stream.onDrain({ signal });
}

function withStatus(status: number, body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + body.length);
  frame[0] = status;
  frame.set(body, 1);
  return frame;
}

async function sendError(
  stream: Stream,
  code: RemoteErrorCode,
  reason: string,
  signal: AbortSignal,
): Promise<void> {
  const text = textEncoder.encode(reason).subarray(0, REQRESP_MAX_ERROR_MESSAGE_BYTES);
  await sendFrame(stream, withStatus(ResponseStatus[code], text), signal);
  await stream.close({ signal });
}
