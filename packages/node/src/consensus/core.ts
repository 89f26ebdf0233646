import {
  type Certificate,
  committeeSize,
  type Evidence,
  type Hex,
  type Proposal,
  type SignedVoteExtension,
  type Vote,
  type VoteBody,
  VoteKind,
} from '@synod/protocol';
import { CANARY_FAULTS, type CanaryFaults } from './faults.ts';
import type {
  CertifiedBlock,
  CommitRecord,
  ConsensusCommittee,
  ConsensusConfig,
  ConsensusCrypto,
  ConsensusInput,
  ConsensusMessage,
  ConsensusOutput,
  SafetyRecord,
  Step,
  StepResult,
  TimeoutEvent,
  TimeoutKind,
} from './types.ts';

/**
 * Tendermint consensus core ("The latest gossip on BFT consensus", Buchman, Kwon, Milosevic,
 * arXiv:1807.04938, Algorithm 1). Comments `// Lnn` cite the paper's lines. The spec, its
 * deviations and the liveness bound are in docs/consensus.md.
 *
 * The state is owned by the caller and mutated in place: `step` returns the same object, so
 * that a vote log of a busy height is not copied on every input. The core reads no clock,
 * network, disk or randomness; everything it does is in the returned outputs.
 */

/** The zero hash: blockId of nil votes (docs/protocol.md "Votes and certificates"). */
export const NIL_BLOCK_ID: Hex = `0x${'00'.repeat(32)}`;

/**
 * Messages for heights h+1 … h+FUTURE_HEIGHT_WINDOW kept while still at h: a faster peer's
 * proposal and votes routinely arrive first, and a node a few heights behind reaches them by
 * catch-up sync. Sync only fetches heights its peers have finalized, so it lands on the height
 * they are deciding now; without that height's proposal and precommits kept, the node would sit
 * there until a peer's next message (a timeout later: 1 s and a failed round when it proposes).
 * At most MAX_FUTURE_HEIGHT_MESSAGES in all; beyond that they are dropped and catch-up covers it.
 */
export const FUTURE_HEIGHT_WINDOW = 8;
export const MAX_FUTURE_HEIGHT_MESSAGES = 1024;

/** Rounds of our own votes re-sent by each rebroadcast (the current one and the ones before it). */
export const MAX_REBROADCAST_ROUNDS = 8;

/** Rounds per height that keep a vote log. A peer cannot make us allocate for round 2^32. */
export const MAX_TRACKED_ROUNDS_AHEAD = 64;

const STEP_ORDER: Record<Step, number> = { propose: 0, prevote: 1, precommit: 2 };

interface RoundState {
  /** The first correctly signed proposal from proposer(h, r). */
  proposal: Proposal | null;
  proposalBlockId: Hex | null;
  prevotes: Map<number, Vote>;
  precommits: Map<number, Vote>;
  prevotesFor: Map<Hex, number>;
  precommitsFor: Map<Hex, number>;
  /** Validators with any message in this round (L55). */
  senders: Set<number>;
  timeoutPrevoteScheduled: boolean;
  timeoutPrecommitScheduled: boolean;
  line36Done: boolean;
}

type ContentStatus = 'pending' | 'valid' | 'invalid';

export interface ConsensusState {
  readonly config: ConsensusConfig;
  readonly faults: CanaryFaults;
  /**
   * The committee deciding `height` (config.committeeAt; it changes at an epoch's activation
   * height): our index in it (−1: not a member, we follow without signing), its crypto, its n,
   * f and quorum n − f (one less with the quorumMinusOne canary); see committeeSize.
   */
  validatorIndex: number;
  crypto: ConsensusCrypto;
  n: number;
  f: number;
  quorum: number;
  /** The committee that decided height − 1: it signed the last commit's precommits and extensions. */
  previous: { n: number; crypto: ConsensusCrypto };
  height: number; // L2
  round: number; // L3
  step: Step; // L4
  lockedRound: number; // L7
  lockedProposal: Proposal | null; // L6
  validRound: number; // L9
  validProposal: Proposal | null; // L8
  started: boolean;
  rounds: Map<number, RoundState>;
  /** Proposals by id(v), any round: L49 needs v for whichever round decides. */
  proposalsByBlockId: Map<Hex, Proposal>;
  content: Map<Hex, { status: ContentStatus; proposal: Proposal }>;
  /** (round, blockId) pairs that reached a precommit quorum, for L49. */
  precommitQuorums: { round: number; blockId: Hex }[];
  ownVotes: Vote[];
  ownProposals: Proposal[];
  /** The commit of height − 1 (whose extensions feed this height's content). */
  lastCommit: CommitRecord | null;
  lastCommitExtensions: Map<number, SignedVoteExtension>;
  futureMessages: ConsensusMessage[];
}

