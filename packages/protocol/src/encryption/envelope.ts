import type { Hex } from 'viem';
import { defineCodec, MessageType } from '../codec/envelope.ts';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { DecodeError } from '../errors.ts';
import { transactionCodec } from '../messages/transaction.ts';
import type { SignedTransaction } from '../types.ts';
import {
  CIPHERTEXT_OVERHEAD_BYTES,
  ENCRYPTED_NAMESPACE,
  MAX_CIPHERTEXT_BYTES,
  MAX_ENCRYPTED_TX_PAYLOAD_BYTES,
} from './constants.ts';
import { EncryptionError } from './errors.ts';
import { encrypt } from './scheme.ts';

/**
 * The payload of an envelope (a transaction of ENCRYPTED_NAMESPACE): the app namespace its
 * plaintext belongs to, in the clear, and the ciphertext of the plaintext transaction.
 * Wire: envelope ‖ namespace 32 ‖ ciphertext (u32 length, CIPHERTEXT_OVERHEAD_BYTES ..
 * MAX_CIPHERTEXT_BYTES). The plaintext is the encoding of a whole signed Transaction (message
 * type 1) with the envelope's sender, nonce, validUntil and network, of the declared namespace.
 */
export interface EncryptedEnvelope {
  namespace: Hex;
  ciphertext: Uint8Array;
}

export const encryptedEnvelopeCodec = defineCodec<EncryptedEnvelope>({
  name: 'EncryptedEnvelope',
  type: MessageType.EncryptedEnvelope,
  maxBytes: 2 + 32 + 4 + MAX_CIPHERTEXT_BYTES,
  write(writer: Writer, envelope: EncryptedEnvelope) {
    const namespace = parseHex(envelope.namespace, 32);
    if (namespace === undefined) throw new EncryptionError('INVALID_PARAMETER', 'namespace must be 32 bytes');
    writer.fixed(namespace, 32).bytes(envelope.ciphertext, MAX_CIPHERTEXT_BYTES);
  },
  read(reader: Reader): EncryptedEnvelope {
    const namespace = toLowerHex(reader.fixed(32, 'envelope.namespace'));
    const ciphertext = reader.bytesField(MAX_CIPHERTEXT_BYTES, 'envelope.ciphertext');
    if (ciphertext.length < CIPHERTEXT_OVERHEAD_BYTES) {
      throw new DecodeError(
        'INVALID_VALUE',
        `envelope.ciphertext of ${ciphertext.length} bytes, below ${CIPHERTEXT_OVERHEAD_BYTES}`,
      );
    }
    if (namespace === ENCRYPTED_NAMESPACE) {
      throw new DecodeError('INVALID_VALUE', 'envelope.namespace is the encrypted namespace itself');
    }
    return { namespace, ciphertext };
  },
});

/** Whether `tx` is an envelope (its namespace is ENCRYPTED_NAMESPACE), well-formed or not. */
export function isEnvelope(tx: Pick<SignedTransaction, 'namespace'>): boolean {
  return tx.namespace.toLowerCase() === ENCRYPTED_NAMESPACE;
}

type EnvelopeKey = Pick<SignedTransaction, 'namespace' | 'sender' | 'nonce'>;

/**
 * Which of a finalized block's transactions are revealed plaintexts, told from the block alone
 * and block height − 2 (docs/protocol.md "Encrypted transactions"): its leading transactions
 * that have the sender and nonce of block height − 2's envelopes, in their order (an envelope
 * that opened to nothing reveals none). A fair transaction never matches: the envelope used that
 * nonce. Returns, for each revealed transaction at block position k (0, 1, …), the index of its
 * envelope among `twoBlocksEarlier`.
 */
