/**
 * `synod dkg`: the Joint-Feldman DKG of @synod/protocol run over the p2p layer with real timers,
 * and the committee.json it produces. docs/operations.md "Running the DKG".
 */
export {
  buildCommittee,
  COMMITTEE_VERSION,
  type CommitteeEncryptionJson,
  type CommitteeJson,
  type CommitteeMemberJson,
  type EncryptionOutcome,
  formatCommittee,
  parseCommittee,
} from './committee.ts';
export {
  DkgDriver,
  type DkgDriverDeps,
  type DkgDriverOptions,
  type DkgPhaseTimeouts,
  isPhaseComplete,
  MAX_BUFFERED_DKG_MESSAGES,
} from './driver.ts';
export { CommitteeError, DkgSessionError, type DkgSessionErrorCode } from './errors.ts';
export {
  type DkgSessionResult,
  encryptionDkgConfig,
  findParticipantIndex,
  type RunDkgSessionParameters,
  runDkgSession,
} from './session.ts';
export {
  dkgGossipTopics,
  dkgMessageCodec,
  dkgMessageSender,
  dkgTopicName,
  validateDkgMessage,
} from './topic.ts';