export interface ConsensusOptions {
  config: ConsensusConfig;
  /** First height to decide: 1 for a new chain, tip + 1 after a restart. */
  height: number;
  /** The commit of height − 1, if any (its extensions are this height's content input). */
  lastCommit?: CommitRecord | null;
  /** The safety record persisted before a restart, if any. */
  persisted?: SafetyRecord | null;
}

/** The committee deciding `height`: config.committeeAt, or the config's one committee. */
export function committeeAt(config: ConsensusConfig, height: number): ConsensusCommittee {
  const committee = config.committeeAt?.(height) ?? {
    validatorIndex: config.validatorIndex,
    validatorCount: config.validatorCount,
    crypto: config.crypto,
  };
  const n = committee.validatorCount;
  assert(Number.isSafeInteger(n) && n >= 1, `validatorCount ${n}`);
  assert(
    Number.isSafeInteger(committee.validatorIndex) &&
      committee.validatorIndex >= -1 &&
      committee.validatorIndex < n,
    'validatorIndex out of range',
  );
  return committee;
}

/** Points the state at the committee of state.height (at creation, and after each decision). */
function enterCommittee(state: ConsensusState): void {
  const committee = committeeAt(state.config, state.height);
  const { f, quorum } = committeeSize(committee.validatorCount);
  state.previous = { n: state.n, crypto: state.crypto };
  state.validatorIndex = committee.validatorIndex;
  state.crypto = committee.crypto;
  state.n = committee.validatorCount;
  state.f = f;
  state.quorum = state.faults.quorumMinusOne ? quorum - 1 : quorum;
}

export function createConsensusState(parameters: ConsensusOptions): ConsensusState {
  const { config } = parameters;
  const faults = config[CANARY_FAULTS] ?? {};
  const committee = committeeAt(config, parameters.height);
  const previous = parameters.height > 1 ? committeeAt(config, parameters.height - 1) : committee;
  const { f, quorum } = committeeSize(committee.validatorCount);
  const state: ConsensusState = {
    config,
    faults,
    validatorIndex: committee.validatorIndex,
    crypto: committee.crypto,
    n: committee.validatorCount,
    f,
    quorum: faults.quorumMinusOne ? quorum - 1 : quorum,
    previous: { n: previous.validatorCount, crypto: previous.crypto },
    height: parameters.height,
    round: 0,
    step: 'propose',
    lockedRound: -1,
    lockedProposal: null,
    validRound: -1,
    validProposal: null,
    started: false,
    rounds: new Map(),
    proposalsByBlockId: new Map(),
    content: new Map(),
    precommitQuorums: [],
    ownVotes: [],
    ownProposals: [],
    lastCommit: null,
    lastCommitExtensions: new Map(),
    futureMessages: [],
  };
  const lastCommit = parameters.lastCommit ?? null;
  if (lastCommit !== null) {
    assert(lastCommit.height === parameters.height - 1, 'lastCommit must be of height - 1');
    setLastCommit(state, lastCommit);
  }
  const record = parameters.persisted ?? null;
  if (record !== null && record.height === parameters.height && !faults.forgetPersistedVotes) {
    restoreSafetyRecord(state, record);
  }
  return state;
}

function restoreSafetyRecord(state: ConsensusState, record: SafetyRecord): void {
  state.round = record.round;
  state.step = record.step;
  state.lockedRound = record.lockedRound;
  state.lockedProposal = record.lockedProposal;
  state.validRound = record.validRound;
  state.validProposal = record.validProposal;
  state.ownProposals = [...record.ownProposals];
  for (const proposal of [record.lockedProposal, record.validProposal, ...record.ownProposals]) {
    if (proposal === null) continue;
    const blockId = state.config.application.blockId(proposal.header);
    // A block we locked on or proposed was checked before (or built by us).
    state.content.set(blockId, { status: 'valid', proposal });
    if (!state.proposalsByBlockId.has(blockId)) state.proposalsByBlockId.set(blockId, proposal);
  }
  for (const proposal of record.ownProposals) {
    const round = roundState(state, proposal.round)!;
    round.proposal = proposal;
    round.proposalBlockId = state.config.application.blockId(proposal.header);
  }
  for (const vote of record.ownVotes) {
    state.ownVotes.push(vote);
    addVote(state, vote, []);
  }
}

/** The proposer of (height, round): round-robin over the committee. */
export function proposerIndex(n: number, height: number, round: number): number {
  return (height + round) % n;
}

