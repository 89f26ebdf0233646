import type { PeerId } from '@libp2p/interface';
import { assert, type Codec } from '@synod/protocol';
import {
  PROTOCOL_PREFIX,
  REQRESP_MAX_REQUEST_BYTES_DEFAULT,
  REQRESP_MAX_RESPONSE_CHUNK_BYTES_DEFAULT,
  REQRESP_MAX_RESPONSE_CHUNKS_DEFAULT,
  REQRESP_RATE_LIMIT_BURST,
  REQRESP_RATE_LIMIT_PER_SECOND,
  REQRESP_TIMEOUT_MS,
} from '../constants.ts';
import type { RemoteErrorCode } from '../errors.ts';

/**
 * Request/response protocols `/synod/1/req/<name>`.
 *
 * Wire format (one stream per request):
 * - requester → responder: one length-prefixed (unsigned varint) frame holding the request
 *   codec's bytes, then the requester closes its write side;
 * - responder → requester: up to `maxResponseChunks` length-prefixed frames, each
 *   `status u8 ‖ body`. Status 0 (OK): body = one response codec encoding. Any other status ends
 *   the response: body = UTF-8 reason of at most REQRESP_MAX_ERROR_MESSAGE_BYTES. The responder
 *   then closes the stream; end of stream = end of response.
 * Every frame is size-checked from its length prefix before its body is buffered.
 */

/** Response chunk status bytes. Never reuse a number. */
export const ResponseStatus = {
  OK: 0,
  INVALID_REQUEST: 1,
  SERVER_ERROR: 2,
  RESOURCE_UNAVAILABLE: 3,
  RATE_LIMITED: 4,
} as const satisfies Record<'OK' | RemoteErrorCode, number>;

/** Status byte → remote error code (OK excluded). */
export const REMOTE_ERROR_BY_STATUS: ReadonlyMap<number, RemoteErrorCode> = new Map([
  [ResponseStatus.INVALID_REQUEST, 'INVALID_REQUEST'],
  [ResponseStatus.SERVER_ERROR, 'SERVER_ERROR'],
  [ResponseStatus.RESOURCE_UNAVAILABLE, 'RESOURCE_UNAVAILABLE'],
  [ResponseStatus.RATE_LIMITED, 'RATE_LIMITED'],
]);

export interface ReqRespProtocolSpec<Req, Res> {
  /** Path segment after `/synod/1/req/`: lowercase words, digits and dashes. */
  readonly name: string;
  readonly requestCodec: Codec<Req>;
  readonly responseCodec: Codec<Res>;
  /** Cap on the request (default min(codec cap, REQRESP_MAX_REQUEST_BYTES_DEFAULT)). */
  readonly maxRequestBytes?: number;
  /** Cap on one response chunk body (default min(codec cap, REQRESP_MAX_RESPONSE_CHUNK_BYTES_DEFAULT)). */
  readonly maxResponseChunkBytes?: number;
  /** Cap on response chunks per request (default REQRESP_MAX_RESPONSE_CHUNKS_DEFAULT = 1). */
  readonly maxResponseChunks?: number;
  /** Requester's whole-exchange timeout (default REQRESP_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Responder's per-peer token bucket (defaults REQRESP_RATE_LIMIT_*). */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
}

/** A protocol with its defaults applied and its full id. */
export interface ReqRespProtocol<Req, Res> {
  readonly name: string;
  /** `/synod/1/req/<name>` */
  readonly id: string;
  readonly requestCodec: Codec<Req>;
  readonly responseCodec: Codec<Res>;
  readonly maxRequestBytes: number;
  readonly maxResponseChunkBytes: number;
  readonly maxResponseChunks: number;
  readonly timeoutMs: number;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
}

/** Serves one request; returns the response chunks (at most the protocol's maxResponseChunks). */
export type ReqRespHandler<Req, Res> = (
  request: Req,
  context: { readonly from: PeerId; readonly signal: AbortSignal },
) => Promise<readonly Res[]> | readonly Res[];

const PROTOCOL_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Defines a request/response protocol, applying defaults.
 *
 * @example
 * ```ts
 * const fetchTransactions = defineReqRespProtocol({
 *   name: 'transactions',
 *   requestCodec: transactionRequestCodec,
 *   responseCodec: transactionBatchCodec,
 * });
 * const [batch] = await node.reqResp.request(peer, fetchTransactions, { txIds });
 * ```
 */
export function defineReqRespProtocol<Req, Res>(
  spec: ReqRespProtocolSpec<Req, Res>,
): ReqRespProtocol<Req, Res> {
  assert(
    PROTOCOL_NAME_PATTERN.test(spec.name),
    `protocol name ${JSON.stringify(spec.name)} must match ${PROTOCOL_NAME_PATTERN}`,
  );
  const maxRequestBytes =
    spec.maxRequestBytes ?? Math.min(spec.requestCodec.maxBytes, REQRESP_MAX_REQUEST_BYTES_DEFAULT);
  const maxResponseChunkBytes =
    spec.maxResponseChunkBytes ??
    Math.min(spec.responseCodec.maxBytes, REQRESP_MAX_RESPONSE_CHUNK_BYTES_DEFAULT);
  const maxResponseChunks = spec.maxResponseChunks ?? REQRESP_MAX_RESPONSE_CHUNKS_DEFAULT;
  const timeoutMs = spec.timeoutMs ?? REQRESP_TIMEOUT_MS;
  const rateLimit = spec.rateLimit ?? {
    perSecond: REQRESP_RATE_LIMIT_PER_SECOND,
    burst: REQRESP_RATE_LIMIT_BURST,
  };
  assert(
    maxRequestBytes > 0 && maxRequestBytes <= spec.requestCodec.maxBytes,
    `${spec.name}: maxRequestBytes must be in 1..${spec.requestCodec.maxBytes}`,
  );
  assert(
    maxResponseChunkBytes > 0 && maxResponseChunkBytes <= spec.responseCodec.maxBytes,
    `${spec.name}: maxResponseChunkBytes must be in 1..${spec.responseCodec.maxBytes}`,
  );
  assert(
    Number.isInteger(maxResponseChunks) && maxResponseChunks >= 1,
    `${spec.name}: maxResponseChunks ≥ 1`,
  );
  assert(timeoutMs > 0, `${spec.name}: timeoutMs > 0`);
  assert(rateLimit.perSecond > 0 && rateLimit.burst >= 1, `${spec.name}: rate limit must be positive`);
  return {
    name: spec.name,
    id: `${PROTOCOL_PREFIX}/req/${spec.name}`,
    requestCodec: spec.requestCodec,
    responseCodec: spec.responseCodec,
    maxRequestBytes,
    maxResponseChunkBytes,
    maxResponseChunks,
    timeoutMs,
    rateLimit,
  };
}
