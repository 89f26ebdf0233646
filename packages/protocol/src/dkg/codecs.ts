import { BLS_PUBLIC_KEY_BYTES, BLS_SECRET_KEY_BYTES } from '../bls/constants.ts';
import { scalarFromBytes } from '../bls/scalar.ts';
import { type Codec, defineCodec, MessageType } from '../codec/envelope.ts';
import { type Reader, Writer } from '../codec/primitives.ts';
import { DecodeError } from '../errors.ts';
import {
  DKG_DEAL_TAG,
  DKG_ENCRYPTED_SHARE_BYTES,
  DKG_ENCRYPTION_KEY_BYTES,
  DKG_JUSTIFICATION_TAG,
  DKG_RESPONSE_TAG,
  DKG_SESSION_ID_BYTES,
  DKG_SIGNATURE_BYTES,
  MAX_DKG_DEAL_BYTES,
  MAX_DKG_JUSTIFICATION_BYTES,
  MAX_DKG_PARTICIPANTS,
  MAX_DKG_RESPONSE_BYTES,
} from './constants.ts';
import type { DkgDeal, DkgJustification, DkgMessage, DkgResponse, DkgRevealedShare } from './types.ts';

/**
 * Wire codecs of the three DKG messages (docs/protocol.md "DKG"). Each message is its signed
 * body followed by a 64-byte Ed25519 signature; the signed bytes are the message's domain tag
 * followed by the body exactly as encoded here, so signing and decoding share one encoding.
 * Decoders are syntactic and canonical: lists strictly ordered, indices below
 * MAX_DKG_PARTICIPANTS, scalars below r. Whether points are valid and indices fit the session is
 * the state machine's business (a signed but invalid deal is evidence against its dealer).
 */

type Unsigned<T> = Omit<T, 'signature'>;

function readIndex(reader: Reader, field: string): number {
  const index = reader.u16(field);
  if (index >= MAX_DKG_PARTICIPANTS) {
    throw new DecodeError('INVALID_VALUE', `${field}: index ${index} ≥ ${MAX_DKG_PARTICIPANTS}`);
  }
  return index;
}

/** Indices must strictly increase, so each set has exactly one encoding. */
function checkIncreasing(indices: readonly number[], field: string): void {
  for (let i = 1; i < indices.length; i++) {
    if (indices[i]! <= indices[i - 1]!)
      throw new DecodeError('INVALID_VALUE', `${field}: indices not increasing`);
  }
}

function writeDealBody(writer: Writer, deal: Unsigned<DkgDeal>): void {
  writer
    .fixed(deal.sessionId, DKG_SESSION_ID_BYTES)
    .u16(deal.dealerIndex)
    .list(deal.commitments, MAX_DKG_PARTICIPANTS, (w, commitment) =>
      w.fixed(commitment, BLS_PUBLIC_KEY_BYTES),
    )
    .fixed(deal.ephemeralPublicKey, DKG_ENCRYPTION_KEY_BYTES)
    .list(deal.encryptedShares, MAX_DKG_PARTICIPANTS, (w, share) =>
      w.fixed(share, DKG_ENCRYPTED_SHARE_BYTES),
    );
}

function writeResponseBody(writer: Writer, response: Unsigned<DkgResponse>): void {
  writer
    .fixed(response.sessionId, DKG_SESSION_ID_BYTES)
    .u16(response.responderIndex)
    .list(response.complaints, MAX_DKG_PARTICIPANTS, (w, dealerIndex) => w.u16(dealerIndex));
}

function writeJustificationBody(writer: Writer, justification: Unsigned<DkgJustification>): void {
  writer
    .fixed(justification.sessionId, DKG_SESSION_ID_BYTES)
    .u16(justification.dealerIndex)
    .list(justification.revealedShares, MAX_DKG_PARTICIPANTS, (w, revealed) =>
      w.u16(revealed.recipientIndex).fixed(revealed.secretShare, BLS_SECRET_KEY_BYTES),
    );
}

function signingPayload(tag: Uint8Array, writeBody: (writer: Writer) => void): Uint8Array {
  const writer = new Writer();
  writer.fixed(tag, tag.length);
  writeBody(writer);
  return writer.finish();
}

/** The bytes a dealer signs: DKG_DEAL_TAG ‖ body. */
export function dealSigningPayload(deal: Unsigned<DkgDeal>): Uint8Array {
  return signingPayload(DKG_DEAL_TAG, (writer) => writeDealBody(writer, deal));
}

/** The bytes a responder signs: DKG_RESPONSE_TAG ‖ body. */
export function responseSigningPayload(response: Unsigned<DkgResponse>): Uint8Array {
  return signingPayload(DKG_RESPONSE_TAG, (writer) => writeResponseBody(writer, response));
}