/** timeoutX(round): grows by a fixed increment per round, up to the cap. */
export function timeoutDurationMs(config: ConsensusConfig, kind: TimeoutKind, round: number): number {
  const { timeouts } = config;
  const base =
    kind === 'propose' || kind === 'rebroadcast'
      ? timeouts.proposeBaseMs
      : kind === 'prevote'
        ? timeouts.prevoteBaseMs
        : timeouts.precommitBaseMs;
  return Math.min(base + round * timeouts.perRoundIncrementMs, timeouts.maxMs);
}

/** The pure transition function: applies one input, returns the outputs the driver must carry out in order. */
export function step(state: ConsensusState, input: ConsensusInput): StepResult<ConsensusState> {
  const outputs: ConsensusOutput[] = [];
  switch (input.type) {
    case 'start':
      if (!state.started) {
        state.started = true;
        onStart(state, outputs);
      }
      break;
    case 'message':
      if (state.started) onMessage(state, input.message, outputs);
      break;
    case 'certifiedBlock':
      if (state.started) onCertifiedBlock(state, input.block, outputs);
      break;
    case 'timeout':
      if (state.started) onTimeout(state, input.timeout, outputs);
      break;
    case 'blockBuilt':
      if (state.started) onBlockBuilt(state, input, outputs);
      break;
    case 'contentChecked':
      if (state.started) onContentChecked(state, input, outputs);
      break;
  }
  if (state.started) evaluateRules(state, outputs);
  return { state, outputs };
}

function onStart(state: ConsensusState, outputs: ConsensusOutput[]): void {
  if (state.ownVotes.length > 0 || state.ownProposals.length > 0) {
    // Restarted from a safety record: resume the persisted round and step, re-send our votes of
    // it (peers may have missed them while we were down) and re-arm the step's timeout.
    rebroadcastRound(state, outputs);
    scheduleTimeout(state, state.step, state.round, outputs);
    scheduleTimeout(state, 'rebroadcast', state.round, outputs);
    return;
  }
  startRound(state, state.round, outputs); // L10
}

// L11
function startRound(state: ConsensusState, round: number, outputs: ConsensusOutput[]): void {
  state.round = round; // L12
  state.step = 'propose'; // L13
  const { config } = state;
  scheduleTimeout(state, 'rebroadcast', round, outputs);
  // L21, for the proposer too (a deviation, as in CometBFT): a proposer that cannot prevote for
  // its own proposal (a re-proposed valid value whose polka it no longer holds after a restart,
  // or a block it could not build) must still leave the propose step.
  scheduleTimeout(state, 'propose', round, outputs);
  if (proposerIndex(state.n, state.height, round) === state.validatorIndex) {
    // L14
    if (state.validProposal !== null) {
      // L15-16: re-propose the valid value, with the prevote certificate of its round as proof.
      const blockId = config.application.blockId(state.validProposal.header);
      const proposal = signProposal(state, {
        networkId: config.networkId,
        height: state.height,
        round,
        validRound: state.validRound,
        proposerIndex: state.validatorIndex,
        header: state.validProposal.header,
        transactionIds: state.validProposal.transactionIds,
        prices: state.validProposal.prices,
        validRoundCertificate: combineCertificate(state, VoteKind.Prevote, state.validRound, blockId),
        extensions: state.validProposal.extensions,
      });
      sendOwnProposal(state, proposal, outputs);
      return;
    }
    // L18: getValue() is the fair-content function over the previous commit's extensions,
    // computed by the driver (after it applied the previous commit); see onBlockBuilt.
    outputs.push({
      type: 'buildBlock',
      height: state.height,
      round,
      parentExtensions: sortedLastCommitExtensions(state),
    });
  }
}

// L19
function sendOwnProposal(state: ConsensusState, proposal: Proposal, outputs: ConsensusOutput[]): void {
  state.ownProposals.push(proposal);
  persist(state, outputs);
  outputs.push({ type: 'broadcast', message: { type: 'proposal', proposal } }); // L19
  const blockId = state.config.application.blockId(proposal.header);
  // Our own block is valid by construction (built by the content function, or checked before).
  if (state.content.get(blockId)?.status !== 'valid')
    state.content.set(blockId, { status: 'valid', proposal });
  acceptProposal(state, proposal, blockId, outputs);
}

