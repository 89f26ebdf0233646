import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageType, WIRE_VERSION } from '../src/codec/envelope.ts';
import { Writer } from '../src/codec/primitives.ts';
import {
  HEADER_FIELDS_BYTES,
  HEADER_VERSION,
  MAX_BLOCK_PRICES,
  MAX_BLOCK_REQUEST_COUNT,
  MAX_BLOCK_TXS,
  MAX_TRANSACTION_BYTES,
  MAX_TX_BATCH_BYTES,
  MAX_TX_BATCH_COUNT,
  MAX_TX_PAYLOAD_BYTES,
  MAX_TX_REQUEST_IDS,
  PRICE_FIELDS_BYTES,
} from '../src/constants.ts';
import {
  blockCodec,
  blockHeaderCodec,
  blockRequestCodec,
  certificateCodec,
  certifiedBlockCodec,
  transactionBatchCodec,
  transactionCodec,
  transactionRequestCodec,
  writeBlockHeader,
  writeSignedTransaction,
} from '../src/messages/index.ts';
import type { BlockHeader, SignedTransaction } from '../src/types.ts';
import {
  blockArbitrary,
  blockHeaderArbitrary,
  certificateArbitrary,
  certifiedBlockArbitrary,
  hash32Arbitrary,
  signedTransactionArbitrary,
} from './support/arbitraries.ts';
import { describeCodecProperties, expectDecodeError } from './support/codecProperties.ts';

describeCodecProperties(transactionCodec, signedTransactionArbitrary());
describeCodecProperties(
  transactionBatchCodec,
  fc.record({
    transactions: fc.array(signedTransactionArbitrary({ maxPayloadBytes: 16 }), { maxLength: 4 }),
  }),
);
describeCodecProperties(blockHeaderCodec, blockHeaderArbitrary);
describeCodecProperties(certificateCodec, certificateArbitrary);
describeCodecProperties(blockCodec, blockArbitrary(), { numRuns: 50 });
describeCodecProperties(certifiedBlockCodec, certifiedBlockArbitrary, { numRuns: 50 });
describeCodecProperties(
  transactionRequestCodec,
  fc.record({ txIds: fc.array(hash32Arbitrary, { maxLength: 8 }) }),
);
describeCodecProperties(
  blockRequestCodec,
  fc.record({
    fromHeight: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    count: fc.integer({ min: 1, max: MAX_BLOCK_REQUEST_COUNT }),
  }),
);

const zeroHash = `0x${'00'.repeat(32)}` as const;

const sampleTx: SignedTransaction = {
  networkId: 7,
  namespace: `0x${'ab'.repeat(32)}`,
  sender: '0x00000000000000000000000000000000000000a1',
  nonce: 3n,
  payload: '0x0102',
  validUntil: 1_900_000_000n,
  signature: `0x${'11'.repeat(64)}1b`,
};

const sampleHeader: BlockHeader = {
  version: HEADER_VERSION,
  networkId: 7,
  epoch: 0,
  height: 5,
  parentHash: zeroHash,
  timestampMs: 1_700_000_000_000,
  txRoot: zeroHash,
  txCount: 0,
  namespaceRoot: zeroHash,
  namespaceCount: 0,
  priceRoot: zeroHash,
  priceCount: 0,
  historyRoot: zeroHash,
  proposerIndex: 2,
};

/** An envelope for `type` followed by the bytes `fill` writes. */
function message(type: MessageType, fill: (writer: Writer) => void): Uint8Array {
  const writer = new Writer().u8(WIRE_VERSION).u8(type);
  fill(writer);
  return writer.finish();
}

