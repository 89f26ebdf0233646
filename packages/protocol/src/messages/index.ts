export { blockCodec, certifiedBlockCodec, readBlock, writeBlock } from './block.ts';
export { blockHeaderCodec, readBlockHeader, writeBlockHeader } from './blockHeader.ts';
export { certificateCodec, readCertificate, writeCertificate } from './certificate.ts';
export { readHexBytes, readHexFixed, writeHexBytes, writeHexFixed } from './fields.ts';
export {
  type BlockRequest,
  blockRequestCodec,
  type TransactionRequest,
  transactionRequestCodec,
} from './requests.ts';
export { MAX_SYNCED_BLOCK_BYTES, type SyncedBlock, syncedBlockCodec } from './syncedBlock.ts';
export { readSignedTransaction, transactionCodec, writeSignedTransaction } from './transaction.ts';
export { type TransactionBatch, transactionBatchCodec } from './transactionBatch.ts';
export {
  COMMITTEE_NAMESPACE,
  EVIDENCE_NAMESPACE,
  MAX_TRANSITION_THRESHOLD,
  TRANSITION_ACTIVATION_DELAY,
  type TransitionApproval,
  type TransitionRecord,
  transitionApprovalCodec,
  transitionMessage,
  transitionRecordCodec,
} from './transition.ts';
