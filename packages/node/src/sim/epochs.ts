import {
  COMMITTEE_NAMESPACE,
  committeeSize,
  type Hex,
  insecureTrustedDealer,
  insecureTrustedRedeal,
  partialSign,
  recoverGroupSignature,
  type SignedTransaction,
  signTransaction,
  type TrustedDealing,
  toLowerHex,
  transactionId,
  transitionMessage,
  transitionRecordCodec,
} from '@synod/protocol';
import { keccak256, toBytes, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createBlsConsensusCrypto } from '../consensus/blsCrypto.ts';
import type { ConsensusCrypto } from '../consensus/types.ts';
import type { CommitteeTransitions, EpochCommittee } from '../driver/types.ts';
import { createBlsTransitions } from '../epochs/transitions.ts';
import type { SimEncryption } from './encryption.ts';
import {
  createFakeCommittee,
  createFakeCrypto,
  type FakeCommittee,
  fakeTransitionSignature,
} from './fakeCrypto.ts';
import { SIM_DOMAIN } from './workload.ts';

/**
 * The committees of a run's epochs (docs/consensus.md "Epochs", "Simulator"): epoch 0 is the
 * genesis committee, each later one the result of a reshare to `sizes[e]` members — the
 * simulated processes 0 … sizes[e] − 1, so a process keeps its validator index across epochs (a
 * member joins or leaves at the end). Every epoch shares the group key. The reshare itself is not
 * simulated (packages/protocol tests it); what is, is its outcome reaching the chain: a
 * transition record submitted as a transaction by an operator, ordered, finalized, and the switch
 * at its activation height at every node. An encryption key (sim/encryption.ts) goes the same
 * way: each epoch's is a redeal of one secret, handed in the committee its transition installs.
 */
export interface SimCommittee {
  /** Genesis crypto of validator `validatorIndex` (−1: a process outside the genesis committee). */
  cryptoFor(validatorIndex: number): ConsensusCrypto;
  /** The committee transitions a process applies (absent: the run has one epoch). */
  transitionsFor?(process: number): CommitteeTransitions;
  /** The operator's signed record transaction for `epoch` ≥ 1. */
  recordOf?(epoch: number): { tx: SignedTransaction; txId: Hex };
  /**
   * The run's encryption keys (absent: its committees have none). Genesis's reaches each driver
   * in its deps; a later epoch's in the committee its transition installs, like its signing key.
   */
  encryption?: SimEncryption;
}

/** The operator that submits transition records in the simulator (a plain sender key). */
const operator = privateKeyToAccount(keccak256(toBytes('synod/sim/operator')));

async function signedRecord(epoch: number, payload: Hex): Promise<{ tx: SignedTransaction; txId: Hex }> {
  const tx = await signTransaction(
    operator,
    {
      networkId: SIM_DOMAIN.networkId,
      namespace: COMMITTEE_NAMESPACE,
      sender: operator.address,
      nonce: BigInt(epoch - 1),
      payload,
      validUntil: 10_000_000_000n,
    },
    SIM_DOMAIN,
  );
  return { tx, txId: transactionId(tx, SIM_DOMAIN) };
}

