import { bls12_381 } from '@noble/curves/bls12-381.js';
import { type Hex, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { insecureTrustedDealer } from '../src/bls/dealer.ts';
import { blsSign } from '../src/bls/signature.ts';
import { committeeSize } from '../src/committee.ts';
import { MAX_BLOCK_ENVELOPES } from '../src/consensus/constants.ts';
import { MAX_TX_PAYLOAD_BYTES } from '../src/constants.ts';
import {
  ciphertextIdentity,
  combineDecryptionShares,
  decrypt,
  decryptFast,
  decryptionShare,
  decryptionSharesCodec,
  decryptionSharesMessage,
  ENCRYPTED_NAMESPACE,
  type EncryptionContext,
  EncryptionError,
  encrypt,
  encryptedEnvelopeCodec,
  encryptFast,
  encryptionIdentity,
  encryptTransaction,
  insecureDecryptionKey,
  MAX_ENCRYPTED_TX_PAYLOAD_BYTES,
  parseEnvelope,
  revealedEnvelopeIndices,
  revealedTransaction,
  verifyDecryptionKey,
  verifyDecryptionShare,
} from '../src/encryption/index.ts';
import { DecodeError } from '../src/errors.ts';
import { transactionCodec } from '../src/messages/transaction.ts';
import { signTransaction } from '../src/tx/index.ts';
import type { NetworkDomain, SignedTransaction } from '../src/types.ts';

// A committee of 4: f = 1, so the encryption key's threshold is f + 1 = 2.
const n = 4;
const threshold = committeeSize(n).f + 1;
const dealing = insecureTrustedDealer(n, threshold, new Uint8Array(32).fill(7));
const publicKey = dealing.groupPublicKey;

const alice = privateKeyToAccount(`0x${'0a'.repeat(32)}`);
const mallory = privateKeyToAccount(`0x${'0b'.repeat(32)}`);
const domain: NetworkDomain = {
  networkId: 9,
  chainId: 31337,
  inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
};
const APP: Hex = `0x${'ab'.repeat(32)}`;
const context: EncryptionContext = { networkId: domain.networkId, namespace: APP, sender: alice.address };

function seedOf(i: number): Uint8Array {
  return new Uint8Array(32).fill(i + 1);
}

/** The decryption key of a ciphertext from `count` validators' shares (validators 0 .. count−1). */
function keyFrom(identity: Uint8Array, validators: readonly number[], t = threshold): Uint8Array {
  const shares = validators.map((i) => ({
    index: i + 1,
    signature: decryptionShare(dealing.shares[i]!.secretKey, identity),
  }));
  return combineDecryptionShares(shares, t);
}

describe('threshold encryption (Boneh–Franklin FullIdent with a shared master key)', () => {
  it('opens with any f + 1 shares, in both implementations', () => {
    const message = new TextEncoder().encode('buy 3 ETH-PERP at market');
    const ciphertext = encrypt({ ...context, publicKey, message, seed: seedOf(0) });
    const identity = ciphertextIdentity(context, ciphertext)!;
    for (const validators of [
      [0, 1],
      [2, 3],
      [3, 0],
    ]) {
      const key = keyFrom(identity, validators);
      expect(verifyDecryptionKey(publicKey, identity, key)).toBe(true);
      expect(decryptFast(key, ciphertext)).toEqual({ ok: true, message });
      expect(decrypt(key, ciphertext)).toEqual({ ok: true, message });
    }
  });

  it('f shares combine into no key: the decryption key of f shares fails its check and opens nothing', () => {
    const ciphertext = encrypt({ ...context, publicKey, message: Uint8Array.of(1, 2, 3), seed: seedOf(1) });
    const identity = ciphertextIdentity(context, ciphertext)!;
    // With threshold f + 1, f shares are below the threshold...
    expect(() => keyFrom(identity, [0], threshold)).toThrow(/TOO_FEW_PARTIALS/);
    // ...and "interpolating" them as if they were enough gives a wrong key.
    const forged = keyFrom(identity, [0], 1);
    expect(verifyDecryptionKey(publicKey, identity, forged)).toBe(false);
    expect(decryptFast(forged, ciphertext)).toEqual({ ok: false, reason: 'DECRYPTION_FAILED' });
  });

  it('a decryption key is the BLS signature of the identity under the master secret (checked with blst)', () => {
    // An independent implementation of hash-to-G2 and scalar multiplication: blst signs the identity.
    const secret = 0x2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2an;
    const secretBytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) secretBytes[i] = Number((secret >> BigInt(8 * (31 - i))) & 0xffn);
    const identity = encryptionIdentity(context, bls12_381.G1.Point.BASE.multiply(5n).toBytes(true));
    expect(toHex(insecureDecryptionKey(secret, identity))).toBe(toHex(blsSign(secretBytes, identity)));
  });

  it('the noble and mcl decryptions agree on right keys, wrong keys and tampered ciphertexts', () => {
    const lengths = [0, 1, 31, 32, 33, 200, 1000];
    for (const [i, length] of lengths.entries()) {
      const message = new Uint8Array(length).map((_, j) => (j * 31 + i) & 0xff);
      const ciphertext = encrypt({ ...context, publicKey, message, seed: seedOf(10 + i) });
      const identity = ciphertextIdentity(context, ciphertext)!;
      const key = keyFrom(identity, [1, 2]);
      const otherKey = keyFrom(new Uint8Array(32).fill(i), [1, 2]);
      const tampered = ciphertext.slice();
      tampered[tampered.length - 1 - (i % Math.max(1, length + 32))]! ^= 0x01;
      for (const [k, c] of [
        [key, ciphertext],
        [otherKey, ciphertext],
        [key, tampered],
      ] as const) {
        const fast = decryptFast(k, c);
        expect(decrypt(k, c)).toEqual(fast);
      }
      expect(decryptFast(key, ciphertext)).toEqual({ ok: true, message });
      expect(decryptFast(otherKey, ciphertext).ok).toBe(false);
      expect(decryptFast(key, tampered)).toEqual({ ok: false, reason: 'DECRYPTION_FAILED' });
    }
  });

  it('a ciphertext is bound to its sender: copied into another sender envelope, its key opens nothing', () => {
    const message = new TextEncoder().encode('liquidate 0xabc');
    const ciphertext = encrypt({ ...context, publicKey, message, seed: seedOf(2) });
    const malloryContext = { ...context, sender: mallory.address };
    const stolenIdentity = ciphertextIdentity(malloryContext, ciphertext)!;
    expect(toHex(stolenIdentity)).not.toBe(toHex(ciphertextIdentity(context, ciphertext)!));
    // The committee releases the key of Mallory's envelope, which is not the key of Alice's ciphertext.
    expect(decryptFast(keyFrom(stolenIdentity, [0, 3]), ciphertext)).toEqual({
      ok: false,
      reason: 'DECRYPTION_FAILED',
    });
    // The same holds for another namespace or network.
    for (const other of [
      { ...context, namespace: `0x${'cd'.repeat(32)}` as Hex },
      { ...context, networkId: 10 },
    ]) {
      const identity = ciphertextIdentity(other, ciphertext)!;
      expect(decryptFast(keyFrom(identity, [0, 3]), ciphertext).ok).toBe(false);
    }
  });

  it('a malformed ciphertext point is a verdict, not a crash; a malformed key is a typed error', () => {
    const ciphertext = encrypt({ ...context, publicKey, message: Uint8Array.of(9), seed: seedOf(3) });
    const key = keyFrom(ciphertextIdentity(context, ciphertext)!, [0, 1]);
    const badPoint = ciphertext.slice();
    badPoint.set(new Uint8Array(48).fill(0xff), 0);
    const infinity = ciphertext.slice();
    infinity.set(new Uint8Array(48), 0);
    infinity[0] = 0xc0;
    for (const c of [badPoint, infinity, ciphertext.subarray(0, 79)]) {
      expect(decryptFast(key, c)).toEqual({ ok: false, reason: 'MALFORMED_CIPHERTEXT' });
      expect(decrypt(key, c)).toEqual({ ok: false, reason: 'MALFORMED_CIPHERTEXT' });
    }
    expect(() => decryptFast(new Uint8Array(96).fill(0xff), ciphertext)).toThrow(EncryptionError);
    expect(() => decrypt(new Uint8Array(96).fill(0xff), ciphertext)).toThrow(EncryptionError);
  });

  it('a share is checked against its share key: another validator, identity or key is rejected', () => {
    const identity = new Uint8Array(32).fill(0x44);
    const share = decryptionShare(dealing.shares[0]!.secretKey, identity);
    expect(verifyDecryptionShare(dealing.shares[0]!.publicKey, identity, share)).toBe(true);
    expect(verifyDecryptionShare(dealing.shares[1]!.publicKey, identity, share)).toBe(false);
    expect(verifyDecryptionShare(dealing.shares[0]!.publicKey, new Uint8Array(32), share)).toBe(false);
    expect(verifyDecryptionShare(dealing.shares[0]!.publicKey, identity, new Uint8Array(96))).toBe(false);
  });

  it('rejects a bad encryption key and a bad seed with typed errors', () => {
    const message = Uint8Array.of(1);
    expect(() => encrypt({ ...context, publicKey: new Uint8Array(48), message, seed: seedOf(0) })).toThrow(
      EncryptionError,
    );
    expect(() => encrypt({ ...context, publicKey, message, seed: new Uint8Array(31) })).toThrow(
      /INVALID_PARAMETER/,
    );
  });

  it('encryptFast (blst hash to G2, mcl pairing) writes the very bytes encrypt (noble) writes', () => {
    for (const length of [0, 5, 300]) {
      const parameters = {
        ...context,
        publicKey,
        message: new Uint8Array(length).fill(length & 0xff),
        seed: seedOf(40 + length),
      };
      expect(toHex(encryptFast(parameters))).toBe(toHex(encrypt(parameters)));
    }
    expect(() =>
      encryptFast({ ...context, publicKey: new Uint8Array(48), message: Uint8Array.of(1), seed: seedOf(0) }),
    ).toThrow(/INVALID_PUBLIC_KEY/);
  });

  it('is deterministic in its seed (a pinned vector, so the format cannot change by accident)', () => {
    const vectorKey = bls12_381.G1.Point.BASE.multiply(0x1234n).toBytes(true);
    const ciphertext = encrypt({
      networkId: 1,
      namespace: `0x${'11'.repeat(32)}`,
      sender: '0x00000000000000000000000000000000000000aa',
      publicKey: vectorKey,
      message: new TextEncoder().encode('synod'),
      seed: new Uint8Array(32).fill(0x5a),
    });
    expect(ciphertext.length).toBe(80 + 5);
    expect(keccak256(ciphertext)).toMatchInlineSnapshot(
      `"0xf401591f11c89ab1de7f1949f39c821737f16aad5cd17491a66dfbd92f105e19"`,
    );
    const identity = ciphertextIdentity(
      {
        networkId: 1,
        namespace: `0x${'11'.repeat(32)}`,
        sender: '0x00000000000000000000000000000000000000aa',
      },
      ciphertext,
    )!;
    expect(decrypt(insecureDecryptionKey(0x1234n, identity), ciphertext)).toEqual({
      ok: true,
      message: new TextEncoder().encode('synod'),
    });
  });
});

