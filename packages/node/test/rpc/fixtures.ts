import {
  type Hex,
  type NetworkDomain,
  type SignedTransaction,
  signTransaction,
  type Transaction,
  toLowerHex,
  transactionCodec,
} from '@synod/protocol';
import { privateKeyToAccount } from 'viem/accounts';

/** The network every fixture transaction is signed for. */
export const DOMAIN: NetworkDomain = {
  networkId: 7,
  chainId: 31337,
  inbox: '0x00000000000000000000000000000000000000aa',
};

export const account = privateKeyToAccount(`0x${'0a'.repeat(32)}`);

/** An unsigned transaction from `account`, valid for an hour after unix time 1.7e9. */
export function unsignedTransaction(nonce: bigint, payload: Hex = '0xc0ffee'): Transaction {
  return {
    networkId: DOMAIN.networkId,
    namespace: `0x${'11'.repeat(32)}`,
    sender: account.address.toLowerCase() as Hex,
    nonce,
    payload,
    validUntil: 1_700_003_600n,
  };
}

export function signedTransaction(nonce: bigint, payload?: Hex): Promise<SignedTransaction> {
  return signTransaction(account, unsignedTransaction(nonce, payload), DOMAIN);
}

/** The RPC form of a transaction: its wire encoding as 0x-hex. */
export function encode(tx: SignedTransaction): Hex {
  return toLowerHex(transactionCodec.encode(tx));
}

export async function encodedTransaction(nonce = 0n): Promise<Hex> {
  return encode(await signedTransaction(nonce));
}

/** What the mempool's errors look like to the RPC: an Error with a bounded `code`. */
export class MempoolStubError extends Error {
  override readonly name = 'MempoolError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
