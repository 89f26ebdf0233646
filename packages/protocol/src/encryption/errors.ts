import { SynodProtocolError } from '../errors.ts';

export type EncryptionErrorCode =
  /** The committee encryption key is not a valid, non-identity G1 point. */
  | 'INVALID_PUBLIC_KEY'
  /** The message does not fit an envelope (MAX_ENCRYPTED_TX_PAYLOAD_BYTES). */
  | 'MESSAGE_TOO_LARGE'
  /** A parameter of the wrong shape: seed not 32 bytes, sender not 20, namespace not 32. */
  | 'INVALID_PARAMETER'
  /** A decryption key that is not a valid G2 point, or not the key of this ciphertext's identity. */
  | 'INVALID_DECRYPTION_KEY';

/** An encryption or decryption input that is not valid (docs/protocol.md "Encrypted transactions"). */
export class EncryptionError extends SynodProtocolError<EncryptionErrorCode> {
  override readonly name = 'EncryptionError';
}