describe('envelopes', () => {
  async function inner(payloadBytes: number, nonce = 5n): Promise<SignedTransaction> {
    return signTransaction(
      alice,
      {
        networkId: domain.networkId,
        namespace: APP,
        sender: alice.address,
        nonce,
        payload: toHex(new Uint8Array(payloadBytes).fill(3)),
        validUntil: 2_000_000_000n,
      },
      domain,
    );
  }

  it('an envelope of the largest encrypted payload fits a transaction payload; one byte more is refused', async () => {
    const largest = await inner(MAX_ENCRYPTED_TX_PAYLOAD_BYTES);
    const payload = encryptTransaction({ publicKey, transaction: largest, seed: seedOf(4) });
    expect((payload.length - 2) / 2).toBe(MAX_TX_PAYLOAD_BYTES);
    expect(() =>
      encryptTransaction({
        publicKey,
        transaction: { ...largest, payload: `${largest.payload}03` },
        seed: seedOf(4),
      }),
    ).toThrow(/MESSAGE_TOO_LARGE/);
  });

  it('round-trips: the revealed transaction is the signed plaintext, its fields bound to the envelope', async () => {
    const plaintext = await inner(40);
    const payload = encryptTransaction({ publicKey, transaction: plaintext, seed: seedOf(5) });
    const envelopeTx: SignedTransaction = {
      ...plaintext,
      namespace: ENCRYPTED_NAMESPACE,
      payload,
      signature: plaintext.signature,
    };
    const envelope = parseEnvelope(envelopeTx)!;
    expect(envelope.namespace).toBe(APP);
    const identity = ciphertextIdentity({ ...context, namespace: envelope.namespace }, envelope.ciphertext)!;
    const opened = decryptFast(keyFrom(identity, [1, 3]), envelope.ciphertext);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(revealedTransaction(envelopeTx, envelope.namespace, opened.message)).toEqual({
      ok: true,
      transaction: transactionCodec.decode(transactionCodec.encode(plaintext)),
    });
    // The plaintext must carry the envelope's nonce, sender, expiry and declared namespace.
    for (const change of [
      { nonce: 6n },
      { validUntil: 1n },
      { sender: mallory.address },
      { networkId: 10 },
    ]) {
      expect(revealedTransaction({ ...envelopeTx, ...change }, envelope.namespace, opened.message)).toEqual({
        ok: false,
        reason: 'MISMATCH',
      });
    }
    expect(revealedTransaction(envelopeTx, `0x${'cd'.repeat(32)}`, opened.message).ok).toBe(false);
    expect(revealedTransaction(envelopeTx, envelope.namespace, Uint8Array.of(1, 2))).toEqual({
      ok: false,
      reason: 'UNDECODABLE',
    });
  });

  it('rejects malformed envelopes with DecodeError codes', () => {
    const ok = encryptedEnvelopeCodec.encode({ namespace: APP, ciphertext: new Uint8Array(80) });
    expect(encryptedEnvelopeCodec.decode(ok).namespace).toBe(APP);
    for (const [value, code] of [
      [{ namespace: APP, ciphertext: new Uint8Array(79) }, 'INVALID_VALUE'],
      [{ namespace: ENCRYPTED_NAMESPACE, ciphertext: new Uint8Array(80) }, 'INVALID_VALUE'],
    ] as const) {
      try {
        encryptedEnvelopeCodec.decode(encryptedEnvelopeCodec.encode(value));
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
        expect((error as DecodeError).code).toBe(code);
      }
    }
    expect(parseEnvelope({ payload: '0x0102' })).toBeUndefined();
  });
});

