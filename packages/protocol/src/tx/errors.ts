import { SynodProtocolError } from '../errors.ts';

/**
 * Why a transaction is rejected. A signature made for another chain id or inbox recovers another
 * address, so a wrong EIP-712 domain shows up as SIGNER_MISMATCH; WRONG_NETWORK is a networkId
 * field that is not this network's.
 */
export type TransactionErrorCode =
  /** A field has the wrong type or shape (not bytes32, not an address, out of its uint64 range…). */
  | 'MALFORMED'
  /** The payload is longer than MAX_TX_PAYLOAD_BYTES. */
  | 'PAYLOAD_TOO_LARGE'
  /** tx.networkId is not the network's id. */
  | 'WRONG_NETWORK'
  /** validUntil is earlier than now. */
  | 'EXPIRED'
  /** v is not 27/28, r or s is out of range, or no public key can be recovered. */
  | 'BAD_SIGNATURE'
  /** s is in the upper half of the curve order (a malleated copy of a valid signature). */
  | 'HIGH_S'
  /** The recovered signer is not tx.sender (or the signing account is not the sender). */
  | 'SIGNER_MISMATCH';

/** A transaction that a node rejects. */
export class TransactionError extends SynodProtocolError<TransactionErrorCode> {
  override readonly name = 'TransactionError';
}
