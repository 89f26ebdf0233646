import { CodedError } from '@synod/protocol';

/** Why a simulated request got no response: the caller aborted it, or its deadline passed first. */
export type SimRequestErrorCode = 'ABORTED' | 'TIMEOUT';

export class SimRequestError extends CodedError<SimRequestErrorCode> {
  override readonly name = 'SimRequestError';
}