/** getValue() answered (L18). */
function onBlockBuilt(
  state: ConsensusState,
  input: Extract<ConsensusInput, { type: 'blockBuilt' }>,
  outputs: ConsensusOutput[],
): void {
  if (input.height !== state.height || input.round !== state.round || state.step !== 'propose') return;
  if (proposerIndex(state.n, state.height, state.round) !== state.validatorIndex) return;
  if (state.ownProposals.some((proposal) => proposal.round === state.round)) return;
  const { block } = input;
  // Deviation: a proposer that cannot build (fewer than 2f+1 extensions of the last commit)
  // proposes nothing and waits for timeoutPropose like everyone else.
  if (block === null) return;
  const proposal = signProposal(state, {
    networkId: state.config.networkId,
    height: state.height,
    round: state.round,
    validRound: -1,
    proposerIndex: state.validatorIndex,
    header: block.header,
    transactionIds: block.transactionIds,
    prices: block.prices,
    validRoundCertificate: null,
    extensions: block.extensions,
  });
  sendOwnProposal(state, proposal, outputs);
}

function signProposal(state: ConsensusState, unsigned: Omit<Proposal, 'signature'>): Proposal {
  return { ...unsigned, signature: state.crypto.signProposal(unsigned) };
}

function sortedLastCommitExtensions(state: ConsensusState): SignedVoteExtension[] {
  return [...state.lastCommitExtensions.values()].sort((a, b) => a.validatorIndex - b.validatorIndex);
}

function scheduleTimeout(
  state: ConsensusState,
  kind: TimeoutKind,
  round: number,
  outputs: ConsensusOutput[],
): void {
  const timeout: TimeoutEvent = { kind, height: state.height, round };
  outputs.push({
    type: 'scheduleTimeout',
    timeout,
    durationMs: timeoutDurationMs(state.config, kind, round),
  });
}

/**
 * Re-sends our own proposal of the current round and our votes of the recent rounds of this
 * height (the gossip the paper assumes). Older rounds matter: a peer still in round r−1 may
 * need our vote of r−1 to reach the quorum that ends that round for it.
 */
function rebroadcastRound(state: ConsensusState, outputs: ConsensusOutput[]): void {
  for (const proposal of state.ownProposals) {
    if (proposal.round === state.round)
      outputs.push({ type: 'broadcast', message: { type: 'proposal', proposal }, retransmission: true });
  }
  for (const vote of state.ownVotes) {
    if (vote.round + MAX_REBROADCAST_ROUNDS > state.round)
      outputs.push({ type: 'broadcast', message: { type: 'vote', vote }, retransmission: true });
  }
}

function roundState(state: ConsensusState, round: number): RoundState | null {
  let existing = state.rounds.get(round);
  if (existing !== undefined) return existing;
  if (round > state.round + MAX_TRACKED_ROUNDS_AHEAD) return null;
  existing = {
    proposal: null,
    proposalBlockId: null,
    prevotes: new Map(),
    precommits: new Map(),
    prevotesFor: new Map(),
    precommitsFor: new Map(),
    senders: new Set(),
    timeoutPrevoteScheduled: false,
    timeoutPrecommitScheduled: false,
    line36Done: false,
  };
  state.rounds.set(round, existing);
  return existing;
}

// --- messages ---

function onMessage(state: ConsensusState, message: ConsensusMessage, outputs: ConsensusOutput[]): void {
  const height = message.type === 'vote' ? message.vote.height : message.proposal.height;
  const networkId = message.type === 'vote' ? message.vote.networkId : message.proposal.networkId;
  if (networkId !== state.config.networkId) return;
  if (height > state.height && height <= state.height + FUTURE_HEIGHT_WINDOW) {
    // Replayed at the next height; those still ahead of it are kept again (startHeight).
    if (state.futureMessages.length < MAX_FUTURE_HEIGHT_MESSAGES) state.futureMessages.push(message);
    return;
  }
  if (height < state.height) {
    // A lagging peer catches up by fetching certified blocks (sync/), not from us here.
    if (message.type === 'vote' && message.vote.height === state.height - 1)
      onPreviousHeightVote(state, message.vote);
    return;
  }
  if (height !== state.height) return;
  if (message.type === 'proposal') onProposal(state, message.proposal, outputs);
  else onVote(state, message.vote, outputs);
}

/** Late precommits of the last commit add their extensions to the next block's input. */
function onPreviousHeightVote(state: ConsensusState, vote: Vote): void {
  const commit = state.lastCommit;
  if (commit === null || vote.kind !== VoteKind.Precommit || vote.blockId !== commit.blockId) return;
  if (state.lastCommitExtensions.has(vote.validatorIndex)) return;
  if (!isValidVote(state, vote, state.previous)) return;
  state.lastCommitExtensions.set(vote.validatorIndex, vote.extension!);
}

