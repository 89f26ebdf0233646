// `pnpm bench crypto`: throughput of the crypto on the hot paths. These are the ceilings the
// network benchmark (issue #9) is measured against. Writes bench/results/crypto.json with
// exactly the keys issue #2 names (ops/s unless the key ends in Ms).

import { loadavg } from 'node:os';
import {
  blsPublicKey,
  blsSecretKeyFromSeed,
  blsSign,
  blsVerify,
  ciphertextIdentity,
  combineDecryptionShares,
  decrypt,
  decryptFast,
  decryptionShare,
  encryptTransaction,
  insecureTrustedDealer,
  type PartialSignature,
  parseEnvelope,
  partialSign,
  recoverGroupSignature,
  recoverPublicKeyNoble,
  secp256k1Backend,
  transactionId,
  verifyDecryptionKey,
  verifyDecryptionShare,
  verifyGroupSignature,
} from '@synod/protocol';
import { hexToBytes, keccak256, toBytes } from 'viem';
import {
  measure,
  measureSecp256k1RecoverNative,
  medianMs,
  printTable,
  recoveryFixture,
  writeResults,
} from './support.ts';

if (secp256k1Backend !== 'native') {
  throw new Error('native libsecp256k1 did not load: the benchmark would measure the fallback twice');
}

const { domain, transaction, rs, recovery, digest } = await recoveryFixture();

const secp256k1RecoverNative = await measureSecp256k1RecoverNative();
const secp256k1RecoverNoble = measure(() => recoverPublicKeyNoble(rs, recovery, digest), 1000, 5);
let nonce = 0n;
const eip712Hash = measure(() => transactionId({ ...transaction, nonce: nonce++ }, domain));

const secretKey = blsSecretKeyFromSeed(new Uint8Array(32).fill(7));
const publicKey = blsPublicKey(secretKey);
const message = hexToBytes(keccak256(toBytes('synod bench message')));
const signature = blsSign(secretKey, message);
const blsSignRate = measure(() => blsSign(secretKey, message));
const blsVerifyRate = measure(() => blsVerify(publicKey, message, signature));

function thresholdRecoverMs(threshold: number): number {
  // A committee of n = 3f+1 with t = 2f+1, and the *last* t shares: indices f+2 .. n, not
  // 1 .. t, whose Lagrange weights are the cheapest case and would flatter the number.
  const n = (3 * (threshold - 1)) / 2 + 1;
  const dealing = insecureTrustedDealer(n, threshold, new Uint8Array(32).fill(threshold));
  const partials: PartialSignature[] = dealing.shares
    .slice(n - threshold)
    .map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) }));
  const group = recoverGroupSignature(partials, threshold);
  if (!verifyGroupSignature(dealing.groupPublicKey, message, group)) {
    throw new Error(`recovered signature for t=${threshold} does not verify`);
  }
  return medianMs(() => recoverGroupSignature(partials, threshold));
}

/**
 * Transaction encryption (issue #19), per transaction: the client encrypts once (noble, the
 * SDK's path); every validator makes one decryption share; every node combines f+1 shares and
 * decrypts (mcl). Verifying the combined key or single shares happens only when a decryption
 * fails, to tell a bad share from an undecryptable ciphertext. A committee of n = 3f+1.
 */
