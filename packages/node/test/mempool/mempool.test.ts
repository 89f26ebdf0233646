import {
  type Address,
  ENCRYPTED_NAMESPACE,
  encryptTransaction,
  type Hex,
  insecureTrustedDealer,
  MAX_TX_PAYLOAD_BYTES,
  type SignedTransaction,
  transactionId,
  verifyTransaction,
} from '@synod/protocol';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createMempoolMetrics,
  MEMPOOL_ERROR_CODES,
  Mempool,
  MempoolError,
  type MempoolErrorCode,
  type MempoolOptions,
  mempoolErrorVerdict,
} from '../../src/mempool/index.ts';
import { ACCOUNTS, DOMAIN, encodedSize, NOW_MS, NOW_SECONDS, sign } from './fixtures.ts';

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const [alice, bob, carol] = ACCOUNTS as [(typeof ACCOUNTS)[0], (typeof ACCOUNTS)[0], (typeof ACCOUNTS)[0]];

/** Real verification, counting how often the signature is checked. */
function countingVerify() {
  const calls: Hex[] = [];
  const verify = (signed: SignedTransaction, nowSeconds: number): Hex => {
    const txId = verifyTransaction(signed, DOMAIN, { nowSeconds });
    calls.push(txId);
    return txId;
  };
  return { calls, verify };
}

function mempool(options: Partial<MempoolOptions> = {}): Mempool {
  return new Mempool({ domain: DOMAIN, ...options });
}

function codeOf(run: () => unknown): MempoolErrorCode | 'accepted' {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MempoolError);
    return (error as MempoolError).code;
  }
  return 'accepted';
}

/** alice's nonces 0..7 and a second version of nonces 0..1 with another payload. */
let aliceTxs: SignedTransaction[];
let aliceAlt: SignedTransaction[];
let bobTxs: SignedTransaction[];
let carolTxs: SignedTransaction[];

beforeAll(async () => {
  aliceTxs = await Promise.all(Array.from({ length: 8 }, (_, n) => sign(alice, { nonce: BigInt(n) })));
  aliceAlt = await Promise.all([0n, 1n].map((nonce) => sign(alice, { nonce, payload: '0xbeef' })));
  bobTxs = await Promise.all(Array.from({ length: 4 }, (_, n) => sign(bob, { nonce: BigInt(n) })));
  carolTxs = await Promise.all(Array.from({ length: 4 }, (_, n) => sign(carol, { nonce: BigInt(n) })));
});

