import {
  type BlockHeader,
  HEADER_VERSION,
  type Hex,
  headerHash,
  type Proposal,
  type SignedVoteExtension,
  type Vote,
  VoteKind,
} from '@synod/protocol';
import { describe, expect, it } from 'vitest';
import {
  createConsensusState,
  FUTURE_HEIGHT_WINDOW,
  NIL_BLOCK_ID,
  proposerIndex,
  step,
  timeoutDurationMs,
} from '../src/consensus/core.ts';
import { CANARY_FAULTS, type CanaryFaults } from '../src/consensus/faults.ts';
import type {
  ConsensusConfig,
  ConsensusInput,
  ConsensusOutput,
  SafetyRecord,
} from '../src/consensus/types.ts';
import { createFakeCommittee, createFakeCrypto } from '../src/sim/fakeCrypto.ts';
import { SIM_TIMEOUTS } from '../src/sim/scenario.ts';
import { SIM_DOMAIN } from '../src/sim/workload.ts';

/** Unit tests of the Tendermint core, rule by rule (arXiv:1807.04938, Algorithm 1). n = 4, f = 1. */

const N = 4;
const ME = 2; // not the proposer of (height 1, round 0): proposer(1, 0) = 1
const committee = createFakeCommittee(N, 42);
const cryptoOf = (index: number) => createFakeCrypto(committee, index);

function header(height: number, tag: number): BlockHeader {
  return {
    version: HEADER_VERSION,
    networkId: SIM_DOMAIN.networkId,
    epoch: 0,
    height,
    parentHash: NIL_BLOCK_ID,
    timestampMs: 1000 + tag,
    txRoot: NIL_BLOCK_ID,
    txCount: 0,
    namespaceRoot: NIL_BLOCK_ID,
    namespaceCount: 0,
    priceRoot: NIL_BLOCK_ID,
    priceCount: 0,
    historyRoot: NIL_BLOCK_ID,
    proposerIndex: 0,
  };
}

const idOf = (h: BlockHeader): Hex => headerHash(h, SIM_DOMAIN);

function config(validatorIndex = ME, faults: CanaryFaults = {}): ConsensusConfig {
  return {
    validatorIndex,
    validatorCount: N,
    networkId: SIM_DOMAIN.networkId,
    timeouts: SIM_TIMEOUTS,
    crypto: cryptoOf(validatorIndex),
    application: {
      blockId: idOf,
      extendVote: () => ({ timestampMs: 5, inclusionList: [], prices: [] }),
      isWellFormedExtension: () => true,
    },
    [CANARY_FAULTS]: faults,
  };
}

function proposal(height: number, round: number, h: BlockHeader, validRound = -1): Proposal {
  const proposer = proposerIndex(N, height, round);
  const unsigned = {
    networkId: SIM_DOMAIN.networkId,
    height,
    round,
    validRound,
    proposerIndex: proposer,
    header: h,
    transactionIds: [],
    prices: [],
    validRoundCertificate: null,
    extensions: [],
  };
  return { ...unsigned, signature: cryptoOf(proposer).signProposal(unsigned) };
}

function vote(from: number, kind: VoteKind, height: number, round: number, blockId: Hex): Vote {
  const crypto = cryptoOf(from);
  const body = { kind, networkId: SIM_DOMAIN.networkId, height, round, blockId };
  let extension: SignedVoteExtension | null = null;
  if (kind === VoteKind.Precommit && blockId !== NIL_BLOCK_ID) {
    const unsigned = {
      networkId: SIM_DOMAIN.networkId,
      height,
      round,
      blockId,
      validatorIndex: from,
      timestampMs: 7,
      inclusionList: [],
      prices: [],
    };
    extension = { ...unsigned, signature: crypto.signExtension(unsigned) };
  }
  return { ...body, validatorIndex: from, signature: crypto.signVote(body), extension };
}

