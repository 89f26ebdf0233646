import { DecodeError } from '../errors.ts';
import { Reader, Writer } from './primitives.ts';

/**
 * Every wire message starts with a two-byte envelope: the encoding version, then the message
 * type. A decoder accepts only its own type and the versions it knows, and rejects a message
 * larger than the type's cap before reading a single field.
 */
export const WIRE_VERSION = 1;

/** The registry of wire message types. A new message takes the next free number; never reuse one. */
export const MessageType = {
  Transaction: 1,
  TransactionBatch: 2,
  Block: 3,
  CertifiedBlock: 4,
  Proposal: 5,
  Vote: 6,
  VoteExtension: 7,
  DkgDeal: 8,
  DkgResponse: 9,
  DkgJustification: 10,
  TransactionRequest: 11,
  BlockRequest: 12,
  Evidence: 13,
  BlockHeader: 14,
  Certificate: 15,
  SyncedBlock: 16,
  GossipResend: 17,
  TransitionRecord: 18,
  TransitionApproval: 19,
  EquivocationProof: 20,
  EncryptedEnvelope: 21,
  DecryptionShares: 22,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface Codec<T> {
  readonly name: string;
  readonly type: MessageType;
  /** Hard cap on the whole encoded message, envelope included. */
  readonly maxBytes: number;
  encode(value: T): Uint8Array;
  /** Throws DecodeError (never anything else) for bytes that are not a canonical encoding. */
  decode(bytes: Uint8Array): T;
}

/** Builds a codec from field writers/readers; the envelope, size cap and trailing-byte check are shared. */
export function defineCodec<T>(spec: {
  name: string;
  type: MessageType;
  maxBytes: number;
  write(writer: Writer, value: T): void;
  read(reader: Reader): T;
}): Codec<T> {
  return {
    name: spec.name,
    type: spec.type,
    maxBytes: spec.maxBytes,
    encode(value) {
      const writer = new Writer();
      writer.u8(WIRE_VERSION).u8(spec.type);
      spec.write(writer, value);
      const bytes = writer.finish();
      if (bytes.length > spec.maxBytes) {
        throw new DecodeError(
          'MESSAGE_TOO_LARGE',
          `${spec.name}: ${bytes.length} bytes exceeds cap ${spec.maxBytes}`,
        );
      }
      return bytes;
    },
    decode(bytes) {
      if (bytes.length > spec.maxBytes) {
        throw new DecodeError(
          'MESSAGE_TOO_LARGE',
          `${spec.name}: ${bytes.length} bytes exceeds cap ${spec.maxBytes}`,
        );
      }
      const reader = new Reader(bytes);
      const version = reader.u8(`${spec.name}.version`);
      if (version !== WIRE_VERSION) {
        throw new DecodeError(
          'UNKNOWN_VERSION',
          `${spec.name}: wire version ${version}, expected ${WIRE_VERSION}`,
        );
      }
      const type = reader.u8(`${spec.name}.type`);
      if (type !== spec.type) {
        throw new DecodeError('UNKNOWN_TYPE', `${spec.name}: message type ${type}, expected ${spec.type}`);
      }
      let value: T;
      try {
        value = spec.read(reader);
      } catch (error) {
        if (error instanceof DecodeError) throw error;
        // A field reader that failed some other way (e.g. a checksum helper) still yields a typed error.
        throw new DecodeError('INVALID_VALUE', `${spec.name}: ${(error as Error).message}`, { cause: error });
      }
      reader.end(spec.name);
      return value;
    },
  };
}
