import { defineCodec, MessageType } from '../codec/envelope.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { MAX_CERTIFICATE_BYTES } from '../constants.ts';
import type { Certificate } from '../types.ts';

/** A certificate on the wire: round u32 ‖ signature 96 (compressed G2; checked by BLS verification, not here). */

const SIGNATURE_BYTES = 96;

/** Writes the certificate fields (no envelope). */
export function writeCertificate(writer: Writer, certificate: Certificate): void {
  writer.u32(certificate.round).fixed(certificate.signature, SIGNATURE_BYTES);
}

/** Reads the fields written by writeCertificate. */
export function readCertificate(reader: Reader): Certificate {
  return {
    round: reader.u32('certificate.round'),
    signature: reader.fixed(SIGNATURE_BYTES, 'certificate.signature'),
  };
}

/** A header certificate alone. */
export const certificateCodec = defineCodec<Certificate>({
  name: 'Certificate',
  type: MessageType.Certificate,
  maxBytes: MAX_CERTIFICATE_BYTES,
  write: writeCertificate,
  read: readCertificate,
});