function onProposal(state: ConsensusState, proposal: Proposal, outputs: ConsensusOutput[]): void {
  if (proposal.proposerIndex !== proposerIndex(state.n, state.height, proposal.round)) return;
  if (
    !Number.isSafeInteger(proposal.validRound) ||
    proposal.validRound < -1 ||
    proposal.validRound >= proposal.round
  ) {
    return;
  }
  const round = roundState(state, proposal.round);
  if (round === null || round.proposal !== null) return; // the first proposal of a round counts
  if (!state.crypto.verifyProposal(proposal)) return;
  const blockId = state.config.application.blockId(proposal.header);
  acceptProposal(state, proposal, blockId, outputs);
}

function acceptProposal(
  state: ConsensusState,
  proposal: Proposal,
  blockId: Hex,
  outputs: ConsensusOutput[],
): void {
  const round = roundState(state, proposal.round)!;
  round.proposal = proposal;
  round.proposalBlockId = blockId;
  round.senders.add(proposal.proposerIndex);
  if (!state.proposalsByBlockId.has(blockId)) state.proposalsByBlockId.set(blockId, proposal);
  requestContentCheck(state, blockId, proposal, outputs);
}

function requestContentCheck(
  state: ConsensusState,
  blockId: Hex,
  proposal: Proposal,
  outputs: ConsensusOutput[],
): void {
  const known = state.content.get(blockId);
  // Re-check after an invalid verdict only for a different proposal carrying the same header:
  // a byzantine proposer must not be able to poison a block id with one bad copy.
  if (known !== undefined && (known.status !== 'invalid' || known.proposal === proposal)) return;
  if (proposal.header.height !== state.height) {
    state.content.set(blockId, { status: 'invalid', proposal });
    return;
  }
  state.content.set(blockId, { status: 'pending', proposal });
  outputs.push({ type: 'checkContent', height: state.height, blockId, proposal });
}

function onContentChecked(
  state: ConsensusState,
  input: Extract<ConsensusInput, { type: 'contentChecked' }>,
  _outputs: ConsensusOutput[],
): void {
  if (input.height !== state.height) return;
  const known = state.content.get(input.blockId);
  if (known === undefined || known.status === 'valid') return;
  if (known.proposal !== input.proposal) return; // an answer to an earlier, superseded request
  known.status = input.valid ? 'valid' : 'invalid';
  if (input.valid) state.proposalsByBlockId.set(input.blockId, input.proposal);
}

function isValid(state: ConsensusState, blockId: Hex): boolean {
  return state.content.get(blockId)?.status === 'valid';
}

/** Signature, range and extension checks of a vote, against the committee of its height. */
function isValidVote(
  state: ConsensusState,
  vote: Vote,
  committee: { n: number; crypto: ConsensusCrypto } = state,
): boolean {
  if (vote.networkId !== state.config.networkId) return false;
  if (vote.kind !== VoteKind.Prevote && vote.kind !== VoteKind.Precommit) return false;
  if (!Number.isSafeInteger(vote.round) || vote.round < 0) return false;
  if (
    !Number.isSafeInteger(vote.validatorIndex) ||
    vote.validatorIndex < 0 ||
    vote.validatorIndex >= committee.n
  ) {
    return false;
  }
  const wantsExtension = vote.kind === VoteKind.Precommit && vote.blockId !== NIL_BLOCK_ID;
  if (wantsExtension !== (vote.extension !== null)) return false;
  if (vote.extension !== null) {
    const extension = vote.extension;
    if (
      extension.networkId !== vote.networkId ||
      extension.height !== vote.height ||
      extension.round !== vote.round ||
      extension.blockId !== vote.blockId ||
      extension.validatorIndex !== vote.validatorIndex
    ) {
      return false;
    }
    if (!state.config.application.isWellFormedExtension(extension)) return false;
    if (!state.faults.skipExtensionSignature && !committee.crypto.verifyExtension(extension)) return false;
  }
  return committee.crypto.verifyVote(vote.validatorIndex, vote, vote.signature);
}

function onVote(state: ConsensusState, vote: Vote, outputs: ConsensusOutput[]): void {
  if (vote.validatorIndex === state.validatorIndex) return; // our own votes are added when signed
  const round = roundState(state, vote.round);
  if (round === null) return;
  const votes = vote.kind === VoteKind.Prevote ? round.prevotes : round.precommits;
  const existing = votes.get(vote.validatorIndex);
  if (existing !== undefined && existing.blockId === vote.blockId) return; // duplicate
  if (!isValidVote(state, vote)) return;
  if (existing !== undefined) {
    // Two signed votes for one (height, round, step): equivocation, kept as evidence.
    const [first, second] = existing.blockId < vote.blockId ? [existing, vote] : [vote, existing];
    const evidence: Evidence = { first, second };
    outputs.push({ type: 'evidence', evidence });
    return;
  }
  addVote(state, vote, outputs);
}