function encryptionCosts(f: number) {
  const n = 3 * f + 1;
  const threshold = f + 1;
  const dealing = insecureTrustedDealer(n, threshold, new Uint8Array(32).fill(40 + f));
  // A ~200-byte order, the perps app's order size with room to spare.
  const plaintext = {
    ...transaction,
    payload: `0x${'5a'.repeat(200)}` as const,
    signature: `0x${'11'.repeat(65)}` as const,
  };
  let seedCounter = 0;
  const seed = () => new Uint8Array(32).fill(seedCounter++ & 0xff);
  const payload = encryptTransaction({
    publicKey: dealing.groupPublicKey,
    transaction: plaintext,
    seed: seed(),
  });
  const envelope = parseEnvelope({ payload })!;
  const context = { networkId: plaintext.networkId, namespace: envelope.namespace, sender: plaintext.sender };
  const identity = ciphertextIdentity(context, envelope.ciphertext)!;
  // The last f+1 shares, not the cheapest first ones (see thresholdRecoverMs).
  const shares: PartialSignature[] = dealing.shares
    .slice(n - threshold)
    .map((share) => ({ index: share.index, signature: decryptionShare(share.secretKey, identity) }));
  const key = combineDecryptionShares(shares, threshold);
  if (
    !verifyDecryptionKey(dealing.groupPublicKey, identity, key) ||
    !decryptFast(key, envelope.ciphertext).ok
  ) {
    throw new Error(`encryption round trip failed for n=${n}`);
  }
  const encryptMs = medianMs(
    () => encryptTransaction({ publicKey: dealing.groupPublicKey, transaction: plaintext, seed: seed() }),
    40,
  );
  const identityMs = medianMs(() => ciphertextIdentity(context, envelope.ciphertext));
  const shareMs = medianMs(() => decryptionShare(dealing.shares[0]!.secretKey, identity));
  const verifyShareMs = medianMs(() =>
    verifyDecryptionShare(dealing.shares.at(-1)!.publicKey, identity, shares.at(-1)!.signature),
  );
  const combineMs = medianMs(() => combineDecryptionShares(shares, threshold));
  const verifyKeyMs = medianMs(() => verifyDecryptionKey(dealing.groupPublicKey, identity, key));
  const decryptMs = medianMs(() => decryptFast(key, envelope.ciphertext));
  const decryptNobleMs = medianMs(() => decrypt(key, envelope.ciphertext), 20);
  const round = (value: number) => Number(value.toFixed(3));
  return {
    n,
    threshold,
    encryptMs: round(encryptMs),
    identityMs: round(identityMs),
    shareMs: round(shareMs),
    verifyShareMs: round(verifyShareMs),
    combineMs: round(combineMs),
    verifyKeyMs: round(verifyKeyMs),
    decryptMs: round(decryptMs),
    decryptNobleMs: round(decryptNobleMs),
    /** What one node spends per encrypted transaction when all goes well: its share, the combination, the decryption. */
    perTransactionNodeMs: round(shareMs + combineMs + decryptMs),
  };
}

const encryption = { '4': encryptionCosts(1), '16': encryptionCosts(5) };

const results = {
  secp256k1RecoverNative: Math.round(secp256k1RecoverNative.opsPerSecond),
  secp256k1RecoverNoble: Math.round(secp256k1RecoverNoble.opsPerSecond),
  eip712Hash: Math.round(eip712Hash.opsPerSecond),
  blsSign: Math.round(blsSignRate.opsPerSecond),
  blsVerify: Math.round(blsVerifyRate.opsPerSecond),
  blsVerifyMs: Number(blsVerifyRate.msPerOp.toFixed(3)),
  thresholdRecoverMs: {
    '3': Number(thresholdRecoverMs(3).toFixed(3)),
    '5': Number(thresholdRecoverMs(5).toFixed(3)),
    '11': Number(thresholdRecoverMs(11).toFixed(3)),
  },
  encryption,
  nodeVersion: process.version,
  loadAverage: Number(loadavg()[0]!.toFixed(2)),
};

const targets = {
  secp256k1RecoverNative: results.secp256k1RecoverNative >= 10_000,
  thresholdRecoverMs5: results.thresholdRecoverMs['5'] <= 2,
};
printTable('crypto (one core)', [
  [
    'secp256k1RecoverNative',
    `${results.secp256k1RecoverNative} /s  (target ≥ 10000: ${targets.secp256k1RecoverNative ? 'met' : 'MISSED'})`,
  ],
  ['secp256k1RecoverNoble', `${results.secp256k1RecoverNoble} /s`],
  ['eip712Hash', `${results.eip712Hash} /s`],
  ['blsSign', `${results.blsSign} /s`],
  ['blsVerify', `${results.blsVerify} /s  (${results.blsVerifyMs} ms)`],
  ['thresholdRecoverMs t=3', `${results.thresholdRecoverMs['3']} ms`],
  [
    'thresholdRecoverMs t=5',
    `${results.thresholdRecoverMs['5']} ms  (target ≤ 2: ${targets.thresholdRecoverMs5 ? 'met' : 'MISSED'})`,
  ],
  ['thresholdRecoverMs t=11', `${results.thresholdRecoverMs['11']} ms`],
  ...Object.values(encryption).map((costs): [string, string] => [
    `encryption n=${costs.n} (t=${costs.threshold})`,
    `encrypt ${costs.encryptMs} ms (client) · share ${costs.shareMs} · combine ${costs.combineMs} · decrypt ${costs.decryptMs} (noble ${costs.decryptNobleMs}) · node per tx ${costs.perTransactionNodeMs} ms · on failure: verify key ${costs.verifyKeyMs}, a share ${costs.verifyShareMs}`,
  ]),
  ['nodeVersion', results.nodeVersion],
  ['loadAverage', String(results.loadAverage)],
]);
process.stdout.write(`\nwrote ${writeResults('crypto', results)}\n`);
