export { BaseError, type BaseErrorParameters, type BaseErrorType, DOCS_BASE } from './base.ts';
export * from './rpc.ts';
export {
  AccountNotSignableError,
  InvalidTransactionError,
  UndecryptableTransactionError,
} from './transaction.ts';
export { HttpRequestError, TimeoutError, TransportError, WebSocketRequestError } from './transport.ts';
export { VerificationError, type VerificationErrorReason } from './verification.ts';
export { version } from './version.ts';
