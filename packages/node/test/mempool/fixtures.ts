import {
  type NetworkDomain,
  type SignedTransaction,
  signTransaction,
  type Transaction,
  transactionCodec,
} from '@synod/protocol';
import type { Hex } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';

/** Shared fixtures of the mempool tests: one network, a few local accounts, real signatures. */

export const DOMAIN: NetworkDomain = {
  networkId: 9,
  chainId: 31337,
  inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
};

/** A fixed "now": unix seconds; transactions are valid until NOW_SECONDS + 60 by default. */
export const NOW_SECONDS = 1_800_000_000;
export const NOW_MS = NOW_SECONDS * 1000;

export const ACCOUNTS: PrivateKeyAccount[] = Array.from({ length: 4 }, (_, i) =>
  privateKeyToAccount(`0x${(i + 1).toString(16).padStart(2, '0').repeat(32)}` as Hex),
);

export function unsignedTransaction(
  account: PrivateKeyAccount,
  change: Partial<Transaction> = {},
): Transaction {
  return {
    networkId: DOMAIN.networkId,
    namespace: `0x${'ab'.repeat(32)}`,
    sender: account.address,
    nonce: 0n,
    payload: '0xc0ffee',
    validUntil: BigInt(NOW_SECONDS + 60),
    ...change,
  };
}

export function sign(
  account: PrivateKeyAccount,
  change: Partial<Transaction> = {},
  domain: NetworkDomain = DOMAIN,
): Promise<SignedTransaction> {
  return signTransaction(account, unsignedTransaction(account, change), domain);
}

/** The encoded size, computed independently of the mempool's arithmetic. */
export function encodedSize(signed: SignedTransaction): number {
  return transactionCodec.encode(signed).length;
}
