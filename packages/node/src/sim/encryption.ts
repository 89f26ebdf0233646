import {
  decryptionShare,
  ENCRYPTED_NAMESPACE,
  encryptFast,
  encryptTransaction,
  type Hex,
  insecureTrustedDealer,
  insecureTrustedRedeal,
  type SignedTransaction,
  signTransaction,
  type TrustedDealing,
  transactionId,
} from '@synod/protocol';
import { keccak256, toBytes, toHex } from 'viem';
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

// --- encryption ---------------------------------------------------------------------------

/**
 * `encryptTransaction` with `encryptFast` (blst's hash to G2, mcl's pairing: ~4 ms instead of
 * ~20 ms in @noble/curves), byte for byte the same (packages/protocol/test/encryption.test.ts).
 */
export function encryptForSim(publicKey: Uint8Array, transaction: SignedTransaction, seed: Uint8Array): Hex {
  return encryptTransaction({ publicKey, transaction, seed, encrypt: encryptFast });
}