export function revealedEnvelopeIndices(
  twoBlocksEarlier: readonly EnvelopeKey[],
  block: readonly EnvelopeKey[],
): number[] {
  const indices: number[] = [];
  for (const [index, envelope] of twoBlocksEarlier.entries()) {
    if (!isEnvelope(envelope)) continue;
    const tx = block[indices.length];
    if (tx === undefined) break;
    if (
      !isEnvelope(tx) &&
      tx.sender.toLowerCase() === envelope.sender.toLowerCase() &&
      tx.nonce === envelope.nonce
    ) {
      indices.push(index);
    }
  }
  return indices;
}

/** The envelope payload of an envelope transaction, or undefined when it does not decode. */
export function parseEnvelope(tx: Pick<SignedTransaction, 'payload'>): EncryptedEnvelope | undefined {
  const bytes = parseHex(tx.payload);
  if (bytes === undefined) return undefined;
  try {
    return encryptedEnvelopeCodec.decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

export interface EncryptTransactionParameters {
  /** The committee encryption key (48-byte compressed G1). */
  publicKey: Uint8Array;
  /** The plaintext transaction, signed: its namespace is the app's, not ENCRYPTED_NAMESPACE. */
  transaction: SignedTransaction;
  /** 32 fresh random bytes. */
  seed: Uint8Array;
  /** The implementation: `encrypt` (browser-safe, the default) or `encryptFast` (Node, for load generators). */
  encrypt?: typeof encrypt;
}

/**
 * The envelope payload that hides `transaction`: sign a transaction of ENCRYPTED_NAMESPACE with
 * the same sender, nonce, networkId and validUntil, and this payload, and submit that.
 * Throws EncryptionError (MESSAGE_TOO_LARGE above MAX_ENCRYPTED_TX_PAYLOAD_BYTES, INVALID_*).
 */
export function encryptTransaction(parameters: EncryptTransactionParameters): Hex {
  const { transaction } = parameters;
  if (isEnvelope(transaction)) {
    throw new EncryptionError('INVALID_PARAMETER', 'an envelope cannot hold another envelope');
  }
  const payloadBytes = (transaction.payload.length - 2) / 2;
  if (payloadBytes > MAX_ENCRYPTED_TX_PAYLOAD_BYTES) {
    throw new EncryptionError(
      'MESSAGE_TOO_LARGE',
      `payload of ${payloadBytes} bytes; an encrypted transaction carries at most ${MAX_ENCRYPTED_TX_PAYLOAD_BYTES}`,
    );
  }
  const ciphertext = (parameters.encrypt ?? encrypt)({
    publicKey: parameters.publicKey,
    networkId: transaction.networkId,
    namespace: transaction.namespace,
    sender: transaction.sender,
    message: transactionCodec.encode(transaction),
    seed: parameters.seed,
  });
  return toLowerHex(encryptedEnvelopeCodec.encode({ namespace: transaction.namespace, ciphertext }));
}

/** Why a decrypted plaintext is not the envelope's transaction; undefined when its fields match. */
export type RevealMismatch = 'UNDECODABLE' | 'MISMATCH';

/**
 * The plaintext transaction of `envelope` from its decrypted bytes, when they decode as a signed
 * Transaction with the envelope's network, sender, nonce and validUntil and the declared
 * namespace. Its signature is the caller's to check (it needs secp256k1 recovery).
 */
export function revealedTransaction(
  envelope: SignedTransaction,
  declaredNamespace: Hex,
  plaintext: Uint8Array,
): { ok: true; transaction: SignedTransaction } | { ok: false; reason: RevealMismatch } {
  let transaction: SignedTransaction;
  try {
    transaction = transactionCodec.decode(plaintext);
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, reason: 'UNDECODABLE' };
    throw error;
  }
  const matches =
    transaction.networkId === envelope.networkId &&
    transaction.sender === envelope.sender.toLowerCase() &&
    transaction.nonce === envelope.nonce &&
    transaction.validUntil === envelope.validUntil &&
    transaction.namespace === declaredNamespace.toLowerCase() &&
    !isEnvelope(transaction);
  return matches ? { ok: true, transaction } : { ok: false, reason: 'MISMATCH' };
}