describe('wire encoding of hex fields', () => {
  it('encodes checksummed and uppercase hex and decodes it to lowercase', () => {
    const mixedCase: SignedTransaction = {
      ...sampleTx,
      namespace: `0x${'AB'.repeat(32)}`,
      sender: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      payload: '0xABCDEF',
    };
    const decoded = transactionCodec.decode(transactionCodec.encode(mixedCase));
    expect(decoded.sender).toBe('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed');
    expect(decoded.namespace).toBe(`0x${'ab'.repeat(32)}`);
    expect(decoded.payload).toBe('0xabcdef');
  });

  it('refuses to encode hex of the wrong length (a caller bug, not a decode error)', () => {
    expect(() => transactionCodec.encode({ ...sampleTx, sender: '0x1234' })).toThrow(
      /sender must be 20 bytes/,
    );
  });
});

describe('wire caps', () => {
  it('a transaction with the largest payload is exactly MAX_TRANSACTION_BYTES; one byte more is FIELD_TOO_LARGE', () => {
    const largest = { ...sampleTx, payload: `0x${'ee'.repeat(MAX_TX_PAYLOAD_BYTES)}` as const };
    expect(transactionCodec.encode(largest).length).toBe(MAX_TRANSACTION_BYTES);
    const oversize = message(MessageType.Transaction, (w) => {
      w.u53(7)
        .fixed(new Uint8Array(32), 32)
        .fixed(new Uint8Array(20), 20)
        .u64(0n)
        .u32(MAX_TX_PAYLOAD_BYTES + 1);
    });
    expectDecodeError(transactionCodec, oversize, 'FIELD_TOO_LARGE');
  });

  it('a full batch of the largest transactions is exactly MAX_TX_BATCH_BYTES; one more is LIST_TOO_LONG', () => {
    const largest = { ...sampleTx, payload: `0x${'ee'.repeat(MAX_TX_PAYLOAD_BYTES)}` as const };
    const full = { transactions: Array.from({ length: MAX_TX_BATCH_COUNT }, () => largest) };
    expect(transactionBatchCodec.encode(full).length).toBe(MAX_TX_BATCH_BYTES);
    expectDecodeError(
      transactionBatchCodec,
      message(MessageType.TransactionBatch, (w) => w.u32(MAX_TX_BATCH_COUNT + 1)),
      'LIST_TOO_LONG',
    );
  });

  it('a block is header + tx list + price list, and its lists are capped', () => {
    const block = {
      header: { ...sampleHeader, txCount: 2, priceCount: 1 },
      transactions: [sampleTx, sampleTx],
      prices: [{ feedId: zeroHash, answer: -5n }],
    };
    const txBytes = transactionCodec.encode(sampleTx).length - 2;
    expect(blockCodec.encode(block).length).toBe(
      2 + HEADER_FIELDS_BYTES + 4 + 2 * txBytes + 4 + PRICE_FIELDS_BYTES,
    );
    const withHeader = (fill: (w: Writer) => void) =>
      message(MessageType.Block, (w) => {
        writeBlockHeader(w, { ...sampleHeader, txCount: 1 });
        fill(w);
      });
    expectDecodeError(
      blockCodec,
      withHeader((w) => w.u32(MAX_BLOCK_TXS + 1)),
      'LIST_TOO_LONG',
    );
    expectDecodeError(
      blockCodec,
      withHeader((w) => {
        w.u32(1);
        writeSignedTransaction(w, sampleTx);
        w.u32(MAX_BLOCK_PRICES + 1);
      }),
      'LIST_TOO_LONG',
    );
  });

  it('a transaction request is capped at MAX_TX_REQUEST_IDS', () => {
    const full = { txIds: Array.from({ length: MAX_TX_REQUEST_IDS }, () => zeroHash) };
    expect(transactionRequestCodec.decode(transactionRequestCodec.encode(full)).txIds).toHaveLength(
      MAX_TX_REQUEST_IDS,
    );
    expectDecodeError(
      transactionRequestCodec,
      message(MessageType.TransactionRequest, (w) => w.u32(MAX_TX_REQUEST_IDS + 1)),
      'LIST_TOO_LONG',
    );
  });
});

