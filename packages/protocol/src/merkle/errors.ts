import { SynodProtocolError } from '../errors.ts';

export type MerkleErrorCode =
  | 'INDEX_OUT_OF_RANGE'
  | 'MALFORMED_HASH'
  | 'VALUE_OUT_OF_RANGE'
  | 'NAMESPACE_PRESENT';

/** Invalid input to a Merkle tree, proof or leaf builder. */
export class MerkleError extends SynodProtocolError<MerkleErrorCode> {
  override readonly name = 'MerkleError';
}
