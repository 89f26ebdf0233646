// `pnpm bench crypto`: throughput of the crypto on the hot paths. These are the ceilings the
// network benchmark (issue #9) is measured against. Writes bench/results/crypto.json with
// exactly the keys issue #2 names (ops/s unless the key ends in Ms).
import {
  blsPublicKey,
  blsSecretKeyFromSeed,
  blsSign,
  blsVerify,
  insecureTrustedDealer,
  type PartialSignature,
  partialSign,
  recoverGroupSignature,
  recoverPublicKeyNoble,
  secp256k1Backend,
  transactionId,
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
  nodeVersion: process.version,
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
  ['nodeVersion', results.nodeVersion],
]);
process.stdout.write(`\nwrote ${writeResults('crypto', results)}\n`);
