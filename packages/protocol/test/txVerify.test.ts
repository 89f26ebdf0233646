import { type Hex, hexToBigInt, numberToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_TX_PAYLOAD_BYTES } from '../src/constants.ts';
import {
  normalizeTransactionSignature,
  recoverTransactionSender,
  signTransaction,
  TransactionError,
  type TransactionErrorCode,
  type TransactionSigner,
  verifyTransaction,
} from '../src/tx/index.ts';
import type { NetworkDomain, SignedTransaction, Transaction } from '../src/types.ts';
import { findNonCurveX } from './support/secp256k1.ts';

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const account = privateKeyToAccount(`0x${'0a'.repeat(32)}`);
const otherAccount = privateKeyToAccount(`0x${'0b'.repeat(32)}`);
const domain: NetworkDomain = {
  networkId: 9,
  chainId: 31337,
  inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
};
const now = 1_800_000_000;

function unsigned(change: Partial<Transaction> = {}): Transaction {
  return {
    networkId: domain.networkId,
    namespace: `0x${'ab'.repeat(32)}`,
    sender: account.address,
    nonce: 1n,
    payload: '0xc0ffee',
    validUntil: BigInt(now + 60),
    ...change,
  };
}

function codeOf(run: () => unknown): TransactionErrorCode | 'accepted' {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TransactionError);
    return (error as TransactionError).code;
  }
  return 'accepted';
}

/** The signature split into r, s and v. */
function parts(signature: Hex) {
  return {
    r: signature.slice(2, 66),
    s: hexToBigInt(`0x${signature.slice(66, 130)}`),
    v: signature.slice(130),
  };
}

function join(r: string, s: bigint, v: string): Hex {
  return `0x${r}${numberToHex(s, { size: 32 }).slice(2)}${v}`;
}

let signed: SignedTransaction;
beforeAll(async () => {
  signed = await signTransaction(account, unsigned(), domain);
});

const verify =
  (tx: SignedTransaction, d: NetworkDomain = domain) =>
  () =>
    verifyTransaction(tx, d, { nowSeconds: now });

