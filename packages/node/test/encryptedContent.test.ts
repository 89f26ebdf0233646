import {
  type Address,
  decryptionShare,
  ENCRYPTED_NAMESPACE,
  encryptTransaction,
  type Hex,
  insecureTrustedDealer,
  type NetworkDomain,
  recoverTransactionSender,
  type SignedTransaction,
  type SignedVoteExtension,
  signTransaction,
  transactionId,
} from '@synod/protocol';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  applyBlock,
  ChainState,
  type ContentContext,
  checkProposalContent,
  deriveBlockContent,
} from '../src/consensus/content.ts';
import { createEnvelopeOpener, type PendingEnvelope, pendingEnvelope } from '../src/consensus/reveals.ts';

/**
 * The content rule for encrypted envelopes (docs/protocol.md "Encrypted transactions"): block
 * h + 2 begins with the plaintexts of block h's envelopes, opened with the decryption shares the
 * validators sent once h + 1 was final; a sender waits for its reveal; verdicts are deterministic.
 */

const domain: NetworkDomain = {
  networkId: 7,
  chainId: 31337,
  inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
};
const APP: Hex = `0x${'ab'.repeat(32)}`;
const alice = privateKeyToAccount(`0x${'0a'.repeat(32)}`);
const mallory = privateKeyToAccount(`0x${'0b'.repeat(32)}`);
const n = 4;
const threshold = 2; // f + 1
const dealing = insecureTrustedDealer(n, threshold, new Uint8Array(32).fill(9));
const encryptionKey = {
  threshold,
  publicKey: dealing.groupPublicKey,
  sharePublicKeys: dealing.shares.map((share) => share.publicKey),
};
const HEIGHT = 5;
const LAST_BLOCK: Hex = `0x${'77'.repeat(32)}`;

async function sign(
  account: typeof alice,
  fields: { namespace: Hex; nonce: bigint; payload: Hex },
): Promise<SignedTransaction> {
  return signTransaction(
    account,
    { networkId: domain.networkId, sender: account.address, validUntil: 4_000_000_000n, ...fields },
    domain,
  );
}

/** An envelope of `inner`, signed by `account` (its sender) with inner's nonce. */
async function envelopeOf(
  account: typeof alice,
  inner: SignedTransaction,
  seed: number,
): Promise<SignedTransaction> {
  const payload = encryptTransaction({
    publicKey: dealing.groupPublicKey,
    transaction: inner,
    seed: new Uint8Array(32).fill(seed),
  });
  return sign(account, { namespace: ENCRYPTED_NAMESPACE, nonce: inner.nonce, payload });
}

function setup(envelopes: SignedTransaction[], options: { encryption?: boolean } = {}) {
  const chain = new ChainState();
  chain.height = HEIGHT;
  chain.lastBlockId = LAST_BLOCK;
  const pending = envelopes.map((tx) => pendingEnvelope(tx, transactionId(tx, domain))!);
  if (pending.length > 0) chain.envelopes.set(HEIGHT - 1, pending);
  for (const tx of envelopes) chain.nextNonces.set(tx.sender.toLowerCase() as Address, tx.nonce + 1n);
  const invalidShares: number[] = [];
  const bodies = new Map<Hex, SignedTransaction>();
  /** The DecryptionShares "received": validator index → its shares of the envelopes due. */
  const sharePool = new Map<number, readonly Uint8Array[]>();
  const opener = createEnvelopeOpener(encryptionKey, {
    onInvalidShare: (index) => invalidShares.push(index),
  });
  const context: ContentContext = {
    domain,
    epoch: 0,
    validatorCount: n,
    signerCount: n,
    feeds: [],
    genesisTimestampMs: 0,
    chain,
    body: (txId) => bodies.get(txId),
    isAuthentic: (tx, txId) =>
      recoverTransactionSender(tx, domain) === tx.sender.toLowerCase() && transactionId(tx, domain) === txId,
    verifyExtension: () => true,
    ...(options.encryption === false
      ? {}
      : { encryption: { open: (due: readonly PendingEnvelope[]) => opener.open(due, sharePool) } }),
  };
  const extension = (
    validatorIndex: number,
    shares: Uint8Array[],
    inclusionList: { txId: Hex; firstSeenMs: number }[] = [],
  ): SignedVoteExtension => {
    // Its DecryptionShares message arrived: what the content function opens envelopes with.
    if (shares.length > 0) sharePool.set(validatorIndex, shares);
    return extensionOf(validatorIndex, inclusionList);
  };
  const extensionOf = (
    validatorIndex: number,
    inclusionList: { txId: Hex; firstSeenMs: number }[],
  ): SignedVoteExtension => ({
    networkId: domain.networkId,
    height: HEIGHT,
    round: 0,
    blockId: LAST_BLOCK,
    validatorIndex,
    timestampMs: 1_800_000_000_000 + validatorIndex,
    inclusionList,
    prices: [],
    signature: new Uint8Array(96),
  });
  const honestShares = (validatorIndex: number) =>
    pending.map((entry) => decryptionShare(dealing.shares[validatorIndex]!.secretKey, entry.identity));
  return { chain, context, pending, bodies, invalidShares, extension, honestShares, sharePool };
}

