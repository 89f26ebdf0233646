import { parseHex, toLowerHex } from '../codec/hex.ts';
import { TransactionError } from './errors.ts';

/**
 * Transaction signatures are 65 bytes r ‖ s ‖ v with v ∈ {27, 28} and s ≤ n/2 (docs/protocol.md
 * "Transactions"). Exactly one encoding of each signature is valid, so a relayer cannot change a
 * signed transaction's bytes: high-s (the malleated twin) and v ∈ {0, 1} are rejected when
 * verifying. signTransaction normalises wallet output to this form before returning it.
 */

/** secp256k1 group order n. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_CURVE_ORDER = CURVE_ORDER >> 1n;
const SIGNATURE_BYTES = 65;

export interface ParsedTransactionSignature {
  /** r ‖ s, 64 bytes. */
  compact: Uint8Array;
  /** The y-parity of R: v − 27. */
  recovery: 0 | 1;
}

function scalar(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function scalarBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32);
  let rest = value;
  for (let i = 31; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/**
 * Parses a canonical signature. Throws TransactionError: MALFORMED (not 65 bytes of hex),
 * BAD_SIGNATURE (v ∉ {27, 28}, r ∉ [1, n), s = 0 or s ≥ n), HIGH_S (n/2 < s < n).
 */
export function parseTransactionSignature(signature: unknown): ParsedTransactionSignature {
  const bytes = parseHex(signature, SIGNATURE_BYTES);
  if (bytes === undefined) throw new TransactionError('MALFORMED', 'signature is not 65 bytes of hex');
  const v = bytes[64]!;
  if (v !== 27 && v !== 28)
    throw new TransactionError('BAD_SIGNATURE', `signature v must be 27 or 28, got ${v}`);
  const compact = bytes.subarray(0, 64);
  const r = scalar(compact.subarray(0, 32));
  const s = scalar(compact.subarray(32, 64));
  if (r === 0n || r >= CURVE_ORDER)
    throw new TransactionError('BAD_SIGNATURE', 'signature r is not in [1, n)');
  if (s === 0n || s >= CURVE_ORDER)
    throw new TransactionError('BAD_SIGNATURE', 'signature s is not in [1, n)');
  if (s > HALF_CURVE_ORDER)
    throw new TransactionError('HIGH_S', 'signature s is in the upper half of the order');
  return { compact, recovery: v === 27 ? 0 : 1 };
}

/**
 * The canonical form of a signature a wallet returned: v ∈ {0, 1} becomes 27/28, and a high s
 * becomes n − s with the parity flipped (the same signature's low-s twin). Other input is
 * returned unchanged for parseTransactionSignature to reject.
 */
export function normalizeTransactionSignature(signature: string): `0x${string}` {
  const bytes = parseHex(signature, SIGNATURE_BYTES);
  if (bytes === undefined) return signature as `0x${string}`;
  let v = bytes[64]!;
  if (v === 0 || v === 1) v += 27;
  const s = scalar(bytes.subarray(32, 64));
  if (s > HALF_CURVE_ORDER && s < CURVE_ORDER && (v === 27 || v === 28)) {
    bytes.set(scalarBytes(CURVE_ORDER - s), 32);
    v = v === 27 ? 28 : 27;
  }
  bytes[64] = v;
  return toLowerHex(bytes);
}