function addVote(state: ConsensusState, vote: Vote, _outputs: ConsensusOutput[]): void {
  const round = roundState(state, vote.round);
  if (round === null) return;
  const isPrevote = vote.kind === VoteKind.Prevote;
  const votes = isPrevote ? round.prevotes : round.precommits;
  if (votes.has(vote.validatorIndex)) return;
  votes.set(vote.validatorIndex, vote);
  round.senders.add(vote.validatorIndex);
  const tally = isPrevote ? round.prevotesFor : round.precommitsFor;
  const count = (tally.get(vote.blockId) ?? 0) + 1;
  tally.set(vote.blockId, count);
  if (!isPrevote && vote.blockId !== NIL_BLOCK_ID && count === state.quorum) {
    state.precommitQuorums.push({ round: vote.round, blockId: vote.blockId });
  }
}

function onTimeout(state: ConsensusState, timeout: TimeoutEvent, outputs: ConsensusOutput[]): void {
  if (timeout.height !== state.height || timeout.round !== state.round) return; // L58, L62, L66
  if (timeout.kind === 'rebroadcast') {
    rebroadcastRound(state, outputs);
    scheduleTimeout(state, 'rebroadcast', state.round, outputs);
  } else if (timeout.kind === 'propose' && state.step === 'propose') {
    // L57-60
    castVote(state, VoteKind.Prevote, NIL_BLOCK_ID, 'prevote', outputs);
  } else if (timeout.kind === 'prevote' && state.step === 'prevote') {
    // L61-64
    castVote(state, VoteKind.Precommit, NIL_BLOCK_ID, 'precommit', outputs);
  } else if (timeout.kind === 'precommit') {
    startRound(state, state.round + 1, outputs); // L65-67
  }
}

// --- votes we cast ---

/** Signs, records, persists and broadcasts a vote; `nextStep` is the step the rule moves to. */
function castVote(
  state: ConsensusState,
  kind: VoteKind,
  blockId: Hex,
  nextStep: Step,
  outputs: ConsensusOutput[],
): void {
  const { config } = state;
  if (state.validatorIndex < 0) {
    // Not a member of this height's committee: we follow its votes and sign none.
    state.step = nextStep;
    return;
  }
  const already = state.ownVotes.find((vote) => vote.kind === kind && vote.round === state.round);
  // The step guards of Algorithm 1 allow one vote per (round, step); a second one is our bug.
  assert(already === undefined, `second ${kind} vote in round ${state.round} at height ${state.height}`);
  const body: VoteBody = {
    kind,
    networkId: config.networkId,
    height: state.height,
    round: state.round,
    blockId,
  };
  let extension: SignedVoteExtension | null = null;
  if (kind === VoteKind.Precommit && blockId !== NIL_BLOCK_ID) {
    const payload = config.application.extendVote(state.height, state.round, blockId);
    const unsigned = {
      networkId: config.networkId,
      height: state.height,
      round: state.round,
      blockId,
      validatorIndex: state.validatorIndex,
      timestampMs: payload.timestampMs,
      inclusionList: payload.inclusionList,
      prices: payload.prices,
    };
    extension = { ...unsigned, signature: state.crypto.signExtension(unsigned) };
  }
  const vote: Vote = {
    ...body,
    validatorIndex: state.validatorIndex,
    signature: state.crypto.signVote(body),
    extension,
  };
  state.ownVotes.push(vote);
  addVote(state, vote, outputs);
  // The step moves before the record is written, so a restarted node resumes after this vote.
  state.step = nextStep;
  persist(state, outputs); // write-ahead: a restarted node must know it signed this
  outputs.push({ type: 'broadcast', message: { type: 'vote', vote } });
}

function persist(state: ConsensusState, outputs: ConsensusOutput[]): void {
  outputs.push({
    type: 'persist',
    record: {
      height: state.height,
      round: state.round,
      step: state.step,
      lockedRound: state.lockedRound,
      lockedProposal: state.lockedProposal,
      validRound: state.validRound,
      validProposal: state.validProposal,
      ownVotes: [...state.ownVotes],
      ownProposals: [...state.ownProposals],
    },
  });
}

// --- the upon rules ---

/** Applies every rule of Algorithm 1 whose condition holds, until none does. */
function evaluateRules(state: ConsensusState, outputs: ConsensusOutput[]): void {
  // Each pass either changes (height, round, step) or sets a once-only flag, so this terminates;
  // the bound is a guard against our own bugs.
  for (let pass = 0; pass < 10_000; pass++) {
    if (!applyOneRule(state, outputs)) return;
  }
  assert(false, 'consensus rules did not reach a fixed point');
}

