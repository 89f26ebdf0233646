import { SynodProtocolError } from '../errors.ts';

export type DkgErrorCode =
  /** The session parameters or this participant's keys are unusable (thrown by `dkgInit`). */
  | 'INVALID_CONFIG'
  /** Fewer than t dealers qualified: no key can be formed (a `failed` output). */
  | 'TOO_FEW_QUALIFIED';

/** A DKG that cannot start or cannot finish. */
export class DkgError extends SynodProtocolError<DkgErrorCode> {
  override readonly name = 'DkgError';
}
