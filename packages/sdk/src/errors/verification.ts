import { BaseError } from './base.ts';

/**
 * Why the SDK refused what a node returned. A node cannot fake finality: a certificate must
 * verify under the committee's group key, and a transaction or price must be a leaf of the
 * certified header's Merkle roots.
 */
export type VerificationErrorReason =
  /** The BLS certificate does not verify under the committee's group public key. */
  | 'INVALID_CERTIFICATE'
  /** The Merkle proof does not lead from the leaf to the header's root. */
  | 'INVALID_PROOF'
  /** The block hash the node gave is not the hash of the header it gave. */
  | 'HEADER_HASH_MISMATCH'
  /** The transaction body the node gave does not hash to the txId asked for. */
  | 'TRANSACTION_MISMATCH'
  /** The price the node gave is not in the certified block. */
  | 'PRICE_MISMATCH'
  /** No group key for the header's epoch: not pinned in the client, and the node has none. */
  | 'UNKNOWN_COMMITTEE'
  /** The header is for another network id than the client's. */
  | 'WRONG_NETWORK'
  /** Equivocation evidence whose two votes do not both verify under the validator's share key, or do not conflict. */
  | 'INVALID_EVIDENCE'
  /**
   * A block ordering (synod_getBlockOrdering) that its signed vote extensions do not back: an
   * extension that does not decode, is bound to another block or signed by another key, fewer
   * than 2f+1 of them, or reports, fair timestamps, prices or transactions that are not what the
   * extensions and the certified block give.
   */
  | 'INVALID_ORDERING'
  /** The node's answer is not of the documented shape. */
  | 'MALFORMED_RESPONSE';

/**
 * What a node returned failed local verification. Never retried: the node is faulty or lying;
 * use another node.
 *
 * @example
 * ```ts
 * try {
 *   await waitForFinality(client, { txId, timeoutMs: 10_000 });
 * } catch (error) {
 *   if (error instanceof VerificationError) console.error(`node lied: ${error.reason}`);
 * }
 * ```
 */
export class VerificationError extends BaseError {
  declare readonly name: 'VerificationError';
  readonly reason: VerificationErrorReason;
  constructor(reason: VerificationErrorReason, details: string, options: { cause?: unknown } = {}) {
    super(`The node's answer failed verification (${reason}).`, {
      name: 'VerificationError',
      docsPath: '#verificationerror',
      details,
      cause: options.cause,
    });
    this.reason = reason;
  }
}
