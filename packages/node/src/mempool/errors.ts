import { CodedError, type CodedErrorOptions, type TransactionErrorCode } from '@synod/protocol';

/**
 * Why the mempool refused a transaction. The transaction checks keep @synod/protocol's
 * TransactionError codes one-to-one (a transaction signed for another chain id or inbox recovers
 * another address and so is SIGNER_MISMATCH; WRONG_NETWORK is a networkId field of another
 * network); the rest are the pool's own rules. The RPC maps each code to one error code, and
 * gossip maps each to REJECT (the sender's fault) or IGNORE (valid but unwanted); see
 * `mempoolErrorVerdict`.
 */
export type MempoolErrorCode =
  | TransactionErrorCode
  /** nonce < the sender's next expected nonce: already finalized (or a replay of it). */
  | 'NONCE_USED'
  /** nonce ≥ next expected nonce + the nonce-ahead bound. */
  | 'NONCE_TOO_FAR_AHEAD'
  /** Another transaction of the same sender and nonce is pending; the first one stays (no replacement). */
  | 'DUPLICATE_NONCE'
  /** The sender already has the per-sender maximum of pending transactions. */
  | 'SENDER_FULL'
  /** The pool is at its transaction-count or byte bound. */
  | 'MEMPOOL_FULL';

/** Every MempoolErrorCode, for metrics label sets and exhaustive tests. */
export const MEMPOOL_ERROR_CODES: readonly MempoolErrorCode[] = [
  'MALFORMED',
  'PAYLOAD_TOO_LARGE',
  'WRONG_NETWORK',
  'EXPIRED',
  'BAD_SIGNATURE',
  'HIGH_S',
  'SIGNER_MISMATCH',
  'NONCE_USED',
  'NONCE_TOO_FAR_AHEAD',
  'DUPLICATE_NONCE',
  'SENDER_FULL',
  'MEMPOOL_FULL',
];

/** A transaction the mempool did not admit. */
export class MempoolError extends CodedError<MempoolErrorCode> {
  override readonly name = 'MempoolError';
  constructor(code: MempoolErrorCode, message: string, options?: CodedErrorOptions) {
    super(code, `${code}: ${message}`, options);
  }
}

/**
 * Whether a gossiping peer is at fault for a transaction refused with `code`: REJECT for a
 * transaction no honest node would relay (malformed, badly signed, of another network), IGNORE
 * for one that is valid but unwanted here (our pool's state or clock may differ from the peer's).
 */
export function mempoolErrorVerdict(code: MempoolErrorCode): 'REJECT' | 'IGNORE' {
  switch (code) {
    case 'MALFORMED':
    case 'PAYLOAD_TOO_LARGE':
    case 'WRONG_NETWORK':
    case 'BAD_SIGNATURE':
    case 'HIGH_S':
    case 'SIGNER_MISMATCH':
      return 'REJECT';
    case 'EXPIRED':
    case 'NONCE_USED':
    case 'NONCE_TOO_FAR_AHEAD':
    case 'DUPLICATE_NONCE':
    case 'SENDER_FULL':
    case 'MEMPOOL_FULL':
      return 'IGNORE';
  }
}
