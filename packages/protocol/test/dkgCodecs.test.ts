import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLS_CURVE_ORDER } from '../src/bls/constants.ts';
import { scalarToBytes } from '../src/bls/scalar.ts';
import { MessageType, WIRE_VERSION } from '../src/codec/envelope.ts';
import {
  type DkgDeal,
  type DkgJustification,
  type DkgResponse,
  decodeDkgMessage,
  dkgDealCodec,
  dkgJustificationCodec,
  dkgResponseCodec,
  encodeDkgMessage,
  MAX_DKG_DEAL_BYTES,
  MAX_DKG_JUSTIFICATION_BYTES,
  MAX_DKG_PARTICIPANTS,
  MAX_DKG_RESPONSE_BYTES,
} from '../src/dkg/index.ts';
import { DecodeError } from '../src/errors.ts';
import { describeCodecProperties, expectDecodeError } from './support/codecProperties.ts';

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const participantIndex = fc.integer({ min: 0, max: MAX_DKG_PARTICIPANTS - 1 });
const increasingIndices = fc
  .uniqueArray(participantIndex, { maxLength: 8 })
  .map((indices) => [...indices].sort((a, b) => a - b));

// Small lists keep the properties fast; the cap tests below build full-size messages.
const dealArbitrary: fc.Arbitrary<DkgDeal> = fc.record({
  sessionId: bytes(32),
  dealerIndex: participantIndex,
  commitments: fc.array(bytes(48), { maxLength: 4 }),
  ephemeralPublicKey: bytes(32),
  encryptedShares: fc.array(bytes(48), { maxLength: 4 }),
  signature: bytes(64),
});

const responseArbitrary: fc.Arbitrary<DkgResponse> = fc.record({
  sessionId: bytes(32),
  responderIndex: participantIndex,
  complaints: increasingIndices,
  signature: bytes(64),
});

const justificationArbitrary: fc.Arbitrary<DkgJustification> = fc.record({
  sessionId: bytes(32),
  dealerIndex: participantIndex,
  revealedShares: fc
    .tuple(
      increasingIndices,
      fc.array(fc.bigInt({ min: 0n, max: BLS_CURVE_ORDER - 1n }), { minLength: 8, maxLength: 8 }),
    )
    .map(([recipients, scalars]) =>
      recipients.map((recipientIndex, i) => ({ recipientIndex, secretShare: scalarToBytes(scalars[i]!) })),
    ),
  signature: bytes(64),
});

describeCodecProperties(dkgDealCodec, dealArbitrary, { numRuns: 60 });
describeCodecProperties(dkgResponseCodec, responseArbitrary, { numRuns: 60 });
describeCodecProperties(dkgJustificationCodec, justificationArbitrary, { numRuns: 60 });

describe('DKG codec caps and canonical form', () => {
  const full = (count: number, length: number) =>
    Array.from({ length: count }, () => new Uint8Array(length).fill(1));

  it('a deal with MAX_DKG_PARTICIPANTS commitments and shares is exactly MAX_DKG_DEAL_BYTES', () => {
    const deal: DkgDeal = {
      sessionId: new Uint8Array(32),
      dealerIndex: MAX_DKG_PARTICIPANTS - 1,
      commitments: full(MAX_DKG_PARTICIPANTS, 48),
      ephemeralPublicKey: new Uint8Array(32),
      encryptedShares: full(MAX_DKG_PARTICIPANTS, 48),
      signature: new Uint8Array(64),
    };
    expect(dkgDealCodec.encode(deal)).toHaveLength(MAX_DKG_DEAL_BYTES);
    expect(dkgDealCodec.decode(dkgDealCodec.encode(deal))).toEqual(deal);
  });

  it('full-size responses and justifications are exactly at their caps', () => {
    const all = Array.from({ length: MAX_DKG_PARTICIPANTS }, (_, i) => i);
    const response = {
      sessionId: new Uint8Array(32),
      responderIndex: 0,
      complaints: all,
      signature: new Uint8Array(64),
    };
    expect(dkgResponseCodec.encode(response)).toHaveLength(MAX_DKG_RESPONSE_BYTES);
    const justification = {
      sessionId: new Uint8Array(32),
      dealerIndex: 0,
      revealedShares: all.map((recipientIndex) => ({
        recipientIndex,
        secretShare: scalarToBytes(BLS_CURVE_ORDER - 1n),
      })),
      signature: new Uint8Array(64),
    };
    expect(dkgJustificationCodec.encode(justification)).toHaveLength(MAX_DKG_JUSTIFICATION_BYTES);
  });

  /** Hand-built body after the envelope, so the decoder sees exactly what we mean to test. */
  function responseBytes(responder: number, complaints: number[]): Uint8Array {
    const body = new Uint8Array(2 + 32 + 2 + 4 + complaints.length * 2 + 64);
    const view = new DataView(body.buffer);
    body[0] = WIRE_VERSION;
    body[1] = MessageType.DkgResponse;
    view.setUint16(34, responder);
    view.setUint32(36, complaints.length);
    for (const [i, complaint] of complaints.entries()) view.setUint16(40 + 2 * i, complaint);
    return body;
  }

  it('rejects complaint lists that are not strictly increasing, and indices at or above the cap', () => {
    expect(dkgResponseCodec.decode(responseBytes(1, [0, 2])).complaints).toEqual([0, 2]);
    expectDecodeError(dkgResponseCodec, responseBytes(1, [2, 0]), 'INVALID_VALUE');
    expectDecodeError(dkgResponseCodec, responseBytes(1, [2, 2]), 'INVALID_VALUE');
    expectDecodeError(dkgResponseCodec, responseBytes(1, [MAX_DKG_PARTICIPANTS]), 'INVALID_VALUE');
    expectDecodeError(dkgResponseCodec, responseBytes(MAX_DKG_PARTICIPANTS, []), 'INVALID_VALUE');
  });

  it('rejects a revealed share that is not below the curve order', () => {
    const justification = {
      sessionId: new Uint8Array(32),
      dealerIndex: 0,
      revealedShares: [{ recipientIndex: 1, secretShare: scalarToBytes(BLS_CURVE_ORDER - 1n) }],
      signature: new Uint8Array(64),
    };
    const encoded = dkgJustificationCodec.encode(justification);
    const shareOffset = 2 + 32 + 2 + 4 + 2;
    const orderBytes = BigInt(BLS_CURVE_ORDER).toString(16).padStart(64, '0');
    encoded.set(Buffer.from(orderBytes, 'hex'), shareOffset);
    expectDecodeError(dkgJustificationCodec, encoded, 'INVALID_VALUE');
  });

  it('decodeDkgMessage dispatches on the envelope type and rejects other types with a DecodeError', () => {
    fc.assert(
      fc.property(
        dealArbitrary,
        responseArbitrary,
        justificationArbitrary,
        (deal, response, justification) => {
          for (const message of [
            { type: 'deal' as const, deal },
            { type: 'response' as const, response },
            { type: 'justification' as const, justification },
          ]) {
            expect(decodeDkgMessage(encodeDkgMessage(message))).toEqual(message);
          }
        },
      ),
      { numRuns: 20 },
    );
    for (const bad of [
      new Uint8Array(0),
      Uint8Array.of(WIRE_VERSION),
      Uint8Array.of(WIRE_VERSION, MessageType.Vote, 0),
    ]) {
      expect(() => decodeDkgMessage(bad)).toThrow(DecodeError);
    }
  });
});
