// Distributed key generation (Joint-Feldman, drand-style) as a pure state machine.
export {
  dealSigningPayload,
  decodeDkgMessage,
  dkgDealCodec,
  dkgJustificationCodec,
  dkgResponseCodec,
  encodeDkgMessage,
  justificationSigningPayload,
  responseSigningPayload,
} from './codecs.ts';
export {
  DKG_DEAL_TAG,
  DKG_ENCRYPTED_SHARE_BYTES,
  DKG_ENCRYPTION_KEY_BYTES,
  DKG_ENCRYPTION_SESSION_TAG,
  DKG_JUSTIFICATION_TAG,
  DKG_NONCE_BYTES,
  DKG_RANDOMNESS_MIN_BYTES,
  DKG_RESHARE_SESSION_TAG,
  DKG_RESPONSE_TAG,
  DKG_SESSION_ID_BYTES,
  DKG_SESSION_TAG,
  DKG_SIGNATURE_BYTES,
  DKG_SIGNING_KEY_BYTES,
  MAX_DKG_DEAL_BYTES,
  MAX_DKG_JUSTIFICATION_BYTES,
  MAX_DKG_PARTICIPANTS,
  MAX_DKG_RESPONSE_BYTES,
} from './constants.ts';
export { DkgError, type DkgErrorCode } from './errors.ts';
export { type DkgKeyPair, dkgKeysFromSeed, dkgSessionId } from './keys.ts';
export { type DkgState, type DkgTransition, dkgInit, dkgStep } from './machine.ts';
export {
  checkTransitionRecord,
  type EpochKeys,
  TransitionError,
  type TransitionErrorCode,
} from './transition.ts';
export type {
  DkgConfig,
  DkgDeal,
  DkgExclusionReason,
  DkgInput,
  DkgJustification,
  DkgMessage,
  DkgOutput,
  DkgParticipant,
  DkgPhase,
  DkgPublicOutcome,
  DkgPurpose,
  DkgRejectCode,
  DkgReshare,
  DkgResponse,
  DkgResult,
  DkgRevealedShare,
  DkgSecrets,
} from './types.ts';