describe('encrypted envelopes in the block content', () => {
  it('block h + 2 begins with the plaintexts of block h, in envelope order, under any f + 1 shares', async () => {
    const first = await sign(alice, { namespace: APP, nonce: 3n, payload: '0xc0ffee' });
    const second = await sign(mallory, { namespace: APP, nonce: 0n, payload: '0xbeef' });
    const envelopes = [await envelopeOf(alice, first, 1), await envelopeOf(mallory, second, 2)];
    const { context, extension, honestShares } = setup(envelopes);
    for (const signers of [
      [0, 1, 2],
      [1, 2, 3],
    ]) {
      const derived = deriveBlockContent(
        context,
        signers.map((i) => extension(i, honestShares(i))),
        0,
      );
      expect(derived.ok).toBe(true);
      if (!derived.ok) return;
      expect(derived.content.transactions.map((entry) => entry.txId)).toEqual([
        transactionId(first, domain),
        transactionId(second, domain),
      ]);
      expect(derived.content.reveals.map((reveal) => reveal.verdict.revealed)).toEqual([true, true]);
      // The revealed transactions are the block's first leaves, in the app's namespace batch.
      expect(derived.content.header.txCount).toBe(2);
      expect(derived.content.header.namespaceCount).toBe(1);
    }
  });

  it('a byzantine signer’s bad share is found, attributed, and the reveal still happens', async () => {
    const inner = await sign(alice, { namespace: APP, nonce: 0n, payload: '0x01' });
    const { context, extension, honestShares, invalidShares } = setup([await envelopeOf(alice, inner, 3)]);
    const bad = extension(0, [decryptionShare(dealing.shares[0]!.secretKey, new Uint8Array(32))]);
    const derived = deriveBlockContent(
      context,
      [bad, extension(1, honestShares(1)), extension(2, honestShares(2))],
      0,
    );
    expect(derived.ok && derived.content.transactions[0]!.txId).toBe(transactionId(inner, domain));
    expect(invalidShares).toEqual([0]);
  });

  it('fewer than f + 1 valid shares make no block: missing-shares, never a wrong verdict', async () => {
    const inner = await sign(alice, { namespace: APP, nonce: 0n, payload: '0x01' });
    const { context, extension, honestShares } = setup([await envelopeOf(alice, inner, 4)]);
    const garbage = (i: number) =>
      extension(i, [decryptionShare(dealing.shares[i]!.secretKey, new Uint8Array(32))]);
    expect(deriveBlockContent(context, [garbage(0), garbage(1), extension(2, honestShares(2))], 0)).toEqual({
      ok: false,
      reason: 'missing-shares',
    });
  });

  it('a proposal is checked against the shares at hand: missing-shares until f + 1 arrive, whatever its extensions', async () => {
    const inner = await sign(alice, { namespace: APP, nonce: 0n, payload: '0x01' });
    const { context, extension, honestShares, sharePool } = setup([await envelopeOf(alice, inner, 5)]);
    const extensions = [extension(0, honestShares(0)), extension(1, honestShares(1)), extension(2, [])];
    const derived = deriveBlockContent(context, extensions, 0);
    expect(derived.ok).toBe(true);
    if (!derived.ok) return;
    const proposal = {
      networkId: domain.networkId,
      height: HEIGHT + 1,
      round: 0,
      validRound: -1,
      proposerIndex: 0,
      header: derived.content.header,
      transactionIds: derived.content.transactions.map((entry) => entry.txId),
      prices: [],
      validRoundCertificate: null,
      signature: new Uint8Array(96),
    };
    expect(checkProposalContent(context, { ...proposal, extensions })).toMatchObject({ valid: true });
    // A node that holds one share only (f + 1 = 2) cannot check it yet: it waits, it does not judge.
    const fresh = setup([await envelopeOf(alice, inner, 5)]);
    fresh.extension(2, fresh.honestShares(2));
    expect(checkProposalContent(fresh.context, { ...proposal, extensions })).toEqual({
      valid: false,
      reason: 'missing-shares',
    });
    fresh.sharePool.set(3, fresh.honestShares(3));
    expect(checkProposalContent(fresh.context, { ...proposal, extensions })).toMatchObject({ valid: true });
    expect(sharePool.size).toBe(2);
  });

  it('a ciphertext copied into another sender’s envelope reveals nothing (DECRYPTION_FAILED)', async () => {
    const inner = await sign(alice, { namespace: APP, nonce: 0n, payload: '0x01' });
    const original = await envelopeOf(alice, inner, 6);
    const copy = await sign(mallory, {
      namespace: ENCRYPTED_NAMESPACE,
      nonce: 0n,
      payload: original.payload,
    });
    const { context, extension, honestShares } = setup([copy]);
    const derived = deriveBlockContent(
      context,
      [0, 1, 2].map((i) => extension(i, honestShares(i))),
      0,
    );
    expect(derived.ok).toBe(true);
    if (!derived.ok) return;
    expect(derived.content.transactions).toEqual([]);
    expect(derived.content.reveals[0]!.verdict).toEqual({ revealed: false, reason: 'DECRYPTION_FAILED' });
  });

  it('a plaintext that is not the envelope’s own transaction is a MISMATCH verdict', async () => {
    // Alice encrypts a transaction with another nonce than her envelope's.
    const inner = await sign(alice, { namespace: APP, nonce: 9n, payload: '0x01' });
    const payload = encryptTransaction({
      publicKey: dealing.groupPublicKey,
      transaction: inner,
      seed: new Uint8Array(32).fill(7),
    });
    const envelope = await sign(alice, { namespace: ENCRYPTED_NAMESPACE, nonce: 0n, payload });
    const { context, extension, honestShares } = setup([envelope]);
    const derived = deriveBlockContent(
      context,
      [0, 1, 2].map((i) => extension(i, honestShares(i))),
      0,
    );
    expect(derived.ok && derived.content.reveals[0]!.verdict).toEqual({
      revealed: false,
      reason: 'MISMATCH',
    });
  });

  it('a sender waits for its reveal, and an envelope ends its sender’s run in a block', async () => {
    const { chain, context, bodies, extension } = setup([]);
    // Alice's envelope (nonce 0) is in the last block: her nonce 1 must wait for its reveal.
    const hidden = await sign(alice, { namespace: APP, nonce: 0n, payload: '0x01' });
    const waiting = await envelopeOf(alice, hidden, 8);
    chain.envelopes.set(HEIGHT, [pendingEnvelope(waiting, transactionId(waiting, domain))!]);
    chain.nextNonces.set(alice.address.toLowerCase() as Address, 1n);
    const aliceNext = await sign(alice, { namespace: APP, nonce: 1n, payload: '0x02' });
    // Mallory sends an envelope (nonce 0) and a plaintext (nonce 1) at once: only the envelope goes.
    const malloryHidden = await sign(mallory, { namespace: APP, nonce: 0n, payload: '0x03' });
    const malloryEnvelope = await envelopeOf(mallory, malloryHidden, 9);
    const malloryNext = await sign(mallory, { namespace: APP, nonce: 1n, payload: '0x04' });
    const candidates = [aliceNext, malloryEnvelope, malloryNext].map((tx) => {
      const txId = transactionId(tx, domain);
      bodies.set(txId, tx);
      return { txId, firstSeenMs: 1_000 };
    });
    candidates.sort((a, b) => (a.txId < b.txId ? -1 : 1));
    const derived = deriveBlockContent(
      context,
      [0, 1, 2].map((i) => extension(i, [], candidates)),
      0,
    );
    expect(derived.ok && derived.content.transactions.map((entry) => entry.txId)).toEqual([
      transactionId(malloryEnvelope, domain),
    ]);
    // Without an encryption key nothing is ordered but the plaintext that does not wait.
    const plain = setup([], { encryption: false });
    for (const tx of [malloryEnvelope, malloryNext]) plain.bodies.set(transactionId(tx, domain), tx);
    const withoutKey = deriveBlockContent(
      plain.context,
      [0, 1, 2].map((i) =>
        plain.extension(
          i,
          [],
          candidates.filter((c) => plain.bodies.has(c.txId)),
        ),
      ),
      0,
    );
    expect(withoutKey.ok && withoutKey.content.transactions.length).toBe(0);
  });

  it('applyBlock keeps the envelopes of the last two blocks only', async () => {
    const inner = await sign(alice, { namespace: APP, nonce: 0n, payload: '0x01' });
    const envelope = await envelopeOf(alice, inner, 10);
    const { chain, context, extension, honestShares } = setup([envelope]);
    const derived = deriveBlockContent(
      context,
      [0, 1, 2].map((i) => extension(i, honestShares(i))),
      0,
    );
    if (!derived.ok) throw new Error(derived.reason);
    expect([...chain.envelopes.keys()]).toEqual([HEIGHT - 1]);
    applyBlock(chain, derived.content);
    // Block HEIGHT + 1 revealed the envelopes of HEIGHT − 1: they are gone; it held none itself.
    expect([...chain.envelopes.keys()]).toEqual([]);
    expect(chain.nextNonce(alice.address.toLowerCase() as Address)).toBe(1n);
  });
});
