import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { BLS_PUBLIC_KEY_BYTES } from '../bls/constants.ts';
import { mcl } from '../bls/mcl.ts';
import { mod, scalarFromBytes, scalarToBytes } from '../bls/scalar.ts';
import { blsPublicKey } from '../bls/signature.ts';
import { evaluateCommitments } from '../bls/threshold.ts';
import { assert } from '../errors.ts';
import {
  dealSigningPayload,
  encodeDkgMessage,
  justificationSigningPayload,
  responseSigningPayload,
} from './codecs.ts';
import {
  DKG_ENCRYPTED_SHARE_BYTES,
  DKG_ENCRYPTION_KEY_BYTES,
  DKG_NONCE_BYTES,
  DKG_RANDOMNESS_MIN_BYTES,
  DKG_SESSION_ID_BYTES,
  DKG_SIGNATURE_BYTES,
  DKG_SIGNING_KEY_BYTES,
  MAX_DKG_PARTICIPANTS,
} from './constants.ts';
import {
  buildDeal,
  dealerPolynomial,
  ephemeralSecretKey,
  type InspectedDeal,
  inspectDeal,
  shareMatchesCommitments,
} from './deal.ts';
import { DkgError } from './errors.ts';
import { dkgSessionId, isValidSigningPublicKey, signDkgPayload, verifyDkgSignature } from './keys.ts';
import type {
  DkgConfig,
  DkgDeal,
  DkgExclusionReason,
  DkgInput,
  DkgJustification,
  DkgMessage,
  DkgOutput,
  DkgPhase,
  DkgRejectCode,
  DkgResponse,
  DkgResult,
  DkgSecrets,
} from './types.ts';

/**
 * Joint-Feldman DKG (Pedersen's, as drand runs it: deal → response → justification), as a pure
 * state machine per participant: `dkgStep(state, input) → { state, outputs }`. No clock, I/O or
 * randomness inside: the randomness is in `DkgSecrets`, the driver feeds `phaseTimeout` when its
 * timer for the current phase (announced by a `phaseStarted` output) runs out, and carries out
 * `broadcast` outputs. The protocol, its assumptions and its known limits are in docs/protocol.md
 * "DKG".
 *
 * Decisions are made only at phase ends, from the set of messages held, so they do not depend on
 * arrival order. One message of each kind per sender counts; a dealer that signs two different
 * deals is excluded, whichever phase the second one arrives in.
 */

interface HeldDeal {
  deal: DkgDeal;
  /** keccak256 of the signed payload: tells a re-sent deal from a conflicting one. */
  digest: string;
  inspected: InspectedDeal;
}

export interface DkgState {
  readonly config: DkgConfig;
  readonly sessionId: Uint8Array;
  /** This participant's index. */
  readonly index: number;
  readonly signingSecretKey: Uint8Array;
  readonly encryptionSecretKey: Uint8Array;
  /** f(i+1) of our own polynomial for every participant i: what we reveal if accused. */
  readonly ownShares: readonly bigint[];
  readonly phase: DkgPhase;
  /** First correctly signed deal of each dealer that arrived in the deal phase. */
  readonly deals: ReadonlyMap<number, HeldDeal>;
  /** Dealers that signed two different deals. */
  readonly equivocators: ReadonlySet<number>;
  /** Participants whose response we hold (drivers may read it to see progress). */
  readonly responders: ReadonlySet<number>;
  /** dealer → participants that complained about it (union over all their responses). */
  readonly complaints: ReadonlyMap<number, ReadonlySet<number>>;
  /** dealer → recipient → share it revealed. */
  readonly revealed: ReadonlyMap<number, ReadonlyMap<number, bigint>>;
  /** Dealers that revealed two different values for one recipient (at most one can be right). */
  readonly conflictingRevealers: ReadonlySet<number>;
  readonly result: DkgResult | undefined;
  readonly error: DkgError | undefined;
}