describe('revealed plaintexts, told from the block and block height − 2', () => {
  const APP: Hex = keccak256(toHex('app'));
  const tx = (sender: string, nonce: bigint, namespace: Hex = APP) => ({
    sender: `0x${sender.repeat(40)}` as Hex,
    nonce,
    namespace,
  });
  const envelope = (sender: string, nonce: bigint) => tx(sender, nonce, ENCRYPTED_NAMESPACE);

  it("the leading transactions with an envelope's sender and nonce, in envelope order", () => {
    const earlier = [tx('1', 0n), envelope('a', 3n), tx('2', 0n), envelope('b', 7n)];
    expect(revealedEnvelopeIndices(earlier, [tx('a', 3n), tx('b', 7n), tx('c', 0n)])).toEqual([1, 3]);
  });

  it('an envelope that opened to nothing reveals none; a fair transaction never matches', () => {
    const earlier = [envelope('a', 3n), envelope('b', 7n)];
    // a's did not open: the block starts with b's plaintext.
    expect(revealedEnvelopeIndices(earlier, [tx('b', 7n), tx('a', 4n)])).toEqual([1]);
    // a's sender with another nonce, and an envelope in the block, are not plaintexts of it.
    expect(revealedEnvelopeIndices(earlier, [tx('a', 4n)])).toEqual([]);
    expect(revealedEnvelopeIndices(earlier, [envelope('a', 3n)])).toEqual([]);
    expect(revealedEnvelopeIndices([], [tx('a', 3n)])).toEqual([]);
    expect(revealedEnvelopeIndices(earlier, [])).toEqual([]);
  });
});