function applyOneRule(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  const { quorum } = state;
  const round = roundState(state, state.round)!;
  const proposal = round.proposal;
  const blockId = round.proposalBlockId;

  if (proposal !== null && blockId !== null && state.step === 'propose') {
    const lockIgnored = state.faults.skipLockRule === true;
    if (proposal.validRound === -1) {
      // L22
      const status = state.content.get(blockId)?.status;
      if (status === 'valid' || status === 'invalid') {
        const lockAllows = lockIgnored || state.lockedRound === -1 || lockedBlockId(state) === blockId; // L23
        // L24/L26, L27
        castVote(
          state,
          VoteKind.Prevote,
          status === 'valid' && lockAllows ? blockId : NIL_BLOCK_ID,
          'prevote',
          outputs,
        );
        return true;
      }
    } else if (proposal.validRound < state.round && hasPolka(state, proposal, blockId)) {
      // L28
      const status = state.content.get(blockId)?.status;
      if (status === 'valid' || status === 'invalid') {
        const lockAllows =
          lockIgnored || state.lockedRound <= proposal.validRound || lockedBlockId(state) === blockId; // L29
        // L30/L32, L33
        castVote(
          state,
          VoteKind.Prevote,
          status === 'valid' && lockAllows ? blockId : NIL_BLOCK_ID,
          'prevote',
          outputs,
        );
        return true;
      }
    }
  }

  // L34
  if (state.step === 'prevote' && !round.timeoutPrevoteScheduled && round.prevotes.size >= quorum) {
    round.timeoutPrevoteScheduled = true;
    scheduleTimeout(state, 'prevote', state.round, outputs); // L35
    return true;
  }

  // L36
  if (
    proposal !== null &&
    blockId !== null &&
    !round.line36Done &&
    STEP_ORDER[state.step] >= STEP_ORDER.prevote &&
    (round.prevotesFor.get(blockId) ?? 0) >= quorum &&
    isValid(state, blockId)
  ) {
    round.line36Done = true;
    const valueProposal = state.content.get(blockId)!.proposal;
    // L42-43 before L38-41: the precommit's write-ahead record must already hold the valid value.
    // A node restarted from a record that has the lock but not it would, as proposer, propose a
    // fresh block it cannot prevote itself (locked) instead of re-proposing its locked one; two
    // such nodes of four stall the height for good (validRound ≥ lockedRound is an invariant).
    state.validProposal = valueProposal; // L42
    state.validRound = state.round; // L43
    if (state.step === 'prevote') {
      state.lockedProposal = valueProposal; // L38
      state.lockedRound = state.round; // L39
      castVote(state, VoteKind.Precommit, blockId, 'precommit', outputs); // L40, L41
    }
    return true;
  }

  // L44
  if (state.step === 'prevote' && (round.prevotesFor.get(NIL_BLOCK_ID) ?? 0) >= quorum) {
    castVote(state, VoteKind.Precommit, NIL_BLOCK_ID, 'precommit', outputs); // L45, L46
    return true;
  }

  // L47
  if (!round.timeoutPrecommitScheduled && round.precommits.size >= quorum) {
    round.timeoutPrecommitScheduled = true;
    scheduleTimeout(state, 'precommit', state.round, outputs); // L48
    return true;
  }

  // L49: a decision in any round r.
  for (const candidate of state.precommitQuorums) {
    const content = state.content.get(candidate.blockId);
    if (content === undefined) {
      const known = state.proposalsByBlockId.get(candidate.blockId);
      if (known !== undefined) requestContentCheck(state, candidate.blockId, known, outputs);
      continue;
    }
    if (content.status !== 'valid') continue; // L50
    const certificate: Certificate = {
      round: candidate.round,
      signature: combineCertificate(state, VoteKind.Precommit, candidate.round, candidate.blockId)!,
    };
    const extensions = [...state.rounds.get(candidate.round)!.precommits.values()]
      .filter((vote) => vote.blockId === candidate.blockId)
      .map((vote) => vote.extension!);
    decide(state, content.proposal, candidate.blockId, certificate, extensions, outputs); // L51-54
    return true;
  }

  // L55: f+1 validators are in a later round; join the latest such round.
  let target = -1;
  for (const [r, later] of state.rounds) {
    if (r > state.round && r > target && later.senders.size >= state.f + 1) target = r;
  }
  if (target > state.round) {
    startRound(state, target, outputs); // L56
    return true;
  }
  return false;
}

function lockedBlockId(state: ConsensusState): Hex | null {
  return state.lockedProposal === null ? null : state.config.application.blockId(state.lockedProposal.header);
}

