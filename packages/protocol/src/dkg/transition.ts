import { BlsError } from '../bls/errors.ts';
import { decodePublicKey } from '../bls/signature.ts';
import { sharePublicKeyFromCommitments, verifyGroupSignature } from '../bls/threshold.ts';
import { toLowerHex } from '../codec/hex.ts';
import { committeeSize } from '../committee.ts';
import { MAX_COMMITTEE_VALIDATORS } from '../consensus/constants.ts';
import { SynodProtocolError } from '../errors.ts';
import { type TransitionRecord, transitionMessage } from '../messages/transition.ts';

/**
 * Checking a committee transition record (docs/protocol.md "Committee transitions"): the part
 * that needs BLS, apart from the record's wire format (messages/transition.ts, browser-safe).
 */

export type TransitionErrorCode =
  /** Not the epoch after the current one. */
  | 'WRONG_EPOCH'
  /** validatorCount out of range, or a commitment count that is not its quorum. */
  | 'WRONG_SIZE'
  /** A commitment that is not a valid G1 point, or commitment 0 that is not the group key. */
  | 'WRONG_COMMITMENTS'
  /** The group signature does not verify. */
  | 'INVALID_SIGNATURE';

export class TransitionError extends SynodProtocolError<TransitionErrorCode> {
  override readonly name = 'TransitionError';
}

/** The committee a valid record installs. */
export interface EpochKeys {
  epoch: number;
  validatorCount: number;
  threshold: number;
  /** Share public key of each member, by validator index (Shamir index = index + 1). */
  sharePublicKeys: Uint8Array[];
  commitments: Uint8Array[];
}

/**
 * Checks a record against the chain (its network, the group key, the current epoch) and returns
 * the committee it installs; throws TransitionError naming the first check that failed.
 */
export function checkTransitionRecord(
  record: TransitionRecord,
  context: { networkId: number; groupPublicKey: Uint8Array; currentEpoch: number },
): EpochKeys {
  if (record.epoch !== context.currentEpoch + 1) {
    throw new TransitionError(
      'WRONG_EPOCH',
      `transition to epoch ${record.epoch}, but the current epoch is ${context.currentEpoch}`,
    );
  }
  const n = record.validatorCount;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_COMMITTEE_VALIDATORS) {
    throw new TransitionError('WRONG_SIZE', `validatorCount ${n} out of [1, ${MAX_COMMITTEE_VALIDATORS}]`);
  }
  const threshold = committeeSize(n).quorum;
  if (record.commitments.length !== threshold) {
    throw new TransitionError(
      'WRONG_SIZE',
      `${record.commitments.length} commitments; a committee of ${n} has threshold ${threshold}`,
    );
  }
  for (const [k, commitment] of record.commitments.entries()) {
    try {
      decodePublicKey(commitment);
    } catch (error) {
      if (!(error instanceof BlsError)) throw error;
      throw new TransitionError('WRONG_COMMITMENTS', `commitment ${k}: ${error.code}`, { cause: error });
    }
  }
  if (toLowerHex(record.commitments[0]!) !== toLowerHex(context.groupPublicKey)) {
    throw new TransitionError('WRONG_COMMITMENTS', 'commitment 0 is not the group public key');
  }
  if (
    !verifyGroupSignature(
      context.groupPublicKey,
      transitionMessage(context.networkId, record),
      record.signature,
    )
  )
    throw new TransitionError('INVALID_SIGNATURE', 'not a group signature over the transition');
  return {
    epoch: record.epoch,
    validatorCount: n,
    threshold,
    sharePublicKeys: Array.from({ length: n }, (_, i) =>
      sharePublicKeyFromCommitments(record.commitments, i + 1),
    ),
    commitments: record.commitments,
  };
}
