import { CodedError, type CodedErrorOptions } from '@synod/protocol';

/** Why a listener of the node could not start: what the operator has to change. */
export type ListenErrorCode =
  /** Another process (often another node of this machine) listens there. */
  | 'ADDRESS_IN_USE'
  /** The host is not an address of this machine. */
  | 'ADDRESS_NOT_AVAILABLE'
  /** A port below 1024 without the privilege to bind it. */
  | 'PERMISSION_DENIED';

const LISTEN_ERROR_CODES: Record<string, ListenErrorCode> = {
  EADDRINUSE: 'ADDRESS_IN_USE',
  EADDRNOTAVAIL: 'ADDRESS_NOT_AVAILABLE',
  EACCES: 'PERMISSION_DENIED',
};

const REASONS: Record<ListenErrorCode, string> = {
  ADDRESS_IN_USE: 'the address is in use (another process, or another node on this machine?)',
  ADDRESS_NOT_AVAILABLE: 'the host is not an address of this machine',
  PERMISSION_DENIED: 'permission denied (ports below 1024 need privileges)',
};

/** `synod start` could not open its RPC, metrics or p2p listener: an operating error, one line. */
export class ListenError extends CodedError<ListenErrorCode> {
  override readonly name = 'ListenError';
  constructor(code: ListenErrorCode, what: string, configKey: string, options?: CodedErrorOptions) {
    super(code, `${what}: cannot listen, ${REASONS[code]}; change ${configKey}`, options);
  }
}

/** The listen failure's code in `error` or its causes (libp2p wraps the socket error). */
function listenCode(error: unknown): ListenErrorCode | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined && code in LISTEN_ERROR_CODES) return LISTEN_ERROR_CODES[code];
    const match = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(current.message);
    if (match !== null) return LISTEN_ERROR_CODES[match[1]!];
    current = current.cause;
  }
  return undefined;
}

/**
 * Awaits a listener's start; a bind failure becomes a ListenError naming the listener and the
 * config key to change, anything else propagates unchanged.
 */
export async function listening<T>(what: string, configKey: string, start: Promise<T>): Promise<T> {
  try {
    return await start;
  } catch (error) {
    const code = listenCode(error);
    if (code === undefined) throw error;
    throw new ListenError(code, what, configKey, { cause: error });
  }
}
