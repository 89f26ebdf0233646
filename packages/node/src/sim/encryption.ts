import { createCipheriv } from 'node:crypto';
import {
  BLS_CURVE_ORDER,
  decryptionShare,
  ENCRYPTED_NAMESPACE,
  ENCRYPTION_MASK_TAG,
  ENCRYPTION_RANDOMNESS_TAG,
  ENCRYPTION_STREAM_TAG,
  type EncryptionContext,
  encryptedEnvelopeCodec,
  encryptionIdentity,
  encryptTransaction,
  type Hex,
  insecureTrustedDealer,
  insecureTrustedRedeal,
  type SignedTransaction,
  signTransaction,
  type TrustedDealing,
  toLowerHex,
  transactionCodec,
  transactionId,
} from '@synod/protocol';
import * as mcl from 'mcl-wasm';
import { hexToBytes, keccak256, toBytes, toHex } from 'viem';
import { faultTolerance } from '../consensus/content.ts';
import { createEnvelopeOpener, pendingEnvelope } from '../consensus/reveals.ts';
import type { EpochEncryption } from '../driver/types.ts';
import { type PoolTransaction, SIM_DOMAIN, senderAccount } from './workload.ts';

/**
 * Encrypted transactions in the simulator (issue #19, docs/consensus.md "Simulator"). In the runs
 * that draw it (scenario.ts ENCRYPTION_STREAM), every epoch's committee has an encryption key of
 * threshold f + 1: one secret, fixed for the process, redealt to each committee size and epoch
 * (what a reshare of the encryption key leaves: the key stays, the shares change), so the pool's
 * envelopes are encrypted once per process and every run can reveal them. Encryption is always
 * real BLS (it is cheap), in fake-crypto runs too. The nodes' openers are the node's own
 * (`createEnvelopeOpener`); one per epoch is shared by all simulated nodes of a run (its results
 * are deterministic), each node signing its shares with its own share key.
 */

/** The secret every sim committee's encryption key shares: a dealing to one party, threshold 1. */
const ROOT_DEALING = insecureTrustedDealer(1, 1, keccak256(toBytes('synod/sim/encryption/root'), 'bytes'));

/** The committee encryption key of every simulated run (a redeal keeps it). */
export const SIM_ENCRYPTION_PUBLIC_KEY: Uint8Array = ROOT_DEALING.groupPublicKey;

/** f + 1 of a committee of n. */
export function encryptionThreshold(validatorCount: number): number {
  return faultTolerance(validatorCount) + 1;
}

const dealingMemo = new Map<string, TrustedDealing>();

/**
 * The encryption dealing of each epoch of a run whose committees have `sizes` members: genesis a
 * redeal of the root secret to sizes[0], each later epoch a redeal of the previous one, all
 * deterministic in the sizes so that they are dealt once per process.
 */
export function simEncryptionDealings(sizes: readonly number[]): TrustedDealing[] {
  const dealings: TrustedDealing[] = [];
  for (let epoch = 0; epoch < sizes.length; epoch++) {
    const path = sizes.slice(0, epoch + 1).join('/');
    let dealing = dealingMemo.get(path);
    if (dealing === undefined) {
      const n = sizes[epoch]!;
      dealing = insecureTrustedRedeal(
        epoch === 0 ? ROOT_DEALING : dealings[epoch - 1]!,
        n,
        encryptionThreshold(n),
        keccak256(toBytes(`synod/sim/encryption/${path}`), 'bytes'),
      );
      dealingMemo.set(path, dealing);
    }
    dealings.push(dealing);
  }
  return dealings;
}

/** A run's encryption keys: each epoch's dealing and, per process, what its driver is handed. */
export interface SimEncryption {
  /** Committee size of each epoch. */
  readonly sizes: readonly number[];
  /** Each epoch's dealing (test-only trusted dealer; the group key is the same in every epoch). */
  readonly dealings: readonly TrustedDealing[];
  /** The EpochEncryption of process `process` in `epoch`: its own share (none outside the committee), the run's opener. */
  encryptionFor(process: number, epoch: number): EpochEncryption;
}

