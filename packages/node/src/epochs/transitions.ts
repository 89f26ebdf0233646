import {
  blsPublicKey,
  checkTransitionRecord,
  DecodeError,
  parseHex,
  type SignedTransaction,
  TransitionError,
  type TransitionRecord,
  toLowerHex,
  transitionRecordCodec,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { createBlsConsensusCrypto } from '../consensus/blsCrypto.ts';
import type { CommitteeTransitions, EpochCommittee, EpochEncryption } from '../driver/types.ts';

/** This node's share of an epoch's key: what its reshare left it (keys/bls-share-<epoch>). */
export interface EpochShare {
  validatorIndex: number;
  shareSecretKey: Uint8Array;
}

export interface BlsTransitionsOptions {
  networkId: number;
  /** The one group key of the network: every epoch holds shares of it. */
  groupPublicKey: Uint8Array;
  /** Our share of `epoch`, if we hold one; undefined: we follow that epoch without signing. */
  shareOf(epoch: number): Promise<EpochShare | undefined>;
  /** Memo of verification results shared with the other epochs' crypto (optional). */
  verificationCache?: Map<string, boolean>;
  /**
   * The encryption key of `epoch` (from its committee file, which the reshare wrote) and our
   * share of it; undefined when this node has none (it then reveals nothing of that epoch).
   */
  encryptionOf?(epoch: number): Promise<EpochEncryption | undefined>;
  logger?: Logger | undefined;
}

/**
 * Committee transitions over threshold BLS (docs/consensus.md "Epochs"): a finalized transaction
 * of COMMITTEE_NAMESPACE whose payload is a TransitionRecord that checkTransitionRecord accepts
 * installs the record's share keys as the next epoch's committee. Whether a record is valid
 * depends only on the record, the network and the group key, so every node decides alike; what
 * this node holds (its share of the new epoch) only decides whether it signs in it.
 */
export function createBlsTransitions(options: BlsTransitionsOptions): CommitteeTransitions {
  const { logger } = options;
  return {
    async accept(tx: SignedTransaction, current: EpochCommittee): Promise<EpochCommittee | undefined> {
      let keys: ReturnType<typeof checkTransitionRecord>;
      let record: TransitionRecord;
      try {
        record = transitionRecordCodec.decode(parseHex(tx.payload) ?? new Uint8Array(0));
        keys = checkTransitionRecord(record, {
          networkId: options.networkId,
          groupPublicKey: options.groupPublicKey,
          currentEpoch: current.epoch,
        });
      } catch (error) {
        if (!(error instanceof TransitionError) && !(error instanceof DecodeError)) throw error;
        logger?.warn(
          { sender: tx.sender, nonce: tx.nonce.toString(), code: error.code, err: error },
          'finalized transaction in the committee namespace is not a valid transition record; ignored',
        );
        return undefined;
      }
      let share = await options.shareOf(keys.epoch);
      const committed = share === undefined ? undefined : keys.sharePublicKeys[share.validatorIndex];
      if (
        share !== undefined &&
        (committed === undefined || toLowerHex(blsPublicKey(share.shareSecretKey)) !== toLowerHex(committed))
      ) {
        logger?.error(
          { epoch: keys.epoch, validatorIndex: share.validatorIndex },
          'our share of the new epoch is not the one the finalized record commits to: following the epoch without signing',
        );
        share = undefined;
      }
      const encryption = await options.encryptionOf?.(keys.epoch);
      return {
        epoch: keys.epoch,
        encryption,
        validatorIndex: share?.validatorIndex ?? -1,
        validatorCount: keys.validatorCount,
        threshold: keys.threshold,
        sharePublicKeys: keys.sharePublicKeys,
        record,
        crypto: createBlsConsensusCrypto({
          validatorIndex: share?.validatorIndex ?? -1,
          shareSecretKey: share?.shareSecretKey,
          sharePublicKeys: keys.sharePublicKeys,
          groupPublicKey: options.groupPublicKey,
          ...(options.verificationCache === undefined
            ? {}
            : { verificationCache: options.verificationCache }),
        }),
      };
    },
  };
}