/** Fast stand-in: a record is `synod/sim/transition/<epoch>/<n>/<signature>` with a fake group signature. */
export async function createFakeEpochs(
  seed: number,
  sizes: readonly number[],
  encryption?: SimEncryption,
): Promise<SimCommittee> {
  const committees = sizes.map((n, epoch) => createFakeCommittee(n, seed, epoch));
  const genesis = committees[0]!;
  const records = await Promise.all(
    sizes.slice(1).map((n, i) => {
      const epoch = i + 1;
      const text = `synod/sim/transition/${epoch}/${n}/${fakeTransitionSignature(genesis, epoch, n)}`;
      return signedRecord(epoch, toHex(toBytes(text)));
    }),
  );
  const memberCrypto = (committee: FakeCommittee, process: number) =>
    createFakeCrypto(committee, process < committee.validatorCount ? process : -1);
  return {
    cryptoFor: (validatorIndex) => memberCrypto(genesis, validatorIndex),
    recordOf: (epoch) => records[epoch - 1]!,
    ...(encryption === undefined ? {} : { encryption }),
    transitionsFor: (process) => ({
      async accept(tx, current): Promise<EpochCommittee | undefined> {
        const match = /^synod\/sim\/transition\/(\d+)\/(\d+)\/([0-9a-f]+)$/.exec(
          new TextDecoder().decode(toBytes(tx.payload)),
        );
        if (match === null) return undefined;
        const epoch = Number(match[1]);
        const n = Number(match[2]);
        const committee = committees[epoch];
        if (epoch !== current.epoch + 1 || committee === undefined || committee.validatorCount !== n)
          return undefined;
        if (match[3] !== fakeTransitionSignature(genesis, epoch, n)) return undefined;
        return {
          epoch,
          validatorIndex: process < n ? process : -1,
          validatorCount: n,
          crypto: memberCrypto(committee, process),
          encryption: encryption?.encryptionFor(process, epoch),
        };
      },
    }),
  };
}

/** Verification results shared by the run's nodes: each distinct signature is paired once per process. */
const verificationCache = new Map<string, boolean>();
/** Bound on that memo; it is cleared when full (a run needs a few thousand entries). */
const MAX_VERIFICATION_CACHE_ENTRIES = 200_000;

/**
 * Real threshold BLS: the genesis key from the test-only trusted dealer, each later epoch a
 * redealing of the same secret (what a successful reshare leaves), and real transition records
 * approved by a quorum of the previous epoch's shares, accepted by the node's own
 * createBlsTransitions.
 */
export async function createRealBlsEpochs(
  seed: number,
  sizes: readonly number[],
  encryption?: SimEncryption,
): Promise<SimCommittee> {
  if (verificationCache.size > MAX_VERIFICATION_CACHE_ENTRIES) verificationCache.clear();
  const dealings: TrustedDealing[] = [];
  for (const [epoch, n] of sizes.entries()) {
    const dealingSeed = keccak256(
      toBytes(`synod/sim/dkg/${seed}${epoch === 0 ? '' : `/e${epoch}`}`),
      'bytes',
    );
    const threshold = committeeSize(n).quorum;
    dealings.push(
      epoch === 0
        ? insecureTrustedDealer(n, threshold, dealingSeed)
        : insecureTrustedRedeal(dealings[epoch - 1]!, n, threshold, dealingSeed),
    );
  }
  const genesis = dealings[0]!;
  const records = await Promise.all(
    dealings.slice(1).map((dealing, i) => {
      const epoch = i + 1;
      const previous = dealings[i]!;
      const unsigned = { epoch, validatorCount: dealing.shares.length, commitments: dealing.commitments };
      const message = transitionMessage(SIM_DOMAIN.networkId, unsigned);
      const signers = previous.shares.slice(0, previous.commitments.length);
      const signature = recoverGroupSignature(
        signers.map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) })),
        signers.length,
      );
      return signedRecord(epoch, toLowerHex(transitionRecordCodec.encode({ ...unsigned, signature })));
    }),
  );
  const sharePublicKeys = genesis.shares.map((share) => share.publicKey);
  return {
    cryptoFor: (validatorIndex) =>
      createBlsConsensusCrypto({
        validatorIndex,
        shareSecretKey: genesis.shares[validatorIndex]?.secretKey,
        sharePublicKeys,
        groupPublicKey: genesis.groupPublicKey,
        verificationCache,
      }),
    recordOf: (epoch) => records[epoch - 1]!,
    ...(encryption === undefined ? {} : { encryption }),
    transitionsFor: (process) =>
      createBlsTransitions({
        networkId: SIM_DOMAIN.networkId,
        groupPublicKey: genesis.groupPublicKey,
        shareOf: async (epoch) => {
          const share = dealings[epoch]?.shares[process];
          return share === undefined
            ? undefined
            : { validatorIndex: process, shareSecretKey: share.secretKey };
        },
        verificationCache,
        ...(encryption === undefined
          ? {}
          : { encryptionOf: async (epoch: number) => encryption.encryptionFor(process, epoch) }),
      }),
  };
}