export function createSimEncryption(sizes: readonly number[]): SimEncryption {
  const dealings = simEncryptionDealings(sizes);
  const keys = dealings.map((dealing, epoch) => ({
    threshold: encryptionThreshold(sizes[epoch]!),
    publicKey: dealing.groupPublicKey,
    sharePublicKeys: dealing.shares.map((share) => share.publicKey),
  }));
  // One per epoch and run: shared by the run's nodes (saves their pairings), never across runs.
  const openers = keys.map((key) => createEnvelopeOpener(key));
  return {
    sizes,
    dealings,
    encryptionFor: (process, epoch) => ({
      ...keys[epoch]!,
      shareSecretKey: dealings[epoch]!.shares[process]?.secretKey,
      opener: openers[epoch]!,
    }),
  };
}

const shareMemo = new Map<string, Hex>();

/**
 * Whose decryption share of which envelope each possible share of the run is: validator v's share
 * key of every epoch over each envelope's identity (BLS shares are deterministic), for the
 * validators `of` (all when absent). The checker reads shares it finds in the run's messages with it.
 */
export function shareOwners(
  encryption: SimEncryption,
  envelopes: readonly { txId: Hex; identity: Uint8Array }[],
  of?: readonly number[],
): Map<Hex, { validatorIndex: number; envelopeTxId: Hex; epoch: number }> {
  const owners = new Map<Hex, { validatorIndex: number; envelopeTxId: Hex; epoch: number }>();
  for (const [epoch, dealing] of encryption.dealings.entries()) {
    const path = encryption.sizes.slice(0, epoch + 1).join('/');
    for (const [validatorIndex, share] of dealing.shares.entries()) {
      if (of !== undefined && !of.includes(validatorIndex)) continue;
      for (const envelope of envelopes) {
        const key = `${path}/${validatorIndex}/${envelope.txId}`;
        let bytes = shareMemo.get(key);
        if (bytes === undefined) {
          bytes = toHex(decryptionShare(share.secretKey, envelope.identity));
          shareMemo.set(key, bytes);
        }
        owners.set(bytes, { validatorIndex, envelopeTxId: envelope.txId, epoch });
      }
    }
  }
  return owners;
}

// --- envelopes of the pool ---------------------------------------------------------------------

const envelopeMemo = new Map<Hex, Promise<PoolTransaction>>();

/**
 * The envelope that hides pool transaction `plaintext`: its sender signs a transaction of
 * ENCRYPTED_NAMESPACE with the same nonce and validUntil whose payload encrypts it to the sim
 * key, from a fixed seed, so the envelope is the same in every run. Built once per process.
 */
export function envelopeOf(plaintext: PoolTransaction): Promise<PoolTransaction> {
  let envelope = envelopeMemo.get(plaintext.txId);
  if (envelope === undefined) {
    envelope = buildEnvelope(plaintext);
    envelopeMemo.set(plaintext.txId, envelope);
  }
  return envelope;
}

async function buildEnvelope(plaintext: PoolTransaction): Promise<PoolTransaction> {
  const inner = plaintext.tx;
  const seed = keccak256(toBytes(`synod/sim/envelope/${plaintext.txId}`), 'bytes');
  const payload = encryptForSim(SIM_ENCRYPTION_PUBLIC_KEY, inner, seed);
  const tx = await signTransaction(
    senderAccount(plaintext.senderIndex),
    {
      networkId: inner.networkId,
      namespace: ENCRYPTED_NAMESPACE,
      sender: inner.sender,
      nonce: inner.nonce,
      payload,
      validUntil: inner.validUntil,
    },
    SIM_DOMAIN,
  );
  const txId = transactionId(tx, SIM_DOMAIN);
  const pending = pendingEnvelope(tx, txId);
  if (pending === undefined) throw new Error('simulator assertion failed: an envelope that does not parse');
  return {
    txId,
    tx,
    sender: plaintext.sender,
    senderIndex: plaintext.senderIndex,
    envelope: { plaintextTxId: plaintext.txId, identity: pending.identity },
  };
}

// --- encryption in mcl -------------------------------------------------------------------------

let referenceChecked = false;

/**
 * `encryptTransaction` with the pairing in mcl (~4 ms instead of ~25 ms in @noble/curves): the
 * same arithmetic as scheme.ts `encrypt`, step for step. The first call of a process is compared
 * byte for byte with the reference, and test/simEncryption.test.ts compares more; an envelope
 * that differed would open to nothing, which the encryption checker reports.
 */