/** A core under test, with helpers to feed inputs and inspect outputs. */
function harness(options: { validatorIndex?: number; faults?: CanaryFaults; persisted?: SafetyRecord } = {}) {
  const state = createConsensusState({
    config: config(options.validatorIndex ?? ME, options.faults ?? {}),
    height: 1,
    persisted: options.persisted ?? null,
  });
  const log: ConsensusOutput[] = [];
  const feed = (input: ConsensusInput): ConsensusOutput[] => {
    const { outputs } = step(state, input);
    log.push(...outputs);
    // Answer content checks like a driver whose content function accepts `validBlocks`.
    const answers: ConsensusOutput[] = [];
    for (const output of outputs) {
      if (output.type === 'checkContent') {
        answers.push(
          ...feed({
            type: 'contentChecked',
            height: output.height,
            blockId: output.blockId,
            proposal: output.proposal,
            valid: !invalidBlocks.has(output.blockId),
          }),
        );
      }
    }
    return [...outputs, ...answers];
  };
  const invalidBlocks = new Set<Hex>();
  /** A message relayed by validator `_relay` (the core does not care who relays: messages are signed). */
  const message = (_relay: number, m: { proposal: Proposal } | { vote: Vote }) =>
    feed({
      type: 'message',
      message: 'proposal' in m ? { type: 'proposal', proposal: m.proposal } : { type: 'vote', vote: m.vote },
    });
  const sentVotes = (outputs: ConsensusOutput[]) =>
    outputs.flatMap((output) =>
      output.type === 'broadcast' && output.message.type === 'vote' ? [output.message.vote] : [],
    );
  feed({ type: 'start' });
  return { state, feed, message, sentVotes, log, invalidBlocks };
}

const B1 = header(1, 1);
const B2 = header(1, 2);