describe('block header wire layout', () => {
  it('is the 14 header v2 fields in struct order at their struct widths', () => {
    const header: BlockHeader = {
      ...sampleHeader,
      txRoot: `0x${'a1'.repeat(32)}`,
      txCount: 0x0102_0304,
      namespaceRoot: `0x${'b2'.repeat(32)}`,
      namespaceCount: 0x0506_0708,
      priceRoot: `0x${'c3'.repeat(32)}`,
      priceCount: 9,
    };
    const bytes = blockHeaderCodec.encode(header);
    expect(bytes.length).toBe(2 + HEADER_FIELDS_BYTES);
    expect(HEADER_FIELDS_BYTES).toBe(2 + 8 * 3 + 32 + 8 + (32 + 4) * 3 + 32 + 4);
    // envelope 2, version 2, networkId/epoch/height 24, parentHash 32, timestampMs 8
    const txRootAt = 2 + 2 + 24 + 32 + 8;
    expect(Buffer.from(bytes.subarray(txRootAt, txRootAt + 32)).toString('hex')).toBe('a1'.repeat(32));
    expect(Buffer.from(bytes.subarray(txRootAt + 32, txRootAt + 36)).toString('hex')).toBe('01020304');
    expect(Buffer.from(bytes.subarray(txRootAt + 36, txRootAt + 68)).toString('hex')).toBe('b2'.repeat(32));
    expect(Buffer.from(bytes.subarray(txRootAt + 68, txRootAt + 72)).toString('hex')).toBe('05060708');
    expect(Buffer.from(bytes.subarray(txRootAt + 72, txRootAt + 104)).toString('hex')).toBe('c3'.repeat(32));
    expect(blockHeaderCodec.decode(bytes)).toEqual(header);
  });
});

describe('decoders reject values the protocol does not allow', () => {
  it('a header of another version is UNKNOWN_VERSION; height 0 is INVALID_VALUE', () => {
    const bytes = blockHeaderCodec.encode(sampleHeader);
    for (const version of [1, 3]) {
      const other = bytes.slice();
      other[3] = version; // header.version is the u16 right after the envelope
      expectDecodeError(blockHeaderCodec, other, 'UNKNOWN_VERSION');
    }
    const height0 = bytes.slice();
    height0.fill(0, 2 + 2 + 16, 2 + 2 + 24); // header.height, after version, networkId, epoch
    expectDecodeError(blockHeaderCodec, height0, 'INVALID_VALUE');
  });

  it('a network id above 2^53-1 is INVALID_VALUE', () => {
    const bytes = transactionCodec.encode(sampleTx);
    bytes.fill(0xff, 2, 10);
    expectDecodeError(transactionCodec, bytes, 'INVALID_VALUE');
  });

  it('a block whose lists disagree with its header counts is INVALID_VALUE', () => {
    const lying = (txCount: number, priceCount: number) =>
      message(MessageType.Block, (w) => {
        writeBlockHeader(w, { ...sampleHeader, txCount, priceCount });
        w.u32(1);
        writeSignedTransaction(w, sampleTx);
        w.u32(0);
      });
    expect(blockCodec.decode(lying(1, 0)).transactions).toHaveLength(1);
    expectDecodeError(blockCodec, lying(2, 0), 'INVALID_VALUE');
    expectDecodeError(blockCodec, lying(1, 1), 'INVALID_VALUE');
  });

  it('a block request from height 0, for 0 blocks or over the cap is INVALID_VALUE', () => {
    const request = (fromHeight: number, count: number) =>
      message(MessageType.BlockRequest, (w) => w.u53(fromHeight).u32(count));
    expect(blockRequestCodec.decode(request(1, MAX_BLOCK_REQUEST_COUNT))).toEqual({
      fromHeight: 1,
      count: MAX_BLOCK_REQUEST_COUNT,
    });
    expectDecodeError(blockRequestCodec, request(0, 1), 'INVALID_VALUE');
    expectDecodeError(blockRequestCodec, request(1, 0), 'INVALID_VALUE');
    expectDecodeError(blockRequestCodec, request(1, MAX_BLOCK_REQUEST_COUNT + 1), 'INVALID_VALUE');
  });
});
