import { CodedError, type CodedErrorOptions } from '@synod/protocol';

/** Why `synod dkg` did not produce a share. One class, a bounded `code`, a message for the operator. */
export type DkgSessionErrorCode =
  /** Our DKG keys are not in the genesis file (wrong data dir or genesis). */
  | 'NOT_A_PARTICIPANT'
  /** Our DKG keys are in the genesis, but under another peer id than our libp2p identity. */
  | 'IDENTITY_MISMATCH'
  /** Too few participants joined within dkg.peerWaitTimeoutMs to reach the threshold. */
  | 'PEERS_UNREACHABLE'
  /** The protocol ended without a key (fewer than t dealers qualified). */
  | 'FAILED'
  /** Stopped by a signal or the caller. */
  | 'ABORTED'
  /**
   * Reshare: the session succeeded and its files are written, but our node did not take the
   * transition record (unreachable, or it refused it). The other new members submit it too.
   */
  | 'RECORD_NOT_SUBMITTED';

export class DkgSessionError extends CodedError<DkgSessionErrorCode> {
  override readonly name = 'DkgSessionError';
}

/** A committee.json that cannot be used (dkg/committee.ts `parseCommittee`). */
export class CommitteeError extends CodedError<'INVALID_COMMITTEE'> {
  override readonly name = 'CommitteeError';
  constructor(message: string, options?: CodedErrorOptions) {
    super('INVALID_COMMITTEE', message, options);
  }
}
