import { parseHex } from '../codec/hex.ts';
import { MAX_TX_PAYLOAD_BYTES } from '../constants.ts';
import type { Transaction } from '../types.ts';
import { TransactionError } from './errors.ts';

/** A transaction's fields as the bytes that are hashed (the result of parseTransaction). */
export interface ParsedTransaction {
  networkId: number;
  namespace: Uint8Array;
  sender: Uint8Array;
  nonce: bigint;
  payload: Uint8Array;
  validUntil: bigint;
}

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

function isUint64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= UINT64_MAX;
}

/**
 * Checks every field's type and range (inputs may come from JSON-RPC, so nothing is trusted) and
 * returns the bytes. The payload length is checked on the hex string before it is decoded.
 * Throws TransactionError MALFORMED or PAYLOAD_TOO_LARGE.
 */
export function parseTransaction(tx: Transaction): ParsedTransaction {
  if (typeof tx !== 'object' || tx === null)
    throw new TransactionError('MALFORMED', 'transaction is not an object');
  if (!Number.isSafeInteger(tx.networkId) || tx.networkId < 0) {
    throw new TransactionError(
      'MALFORMED',
      `networkId must be a safe non-negative integer, got ${tx.networkId}`,
    );
  }
  const namespace = parseHex(tx.namespace, 32);
  if (namespace === undefined)
    throw new TransactionError('MALFORMED', 'namespace is not a bytes32 hex string');
  const sender = parseHex(tx.sender, 20);
  if (sender === undefined) throw new TransactionError('MALFORMED', 'sender is not a 20-byte hex address');
  if (!isUint64(tx.nonce))
    throw new TransactionError('MALFORMED', 'nonce must be a bigint in the uint64 range');
  if (!isUint64(tx.validUntil)) {
    throw new TransactionError('MALFORMED', 'validUntil must be a bigint in the uint64 range');
  }
  if (typeof tx.payload === 'string' && tx.payload.length > 2 + 2 * MAX_TX_PAYLOAD_BYTES) {
    throw new TransactionError(
      'PAYLOAD_TOO_LARGE',
      `payload of ${Math.floor((tx.payload.length - 2) / 2)} bytes exceeds ${MAX_TX_PAYLOAD_BYTES}`,
    );
  }
  const payload = parseHex(tx.payload);
  if (payload === undefined) throw new TransactionError('MALFORMED', 'payload is not a hex string');
  return { networkId: tx.networkId, namespace, sender, nonce: tx.nonce, payload, validUntil: tx.validUntil };
}
