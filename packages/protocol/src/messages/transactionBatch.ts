import { defineCodec, MessageType } from '../codec/envelope.ts';
import { MAX_TX_BATCH_BYTES, MAX_TX_BATCH_COUNT } from '../constants.ts';
import type { SignedTransaction } from '../types.ts';
import { readSignedTransaction, writeSignedTransaction } from './transaction.ts';

/** A gossip micro-batch of signed transactions (also the answer to a TransactionRequest). */
export interface TransactionBatch {
  /** At most MAX_TX_BATCH_COUNT. */
  transactions: SignedTransaction[];
}

/** count u32 (≤ MAX_TX_BATCH_COUNT) ‖ that many signed transactions. */
export const transactionBatchCodec = defineCodec<TransactionBatch>({
  name: 'TransactionBatch',
  type: MessageType.TransactionBatch,
  maxBytes: MAX_TX_BATCH_BYTES,
  write(writer, batch) {
    writer.list(batch.transactions, MAX_TX_BATCH_COUNT, writeSignedTransaction);
  },
  read(reader) {
    return { transactions: reader.list(MAX_TX_BATCH_COUNT, 'batch.transactions', readSignedTransaction) };
  },
});
