import { BaseError } from './base.ts';

/**
 * The transaction was refused before it was sent: a field out of range (MALFORMED), a payload over
 * the cap (PAYLOAD_TOO_LARGE), or a wallet that signed with another key than the account's
 * (SIGNER_MISMATCH). `reason` is the protocol's TransactionError code.
 */
export class InvalidTransactionError extends BaseError {
  declare readonly name: 'InvalidTransactionError';
  readonly reason: string;
  constructor(reason: string, details: string, options: { cause?: unknown } = {}) {
    super('The transaction is invalid.', {
      name: 'InvalidTransactionError',
      docsPath: '#invalidtransactionerror',
      details,
      cause: options.cause,
    });
    this.reason = reason;
  }
}

/**
 * An encrypted transaction's envelope was ordered and final, but it opened to nothing (docs/protocol.md
 * "Encrypted transactions"): `reason` is the verdict's code (DECRYPTION_FAILED, MISMATCH, …, or
 * null when the node did not see it happen). Its nonce is used; nothing of it executes.
 */
export class UndecryptableTransactionError extends BaseError {
  declare readonly name: 'UndecryptableTransactionError';
  readonly reason: string | null;
  readonly height: number;
  constructor(envelopeTxId: string, height: number, reason: string | null) {
    super('The encrypted transaction revealed nothing.', {
      name: 'UndecryptableTransactionError',
      docsPath: '#undecryptabletransactionerror',
      details: `envelope ${envelopeTxId} opened to nothing at height ${height}${reason === null ? '' : ` (${reason})`}`,
    });
    this.reason = reason;
    this.height = height;
  }
}

/** A JSON-RPC account needs a wallet to sign: pass `wallet` (a viem WalletClient). */
export class AccountNotSignableError extends BaseError {
  declare readonly name: 'AccountNotSignableError';
  constructor(address: string) {
    super('The account cannot sign by itself.', {
      name: 'AccountNotSignableError',
      docsPath: '#accountnotsignableerror',
      details: `${address} is a JSON-RPC account: pass a viem WalletClient as \`wallet\` to sign with it`,
    });
  }
}