export interface DkgTransition {
  state: DkgState;
  outputs: DkgOutput[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function isIndex(value: number, bound: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < bound;
}

function isStrictlyIncreasing(values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || value > values[i - 1]!);
}

function configError(message: string): DkgError {
  return new DkgError('INVALID_CONFIG', message);
}

function validateConfig(config: DkgConfig, secrets: DkgSecrets): void {
  const n = config.participants.length;
  if (n < 1 || n > MAX_DKG_PARTICIPANTS)
    throw configError(`${n} participants, must be 1..${MAX_DKG_PARTICIPANTS}`);
  if (!Number.isInteger(config.threshold) || config.threshold < 1 || config.threshold > n) {
    throw configError(`threshold ${config.threshold} not in 1..${n}`);
  }
  for (const [name, value] of [
    ['networkId', config.networkId],
    ['epoch', config.epoch],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw configError(`${name} must be a non-negative safe integer`);
  }
  if (config.nonce.length !== DKG_NONCE_BYTES) throw configError(`nonce must be ${DKG_NONCE_BYTES} bytes`);
  const signingKeys = new Set<string>();
  const encryptionKeys = new Set<string>();
  config.participants.forEach((participant, i) => {
    if (!isValidSigningPublicKey(participant.signingPublicKey))
      throw configError(`participant ${i}: bad signing key`);
    // Small-order X25519 keys are caught when the deal encrypts to them (dkgInit).
    if (participant.encryptionPublicKey.length !== DKG_ENCRYPTION_KEY_BYTES) {
      throw configError(`participant ${i}: bad encryption key length`);
    }
    signingKeys.add(hex(participant.signingPublicKey));
    encryptionKeys.add(hex(participant.encryptionPublicKey));
  });
  if (signingKeys.size !== n || encryptionKeys.size !== n) throw configError('two participants share a key');
  if (!isIndex(secrets.index, n)) throw configError(`own index ${secrets.index} not in 0..${n - 1}`);
  if (secrets.signingSecretKey.length !== DKG_SIGNING_KEY_BYTES)
    throw configError('signing secret key length');
  if (secrets.encryptionSecretKey.length !== DKG_ENCRYPTION_KEY_BYTES)
    throw configError('encryption secret key length');
  const self = config.participants[secrets.index]!;
  if (!sameBytes(ed25519.getPublicKey(secrets.signingSecretKey), self.signingPublicKey)) {
    throw configError('signing secret key does not match our participant entry');
  }
  if (!sameBytes(x25519.getPublicKey(secrets.encryptionSecretKey), self.encryptionPublicKey)) {
    throw configError('encryption secret key does not match our participant entry');
  }
  if (secrets.randomness.length < DKG_RANDOMNESS_MIN_BYTES) {
    throw configError(`randomness must be at least ${DKG_RANDOMNESS_MIN_BYTES} bytes`);
  }
}

function broadcast(message: DkgMessage): DkgOutput {
  return { type: 'broadcast', message, bytes: encodeDkgMessage(message) };
}

function reject(state: DkgState, code: DkgRejectCode, senderIndex?: number): DkgTransition {
  return {
    state,
    outputs: [{ type: 'rejected', code, ...(senderIndex === undefined ? {} : { senderIndex }) }],
  };
}

/**
 * Starts a session: derives our polynomial and deal from `secrets.randomness`, and returns the
 * deal to broadcast. Throws DkgError `INVALID_CONFIG` if the parameters or keys are unusable.
 *
 * @example
 * let { state, outputs } = dkgInit(config, secrets);
 * // for each input (decoded message or timer): ({ state, outputs } = dkgStep(state, input));
 * // until an output { type: 'finished', result } or { type: 'failed', error }.
 */
export function dkgInit(config: DkgConfig, secrets: DkgSecrets): DkgTransition {
  validateConfig(config, secrets);
  const n = config.participants.length;
  const sessionId = dkgSessionId(config);
  const polynomial = dealerPolynomial(secrets.randomness, sessionId, config.threshold, n);
  let deal: DkgDeal;
  try {
    deal = buildDeal({
      sessionId,
      dealerIndex: secrets.index,
      participants: config.participants,
      commitments: polynomial.commitments,
      shares: polynomial.shares,
      ephemeralSecretKey: ephemeralSecretKey(secrets.randomness, sessionId),
      signingSecretKey: secrets.signingSecretKey,
    });
  } catch (cause) {
    // The only input that can make encryption fail is a small-order recipient key.
    throw new DkgError('INVALID_CONFIG', 'a participant has an unusable encryption key', { cause });
  }
  const initial: DkgState = {
    config,
    sessionId,
    index: secrets.index,
    signingSecretKey: secrets.signingSecretKey,
    encryptionSecretKey: secrets.encryptionSecretKey,
    ownShares: polynomial.shares,
    phase: 'deal',
    deals: new Map(),
    equivocators: new Set(),
    responders: new Set(),
    complaints: new Map(),
    revealed: new Map(),
    conflictingRevealers: new Set(),
    result: undefined,
    error: undefined,
  };
  const own = receiveDeal(initial, deal);
  assert(own.outputs.length === 0, 'own deal rejected');
  return {
    state: own.state,
    outputs: [{ type: 'phaseStarted', phase: 'deal' }, broadcast({ type: 'deal', deal })],
  };
}

/** Applies one input. Pure: the given state is not modified. */
export function dkgStep(state: DkgState, input: DkgInput): DkgTransition {
  switch (input.type) {
    case 'deal':
      return receiveDeal(state, input.deal);
    case 'response':
      return receiveResponse(state, input.response);
    case 'justification':
      return receiveJustification(state, input.justification);
    case 'phaseTimeout':
      if (input.phase !== undefined && input.phase !== state.phase) return { state, outputs: [] };
      if (state.phase === 'deal') return endDealPhase(state);
      if (state.phase === 'response') return endResponsePhase(state);
      if (state.phase === 'justification') return finish(state, []);
      return { state, outputs: [] };
  }
}

function isOver(state: DkgState): boolean {
  return state.phase === 'finished' || state.phase === 'failed';
}

function isWellFormedDeal(deal: DkgDeal): boolean {
  return (
    deal.sessionId.length === DKG_SESSION_ID_BYTES &&
    isIndex(deal.dealerIndex, MAX_DKG_PARTICIPANTS) &&
    deal.commitments.length <= MAX_DKG_PARTICIPANTS &&
    deal.commitments.every((commitment) => commitment.length === BLS_PUBLIC_KEY_BYTES) &&
    deal.ephemeralPublicKey.length === DKG_ENCRYPTION_KEY_BYTES &&
    deal.encryptedShares.length <= MAX_DKG_PARTICIPANTS &&
    deal.encryptedShares.every((share) => share.length === DKG_ENCRYPTED_SHARE_BYTES) &&
    deal.signature.length === DKG_SIGNATURE_BYTES
  );
}

function receiveDeal(state: DkgState, deal: DkgDeal): DkgTransition {
  if (isOver(state)) return reject(state, 'LATE', deal.dealerIndex);
  if (!isWellFormedDeal(deal)) return reject(state, 'MALFORMED');
  if (!sameBytes(deal.sessionId, state.sessionId)) return reject(state, 'WRONG_SESSION', deal.dealerIndex);
  const n = state.config.participants.length;
  if (deal.dealerIndex >= n) return reject(state, 'UNKNOWN_SENDER', deal.dealerIndex);
  const payload = dealSigningPayload(deal);
  const digest = hex(keccak_256(payload));
  const held = state.deals.get(deal.dealerIndex);
  // Evidence already held, or the same deal again: nothing to learn, skip the signature check.
  if (held !== undefined && (held.digest === digest || state.equivocators.has(deal.dealerIndex))) {
    return reject(state, 'DUPLICATE', deal.dealerIndex);
  }
  const signer = state.config.participants[deal.dealerIndex]!.signingPublicKey;
  if (!verifyDkgSignature(payload, deal.signature, signer))
    return reject(state, 'BAD_SIGNATURE', deal.dealerIndex);
  if (held !== undefined) {
    // Two different deals signed by one dealer: honest participants may hold different ones, so
    // the dealer is out, in whatever phase the evidence arrives.
    return {
      state: { ...state, equivocators: new Set(state.equivocators).add(deal.dealerIndex) },
      outputs: [{ type: 'equivocation', dealerIndex: deal.dealerIndex, first: held.deal, second: deal }],
    };
  }
  if (state.phase !== 'deal') return reject(state, 'LATE', deal.dealerIndex);
  const inspected = inspectDeal(deal, {
    threshold: state.config.threshold,
    n,
    recipientIndex: state.index,
    encryptionKeys: {
      secretKey: state.encryptionSecretKey,
      publicKey: state.config.participants[state.index]!.encryptionPublicKey,
    },
  });
  return {
    state: { ...state, deals: new Map(state.deals).set(deal.dealerIndex, { deal, digest, inspected }) },
    outputs: [],
  };
}

function receiveResponse(state: DkgState, response: DkgResponse): DkgTransition {
  if (isOver(state)) return reject(state, 'LATE', response.responderIndex);
  const n = state.config.participants.length;
  const wellFormed =
    response.sessionId.length === DKG_SESSION_ID_BYTES &&
    isIndex(response.responderIndex, MAX_DKG_PARTICIPANTS) &&
    response.complaints.length <= MAX_DKG_PARTICIPANTS &&
    response.complaints.every((dealer) => isIndex(dealer, MAX_DKG_PARTICIPANTS)) &&
    isStrictlyIncreasing(response.complaints) &&
    response.signature.length === DKG_SIGNATURE_BYTES;
  if (!wellFormed) return reject(state, 'MALFORMED');
  const sender = response.responderIndex;
  if (!sameBytes(response.sessionId, state.sessionId)) return reject(state, 'WRONG_SESSION', sender);
  if (sender >= n) return reject(state, 'UNKNOWN_SENDER', sender);
  if (response.complaints.some((dealer) => dealer >= n)) return reject(state, 'MALFORMED', sender);
  const signer = state.config.participants[sender]!.signingPublicKey;
  if (!verifyDkgSignature(responseSigningPayload(response), response.signature, signer)) {
    return reject(state, 'BAD_SIGNATURE', sender);
  }
  if (state.phase !== 'deal' && state.phase !== 'response') return reject(state, 'LATE', sender);
  const fresh = response.complaints.filter((dealer) => !state.complaints.get(dealer)?.has(sender));
  if (fresh.length === 0 && state.responders.has(sender)) return reject(state, 'DUPLICATE', sender);
  // A responder's complaints are the union of everything it signed in time: re-sending or
  // equivocating can only add complaints, which honest dealers answer.
  const complaints = new Map(state.complaints);
  for (const dealer of fresh) complaints.set(dealer, new Set(complaints.get(dealer)).add(sender));
  return { state: { ...state, complaints, responders: new Set(state.responders).add(sender) }, outputs: [] };
}

function receiveJustification(state: DkgState, justification: DkgJustification): DkgTransition {
  if (isOver(state)) return reject(state, 'LATE', justification.dealerIndex);
  const n = state.config.participants.length;
  const recipients = justification.revealedShares.map((revealed) => revealed.recipientIndex);
  const wellFormed =
    justification.sessionId.length === DKG_SESSION_ID_BYTES &&
    isIndex(justification.dealerIndex, MAX_DKG_PARTICIPANTS) &&
    justification.revealedShares.length <= MAX_DKG_PARTICIPANTS &&
    recipients.every((recipient) => isIndex(recipient, MAX_DKG_PARTICIPANTS)) &&
    isStrictlyIncreasing(recipients) &&
    justification.revealedShares.every((revealed) => scalarFromBytes(revealed.secretShare) !== undefined) &&
    justification.signature.length === DKG_SIGNATURE_BYTES;
  if (!wellFormed) return reject(state, 'MALFORMED');
  const dealer = justification.dealerIndex;
  if (!sameBytes(justification.sessionId, state.sessionId)) return reject(state, 'WRONG_SESSION', dealer);
  if (dealer >= n) return reject(state, 'UNKNOWN_SENDER', dealer);
  if (recipients.some((recipient) => recipient >= n)) return reject(state, 'MALFORMED', dealer);
  const signer = state.config.participants[dealer]!.signingPublicKey;
  if (!verifyDkgSignature(justificationSigningPayload(justification), justification.signature, signer)) {
    return reject(state, 'BAD_SIGNATURE', dealer);
  }
  const known = state.revealed.get(dealer) ?? new Map<number, bigint>();
  const revealed = new Map(known);
  let conflicting = false;
  for (const { recipientIndex, secretShare } of justification.revealedShares) {
    const value = scalarFromBytes(secretShare)!;
    const previous = revealed.get(recipientIndex);
    if (previous === undefined) revealed.set(recipientIndex, value);
    else if (previous !== value) conflicting = true;
  }
  if (revealed.size === known.size && !conflicting) return reject(state, 'DUPLICATE', dealer);
  return {
    state: {
      ...state,
      revealed: new Map(state.revealed).set(dealer, revealed),
      conflictingRevealers: conflicting
        ? new Set(state.conflictingRevealers).add(dealer)
        : state.conflictingRevealers,
    },
    outputs: [],
  };
}

/** Deal phase over: complain about every dealer whose deal is missing or whose share to us is bad. */
function endDealPhase(state: DkgState): DkgTransition {
  const complaints: number[] = [];
  for (let dealer = 0; dealer < state.config.participants.length; dealer++) {
    const held = state.deals.get(dealer);
    if (held === undefined || (held.inspected.valid && held.inspected.share === undefined))
      complaints.push(dealer);
  }
  const unsigned = { sessionId: state.sessionId, responderIndex: state.index, complaints };
  const response: DkgResponse = {
    ...unsigned,
    signature: signDkgPayload(responseSigningPayload(unsigned), state.signingSecretKey),
  };
  const next = receiveResponse({ ...state, phase: 'response' }, response);
  assert(next.outputs.length === 0, 'own response rejected');
  return {
    state: next.state,
    outputs: [broadcast({ type: 'response', response }), { type: 'phaseStarted', phase: 'response' }],
  };
}

/** Dealers still in the running after the deal phase: a valid deal and no equivocation. */
function candidates(state: DkgState): number[] {
  const result: number[] = [];
  for (const [dealer, held] of state.deals) {
    if (held.inspected.valid && !state.equivocators.has(dealer)) result.push(dealer);
  }
  return result.sort((a, b) => a - b);
}

/**
 * Response phase over: if anyone complained about us, reveal those shares. If no candidate dealer
 * has a complaint, nobody needs to justify and the key is formed now.
 */
function endResponsePhase(state: DkgState): DkgTransition {
  const outputs: DkgOutput[] = [];
  let next: DkgState = state;
  const accusers = [...(state.complaints.get(state.index) ?? [])].sort((a, b) => a - b);
  if (accusers.length > 0) {
    const unsigned = {
      sessionId: state.sessionId,
      dealerIndex: state.index,
      revealedShares: accusers.map((recipientIndex) => ({
        recipientIndex,
        secretShare: scalarToBytes(state.ownShares[recipientIndex]!),
      })),
    };
    const justification: DkgJustification = {
      ...unsigned,
      signature: signDkgPayload(justificationSigningPayload(unsigned), state.signingSecretKey),
    };
    const own = receiveJustification(state, justification);
    assert(own.outputs.length === 0, 'own justification rejected');
    next = own.state;
    outputs.push(broadcast({ type: 'justification', justification }));
  }
  const anyComplaint = candidates(next).some((dealer) => (next.complaints.get(dealer)?.size ?? 0) > 0);
  if (!anyComplaint) return finish(next, outputs);
  outputs.push({ type: 'phaseStarted', phase: 'justification' });
  return { state: { ...next, phase: 'justification' }, outputs };
}

/**
 * QUAL and the key. A candidate dealer qualifies iff every share it revealed matches its
 * commitments and every complaint against it was answered by a revealed share. Our share from a
 * dealer is the one it sent us or, if we complained, the one it revealed.
 */
function finish(state: DkgState, outputs: DkgOutput[]): DkgTransition {
  const { threshold, participants } = state.config;
  const qualified: number[] = [];
  const excluded: DkgResult['excluded'] = [];
  const exclude = (dealerIndex: number, reason: DkgExclusionReason) => excluded.push({ dealerIndex, reason });
  const myShares: bigint[] = [];
  for (let dealer = 0; dealer < participants.length; dealer++) {
    const held = state.deals.get(dealer);
    if (held === undefined) {
      exclude(dealer, 'MISSING_DEAL');
      continue;
    }
    if (state.equivocators.has(dealer)) {
      exclude(dealer, 'EQUIVOCATION');
      continue;
    }
    if (!held.inspected.valid) {
      exclude(dealer, 'INVALID_DEAL');
      continue;
    }
    const points = held.inspected.commitmentPoints;
    const revealed = state.revealed.get(dealer) ?? new Map<number, bigint>();
    const revealsMatch = [...revealed].every(([recipient, share]) =>
      shareMatchesCommitments(share, points, recipient + 1),
    );
    if (state.conflictingRevealers.has(dealer) || !revealsMatch) {
      exclude(dealer, 'INVALID_JUSTIFICATION');
      continue;
    }
    if ([...(state.complaints.get(dealer) ?? [])].some((accuser) => !revealed.has(accuser))) {
      exclude(dealer, 'UNANSWERED_COMPLAINT');
      continue;
    }
    const share = held.inspected.share ?? revealed.get(state.index);
    // We complained about any dealer whose share to us failed, so it revealed ours or is out.
    assert(share !== undefined, `no share from qualified dealer ${dealer}`);
    qualified.push(dealer);
    myShares.push(share);
  }

  if (qualified.length < threshold) {
    const error = new DkgError(
      'TOO_FEW_QUALIFIED',
      `${qualified.length} qualified dealers, threshold ${threshold}`,
    );
    return {
      state: { ...state, phase: 'failed', error },
      outputs: [...outputs, { type: 'failed', error, excluded }],
    };
  }

  const qualifiedPoints = qualified.map((dealer) => {
    const inspected = state.deals.get(dealer)!.inspected;
    assert(inspected.valid, 'qualified dealer without a valid deal');
    return inspected.commitmentPoints;
  });
  const combinedPoints: mcl.G1[] = [];
  for (let k = 0; k < threshold; k++) {
    let sum = qualifiedPoints[0]![k]!;
    for (const points of qualifiedPoints.slice(1)) sum = mcl.add(sum, points[k]!);
    // The honest dealers' uniformly random coefficients make the identity a 2^-255 event.
    assert(!sum.isZero(), `combined commitment ${k} is the identity`);
    combinedPoints.push(sum);
  }
  const commitments = combinedPoints.map((point) => point.serialize());
  const shareScalar = mod(myShares.reduce((sum, share) => sum + share, 0n));
  assert(shareScalar !== 0n, 'combined share is zero');
  const shareSecretKey = scalarToBytes(shareScalar);
  const sharePublicKey = blsPublicKey(shareSecretKey);
  const shareIndex = state.index + 1;
  // Every share was checked against its dealer's commitments, so this holds unless our code is wrong.
  assert(
    sameBytes(sharePublicKey, evaluateCommitments(combinedPoints, shareIndex)),
    'share does not match commitments',
  );
  const result: DkgResult = {
    groupPublicKey: commitments[0]!,
    commitments,
    shareIndex,
    shareSecretKey,
    sharePublicKey,
    qualified,
    excluded,
  };
  return {
    state: { ...state, phase: 'finished', result },
    outputs: [...outputs, { type: 'finished', result }],
  };
}
