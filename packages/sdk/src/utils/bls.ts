import { bls12_381 } from '@noble/curves/bls12-381.js';
import type { Hex } from 'viem';
import { hexToBytes } from 'viem';

/**
 * BLS12-381 verification in pure JavaScript (@noble/curves), so it runs in browsers: the node uses
 * native blst, which a bundle cannot hold. ~25 ms per verification once warm, one per certificate
 * (a block, or a transaction's finality), which a client can afford.
 */

/** Min-pk scheme: 48-byte G1 public keys, 96-byte G2 signatures. */
const minPk = bls12_381.longSignatures;

/** Ethereum's proof-of-possession ciphersuite, the node's BLS_SIGNATURE_DST. */
export const BLS_SIGNATURE_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

/**
 * Whether `signature` (96-byte compressed G2) signs `message` under `publicKey` (48-byte
 * compressed G1). Never throws: a malformed, identity or off-subgroup point is `false`.
 * verifyCertificate is this over certificateMessage(header, network, round).
 *
 * @example
 * ```ts
 * import { certificateMessage } from '@synod/protocol/pure';
 * const message = certificateMessage(block.header, client.network, block.certificate.round);
 * const valid = verifyBlsSignature(committee.groupPublicKey, message, block.certificate.signature);
 * ```
 */
export function verifyBlsSignature(
  publicKey: Hex | Uint8Array,
  message: Hex | Uint8Array,
  signature: Hex | Uint8Array,
): boolean {
  try {
    const publicKeyBytes = typeof publicKey === 'string' ? hexToBytes(publicKey) : publicKey;
    const signatureBytes = typeof signature === 'string' ? hexToBytes(signature) : signature;
    const messageBytes = typeof message === 'string' ? hexToBytes(message) : message;
    if (publicKeyBytes.length !== 48 || signatureBytes.length !== 96) return false;
    // fromBytes checks the point is on the curve and in the prime-order subgroup.
    const publicKeyPoint = bls12_381.G1.Point.fromBytes(publicKeyBytes);
    const signaturePoint = minPk.Signature.fromBytes(signatureBytes);
    if (publicKeyPoint.is0() || signaturePoint.is0()) return false;
    return minPk.verify(signaturePoint, minPk.hash(messageBytes, BLS_SIGNATURE_DST), publicKeyPoint);
  } catch {
    return false;
  }
}

/** EIP-2537 encodes a base-field element in 64 bytes: 16 zero bytes, then 48 big-endian bytes. */
function writeFieldElement(target: Uint8Array, slot: number, value: bigint): void {
  let rest = value;
  for (let i = 63; i >= 16; i--) {
    target[slot * 64 + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/**
 * A compressed G2 point (a certificate signature) as the 256-byte EIP-2537 encoding
 * x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 that SettlementInbox.submitHeader takes.
 *
 * @example
 * ```ts
 * // The certificate as SettlementInbox.submitHeader(header, certificate) takes it
 * // (submitHeaderToL1 builds the whole call).
 * const certificate = {
 *   round: finality.certificate.round,
 *   signature: bytesToHex(g2ToEip2537(finality.certificate.signature)), // 256 bytes
 * };
 * ```
 */
export function g2ToEip2537(compressed: Hex | Uint8Array): Uint8Array {
  const bytes = typeof compressed === 'string' ? hexToBytes(compressed) : compressed;
  const { x, y } = bls12_381.G2.Point.fromBytes(bytes).toAffine();
  const out = new Uint8Array(256);
  writeFieldElement(out, 0, x.c0);
  writeFieldElement(out, 1, x.c1);
  writeFieldElement(out, 2, y.c0);
  writeFieldElement(out, 3, y.c1);
  return out;
}
