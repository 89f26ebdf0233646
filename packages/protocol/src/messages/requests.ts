import type { Hex } from 'viem';
import { defineCodec, MessageType } from '../codec/envelope.ts';
import {
  MAX_BLOCK_REQUEST_BYTES,
  MAX_BLOCK_REQUEST_COUNT,
  MAX_TX_REQUEST_BYTES,
  MAX_TX_REQUEST_IDS,
} from '../constants.ts';
import { assert, DecodeError } from '../errors.ts';
import { readHexFixed, writeHexFixed } from './fields.ts';

/** Request/response messages: fetching missing transaction bodies and catch-up blocks. */

/** Asks a peer for the bodies of these transactions; answered with a TransactionBatch. */
export interface TransactionRequest {
  /** At most MAX_TX_REQUEST_IDS. */
  txIds: Hex[];
}

/** count u32 (≤ MAX_TX_REQUEST_IDS) ‖ that many 32-byte txIds. */
export const transactionRequestCodec = defineCodec<TransactionRequest>({
  name: 'TransactionRequest',
  type: MessageType.TransactionRequest,
  maxBytes: MAX_TX_REQUEST_BYTES,
  write(writer, request) {
    writer.list(request.txIds, MAX_TX_REQUEST_IDS, (w, txId) => writeHexFixed(w, txId, 32, 'txId'));
  },
  read(reader) {
    return {
      txIds: reader.list(MAX_TX_REQUEST_IDS, 'request.txIds', (r) => readHexFixed(r, 32, 'request.txId')),
    };
  },
});

/** Asks a peer for certified blocks fromHeight, fromHeight+1, … (count of them). */
export interface BlockRequest {
  /** ≥ 1. */
  fromHeight: number;
  /** 1 .. MAX_BLOCK_REQUEST_COUNT. */
  count: number;
}

/** fromHeight u64 (≥ 1) ‖ count u32 (1 .. MAX_BLOCK_REQUEST_COUNT); anything else is INVALID_VALUE. */
export const blockRequestCodec = defineCodec<BlockRequest>({
  name: 'BlockRequest',
  type: MessageType.BlockRequest,
  maxBytes: MAX_BLOCK_REQUEST_BYTES,
  write(writer, request) {
    assert(request.fromHeight >= 1, `fromHeight ${request.fromHeight} must be ≥ 1`);
    assert(
      request.count >= 1 && request.count <= MAX_BLOCK_REQUEST_COUNT,
      `count ${request.count} outside 1 .. ${MAX_BLOCK_REQUEST_COUNT}`,
    );
    writer.u53(request.fromHeight).u32(request.count);
  },
  read(reader) {
    const fromHeight = reader.u53('request.fromHeight');
    if (fromHeight === 0) throw new DecodeError('INVALID_VALUE', 'request.fromHeight 0: heights start at 1');
    const count = reader.u32('request.count');
    if (count === 0 || count > MAX_BLOCK_REQUEST_COUNT) {
      throw new DecodeError(
        'INVALID_VALUE',
        `request.count ${count} outside 1 .. ${MAX_BLOCK_REQUEST_COUNT}`,
      );
    }
    return { fromHeight, count };
  },
});
