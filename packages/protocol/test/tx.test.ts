import fc from 'fast-check';
import { getAddress, hashDomain, hashTypedData, keccak256, recoverTypedDataAddress, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  recoverTransactionSender,
  signTransaction,
  TRANSACTION_TYPE_STRING,
  TRANSACTION_TYPEHASH,
  transactionDomainSeparator,
  transactionId,
  transactionTypedData,
  verifyTransaction,
} from '../src/tx/index.ts';
import type { NetworkDomain, Transaction } from '../src/types.ts';
import { networkDomainArbitrary, transactionArbitrary } from './support/arbitraries.ts';

const privateKeyArbitrary = fc
  .bigInt({ min: 1n, max: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140n })
  .map((key) => `0x${key.toString(16).padStart(64, '0')}` as const);

describe('EIP-712 transaction digest (txId)', () => {
  it('equals viem hashTypedData for random transactions and domains', () => {
    fc.assert(
      fc.property(transactionArbitrary({ maxPayloadBytes: 600 }), networkDomainArbitrary, (tx, domain) => {
        expect(transactionId(tx, domain)).toBe(hashTypedData(transactionTypedData(tx, domain)));
      }),
    );
  });

  it('uses the documented type string and domain', () => {
    expect(TRANSACTION_TYPEHASH).toBe(keccak256(toBytes(TRANSACTION_TYPE_STRING)));
    const domain: NetworkDomain = { networkId: 1, chainId: 31337, inbox: `0x${'42'.repeat(20)}` };
    expect(transactionDomainSeparator(domain)).toBe(
      hashDomain({
        domain: { name: 'Synod', version: '1', chainId: 31337n, verifyingContract: domain.inbox },
        types: {
          EIP712Domain: [
            { name: 'name', type: 'string' },
            { name: 'version', type: 'string' },
            { name: 'chainId', type: 'uint256' },
            { name: 'verifyingContract', type: 'address' },
          ],
        },
      }),
    );
  });

  it('does not depend on hex case, and changes with every field and the domain', () => {
    const domain: NetworkDomain = { networkId: 1, chainId: 31337, inbox: `0x${'42'.repeat(20)}` };
    const tx: Transaction = {
      networkId: 1,
      namespace: `0x${'ab'.repeat(32)}`,
      sender: '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      nonce: 5n,
      payload: '0xabcd',
      validUntil: 2_000_000_000n,
    };
    const id = transactionId(tx, domain);
    expect(transactionId({ ...tx, sender: getAddress(tx.sender), payload: '0xABCD' }, domain)).toBe(id);
    const variants = [
      transactionId({ ...tx, networkId: 2 }, domain),
      transactionId({ ...tx, namespace: `0x${'ac'.repeat(32)}` }, domain),
      transactionId({ ...tx, sender: `0x${'11'.repeat(20)}` }, domain),
      transactionId({ ...tx, nonce: 6n }, domain),
      transactionId({ ...tx, payload: '0xabce' }, domain),
      transactionId({ ...tx, validUntil: 2_000_000_001n }, domain),
      transactionId(tx, { ...domain, chainId: 1 }),
      transactionId(tx, { ...domain, inbox: `0x${'43'.repeat(20)}` }),
    ];
    expect(new Set([id, ...variants]).size).toBe(variants.length + 1);
  });
});

describe('signing and sender recovery', () => {
  it('recovers the same sender as viem recoverTypedDataAddress, and the signed transaction verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        privateKeyArbitrary,
        transactionArbitrary(),
        networkDomainArbitrary,
        async (key, tx, domain) => {
          const account = privateKeyToAccount(key);
          const unsigned = { ...tx, networkId: domain.networkId, sender: account.address };
          const signed = await signTransaction(account, unsigned, domain);
          const viemSender = await recoverTypedDataAddress({
            ...transactionTypedData(signed, domain),
            signature: signed.signature,
          });
          expect(recoverTransactionSender(signed, domain)).toBe(viemSender.toLowerCase());
          expect(viemSender).toBe(account.address);
          const txId = verifyTransaction(signed, domain, { nowSeconds: 0 });
          expect(txId).toBe(transactionId(signed, domain));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('returns the transaction in canonical lowercase form', async () => {
    const account = privateKeyToAccount(`0x${'01'.repeat(32)}`);
    const domain: NetworkDomain = { networkId: 3, chainId: 1, inbox: `0x${'42'.repeat(20)}` };
    const signed = await signTransaction(
      account,
      {
        networkId: 3,
        namespace: `0x${'AB'.repeat(32)}`,
        sender: account.address,
        nonce: 0n,
        payload: '0xFF',
        validUntil: 10n,
      },
      domain,
    );
    expect(signed.sender).toBe(account.address.toLowerCase());
    expect(signed.namespace).toBe(`0x${'ab'.repeat(32)}`);
    expect(signed.payload).toBe('0xff');
    expect(signed.signature).toMatch(/^0x[0-9a-f]{128}(1b|1c)$/);
  });
});