describe('consensus core (Algorithm 1)', () => {
  it('L10-L21: a non-proposer schedules timeoutPropose; the proposer asks for getValue() (L18)', () => {
    const follower = harness();
    expect(follower.log).toContainEqual({
      type: 'scheduleTimeout',
      timeout: { kind: 'propose', height: 1, round: 0 },
      durationMs: timeoutDurationMs(config(), 'propose', 0),
    });
    const leader = harness({ validatorIndex: proposerIndex(N, 1, 0) });
    expect(
      leader.log.some((output) => output.type === 'buildBlock' && output.height === 1 && output.round === 0),
    ).toBe(true);
    const outputs = leader.feed({
      type: 'blockBuilt',
      height: 1,
      round: 0,
      block: { header: B1, transactionIds: [], prices: [], extensions: [] },
    });
    const persistAt = outputs.findIndex((output) => output.type === 'persist');
    const broadcastAt = outputs.findIndex(
      (output) => output.type === 'broadcast' && output.message.type === 'proposal',
    );
    expect(persistAt).toBeGreaterThanOrEqual(0);
    expect(persistAt).toBeLessThan(broadcastAt); // L19, write-ahead
  });

  it('timeouts grow per round up to the cap', () => {
    expect(timeoutDurationMs(config(), 'propose', 1)).toBe(
      SIM_TIMEOUTS.proposeBaseMs + SIM_TIMEOUTS.perRoundIncrementMs,
    );
    expect(timeoutDurationMs(config(), 'precommit', 10_000)).toBe(SIM_TIMEOUTS.maxMs);
  });

  it('L22-L24: prevotes for a valid proposal, persisting before sending', () => {
    const node = harness();
    const outputs = node.message(1, { proposal: proposal(1, 0, B1) });
    const prevotes = node.sentVotes(outputs);
    expect(prevotes).toHaveLength(1);
    expect(prevotes[0]).toMatchObject({ kind: VoteKind.Prevote, round: 0, blockId: idOf(B1) });
    const persistAt = outputs.findIndex((output) => output.type === 'persist');
    const sendAt = outputs.findIndex((output) => output.type === 'broadcast');
    expect(persistAt).toBeLessThan(sendAt);
    expect(node.state.step).toBe('prevote');
  });

  it('L26: prevotes nil for an invalid proposal (content is not the fair-content function)', () => {
    const node = harness();
    node.invalidBlocks.add(idOf(B1));
    const prevotes = node.sentVotes(node.message(1, { proposal: proposal(1, 0, B1) }));
    expect(prevotes[0]?.blockId).toBe(NIL_BLOCK_ID);
  });

  it('ignores a proposal from a validator that is not the proposer of the round', () => {
    const node = harness();
    const forged = { ...proposal(1, 0, B1), proposerIndex: 3 };
    expect(node.sentVotes(node.message(3, { proposal: forged }))).toHaveLength(0);
  });

  it('L57-L60: timeoutPropose prevotes nil', () => {
    const node = harness();
    const prevotes = node.sentVotes(
      node.feed({ type: 'timeout', timeout: { kind: 'propose', height: 1, round: 0 } }),
    );
    expect(prevotes[0]).toMatchObject({ kind: VoteKind.Prevote, blockId: NIL_BLOCK_ID });
  });

  it('L36-L43: 2f+1 prevotes for the proposal lock it and precommit it with a signed extension', () => {
    const node = harness();
    node.message(1, { proposal: proposal(1, 0, B1) });
    node.message(0, { vote: vote(0, VoteKind.Prevote, 1, 0, idOf(B1)) });
    const outputs = node.message(3, { vote: vote(3, VoteKind.Prevote, 1, 0, idOf(B1)) });
    const [precommit] = node.sentVotes(outputs);
    expect(precommit).toMatchObject({ kind: VoteKind.Precommit, blockId: idOf(B1) });
    expect(precommit?.extension?.validatorIndex).toBe(ME);
    expect(cryptoOf(0).verifyExtension(precommit!.extension!)).toBe(true);
    expect(node.state.lockedRound).toBe(0);
    expect(node.state.validRound).toBe(0);
    const record = [...outputs].reverse().find((output) => output.type === 'persist');
    expect(record?.type === 'persist' && record.record.lockedRound).toBe(0);
    // The precommit's write-ahead record holds the valid value too (validRound ≥ lockedRound).
    expect(record?.type === 'persist' && record.record.validRound).toBe(0);
    expect(record?.type === 'persist' && record.record.validProposal?.header).toEqual(B1);
  });

  it('a node restarted right after locking re-proposes its locked block when it proposes (no fresh block it could not prevote)', () => {
    // ME = 2 locks B1 in round 0 of height 1, and restarts from the precommit's record.
    const first = harness();
    first.message(1, { proposal: proposal(1, 0, B1) });
    first.message(0, { vote: vote(0, VoteKind.Prevote, 1, 0, idOf(B1)) });
    first.message(3, { vote: vote(3, VoteKind.Prevote, 1, 0, idOf(B1)) });
    const record = [...first.log].reverse().find((output) => output.type === 'persist');
    if (record?.type !== 'persist') throw new Error('no record');
    const restarted = harness({ persisted: record.record });
    // Round 0 ends without a decision; ME proposes round 1 (proposer(1, 1) = 2).
    for (const from of [0, 1, 3])
      restarted.message(from, { vote: vote(from, VoteKind.Precommit, 1, 0, NIL_BLOCK_ID) });
    const outputs = restarted.feed({ type: 'timeout', timeout: { kind: 'precommit', height: 1, round: 0 } });
    expect(outputs.some((output) => output.type === 'buildBlock')).toBe(false);
    const reproposed = outputs.find(
      (output) => output.type === 'broadcast' && output.message.type === 'proposal',
    );
    expect(
      reproposed?.type === 'broadcast' &&
        reproposed.message.type === 'proposal' &&
        reproposed.message.proposal,
    ).toMatchObject({ round: 1, validRound: 0, header: B1 });
  });

  it('L34-L35 and L44-L46: a prevote quorum schedules timeoutPrevote; 2f+1 nil prevotes precommit nil', () => {
    const node = harness();
    node.feed({ type: 'timeout', timeout: { kind: 'propose', height: 1, round: 0 } });
    node.message(0, { vote: vote(0, VoteKind.Prevote, 1, 0, NIL_BLOCK_ID) });
    const outputs = node.message(3, { vote: vote(3, VoteKind.Prevote, 1, 0, NIL_BLOCK_ID) });
    expect(
      outputs.some((output) => output.type === 'scheduleTimeout' && output.timeout.kind === 'prevote'),
    ).toBe(true);
    expect(node.sentVotes(outputs)[0]).toMatchObject({ kind: VoteKind.Precommit, blockId: NIL_BLOCK_ID });
  });

  it('L61-L64: timeoutPrevote precommits nil; L65-L67: timeoutPrecommit starts the next round', () => {
    const node = harness();
    node.message(1, { proposal: proposal(1, 0, B1) });
    node.message(0, { vote: vote(0, VoteKind.Prevote, 1, 0, NIL_BLOCK_ID) });
    node.message(3, { vote: vote(3, VoteKind.Prevote, 1, 0, idOf(B2)) });
    const precommits = node.sentVotes(
      node.feed({ type: 'timeout', timeout: { kind: 'prevote', height: 1, round: 0 } }),
    );
    expect(precommits[0]).toMatchObject({ kind: VoteKind.Precommit, blockId: NIL_BLOCK_ID });
    node.feed({ type: 'timeout', timeout: { kind: 'precommit', height: 1, round: 0 } });
    expect(node.state.round).toBe(1);
    expect(node.state.step).toBe('propose');
  });

  it('ignores timeouts of another round or height (L58, L62, L66)', () => {
    const node = harness();
    const outputs = node.feed({ type: 'timeout', timeout: { kind: 'propose', height: 1, round: 3 } });
    expect(node.sentVotes(outputs)).toHaveLength(0);
  });

  it('L49-L54: 2f+1 precommits decide, with a certificate that verifies, and the height advances', () => {
    const node = harness();
    node.message(1, { proposal: proposal(1, 0, B1) });
    node.message(0, { vote: vote(0, VoteKind.Precommit, 1, 0, idOf(B1)) });
    node.message(1, { vote: vote(1, VoteKind.Precommit, 1, 0, idOf(B1)) });
    const outputs = node.message(3, { vote: vote(3, VoteKind.Precommit, 1, 0, idOf(B1)) });
    const commit = outputs.find((output) => output.type === 'commit');
    expect(commit?.type).toBe('commit');
    if (commit?.type !== 'commit') return;
    expect(commit.commit.blockId).toBe(idOf(B1));
    const certified = cryptoOf(0).verifyVoteCertificate(
      { kind: VoteKind.Precommit, networkId: SIM_DOMAIN.networkId, height: 1, round: 0, blockId: idOf(B1) },
      commit.commit.certificate.signature,
    );
    expect(certified).toBe(true);
    expect(commit.commit.extensions).toHaveLength(3);
    expect(node.state.height).toBe(2);
    expect(node.state.lockedRound).toBe(-1);
  });

  it('does not decide on 2f precommits (a certificate needs t = 2f+1 partials)', () => {
    const node = harness();
    node.message(1, { proposal: proposal(1, 0, B1) });
    node.message(0, { vote: vote(0, VoteKind.Precommit, 1, 0, idOf(B1)) });
    const outputs = node.message(1, { vote: vote(1, VoteKind.Precommit, 1, 0, idOf(B1)) });
    expect(outputs.some((output) => output.type === 'commit')).toBe(false);
  });

  it('never combines precommits of different rounds', () => {
    const node = harness();
    node.message(1, { proposal: proposal(1, 0, B1) });
    node.message(0, { vote: vote(0, VoteKind.Precommit, 1, 0, idOf(B1)) });
    node.message(1, { vote: vote(1, VoteKind.Precommit, 1, 1, idOf(B1)) });
    const outputs = node.message(3, { vote: vote(3, VoteKind.Precommit, 1, 2, idOf(B1)) });
    expect(outputs.some((output) => output.type === 'commit')).toBe(false);
  });

  /** Validator 0 (proposer of no round 0-2 at height 1) locks on B1 in round 0, then moves to round 1. */
  function lockedOnB1(faults: CanaryFaults = {}) {
    const node = harness({ validatorIndex: 0, faults });
    node.message(1, { proposal: proposal(1, 0, B1) });
    node.message(2, { vote: vote(2, VoteKind.Prevote, 1, 0, idOf(B1)) });
    node.message(3, { vote: vote(3, VoteKind.Prevote, 1, 0, idOf(B1)) });
    node.message(2, { vote: vote(2, VoteKind.Precommit, 1, 0, NIL_BLOCK_ID) });
    node.message(3, { vote: vote(3, VoteKind.Precommit, 1, 0, NIL_BLOCK_ID) });
    node.feed({ type: 'timeout', timeout: { kind: 'precommit', height: 1, round: 0 } });
    expect(node.state.round).toBe(1);
    expect(node.state.lockedRound).toBe(0);
    return node;
  }

  it('L23: a node locked on B1 prevotes nil on a fresh proposal of another block', () => {
    const node = lockedOnB1();
    const prevotes = node.sentVotes(node.message(proposerIndex(N, 1, 1), { proposal: proposal(1, 1, B2) }));
    expect(prevotes[0]).toMatchObject({ round: 1, blockId: NIL_BLOCK_ID });
  });

  it('the lock-skipping canary prevotes for it instead (what the lock rule prevents)', () => {
    const node = lockedOnB1({ skipLockRule: true });
    const prevotes = node.sentVotes(node.message(proposerIndex(N, 1, 1), { proposal: proposal(1, 1, B2) }));
    expect(prevotes[0]).toMatchObject({ round: 1, blockId: idOf(B2) });
  });

  it('L28-L30: a polka for another block at a round ≥ the lock releases it', () => {
    const node = lockedOnB1();
    // Round 1: B2 gathers a polka (the node itself timed out in propose and prevoted nil).
    node.feed({ type: 'timeout', timeout: { kind: 'propose', height: 1, round: 1 } });
    for (const from of [1, 2, 3]) node.message(from, { vote: vote(from, VoteKind.Prevote, 1, 1, idOf(B2)) });
    for (const from of [1, 2, 3])
      node.message(from, { vote: vote(from, VoteKind.Precommit, 1, 1, NIL_BLOCK_ID) });
    node.feed({ type: 'timeout', timeout: { kind: 'precommit', height: 1, round: 1 } });
    expect(node.state.round).toBe(2);
    // Round 2 re-proposes B2 with validRound 1 ≥ lockedRound 0.
    const prevotes = node.sentVotes(
      node.message(proposerIndex(N, 1, 2), { proposal: proposal(1, 2, B2, 1) }),
    );
    expect(prevotes[0]).toMatchObject({ round: 2, blockId: idOf(B2) });
  });

  it('L55-L56: f+1 messages of a later round make the node join it', () => {
    const node = harness();
    node.message(0, { vote: vote(0, VoteKind.Prevote, 1, 5, NIL_BLOCK_ID) });
    expect(node.state.round).toBe(0);
    node.message(3, { vote: vote(3, VoteKind.Precommit, 1, 5, NIL_BLOCK_ID) });
    expect(node.state.round).toBe(5);
  });

  it('keeps two conflicting signed votes of one validator as evidence, counting only the first', () => {
    const node = harness();
    node.message(0, { vote: vote(0, VoteKind.Prevote, 1, 0, idOf(B1)) });
    const outputs = node.message(0, { vote: vote(0, VoteKind.Prevote, 1, 0, idOf(B2)) });
    const evidence = outputs.find((output) => output.type === 'evidence');
    expect(evidence?.type === 'evidence' && evidence.evidence.first.validatorIndex).toBe(0);
    expect(
      evidence?.type === 'evidence' && evidence.evidence.first.blockId < evidence.evidence.second.blockId,
    ).toBe(true);
  });

  it('ignores a vote with an invalid signature, and a precommit whose extension signature is invalid', () => {
    const node = harness();
    node.message(1, { proposal: proposal(1, 0, B1) });
    const bad = vote(0, VoteKind.Prevote, 1, 0, idOf(B1));
    node.message(0, { vote: { ...bad, signature: new Uint8Array(96) } });
    expect(node.state.rounds.get(0)?.prevotes.has(0)).toBe(false);
    const precommit = vote(3, VoteKind.Precommit, 1, 0, idOf(B1));
    node.message(3, {
      vote: { ...precommit, extension: { ...precommit.extension!, signature: new Uint8Array(96) } },
    });
    expect(node.state.rounds.get(0)?.precommits.has(3)).toBe(false);
    // The canary accepts it.
    const canary = harness({ faults: { skipExtensionSignature: true } });
    canary.message(3, {
      vote: { ...precommit, extension: { ...precommit.extension!, signature: new Uint8Array(96) } },
    });
    expect(canary.state.rounds.get(0)?.precommits.has(3)).toBe(true);
  });

  it('a restarted node replays its safety record and never signs a conflicting vote', () => {
    const first = harness();
    first.message(1, { proposal: proposal(1, 0, B1) }); // prevoted B1 in round 0
    const record = [...first.log].reverse().find((output) => output.type === 'persist');
    expect(record?.type).toBe('persist');
    if (record?.type !== 'persist') return;
    const restarted = harness({ persisted: record.record });
    expect(restarted.state.step).toBe('prevote');
    // Re-sends its round-0 prevote rather than a new one; a timeoutPropose cannot make it prevote nil.
    expect(restarted.sentVotes(restarted.log).map((v) => v.blockId)).toEqual([idOf(B1)]);
    const after = restarted.feed({ type: 'timeout', timeout: { kind: 'propose', height: 1, round: 0 } });
    expect(restarted.sentVotes(after)).toHaveLength(0);
    // Without replay (the canary), it prevotes again, nil this time: an equivocation.
    const forgetful = harness({ persisted: record.record, faults: { forgetPersistedVotes: true } });
    const equivocation = forgetful.sentVotes(
      forgetful.feed({ type: 'timeout', timeout: { kind: 'propose', height: 1, round: 0 } }),
    );
    expect(equivocation[0]?.blockId).toBe(NIL_BLOCK_ID);
  });

  it('decides from a valid certified block (catch-up), ignores a forged one, and pushes nothing to a lagging peer', () => {
    const node = harness();
    node.message(1, { proposal: proposal(1, 0, B1) });
    const decided = [0, 1, 3].flatMap((from) =>
      node.message(from, { vote: vote(from, VoteKind.Precommit, 1, 0, idOf(B1)) }),
    );
    expect(node.state.height).toBe(2);
    const commit = decided.find((output) => output.type === 'commit');
    if (commit?.type !== 'commit') throw new Error('no commit');
    // A peer still at height 1 is not sent the block: it fetches it (sync/).
    const stale = node.message(3, { vote: vote(3, VoteKind.Prevote, 1, 4, NIL_BLOCK_ID) });
    expect(stale.filter((output) => output.type === 'broadcast')).toEqual([]);
    const block = {
      proposal: commit.commit.proposal,
      certificate: commit.commit.certificate,
      extensions: commit.commit.extensions,
    };
    const lagging = harness({ validatorIndex: 3 });
    const outputs = lagging.feed({ type: 'certifiedBlock', block });
    expect(outputs.some((output) => output.type === 'commit')).toBe(true);
    expect(lagging.state.height).toBe(2);
    // A forged certificate is ignored; the canary that skips the check takes it.
    const forged = { ...block, certificate: { round: 0, signature: new Uint8Array(96) } };
    const other = harness({ validatorIndex: 3 });
    other.feed({ type: 'certifiedBlock', block: forged });
    expect(other.state.height).toBe(1);
    const canary = harness({ validatorIndex: 3, faults: { skipCatchUpCertificateCheck: true } });
    canary.feed({ type: 'certifiedBlock', block: forged });
    expect(canary.state.height).toBe(2);
  });

  it('keeps a height a few ahead (window) and decides it at once when catch-up brings the node there', () => {
    // What the lagging node will be handed by catch-up: heights 1 and 2, decided by the others.
    const others = harness({ validatorIndex: 0 });
    const decide = (height: number, tag: number) => {
      const h = header(height, tag);
      others.message(1, { proposal: proposal(height, 0, h) });
      const outputs = [1, 2, 3].flatMap((from) =>
        others.message(from, { vote: vote(from, VoteKind.Precommit, height, 0, idOf(h)) }),
      );
      const commit = outputs.find((output) => output.type === 'commit');
      if (commit?.type !== 'commit') throw new Error(`height ${height} not decided`);
      return {
        proposal: commit.commit.proposal,
        certificate: commit.commit.certificate,
        extensions: commit.commit.extensions,
      };
    };
    const [block1, block2] = [decide(1, 1), decide(2, 2)];
    // Height 3 is being decided while the lagging node is still at 1: its proposal and
    // precommits reach it two heights early.
    const lagging = harness({ validatorIndex: 3 });
    const B3 = header(3, 3);
    lagging.message(0, { proposal: proposal(3, 0, B3) });
    for (const from of [0, 1, 2])
      lagging.message(from, { vote: vote(from, VoteKind.Precommit, 3, 0, idOf(B3)) });
    expect(lagging.state.height).toBe(1);
    // Beyond the window, messages are not kept (catch-up covers those heights).
    const far = 1 + FUTURE_HEIGHT_WINDOW + 1;
    lagging.message(0, { vote: vote(0, VoteKind.Prevote, far, 0, NIL_BLOCK_ID) });
    expect(lagging.state.futureMessages.some((m) => m.type === 'vote' && m.vote.height === far)).toBe(false);
    lagging.feed({ type: 'certifiedBlock', block: block1 });
    expect(lagging.state.height).toBe(2);
    const outputs = lagging.feed({ type: 'certifiedBlock', block: block2 });
    // Arriving at 3, the kept proposal and precommits decide it with no further message.
    const commit3 = outputs.find((output) => output.type === 'commit' && output.commit.height === 3);
    expect(commit3?.type).toBe('commit');
    expect(lagging.state.height).toBe(4);
  });
});
