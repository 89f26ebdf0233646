import type { Hex } from 'viem';
import { certificateMessage, type NetworkDomain } from '../internal/protocol.ts';
import type { BlockHeader, Certificate } from '../types/synod.ts';
import { verifyBlsSignature } from '../utils/bls.ts';

export interface VerifyCertificateParameters {
  header: BlockHeader;
  certificate: Certificate;
  /** 48-byte compressed G1 group public key of header.epoch's committee. */
  groupPublicKey: Hex;
  /** The deployment (network id, chain id, inbox) the header is bound to. */
  network: NetworkDomain;
}
export type VerifyCertificateReturnType = boolean;
export type VerifyCertificateErrorType = never;

/**
 * Whether `certificate` is the committee's threshold signature over `header`: a BLS signature
 * under `groupPublicKey` of certificateMessage(header, network, round), the precommit message of
 * the header hash. Pure and offline (no RPC); never throws: a malformed header, key or
 * signature is `false`. Runs in browsers (@noble/curves).
 *
 * RPC method: none (verifies what synod_getBlock / synod_getTransactionStatus returned).
 *
 * @example
 * ```ts
 * const block = await getBlock(client, { height: 12 });
 * const committee = await getCommittee(client, { epoch: block!.header.epoch });
 * const valid = verifyCertificate({
 *   header: block!.header,
 *   certificate: block!.certificate,
 *   groupPublicKey: committee!.groupPublicKey,
 *   network: client.network,
 * });
 * ```
 */
export function verifyCertificate(parameters: VerifyCertificateParameters): VerifyCertificateReturnType {
  let message: Hex;
  try {
    message = certificateMessage(parameters.header, parameters.network, parameters.certificate.round);
  } catch {
    return false;
  }
  return verifyBlsSignature(parameters.groupPublicKey, message, parameters.certificate.signature);
}