describe('Mempool.add', () => {
  it('admits a valid transaction under its txId, first-seen time and encoded size', () => {
    const pool = mempool();
    const tx = aliceTxs[0]!;
    const result = pool.add(tx, { nowMs: NOW_MS + 5 });
    expect(result).toEqual({ txId: transactionId(tx, DOMAIN), firstSeenMs: NOW_MS + 5, duplicate: false });
    expect(pool.size).toBe(1);
    expect(pool.bytes).toBe(encodedSize(tx));
    expect(pool.has(result.txId)).toBe(true);
    expect(pool.has(result.txId.toUpperCase().replace('0X', '0x') as Hex)).toBe(true);
    expect(pool.get(result.txId)).toMatchObject({
      txId: result.txId,
      transaction: tx,
      sender: alice.address.toLowerCase(),
      nonce: 0n,
      firstSeenMs: NOW_MS + 5,
    });
    pool.checkInvariants();
  });

  it('verifies each transaction once: a duplicate is a no-op that returns the original first-seen time', () => {
    const { calls, verify } = countingVerify();
    const pool = mempool({ verify });
    const first = pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    const again = pool.add(aliceTxs[0]!, { nowMs: NOW_MS + 700 });
    expect(again).toEqual({ txId: first.txId, firstSeenMs: NOW_MS, duplicate: true });
    expect(calls).toEqual([first.txId]);
    expect(pool.size).toBe(1);
    expect(pool.bytes).toBe(encodedSize(aliceTxs[0]!));
  });

  it('refuses a malformed transaction before verifying it (MALFORMED)', () => {
    const { calls, verify } = countingVerify();
    const pool = mempool({ verify });
    const bad = { ...aliceTxs[0]!, namespace: '0xabcd' as Hex };
    expect(codeOf(() => pool.add(bad, { nowMs: NOW_MS }))).toBe('MALFORMED');
    expect(calls).toEqual([]);
  });

  it('refuses a payload over the cap (PAYLOAD_TOO_LARGE)', () => {
    const pool = mempool();
    const big = { ...aliceTxs[0]!, payload: `0x${'00'.repeat(MAX_TX_PAYLOAD_BYTES + 1)}` as Hex };
    expect(codeOf(() => pool.add(big, { nowMs: NOW_MS }))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a transaction of another network (WRONG_NETWORK)', async () => {
    const other = { ...DOMAIN, networkId: 10 };
    const tx = await sign(alice, { networkId: 10 }, other);
    expect(codeOf(() => mempool().add(tx, { nowMs: NOW_MS }))).toBe('WRONG_NETWORK');
  });

  it('refuses an expired transaction (EXPIRED) but admits one valid until this very second', async () => {
    const pool = mempool();
    const expired = await sign(alice, { validUntil: BigInt(NOW_SECONDS - 1) });
    const lastSecond = await sign(bob, { validUntil: BigInt(NOW_SECONDS) });
    expect(codeOf(() => pool.add(expired, { nowMs: NOW_MS + 999 }))).toBe('EXPIRED');
    expect(codeOf(() => pool.add(lastSecond, { nowMs: NOW_MS + 999 }))).toBe('accepted');
  });

  it('refuses a signature that is not a signature (BAD_SIGNATURE)', () => {
    const tx = aliceTxs[0]!;
    const badV = { ...tx, signature: `${tx.signature.slice(0, 130)}1d` as Hex };
    expect(codeOf(() => mempool().add(badV, { nowMs: NOW_MS }))).toBe('BAD_SIGNATURE');
  });

  it('refuses the malleated high-s copy of a valid signature (HIGH_S)', () => {
    const tx = aliceTxs[0]!;
    const r = tx.signature.slice(2, 66);
    const s = BigInt(`0x${tx.signature.slice(66, 130)}`);
    const v = tx.signature.slice(130) === '1b' ? '1c' : '1b';
    const highS = `0x${r}${(CURVE_ORDER - s).toString(16).padStart(64, '0')}${v}` as Hex;
    expect(codeOf(() => mempool().add({ ...tx, signature: highS }, { nowMs: NOW_MS }))).toBe('HIGH_S');
  });

  it('refuses a transaction signed for another chain or inbox, or by another key (SIGNER_MISMATCH)', async () => {
    const otherInbox = await sign(
      alice,
      {},
      { ...DOMAIN, inbox: '0x0000000000000000000000000000000000000001' },
    );
    expect(codeOf(() => mempool().add(otherInbox, { nowMs: NOW_MS }))).toBe('SIGNER_MISMATCH');
    const otherChain = await sign(alice, {}, { ...DOMAIN, chainId: 1 });
    expect(codeOf(() => mempool().add(otherChain, { nowMs: NOW_MS }))).toBe('SIGNER_MISMATCH');
    const stolen = { ...aliceTxs[0]!, sender: bob.address.toLowerCase() as Address };
    expect(codeOf(() => mempool().add(stolen, { nowMs: NOW_MS }))).toBe('SIGNER_MISMATCH');
  });

  it('refuses a nonce below the next expected one (NONCE_USED), from markFinalized or the chain', () => {
    const pool = mempool();
    pool.markFinalized([{ sender: alice.address, nonce: 0n, txId: transactionId(aliceAlt[0]!, DOMAIN) }]);
    expect(codeOf(() => pool.add(aliceTxs[0]!, { nowMs: NOW_MS }))).toBe('NONCE_USED');
    expect(codeOf(() => pool.add(aliceTxs[1]!, { nowMs: NOW_MS }))).toBe('accepted');

    const fromChain = mempool({ nextNonceOf: (sender) => (sender === bob.address.toLowerCase() ? 2n : 0n) });
    expect(codeOf(() => fromChain.add(bobTxs[1]!, { nowMs: NOW_MS }))).toBe('NONCE_USED');
    expect(codeOf(() => fromChain.add(bobTxs[2]!, { nowMs: NOW_MS }))).toBe('accepted');
    expect(codeOf(() => fromChain.add(aliceTxs[0]!, { nowMs: NOW_MS }))).toBe('accepted');
  });

  it('refuses a nonce at or beyond next + maxNonceAhead (NONCE_TOO_FAR_AHEAD)', () => {
    const pool = mempool({ limits: { maxNonceAhead: 3n } });
    expect(codeOf(() => pool.add(aliceTxs[3]!, { nowMs: NOW_MS }))).toBe('NONCE_TOO_FAR_AHEAD');
    expect(codeOf(() => pool.add(aliceTxs[2]!, { nowMs: NOW_MS }))).toBe('accepted');
    pool.markFinalized([{ sender: alice.address, nonce: 0n, txId: transactionId(aliceTxs[0]!, DOMAIN) }]);
    expect(codeOf(() => pool.add(aliceTxs[3]!, { nowMs: NOW_MS }))).toBe('accepted');
  });

  it('keeps the first transaction of a (sender, nonce): no replacement (DUPLICATE_NONCE)', () => {
    const pool = mempool();
    const first = pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    expect(codeOf(() => pool.add(aliceAlt[0]!, { nowMs: NOW_MS + 1 }))).toBe('DUPLICATE_NONCE');
    expect(pool.senderEntries(alice.address).map((entry) => entry.txId)).toEqual([first.txId]);
  });

  it('bounds each sender (SENDER_FULL) without affecting others', () => {
    const pool = mempool({ limits: { maxPerSender: 2 } });
    pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    pool.add(aliceTxs[1]!, { nowMs: NOW_MS });
    expect(codeOf(() => pool.add(aliceTxs[2]!, { nowMs: NOW_MS }))).toBe('SENDER_FULL');
    expect(codeOf(() => pool.add(bobTxs[0]!, { nowMs: NOW_MS }))).toBe('accepted');
    pool.markFinalized([{ sender: alice.address, nonce: 0n, txId: transactionId(aliceTxs[0]!, DOMAIN) }]);
    expect(codeOf(() => pool.add(aliceTxs[2]!, { nowMs: NOW_MS }))).toBe('accepted');
  });

  it('bounds the pool by count and by bytes (MEMPOOL_FULL)', () => {
    const byCount = mempool({ limits: { maxTransactions: 2 } });
    byCount.add(aliceTxs[0]!, { nowMs: NOW_MS });
    byCount.add(bobTxs[0]!, { nowMs: NOW_MS });
    expect(codeOf(() => byCount.add(carolTxs[0]!, { nowMs: NOW_MS }))).toBe('MEMPOOL_FULL');
    expect(byCount.size).toBe(2);

    const size = encodedSize(aliceTxs[0]!);
    const byBytes = mempool({ limits: { maxBytes: 2 * size } });
    byBytes.add(aliceTxs[0]!, { nowMs: NOW_MS });
    byBytes.add(bobTxs[0]!, { nowMs: NOW_MS });
    expect(byBytes.bytes).toBe(2 * size);
    expect(codeOf(() => byBytes.add(carolTxs[0]!, { nowMs: NOW_MS }))).toBe('MEMPOOL_FULL');
    byBytes.checkInvariants();
  });

  it('reports a bad signature as such even when the pool is full', () => {
    const pool = mempool({ limits: { maxTransactions: 1 } });
    pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    const tx = bobTxs[0]!;
    const badV = { ...tx, signature: `${tx.signature.slice(0, 130)}1d` as Hex };
    expect(codeOf(() => pool.add(badV, { nowMs: NOW_MS }))).toBe('BAD_SIGNATURE');
  });

  it('rethrows a verifier failure that is not a TransactionError (a bug, not a refusal)', () => {
    const pool = mempool({
      verify: () => {
        throw new RangeError('boom');
      },
    });
    expect(() => pool.add(aliceTxs[0]!, { nowMs: NOW_MS })).toThrow(RangeError);
  });

  it('keeps first-seen times non-decreasing when the clock steps back', () => {
    const pool = mempool();
    pool.add(aliceTxs[0]!, { nowMs: NOW_MS + 500 });
    const later = pool.add(bobTxs[0]!, { nowMs: NOW_MS + 100 });
    expect(later.firstSeenMs).toBe(NOW_MS + 500);
  });

  it('maps every error code to a gossip verdict', () => {
    expect(MEMPOOL_ERROR_CODES.map((code) => [code, mempoolErrorVerdict(code)])).toEqual([
      ['MALFORMED', 'REJECT'],
      ['PAYLOAD_TOO_LARGE', 'REJECT'],
      ['WRONG_NETWORK', 'REJECT'],
      ['EXPIRED', 'IGNORE'],
      ['BAD_SIGNATURE', 'REJECT'],
      ['HIGH_S', 'REJECT'],
      ['SIGNER_MISMATCH', 'REJECT'],
      ['NONCE_USED', 'IGNORE'],
      ['NONCE_TOO_FAR_AHEAD', 'IGNORE'],
      ['DUPLICATE_NONCE', 'IGNORE'],
      ['SENDER_FULL', 'IGNORE'],
      ['MEMPOOL_FULL', 'IGNORE'],
    ]);
  });
});

describe('Mempool.inclusionList', () => {
  it('lists ready transactions oldest first, bounded, and carries them until finalized', () => {
    const pool = mempool();
    const a0 = pool.add(aliceTxs[0]!, { nowMs: NOW_MS + 10 });
    const b0 = pool.add(bobTxs[0]!, { nowMs: NOW_MS + 20 });
    const a1 = pool.add(aliceTxs[1]!, { nowMs: NOW_MS + 30 });
    const c0 = pool.add(carolTxs[0]!, { nowMs: NOW_MS + 40 });
    const entry = (r: { txId: Hex; firstSeenMs: number }) => ({ txId: r.txId, firstSeenMs: r.firstSeenMs });
    expect(pool.inclusionList(10)).toEqual([entry(a0), entry(b0), entry(a1), entry(c0)]);
    expect(pool.inclusionList(2)).toEqual([entry(a0), entry(b0)]);
    expect(pool.inclusionList(0)).toEqual([]);
    // Not finalized yet: the same list again (carried forward).
    expect(pool.inclusionList(10)).toHaveLength(4);
    pool.markFinalized([{ sender: alice.address, nonce: 0n, txId: a0.txId }]);
    expect(pool.inclusionList(10)).toEqual([entry(b0), entry(a1), entry(c0)]);
  });

  it('leaves out a transaction behind a nonce gap until the gap is filled', () => {
    const pool = mempool();
    const a2 = pool.add(aliceTxs[2]!, { nowMs: NOW_MS + 1 });
    const a0 = pool.add(aliceTxs[0]!, { nowMs: NOW_MS + 2 });
    expect(pool.inclusionList(10).map((e) => e.txId)).toEqual([a0.txId]);
    const a1 = pool.add(aliceTxs[1]!, { nowMs: NOW_MS + 3 });
    expect(pool.inclusionList(10).map((e) => e.txId)).toEqual([a2.txId, a0.txId, a1.txId]);
  });

  it('never exceeds MAX_INCLUSION_LIST_ENTRIES whatever maxEntries asks', () => {
    const pool = mempool();
    pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    expect(pool.inclusionList(1_000_000)).toHaveLength(1);
    expect(() => pool.inclusionList(-1)).toThrow(/maxEntries/);
  });
});

describe('Mempool.markFinalized and prune', () => {
  it('removes finalized transactions, advances nonces and drops stale ones of the same sender', () => {
    const pool = mempool();
    pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    pool.add(aliceTxs[1]!, { nowMs: NOW_MS });
    pool.add(aliceTxs[3]!, { nowMs: NOW_MS });
    const b0 = pool.add(bobTxs[0]!, { nowMs: NOW_MS });
    // Another version of alice's nonce 0 and then her nonce 2 were finalized: 0 and 1 are stale.
    const result = pool.markFinalized([
      { sender: alice.address, nonce: 0n, txId: transactionId(aliceAlt[0]!, DOMAIN) },
      { sender: alice.address, nonce: 2n, txId: transactionId(aliceTxs[2]!, DOMAIN) },
    ]);
    expect(result).toEqual({ finalized: 0, stale: 2 });
    expect(pool.nextNonce(alice.address)).toBe(3n);
    expect(pool.senderEntries(alice.address).map((e) => e.nonce)).toEqual([3n]);
    expect(pool.has(b0.txId)).toBe(true);
    expect(pool.size).toBe(2);
    expect(pool.bytes).toBe(encodedSize(aliceTxs[3]!) + encodedSize(bobTxs[0]!));
    // An older finalized nonce never moves the next nonce back.
    pool.markFinalized([{ sender: alice.address, nonce: 1n, txId: transactionId(aliceTxs[1]!, DOMAIN) }]);
    expect(pool.nextNonce(alice.address)).toBe(3n);
    pool.checkInvariants();
  });

  it('counts pending transactions of a block as finalized', () => {
    const pool = mempool();
    const a0 = pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    expect(pool.markFinalized([{ sender: alice.address, nonce: 0n, txId: a0.txId }])).toEqual({
      finalized: 1,
      stale: 0,
    });
    expect(pool.size).toBe(0);
    expect(pool.bytes).toBe(0);
  });

  it('forgets the least recently finalized sender beyond maxRememberedSenders', () => {
    const pool = mempool({ limits: { maxRememberedSenders: 2 } });
    const finalize = (account: typeof alice, nonce: bigint) =>
      pool.markFinalized([{ sender: account.address, nonce, txId: `0x${'11'.repeat(32)}` }]);
    finalize(alice, 0n);
    finalize(bob, 0n);
    finalize(alice, 1n); // alice is now the most recent
    finalize(carol, 0n); // evicts bob
    expect(pool.nextNonce(alice.address)).toBe(2n);
    expect(pool.nextNonce(bob.address)).toBe(0n);
    expect(pool.nextNonce(carol.address)).toBe(1n);
    pool.checkInvariants();
  });

  it('prunes transactions whose validUntil has passed, and only those', async () => {
    const pool = mempool();
    const short = await sign(alice, { validUntil: BigInt(NOW_SECONDS + 1) });
    const long = await sign(bob, { validUntil: BigInt(NOW_SECONDS + 100) });
    pool.add(short, { nowMs: NOW_MS });
    const kept = pool.add(long, { nowMs: NOW_MS });
    expect(pool.prune(NOW_MS + 1999)).toBe(0); // validUntil == now (second +1): still valid
    expect(pool.prune(NOW_MS + 2000)).toBe(1);
    expect([...pool.entries()].map((e) => e.txId)).toEqual([kept.txId]);
    expect(pool.bytes).toBe(encodedSize(long));
    pool.checkInvariants();
  });

  it('lists missing txIds in the given order', () => {
    const pool = mempool();
    const a0 = pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    const b0 = transactionId(bobTxs[0]!, DOMAIN);
    const c0 = transactionId(carolTxs[0]!, DOMAIN);
    expect(pool.missing([c0, a0.txId, b0])).toEqual([c0, b0]);
  });
});

describe('Mempool metrics', () => {
  it('counts admissions by result and tracks size and bytes', async () => {
    const register = new Registry();
    const pool = mempool({ metrics: createMempoolMetrics(register), limits: { maxPerSender: 1 } });
    pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    pool.add(aliceTxs[0]!, { nowMs: NOW_MS });
    expect(() => pool.add(aliceTxs[1]!, { nowMs: NOW_MS })).toThrow(MempoolError);
    const admissions = await register.getSingleMetric('synod_mempool_admissions_total')!.get();
    const byResult = Object.fromEntries(admissions.values.map((v) => [v.labels.result, v.value]));
    expect(byResult).toEqual({ ACCEPTED: 1, DUPLICATE: 1, SENDER_FULL: 1 });
    const size = await register.getSingleMetric('synod_mempool_transactions')!.get();
    expect(size.values[0]!.value).toBe(1);
    const bytes = await register.getSingleMetric('synod_mempool_bytes')!.get();
    expect(bytes.values[0]!.value).toBe(encodedSize(aliceTxs[0]!));
    pool.markFinalized([{ sender: alice.address, nonce: 0n, txId: transactionId(aliceTxs[0]!, DOMAIN) }]);
    const removals = await register.getSingleMetric('synod_mempool_removals_total')!.get();
    expect(removals.values.map((v) => [v.labels.reason, v.value])).toEqual([['finalized', 1]]);
  });
});

describe('encrypted envelopes (docs/protocol.md "Encrypted transactions")', () => {
  it('admits a well-formed envelope only where the network has an encryption key', async () => {
    const dealing = insecureTrustedDealer(4, 2, new Uint8Array(32).fill(3));
    const hidden = await sign(alice, { nonce: 0n });
    const payload = encryptTransaction({
      publicKey: dealing.groupPublicKey,
      transaction: hidden,
      seed: new Uint8Array(32).fill(1),
    });
    const envelope = await sign(alice, { nonce: 0n, namespace: ENCRYPTED_NAMESPACE, payload });
    const withKey = mempool({ acceptsEnvelopes: () => true });
    expect(codeOf(() => withKey.add(envelope, { nowMs: NOW_MS }))).toBe('accepted');
    // Without a key nobody could reveal it: refused, saying why.
    const withoutKey = mempool();
    expect(() => withoutKey.add(envelope, { nowMs: NOW_MS })).toThrow(/no encryption key/);
    // A payload that is no EncryptedEnvelope is malformed (a REJECT on gossip: the sender's fault).
    const garbage = await sign(bob, { nonce: 0n, namespace: ENCRYPTED_NAMESPACE, payload: '0xc0ffee' });
    expect(codeOf(() => withKey.add(garbage, { nowMs: NOW_MS }))).toBe('MALFORMED');
    expect(mempoolErrorVerdict('MALFORMED')).toBe('REJECT');
  });
});
