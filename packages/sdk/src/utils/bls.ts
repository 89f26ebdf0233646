import { bls12_381 } from '@noble/curves/bls12-381.js';
import type { Hex } from 'viem';
import { hexToBytes } from 'viem';

/**
 * BLS12-381 verification. In browsers it is pure JavaScript (@noble/curves, ~25 ms per
 * verification once warm). In Node.js, when the optional peer @chainsafe/blst (native blst, the
 * library the node uses) is installed, it is blst (~1 ms): loaded once at import, through a
 * specifier bundlers leave alone, so a browser bundle never holds it. Both answer the same
 * question with the same checks (lengths, on the curve, in the subgroup, not the identity); a
 * client verifies one certificate per block (the certificate cache).
 */

/** Which implementation verifies signatures now. */
export type BlsBackend = 'blst' | 'noble';

/** The part of @chainsafe/blst used here (typed structurally: the package is an optional peer). */
interface NativeBlst {
  PublicKey: { fromBytes(bytes: Uint8Array): { keyValidate(): void } };
  Signature: { fromBytes(bytes: Uint8Array): { sigValidate(subgroupCheck?: boolean): void } };
  verify(message: Uint8Array, publicKey: unknown, signature: unknown): boolean;
}

let native: NativeBlst | undefined;
/** Typed structurally: the SDK's own build has no Node.js types (it targets browsers too). */
const runtime = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
const isNode = typeof runtime?.versions?.node === 'string';
/** A variable, not a literal: bundlers do not follow it (browsers never take this branch). */
const NATIVE_BLST_MODULE = '@chainsafe/blst';

/**
 * Settles once the backend is chosen: 'blst' in Node.js with @chainsafe/blst installed, else
 * 'noble'. Verification works before it settles (with @noble/curves).
 *
 * @example
 * ```ts
 * console.log(`certificates verified with ${await blsBackendReady}`);
 * ```
 */
export const blsBackendReady: Promise<BlsBackend> = isNode
  ? import(/* @vite-ignore */ NATIVE_BLST_MODULE).then(
      (module: NativeBlst) => {
        native = module;
        return 'blst' as const;
      },
      () => 'noble' as const,
    )
  : Promise.resolve('noble' as const);

/**
 * The backend verifying signatures at this moment (see blsBackendReady).
 *
 * @example
 * ```ts
 * if (blsBackend() === 'noble') console.warn('install @chainsafe/blst for ~25× faster certificate checks');
 * ```
 */
export function blsBackend(): BlsBackend {
  return native === undefined ? 'noble' : 'blst';
}

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
  let inputs: VerifyInputs | undefined;
  try {
    inputs = verifyInputs(publicKey, message, signature);
  } catch {
    return false; // malformed hex
  }
  if (inputs === undefined) return false;
  return native === undefined ? verifyWithNoble(inputs) : verifyWithBlst(native, inputs);
}

/** The three arguments as bytes; undefined when a key or signature is not of its one wire length. */
export interface VerifyInputs {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** verifyBlsSignature's arguments as bytes, or undefined for a wrong length (the wire has one encoding each). */
export function verifyInputs(
  publicKey: Hex | Uint8Array,
  message: Hex | Uint8Array,
  signature: Hex | Uint8Array,
): VerifyInputs | undefined {
  const bytesOf = (value: Hex | Uint8Array) => (typeof value === 'string' ? hexToBytes(value) : value);
  const inputs = { publicKey: bytesOf(publicKey), message: bytesOf(message), signature: bytesOf(signature) };
  return inputs.publicKey.length === 48 && inputs.signature.length === 96 ? inputs : undefined;
}

/** verifyBlsSignature with native blst. Exported for the differential test only. */
export function verifyWithBlst(blst: NativeBlst, inputs: VerifyInputs): boolean {
  try {
    const publicKeyPoint = blst.PublicKey.fromBytes(inputs.publicKey);
    publicKeyPoint.keyValidate(); // on the curve, in G1, not the identity
    const signaturePoint = blst.Signature.fromBytes(inputs.signature);
    signaturePoint.sigValidate(true); // on the curve, in G2, not the identity
    return blst.verify(inputs.message, publicKeyPoint, signaturePoint);
  } catch {
    return false;
  }
}

/** verifyBlsSignature with @noble/curves. Exported for the differential test only. */
export function verifyWithNoble(inputs: VerifyInputs): boolean {
  try {
    // fromBytes checks the point is on the curve and in the prime-order subgroup.
    const publicKeyPoint = bls12_381.G1.Point.fromBytes(inputs.publicKey);
    const signaturePoint = minPk.Signature.fromBytes(inputs.signature);
    if (publicKeyPoint.is0() || signaturePoint.is0()) return false;
    return minPk.verify(signaturePoint, minPk.hash(inputs.message, BLS_SIGNATURE_DST), publicKeyPoint);
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
