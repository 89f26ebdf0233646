import { CodedError, type CodedErrorOptions, type DecodeErrorCode } from '@synod/protocol';

/**
 * Operating errors of the p2p subsystem. Each class sets `name` and carries a bounded `code`
 * that metrics label and callers switch on. Bugs are assertions and are never caught.
 */

/** What gossipsub should do with a message that did not pass validation. */
export type GossipVerdict = 'REJECT' | 'IGNORE';

/**
 * Why a gossip message failed validation. Decode failures keep the codec's own code
 * (`TRUNCATED`, `UNKNOWN_VERSION`, …); the rest are application checks of topic validators.
 */
export type GossipValidationCode =
  | DecodeErrorCode
  /** Larger than the topic's cap, checked before decoding. */
  | 'OVERSIZED'
  /** A signature (user, proposer, vote share, extension) does not verify. */
  | 'BAD_SIGNATURE'
  /** Signed for another network id / chain / inbox. */
  | 'WRONG_NETWORK'
  /** The signer is not a member of the committee of that height. */
  | 'UNKNOWN_SIGNER'
  /** Decodes, but the content breaks a protocol rule (e.g. proposal not the deterministic content). */
  | 'INVALID_CONTENT'
  /** Already seen (transaction in the mempool, vote already counted). */
  | 'DUPLICATE'
  /** For a height (or round) we have already decided. */
  | 'STALE_HEIGHT'
  /** Too far ahead of our height to verify or buffer. */
  | 'FUTURE_HEIGHT'
  /** Valid, but we cannot take it now (mempool full, queue full). */
  | 'OVERLOADED'
  /** The validator threw something that is not a GossipValidationError: our bug, never the peer's fault. */
  | 'VALIDATOR_ERROR';

/**
 * Thrown by a topic validator to refuse a message. `REJECT` = the message is invalid and its
 * sender is penalized (gossipsub P4); `IGNORE` = valid but unwanted (duplicate, stale), dropped
 * without penalty and not forwarded.
 *
 * @example
 * ```ts
 * if (vote.height < state.height) throw new GossipValidationError('IGNORE', 'STALE_HEIGHT');
 * ```
 */
export class GossipValidationError extends CodedError<GossipValidationCode> {
  override readonly name = 'GossipValidationError';
  readonly verdict: GossipVerdict;
  constructor(
    verdict: GossipVerdict,
    code: GossipValidationCode,
    message?: string,
    options?: CodedErrorOptions,
  ) {
    super(code, `${verdict} ${code}${message === undefined ? '' : `: ${message}`}`, options);
    this.verdict = verdict;
  }
}

/** Why a request/response exchange failed, as seen by the requester. */
export type ReqRespErrorCode =
  | 'TIMEOUT'
  | 'ABORTED'
  | 'PEER_UNREACHABLE'
  | 'UNSUPPORTED_PROTOCOL'
  | 'REQUEST_TOO_LARGE'
  | 'RESPONSE_TOO_LARGE'
  | 'TOO_MANY_CHUNKS'
  | 'MALFORMED_RESPONSE'
  | 'STREAM_FAILED'
  /** The server answered with an error status (see RemoteErrorCode). */
  | 'REMOTE_ERROR';

/** Base of every request/response failure; `protocol` is the full protocol id. */
export class ReqRespError extends CodedError<ReqRespErrorCode> {
  override readonly name: string = 'ReqRespError';
  readonly protocol: string;
  constructor(code: ReqRespErrorCode, protocol: string, message: string, options?: CodedErrorOptions) {
    super(code, `${protocol}: ${code}: ${message}`, options);
    this.protocol = protocol;
  }
}

/** No complete response within the request timeout. */
export class RequestTimeoutError extends ReqRespError {
  override readonly name = 'RequestTimeoutError';
  constructor(protocol: string, timeoutMs: number, options?: CodedErrorOptions) {
    super('TIMEOUT', protocol, `no response within ${timeoutMs} ms`, options);
  }
}

/** The caller's own signal aborted the request. */
export class RequestAbortedError extends ReqRespError {
  override readonly name = 'RequestAbortedError';
  constructor(protocol: string, options?: CodedErrorOptions) {
    super('ABORTED', protocol, 'aborted by the caller', options);
  }
}

/** The peer could not be dialed (no address, connection refused, handshake failed). */
export class PeerUnreachableError extends ReqRespError {
  override readonly name = 'PeerUnreachableError';
  constructor(protocol: string, peer: string, options?: CodedErrorOptions) {
    super('PEER_UNREACHABLE', protocol, `cannot reach ${peer}`, options);
  }
}

/** The peer is reachable but does not speak this protocol (or this version of it). */
export class ProtocolNotSupportedError extends ReqRespError {
  override readonly name = 'ProtocolNotSupportedError';
  constructor(protocol: string, peer: string, options?: CodedErrorOptions) {
    super('UNSUPPORTED_PROTOCOL', protocol, `${peer} does not support it`, options);
  }
}

/** A request or response exceeded its cap (bytes per message, or chunks per response). */
export class MessageTooLargeError extends ReqRespError {
  override readonly name = 'MessageTooLargeError';
  constructor(
    code: 'REQUEST_TOO_LARGE' | 'RESPONSE_TOO_LARGE' | 'TOO_MANY_CHUNKS',
    protocol: string,
    message: string,
    options?: CodedErrorOptions,
  ) {
    super(code, protocol, message, options);
  }
}

/** A response that is not a canonical encoding, or has an unknown status byte. */
export class MalformedResponseError extends ReqRespError {
  override readonly name = 'MalformedResponseError';
  constructor(protocol: string, message: string, options?: CodedErrorOptions) {
    super('MALFORMED_RESPONSE', protocol, message, options);
  }
}

/** The stream broke mid-exchange (reset, connection closed) without a timeout or abort. */
export class StreamFailedError extends ReqRespError {
  override readonly name = 'StreamFailedError';
  constructor(protocol: string, message: string, options?: CodedErrorOptions) {
    super('STREAM_FAILED', protocol, message, options);
  }
}

/** Status a server puts in an error chunk. Bounded: unknown statuses are MALFORMED_RESPONSE. */
export type RemoteErrorCode = 'INVALID_REQUEST' | 'SERVER_ERROR' | 'RESOURCE_UNAVAILABLE' | 'RATE_LIMITED';

/** The server refused or failed the request and said why. */
export class RemoteError extends ReqRespError {
  override readonly name = 'RemoteError';
  readonly remoteCode: RemoteErrorCode;
  constructor(protocol: string, remoteCode: RemoteErrorCode, remoteMessage: string) {
    super('REMOTE_ERROR', protocol, `${remoteCode}: ${remoteMessage}`);
    this.remoteCode = remoteCode;
  }
}

/**
 * Thrown by a request handler to answer with a specific error status (e.g. RESOURCE_UNAVAILABLE
 * when the requested blocks are pruned). Anything else a handler throws becomes SERVER_ERROR.
 */
export class RequestHandlerError extends CodedError<Exclude<RemoteErrorCode, 'RATE_LIMITED'>> {
  override readonly name = 'RequestHandlerError';
}

/** A p2p setting that cannot work (reported at start, naming the offending value). */
export class P2pConfigError extends CodedError<'INVALID_PEER_ADDRESS'> {
  override readonly name = 'P2pConfigError';
  constructor(code: 'INVALID_PEER_ADDRESS', message: string, options?: CodedErrorOptions) {
    super(code, `${code}: ${message}`, options);
  }
}
