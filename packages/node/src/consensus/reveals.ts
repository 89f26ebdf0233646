import {
  ciphertextIdentity,
  combineDecryptionShares,
  type DecryptionResult,
  decryptFast,
  type EncryptedEnvelope,
  EncryptionError,
  type Hex,
  isEnvelope,
  parseEnvelope,
  type SignedTransaction,
  ThresholdError,
  verifyDecryptionKey,
  verifyDecryptionShare,
} from '@synod/protocol';

/**
 * Encrypted transactions in consensus (docs/protocol.md "Encrypted transactions"). An envelope
 * ordered in block h is final with h; once block h + 1 is final too, each validator sends its
 * decryption shares of block h's envelopes (a DecryptionShares message), and block h + 2 begins
 * with their plaintexts (or reveals nothing, a deterministic verdict). No share exists before the
 * block after the envelope's is final, so nothing written after reading it is ordered before it.
 */

/** An envelope of a final block, waiting for its reveal two heights later. */
export interface PendingEnvelope {
  txId: Hex;
  tx: SignedTransaction;
  envelope: EncryptedEnvelope;
  /** The ciphertext's identity: what each validator's decryption share signs. */
  identity: Uint8Array;
}

/** The pending envelope of `tx`, or undefined when it is no envelope or does not decode. */
export function pendingEnvelope(tx: SignedTransaction, txId: Hex): PendingEnvelope | undefined {
  if (!isEnvelope(tx)) return undefined;
  const envelope = parseEnvelope(tx);
  if (envelope === undefined) return undefined;
  const identity = ciphertextIdentity(
    { networkId: tx.networkId, namespace: envelope.namespace, sender: tx.sender },
    envelope.ciphertext,
  );
  return identity === undefined ? undefined : { txId, tx, envelope, identity };
}

/** Why an envelope revealed nothing. Every honest node reaches the same verdict. */
export type UndecryptableReason =
  /** The ciphertext's point is not a valid G1 point. */
  | 'MALFORMED_CIPHERTEXT'
  /** The key opens it to nothing (not an honest encryption, or made for another sender or network). */
  | 'DECRYPTION_FAILED'
  /** The plaintext is not a signed transaction. */
  | 'UNDECODABLE'
  /** The plaintext's sender, nonce, network, expiry or namespace differ from the envelope's. */
  | 'MISMATCH'
  /** The plaintext's signature is not its sender's. */
  | 'INVALID_SIGNATURE'
  /** The committee that had to reveal it has no encryption key. */
  | 'NO_KEY';

export type RevealVerdict =
  | { revealed: true; txId: Hex; tx: SignedTransaction }
  | { revealed: false; reason: UndecryptableReason };

export interface Reveal {
  envelope: PendingEnvelope;
  verdict: RevealVerdict;
}

/** Opens envelopes with the decryption shares validators sent (a committee's encryption key). */
export interface EnvelopeOpener {
  /**
   * Decrypts each envelope with the key its shares combine into — `sharesByValidator` maps a
   * validator index to its shares, one per envelope in their order (its DecryptionShares
   * message). Undefined when some envelope has fewer valid shares than the threshold. Any
   * threshold of valid shares give the one key, so the result does not depend on which.
   */
  open(
    envelopes: readonly PendingEnvelope[],
    sharesByValidator: ReadonlyMap<number, readonly Uint8Array[]>,
  ): DecryptionResult[] | undefined;
}

/** The encryption key of a committee: its threshold f + 1, its group key and its members' share keys. */
export interface CommitteeEncryptionKey {
  threshold: number;
  publicKey: Uint8Array;
  /** By validator index. */
  sharePublicKeys: readonly Uint8Array[];
}

/** Results kept per envelope: a block's reveals are derived for every proposal of its height. */
const OPENED_CACHE_ENTRIES = 1024;

/**
 * The node's opener: combines the first `threshold` shares and decrypts (mcl). Only when that
 * fails does it check the key, and only when the key is wrong does it check each share, to drop
 * the bad ones (reported through `onInvalidShare`: the DecryptionShares message that carried it is
 * signed, so the fault is attributable) and combine valid ones.
 */
export function createEnvelopeOpener(
  key: CommitteeEncryptionKey,
  hooks: { onInvalidShare?(validatorIndex: number, envelopeTxId: Hex): void } = {},
): EnvelopeOpener {
  const opened = new Map<Hex, DecryptionResult>();

  const combine = (
    shares: readonly { validatorIndex: number; share: Uint8Array }[],
  ): Uint8Array | undefined => {
    try {
      return combineDecryptionShares(
        shares
          .slice(0, key.threshold)
          .map((entry) => ({ index: entry.validatorIndex + 1, signature: entry.share })),
        key.threshold,
      );
    } catch (error) {
      if (error instanceof ThresholdError) return undefined; // a share that is no G2 point
      throw error;
    }
  };
  const tryDecrypt = (decryptionKey: Uint8Array, ciphertext: Uint8Array): DecryptionResult | undefined => {
    try {
      return decryptFast(decryptionKey, ciphertext);
    } catch (error) {
      if (error instanceof EncryptionError) return undefined; // the combination is no valid key
      throw error;
    }
  };

  const openOne = (
    envelope: PendingEnvelope,
    shares: readonly { validatorIndex: number; share: Uint8Array }[],
  ): DecryptionResult | undefined => {
    if (shares.length < key.threshold) return undefined;
    const optimistic = combine(shares);
    if (optimistic !== undefined) {
      const result = tryDecrypt(optimistic, envelope.envelope.ciphertext);
      // Success is the plaintext (the Fujisaki–Okamoto check binds it to the ciphertext); a
      // failure under the right key is the ciphertext's fault.
      if (result?.ok === true) return result;
      if (result !== undefined && verifyDecryptionKey(key.publicKey, envelope.identity, optimistic))
        return result;
    }
    const valid = shares.filter((entry) => {
      const sharePublicKey = key.sharePublicKeys[entry.validatorIndex];
      const ok =
        sharePublicKey !== undefined && verifyDecryptionShare(sharePublicKey, envelope.identity, entry.share);
      if (!ok) hooks.onInvalidShare?.(entry.validatorIndex, envelope.txId);
      return ok;
    });
    if (valid.length < key.threshold) return undefined;
    const decryptionKey = combine(valid);
    if (decryptionKey === undefined)
      throw new Error('assertion failed: valid decryption shares do not combine');
    const result = tryDecrypt(decryptionKey, envelope.envelope.ciphertext);
    if (result === undefined)
      throw new Error('assertion failed: valid decryption shares combine into no key');
    return result;
  };

  return {
    open(envelopes, sharesByValidator) {
      const results: DecryptionResult[] = [];
      for (const [position, envelope] of envelopes.entries()) {
        let result = opened.get(envelope.txId);
        if (result === undefined) {
          const shares = [...sharesByValidator].flatMap(([validatorIndex, list]) => {
            const share = list[position];
            return share === undefined ? [] : [{ validatorIndex, share }];
          });
          result = openOne(envelope, shares);
          if (result === undefined) return undefined;
          if (opened.size >= OPENED_CACHE_ENTRIES) opened.delete(opened.keys().next().value!);
          opened.set(envelope.txId, result);
        }
        results.push(result);
      }
      return results;
    },
  };
}
