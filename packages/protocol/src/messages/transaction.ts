import { defineCodec, MessageType } from '../codec/envelope.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { MAX_TRANSACTION_BYTES, MAX_TX_PAYLOAD_BYTES } from '../constants.ts';
import type { SignedTransaction } from '../types.ts';
import { readHexBytes, readHexFixed, writeHexBytes, writeHexFixed } from './fields.ts';

/**
 * A signed transaction on the wire:
 * networkId u64 ‖ namespace 32 ‖ sender 20 ‖ nonce u64 ‖ payload (u32 len ≤ MAX_TX_PAYLOAD_BYTES)
 * ‖ validUntil u64 ‖ signature 65. Decoding checks shape only; verifyTransaction checks the rest.
 */

/** Writes the fields of `tx` (no envelope): an item of a batch or block. */
export function writeSignedTransaction(writer: Writer, tx: SignedTransaction): void {
  writer.u53(tx.networkId);
  writeHexFixed(writer, tx.namespace, 32, 'namespace');
  writeHexFixed(writer, tx.sender, 20, 'sender');
  writer.u64(tx.nonce);
  writeHexBytes(writer, tx.payload, MAX_TX_PAYLOAD_BYTES, 'payload');
  writer.u64(tx.validUntil);
  writeHexFixed(writer, tx.signature, 65, 'signature');
}

/** Reads the fields written by writeSignedTransaction. */
export function readSignedTransaction(reader: Reader): SignedTransaction {
  return {
    networkId: reader.u53('tx.networkId'),
    namespace: readHexFixed(reader, 32, 'tx.namespace'),
    sender: readHexFixed(reader, 20, 'tx.sender'),
    nonce: reader.u64('tx.nonce'),
    payload: readHexBytes(reader, MAX_TX_PAYLOAD_BYTES, 'tx.payload'),
    validUntil: reader.u64('tx.validUntil'),
    signature: readHexFixed(reader, 65, 'tx.signature'),
  };
}

/** One signed transaction (what a client submits and a peer serves). */
export const transactionCodec = defineCodec<SignedTransaction>({
  name: 'Transaction',
  type: MessageType.Transaction,
  maxBytes: MAX_TRANSACTION_BYTES,
  write: writeSignedTransaction,
  read: readSignedTransaction,
});
