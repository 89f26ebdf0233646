export { TransactionError, type TransactionErrorCode } from './errors.ts';
export { type ParsedTransaction, parseTransaction } from './fields.ts';
export {
  defaultSecp256k1Backend,
  type NativeSecp256k1Binding,
  type RecoverPublicKey,
  recoverPublicKeyNative,
  recoverPublicKeyNoble,
  type Secp256k1Backend,
  type Secp256k1BackendName,
  type SelectSecp256k1BackendOptions,
  secp256k1Backend,
  selectSecp256k1Backend,
} from './secp256k1.ts';
export { signTransaction, type TransactionSigner } from './sign.ts';
export {
  normalizeTransactionSignature,
  type ParsedTransactionSignature,
  parseTransactionSignature,
} from './signature.ts';
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
} from './typedData.ts';
export {
  type RecoverTransactionSenderOptions,
  recoverTransactionSender,
  type VerifyTransactionOptions,
  verifyTransaction,
} from './verify.ts';
