import {
  type BlockHeader,
  blockHeaderCodec,
  type Certificate,
  type CertifiedBlock,
  type Codec,
  certificateCodec,
  certifiedBlockCodec,
  DecodeError,
} from '@synod/protocol';
import { StorageError } from './errors.ts';

/**
 * Read-back checks: every value read from disk is decoded with its codec and compared with what
 * its key says. A failure is CORRUPT (disk or a foreign writer), never a decode error leaking out.
 */

function decodeOrCorrupt<T>(codec: Codec<T>, bytes: Uint8Array, where: string): T {
  try {
    return codec.decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new StorageError('CORRUPT', `${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

export function decodeStoredBlock(bytes: Uint8Array, height: number): CertifiedBlock {
  const certified = decodeOrCorrupt(certifiedBlockCodec, bytes, `block ${height}`);
  if (certified.block.header.height !== height) {
    throw new StorageError(
      'CORRUPT',
      `block stored at height ${height} is block ${certified.block.header.height}`,
    );
  }
  return certified;
}

export function decodeStoredHeader(bytes: Uint8Array, height: number): BlockHeader {
  const header = decodeOrCorrupt(blockHeaderCodec, bytes, `header ${height}`);
  if (header.height !== height) {
    throw new StorageError('CORRUPT', `header stored at height ${height} is header ${header.height}`);
  }
  return header;
}

export function decodeStoredCertificate(bytes: Uint8Array, height: number): Certificate {
  return decodeOrCorrupt(certificateCodec, bytes, `certificate ${height}`);
}