/** The bytes a dealer signs to justify: DKG_JUSTIFICATION_TAG ‖ body. */
export function justificationSigningPayload(justification: Unsigned<DkgJustification>): Uint8Array {
  return signingPayload(DKG_JUSTIFICATION_TAG, (writer) => writeJustificationBody(writer, justification));
}

export const dkgDealCodec: Codec<DkgDeal> = defineCodec<DkgDeal>({
  name: 'DkgDeal',
  type: MessageType.DkgDeal,
  maxBytes: MAX_DKG_DEAL_BYTES,
  write(writer, deal) {
    writeDealBody(writer, deal);
    writer.fixed(deal.signature, DKG_SIGNATURE_BYTES);
  },
  read(reader) {
    return {
      sessionId: reader.fixed(DKG_SESSION_ID_BYTES, 'sessionId'),
      dealerIndex: readIndex(reader, 'dealerIndex'),
      commitments: reader.list(MAX_DKG_PARTICIPANTS, 'commitments', (r) =>
        r.fixed(BLS_PUBLIC_KEY_BYTES, 'commitment'),
      ),
      ephemeralPublicKey: reader.fixed(DKG_ENCRYPTION_KEY_BYTES, 'ephemeralPublicKey'),
      encryptedShares: reader.list(MAX_DKG_PARTICIPANTS, 'encryptedShares', (r) =>
        r.fixed(DKG_ENCRYPTED_SHARE_BYTES, 'encryptedShare'),
      ),
      signature: reader.fixed(DKG_SIGNATURE_BYTES, 'signature'),
    };
  },
});

export const dkgResponseCodec: Codec<DkgResponse> = defineCodec<DkgResponse>({
  name: 'DkgResponse',
  type: MessageType.DkgResponse,
  maxBytes: MAX_DKG_RESPONSE_BYTES,
  write(writer, response) {
    writeResponseBody(writer, response);
    writer.fixed(response.signature, DKG_SIGNATURE_BYTES);
  },
  read(reader) {
    const sessionId = reader.fixed(DKG_SESSION_ID_BYTES, 'sessionId');
    const responderIndex = readIndex(reader, 'responderIndex');
    const complaints = reader.list(MAX_DKG_PARTICIPANTS, 'complaints', (r) => readIndex(r, 'complaint'));
    checkIncreasing(complaints, 'complaints');
    return {
      sessionId,
      responderIndex,
      complaints,
      signature: reader.fixed(DKG_SIGNATURE_BYTES, 'signature'),
    };
  },
});

export const dkgJustificationCodec: Codec<DkgJustification> = defineCodec<DkgJustification>({
  name: 'DkgJustification',
  type: MessageType.DkgJustification,
  maxBytes: MAX_DKG_JUSTIFICATION_BYTES,
  write(writer, justification) {
    writeJustificationBody(writer, justification);
    writer.fixed(justification.signature, DKG_SIGNATURE_BYTES);
  },
  read(reader) {
    const sessionId = reader.fixed(DKG_SESSION_ID_BYTES, 'sessionId');
    const dealerIndex = readIndex(reader, 'dealerIndex');
    const revealedShares = reader.list(MAX_DKG_PARTICIPANTS, 'revealedShares', (r): DkgRevealedShare => {
      const recipientIndex = readIndex(r, 'recipientIndex');
      const secretShare = r.fixed(BLS_SECRET_KEY_BYTES, 'secretShare');
      if (scalarFromBytes(secretShare) === undefined) {
        throw new DecodeError('INVALID_VALUE', 'secretShare: not below the curve order');
      }
      return { recipientIndex, secretShare };
    });
    checkIncreasing(
      revealedShares.map((revealed) => revealed.recipientIndex),
      'revealedShares',
    );
    return {
      sessionId,
      dealerIndex,
      revealedShares,
      signature: reader.fixed(DKG_SIGNATURE_BYTES, 'signature'),
    };
  },
});

/** The wire encoding of any DKG message. */
export function encodeDkgMessage(message: DkgMessage): Uint8Array {
  switch (message.type) {
    case 'deal':
      return dkgDealCodec.encode(message.deal);
    case 'response':
      return dkgResponseCodec.encode(message.response);
    case 'justification':
      return dkgJustificationCodec.encode(message.justification);
  }
}

/** Decodes any DKG message by its envelope type. Throws DecodeError (never anything else). */
export function decodeDkgMessage(bytes: Uint8Array): DkgMessage {
  const type = bytes[1];
  if (type === MessageType.DkgDeal) return { type: 'deal', deal: dkgDealCodec.decode(bytes) };
  if (type === MessageType.DkgResponse) return { type: 'response', response: dkgResponseCodec.decode(bytes) };
  if (type === MessageType.DkgJustification) {
    return { type: 'justification', justification: dkgJustificationCodec.decode(bytes) };
  }
  if (bytes.length < 2) throw new DecodeError('TRUNCATED', 'DKG message: no envelope');
  throw new DecodeError('UNKNOWN_TYPE', `DKG message: type ${type} is not a DKG message`);
}
