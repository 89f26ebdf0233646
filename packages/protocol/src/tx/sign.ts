import type { LocalAccount } from 'viem';
import { toLowerHex } from '../codec/hex.ts';
import type { NetworkDomain, SignedTransaction, Transaction } from '../types.ts';
import { TransactionError } from './errors.ts';
import { parseTransaction } from './fields.ts';
import { normalizeTransactionSignature } from './signature.ts';
import { transactionTypedData } from './typedData.ts';
import { recoverTransactionSender } from './verify.ts';

/** What can sign a transaction: any viem account with signTypedData (local, HD, custom). */
export type TransactionSigner = Pick<LocalAccount, 'address' | 'signTypedData'>;

/**
 * Signs `tx` with `account` and returns it in canonical form: lowercase hex fields and a
 * 65-byte r ‖ s ‖ v signature with v ∈ {27, 28} and low s (wallet output is normalised). The
 * result is recovered once before it is returned, so a wallet that signed with another key is
 * caught here. Throws TransactionError MALFORMED, PAYLOAD_TOO_LARGE, WRONG_NETWORK or SIGNER_MISMATCH.
 */
export async function signTransaction(
  account: TransactionSigner,
  tx: Transaction,
  domain: NetworkDomain,
): Promise<SignedTransaction> {
  const parsed = parseTransaction(tx);
  if (parsed.networkId !== domain.networkId) {
    throw new TransactionError(
      'WRONG_NETWORK',
      `networkId ${parsed.networkId}, expected ${domain.networkId}`,
    );
  }
  const sender = toLowerHex(parsed.sender);
  if (account.address.toLowerCase() !== sender) {
    throw new TransactionError('SIGNER_MISMATCH', `account ${account.address} is not the sender ${sender}`);
  }
  const canonical: Transaction = {
    networkId: parsed.networkId,
    namespace: toLowerHex(parsed.namespace),
    sender,
    nonce: parsed.nonce,
    payload: toLowerHex(parsed.payload),
    validUntil: parsed.validUntil,
  };
  const signature = normalizeTransactionSignature(
    await account.signTypedData(transactionTypedData(canonical, domain)),
  );
  const signed: SignedTransaction = { ...canonical, signature };
  const signer = recoverTransactionSender(signed, domain);
  if (signer !== sender) {
    throw new TransactionError(
      'SIGNER_MISMATCH',
      `the account's signature recovers ${signer}, not ${sender}`,
    );
  }
  return signed;
}