export function encryptForSim(publicKey: Uint8Array, transaction: SignedTransaction, seed: Uint8Array): Hex {
  const message = transactionCodec.encode(transaction);
  const context: EncryptionContext = {
    networkId: transaction.networkId,
    namespace: transaction.namespace,
    sender: transaction.sender,
  };
  const r = encryptionRandomness(seed, message);
  const point = mcl.mul(g1Generator(), scalar(r)).serialize();
  const identity = encryptionIdentity(context, point);
  const pairing = canonicalPairingBytes(
    mcl.pairing(mcl.mul(g1Point(publicKey), scalar(r)), g2Point(hashToG2(identity))),
  );
  const ciphertext = new Uint8Array(point.length + 32 + message.length);
  ciphertext.set(point, 0);
  ciphertext.set(xor(seed, tagged(ENCRYPTION_MASK_TAG, pairing)), point.length);
  ciphertext.set(encryptionStream(seed, message), point.length + 32);
  const payload = toLowerHex(
    encryptedEnvelopeCodec.encode({ namespace: transaction.namespace, ciphertext }),
  ) as Hex;
  if (!referenceChecked) {
    const reference = encryptTransaction({ publicKey, transaction, seed });
    if (reference !== payload)
      throw new Error('simulator assertion failed: encryptForSim differs from encryptTransaction');
    referenceChecked = true;
  }
  return payload;
}

function tagged(tag: Hex, ...parts: Uint8Array[]): Uint8Array {
  const tagBytes = hexToBytes(tag);
  let length = tagBytes.length;
  for (const part of parts) length += part.length;
  const input = new Uint8Array(length);
  input.set(tagBytes, 0);
  let offset = tagBytes.length;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.length;
  }
  return keccak256(input, 'bytes');
}

/** r = H_r(σ, m) in [1, order) (scheme.ts encryptionRandomness). */
function encryptionRandomness(seed: Uint8Array, message: Uint8Array): bigint {
  const messageHash = keccak256(message, 'bytes');
  const wide = new Uint8Array(64);
  wide.set(tagged(ENCRYPTION_RANDOMNESS_TAG, Uint8Array.of(0), seed, messageHash), 0);
  wide.set(tagged(ENCRYPTION_RANDOMNESS_TAG, Uint8Array.of(1), seed, messageHash), 32);
  let value = 0n;
  for (const byte of wide) value = (value << 8n) | BigInt(byte);
  return (value % (BLS_CURVE_ORDER - 1n)) + 1n;
}

/** ChaCha20 under H_stream(σ), zero nonce and counter (scheme.ts encryptionStream). */
function encryptionStream(seed: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20', tagged(ENCRYPTION_STREAM_TAG, seed), new Uint8Array(16));
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** The secret key 1: its BLS signature of a message is the message hashed to G2 (the same DST). */
const ONE = (() => {
  const bytes = new Uint8Array(32);
  bytes[31] = 1;
  return bytes;
})();

function hashToG2(message: Uint8Array): Uint8Array {
  return decryptionShare(ONE, message);
}

function scalar(value: bigint): mcl.Fr {
  const fr = new mcl.Fr();
  fr.setStr(value.toString(16), 16);
  return fr;
}

let generator: mcl.G1 | undefined;
function g1Generator(): mcl.G1 {
  if (generator === undefined) {
    generator = new mcl.G1();
    generator.deserializeHexStr(
      '97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb',
    );
  }
  return generator;
}

const g1Points = new Map<string, mcl.G1>();
function g1Point(bytes: Uint8Array): mcl.G1 {
  const key = toHex(bytes);
  let point = g1Points.get(key);
  if (point === undefined) {
    point = new mcl.G1();
    point.deserialize(bytes);
    g1Points.set(key, point);
  }
  return point;
}

function g2Point(bytes: Uint8Array): mcl.G2 {
  const point = new mcl.G2();
  point.deserialize(bytes);
  return point;
}

/** mcl writes every Fp2 of a GT element c1 ‖ c0, the canonical encoding c0 ‖ c1 (encryption/fast.ts). */
function canonicalPairingBytes(value: mcl.GT): Uint8Array {
  const raw = value.serialize();
  const out = new Uint8Array(raw.length);
  for (let offset = 0; offset < raw.length; offset += 96) {
    out.set(raw.subarray(offset + 48, offset + 96), offset);
    out.set(raw.subarray(offset, offset + 48), offset + 48);
  }
  return out;
}