describe('DecryptionShares messages', () => {
  it('round-trip, sign over a tagged digest, and refuse more shares than envelopes in a block', () => {
    const message = {
      networkId: 9,
      height: 12,
      validatorIndex: 3,
      shares: [new Uint8Array(96).fill(1), new Uint8Array(96).fill(2)],
      signature: new Uint8Array(96).fill(3),
    };
    const bytes = decryptionSharesCodec.encode(message);
    expect(bytes.length).toBe(2 + 8 + 8 + 4 + 4 + 2 * 96 + 96);
    expect(decryptionSharesCodec.decode(bytes)).toEqual(message);
    // The digest covers every field but the signature, and starts from its own tag.
    const digest = toHex(decryptionSharesMessage(message));
    expect(toHex(decryptionSharesMessage({ ...message, height: 13 }))).not.toBe(digest);
    const resigned = { ...message, signature: new Uint8Array(96) };
    expect(toHex(decryptionSharesMessage(resigned))).toBe(digest);
    expect(() =>
      decryptionSharesCodec.encode({
        ...message,
        shares: Array.from({ length: MAX_BLOCK_ENVELOPES + 1 }, () => new Uint8Array(96)),
      }),
    ).toThrow();
    const truncated = bytes.subarray(0, bytes.length - 1);
    expect(() => decryptionSharesCodec.decode(truncated)).toThrow(DecodeError);
  });
});