describe('verifyTransaction rejects each bad input with its code', () => {
  it('accepts the valid transaction', () => {
    expect(codeOf(verify(signed))).toBe('accepted');
  });

  it('MALFORMED: fields of the wrong shape or range', () => {
    expect(codeOf(verify({ ...signed, namespace: '0xab' }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, sender: '0x1234' }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, nonce: -1n }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, nonce: 1n << 64n }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, nonce: 1 as unknown as bigint }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, validUntil: 1n << 64n }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, networkId: 1.5 }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, payload: '0xabc' }))).toBe('MALFORMED');
    expect(codeOf(verify({ ...signed, signature: signed.signature.slice(0, -2) as Hex }))).toBe('MALFORMED');
    expect(codeOf(verify(null as unknown as SignedTransaction))).toBe('MALFORMED');
  });

  it('PAYLOAD_TOO_LARGE: one byte over MAX_TX_PAYLOAD_BYTES (the cap itself is fine)', async () => {
    const atCap = await signTransaction(
      account,
      unsigned({ payload: `0x${'11'.repeat(MAX_TX_PAYLOAD_BYTES)}` }),
      domain,
    );
    expect(codeOf(verify(atCap))).toBe('accepted');
    const over = { ...atCap, payload: `0x${'11'.repeat(MAX_TX_PAYLOAD_BYTES + 1)}` as const };
    expect(codeOf(verify(over))).toBe('PAYLOAD_TOO_LARGE');
    await expect(signTransaction(account, over, domain)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('WRONG_NETWORK: a transaction signed for another network id', async () => {
    const otherNetwork = { ...domain, networkId: 10 };
    const tx = await signTransaction(account, unsigned({ networkId: 10 }), otherNetwork);
    expect(codeOf(verify(tx, otherNetwork))).toBe('accepted');
    expect(codeOf(verify(tx))).toBe('WRONG_NETWORK');
    await expect(signTransaction(account, unsigned({ networkId: 10 }), domain)).rejects.toMatchObject({
      code: 'WRONG_NETWORK',
    });
  });

  it('EXPIRED: validUntil before now (validUntil == now is still valid)', async () => {
    const tx = await signTransaction(account, unsigned({ validUntil: BigInt(now) }), domain);
    expect(codeOf(() => verifyTransaction(tx, domain, { nowSeconds: now }))).toBe('accepted');
    expect(codeOf(() => verifyTransaction(tx, domain, { nowSeconds: BigInt(now + 1) }))).toBe('EXPIRED');
  });

  it('HIGH_S: the malleated twin of a valid signature', () => {
    const { r, s, v } = parts(signed.signature);
    const twin = join(r, CURVE_ORDER - s, v === '1b' ? '1c' : '1b');
    expect(codeOf(verify({ ...signed, signature: twin }))).toBe('HIGH_S');
    expect(codeOf(() => recoverTransactionSender({ ...signed, signature: twin }, domain))).toBe('HIGH_S');
    expect(normalizeTransactionSignature(twin)).toBe(signed.signature);
  });

  it('BAD_SIGNATURE: v outside {27, 28}, r or s out of range, or an r with no curve point', () => {
    const { r, s, v } = parts(signed.signature);
    for (const badV of ['00', '01', '1d', 'ff']) {
      expect(codeOf(verify({ ...signed, signature: join(r, s, badV) })), badV).toBe('BAD_SIGNATURE');
    }
    expect(codeOf(verify({ ...signed, signature: join('00'.repeat(32), s, v) }))).toBe('BAD_SIGNATURE');
    expect(codeOf(verify({ ...signed, signature: join(CURVE_ORDER.toString(16), s, v) }))).toBe(
      'BAD_SIGNATURE',
    );
    expect(codeOf(verify({ ...signed, signature: join(r, 0n, v) }))).toBe('BAD_SIGNATURE');
    expect(codeOf(verify({ ...signed, signature: join(r, CURVE_ORDER, v) }))).toBe('BAD_SIGNATURE');
    const noPoint = findNonCurveX().toString(16).padStart(64, '0');
    expect(codeOf(verify({ ...signed, signature: join(noPoint, s, v) }))).toBe('BAD_SIGNATURE');
  });

  it('SIGNER_MISMATCH: another sender, a changed field, another key, or another deployment', async () => {
    expect(codeOf(verify({ ...signed, sender: otherAccount.address }))).toBe('SIGNER_MISMATCH');
    expect(codeOf(verify({ ...signed, nonce: 2n }))).toBe('SIGNER_MISMATCH');
    const byOther = await signTransaction(otherAccount, unsigned({ sender: otherAccount.address }), domain);
    expect(codeOf(verify({ ...signed, signature: byOther.signature }))).toBe('SIGNER_MISMATCH');
    expect(codeOf(verify(signed, { ...domain, chainId: 1 }))).toBe('SIGNER_MISMATCH');
    expect(codeOf(verify(signed, { ...domain, inbox: `0x${'42'.repeat(20)}` }))).toBe('SIGNER_MISMATCH');
  });
});

describe('signTransaction with imperfect wallets', () => {
  /** A wallet that signs correctly but returns the signature in another form. */
  function walletReturning(transform: (signature: Hex) => Hex): TransactionSigner {
    return {
      address: account.address,
      signTypedData: async (typedData) => transform(await account.signTypedData(typedData)),
    };
  }

  it('normalises v ∈ {0, 1} to 27/28 and a high s to its low-s twin', async () => {
    const zeroOneV = walletReturning((sig) => {
      const { r, s, v } = parts(sig);
      return join(r, s, v === '1b' ? '00' : '01');
    });
    expect((await signTransaction(zeroOneV, unsigned(), domain)).signature).toBe(signed.signature);
    const highS = walletReturning((sig) => {
      const { r, s, v } = parts(sig);
      return join(r, CURVE_ORDER - s, v === '1b' ? '1c' : '1b');
    });
    expect((await signTransaction(highS, unsigned(), domain)).signature).toBe(signed.signature);
  });

  it('refuses an account that is not the sender, or that signs with another key', async () => {
    await expect(signTransaction(otherAccount, unsigned(), domain)).rejects.toMatchObject({
      code: 'SIGNER_MISMATCH',
    });
    const impostor: TransactionSigner = {
      address: account.address,
      signTypedData: otherAccount.signTypedData,
    };
    await expect(signTransaction(impostor, unsigned(), domain)).rejects.toMatchObject({
      code: 'SIGNER_MISMATCH',
    });
  });
});