/** 2f+1 ⟨PREVOTE, h, vr, id(v)⟩ (L28), or their certificate carried in the proposal. */
function hasPolka(state: ConsensusState, proposal: Proposal, blockId: Hex): boolean {
  const polkaRound = state.rounds.get(proposal.validRound);
  if (polkaRound !== undefined && (polkaRound.prevotesFor.get(blockId) ?? 0) >= state.quorum) return true;
  if (proposal.validRoundCertificate === null) return false;
  return state.crypto.verifyVoteCertificate(
    {
      kind: VoteKind.Prevote,
      networkId: state.config.networkId,
      height: state.height,
      round: proposal.validRound,
      blockId,
    },
    proposal.validRoundCertificate,
  );
}

/** The group signature of the quorum's partials for (kind, round, blockId); null without a quorum. */
function combineCertificate(
  state: ConsensusState,
  kind: VoteKind,
  round: number,
  blockId: Hex,
): Uint8Array | null {
  const votes = state.rounds.get(round);
  if (votes === undefined) return null;
  const partials = [...(kind === VoteKind.Prevote ? votes.prevotes : votes.precommits).values()]
    .filter((vote) => vote.blockId === blockId)
    .sort((a, b) => a.validatorIndex - b.validatorIndex)
    .slice(0, state.quorum)
    .map((vote) => ({ validatorIndex: vote.validatorIndex, signature: vote.signature }));
  if (partials.length < state.quorum) return null;
  return state.crypto.combineVotes(
    { kind, networkId: state.config.networkId, height: state.height, round, blockId },
    partials,
  );
}

function onCertifiedBlock(state: ConsensusState, block: CertifiedBlock, outputs: ConsensusOutput[]): void {
  const { proposal, certificate } = block;
  if (proposal.height !== state.height || proposal.networkId !== state.config.networkId) return;
  if (proposal.header.height !== state.height) return;
  const blockId = state.config.application.blockId(proposal.header);
  const certified =
    state.faults.skipCatchUpCertificateCheck === true ||
    state.crypto.verifyVoteCertificate(
      {
        kind: VoteKind.Precommit,
        networkId: state.config.networkId,
        height: state.height,
        round: certificate.round,
        blockId,
      },
      certificate.signature,
    );
  if (!certified) return;
  // L49 by proof: 2f+1 precommits exist, so f+1 honest validators checked valid(v).
  const extensions = block.extensions.filter(
    (extension) =>
      extension.height === state.height &&
      extension.blockId === blockId &&
      extension.networkId === state.config.networkId &&
      extension.validatorIndex < state.n &&
      state.config.application.isWellFormedExtension(extension) &&
      (state.faults.skipExtensionSignature || state.crypto.verifyExtension(extension)),
  );
  decide(state, proposal, blockId, certificate, extensions, outputs);
}

// L49-54
function decide(
  state: ConsensusState,
  proposal: Proposal,
  blockId: Hex,
  certificate: Certificate,
  extensions: readonly SignedVoteExtension[],
  outputs: ConsensusOutput[],
): void {
  const byValidator = new Map<number, SignedVoteExtension>();
  for (const extension of extensions) {
    if (!byValidator.has(extension.validatorIndex)) byValidator.set(extension.validatorIndex, extension);
  }
  // Precommits for this block from other rounds also carry usable extensions.
  for (const round of state.rounds.values()) {
    for (const vote of round.precommits.values()) {
      if (vote.blockId === blockId && vote.extension !== null && !byValidator.has(vote.validatorIndex)) {
        byValidator.set(vote.validatorIndex, vote.extension);
      }
    }
  }
  const commit: CommitRecord = {
    height: state.height,
    blockId,
    proposal,
    certificate,
    extensions: [...byValidator.values()].sort((a, b) => a.validatorIndex - b.validatorIndex),
  };
  outputs.push({ type: 'commit', commit }); // L51
  state.height += 1; // L52
  // L53
  state.lockedRound = -1;
  state.lockedProposal = null;
  state.validRound = -1;
  state.validProposal = null;
  state.rounds = new Map();
  state.proposalsByBlockId = new Map();
  state.content = new Map();
  state.precommitQuorums = [];
  state.ownVotes = [];
  state.ownProposals = [];
  setLastCommit(state, commit);
  enterCommittee(state);
  startRound(state, 0, outputs); // L54
  const buffered = state.futureMessages;
  state.futureMessages = [];
  for (const message of buffered) onMessage(state, message, outputs);
}

function setLastCommit(state: ConsensusState, commit: CommitRecord): void {
  state.lastCommit = commit;
  state.lastCommitExtensions = new Map(
    commit.extensions.map((extension) => [extension.validatorIndex, extension]),
  );
}

/** Bugs are assertions, never caught (STYLE.md). */
function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`consensus assertion failed: ${message}`);
}
