/**
 * `@synod/protocol/pure`: the part of the protocol that runs anywhere JavaScript does, browsers
 * included. It depends only on viem and @noble (hashes; curves and ciphers for transaction
 * encryption): no native addons (blst,
 * libsecp256k1), no WebAssembly (mcl), no node:* modules. Signature *recovery* and BLS live in
 * the main entry; a browser client verifies BLS with @noble/curves instead (see @synod/sdk).
 * The SDK's test/bundle.test.ts walks this entry's import graph to keep it that way.
 */
export * from './codec/index.ts';
export * from './committee.ts';
// Vote extensions, to re-check synod_getBlockOrdering's answer (codecs and hashing only, no BLS).
export { VoteExtensionCodec } from './consensus/codecs.ts';
export {
  CONSENSUS_SIGNATURE_BYTES,
  MAX_COMMITTEE_VALIDATORS,
  MAX_INCLUSION_LIST_ENTRIES,
  MAX_VOTE_EXTENSION_MESSAGE_BYTES,
} from './consensus/constants.ts';
export { extensionMessage } from './consensus/messages.ts';
export type {
  InclusionEntry,
  PriceObservation,
  SignedVoteExtension,
  VoteExtension,
} from './consensus/types.ts';
export * from './constants.ts';
export * from './encryption/pure.ts';
export * from './errors.ts';
export * from './hashing/index.ts';
export * from './merkle/index.ts';
export * from './messages/index.ts';
export * from './rpc/index.ts';
export { TransactionError, type TransactionErrorCode } from './tx/errors.ts';
export { type ParsedTransaction, parseTransaction } from './tx/fields.ts';
export {
  normalizeTransactionSignature,
  type ParsedTransactionSignature,
  parseTransactionSignature,
} from './tx/signature.ts';
export {
  EIP712_DOMAIN_NAME,
  EIP712_DOMAIN_VERSION,
  TRANSACTION_TYPE_STRING,
  TRANSACTION_TYPEHASH,
  TRANSACTION_TYPES,
  type TransactionTypedData,
  transactionDomainSeparator,
  transactionId,
  transactionIdBytes,
  transactionTypedData,
} from './tx/typedData.ts';
export * from './types.ts';
