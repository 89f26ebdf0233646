import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { BLS_PUBLIC_KEY_BYTES } from '../bls/constants.ts';
import { lagrangeWeightsAtZero } from '../bls/lagrange.ts';
import { frFromBigint, mcl as mclLibrary } from '../bls/mcl.ts';
import { expandScalars, invert, mod, scalarFromBytes, scalarToBytes } from '../bls/scalar.ts';
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
  DKG_POLYNOMIAL_INFO,
  DKG_RANDOMNESS_MIN_BYTES,
  DKG_SESSION_ID_BYTES,
  DKG_SIGNATURE_BYTES,
  DKG_SIGNING_KEY_BYTES,
  MAX_DKG_PARTICIPANTS,
} from './constants.ts';
import {
  buildDeal,
  commitmentPoints,
  type DealerPolynomial,
  dealerPolynomial,
  ephemeralSecretKey,
  type InspectedDeal,
  inspectDeal,
  polynomialFromCoefficients,
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
  DkgParticipant,
  DkgPhase,
  DkgPublicOutcome,
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
 *
 * The same machine reshares (config.reshare): the dealers are then the previous committee, each
 * dealing a polynomial whose constant term is its share of the previous key, and the recipients
 * (`participants`) combine the qualified deals with Lagrange weights, so the group key stays. A
 * validator may be a dealer, a recipient, or both (docs/protocol.md "Resharing").
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
  /** Our index in `config.participants` (the recipients); undefined for a reshare dealer that leaves. */
  readonly index: number | undefined;
  /** Our index among the dealers; undefined for a validator joining in a reshare. */
  readonly dealerIndex: number | undefined;
  /** Who deals: `config.participants`, or the previous committee in a reshare. */
  readonly dealers: readonly DkgParticipant[];
  /** Reshare: dealer i's public share of the previous key (what its commitment 0 must be). */
  readonly previousPublicShares: readonly Uint8Array[] | undefined;
  readonly signingSecretKey: Uint8Array;
  readonly encryptionSecretKey: Uint8Array;
  /** f(i+1) of our own polynomial for every participant i: what we reveal if accused (empty if we do not deal). */
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

function validateKeys(participants: readonly DkgParticipant[], what: string): void {
  const n = participants.length;
  if (n < 1 || n > MAX_DKG_PARTICIPANTS)
    throw configError(`${n} ${what}, must be 1..${MAX_DKG_PARTICIPANTS}`);
  const signingKeys = new Set<string>();
  const encryptionKeys = new Set<string>();
  participants.forEach((participant, i) => {
    if (!isValidSigningPublicKey(participant.signingPublicKey))
      throw configError(`${what} ${i}: bad signing key`);
    // Small-order X25519 keys are caught when the deal encrypts to them (dkgInit).
    if (participant.encryptionPublicKey.length !== DKG_ENCRYPTION_KEY_BYTES) {
      throw configError(`${what} ${i}: bad encryption key length`);
    }
    signingKeys.add(hex(participant.signingPublicKey));
    encryptionKeys.add(hex(participant.encryptionPublicKey));
  });
  if (signingKeys.size !== n || encryptionKeys.size !== n) throw configError(`two ${what} share a key`);
}

function checkOwnKeys(secrets: DkgSecrets, entry: DkgParticipant, what: string): void {
  if (!sameBytes(ed25519.getPublicKey(secrets.signingSecretKey), entry.signingPublicKey)) {
    throw configError(`signing secret key does not match our ${what} entry`);
  }
  if (!sameBytes(x25519.getPublicKey(secrets.encryptionSecretKey), entry.encryptionPublicKey)) {
    throw configError(`encryption secret key does not match our ${what} entry`);
  }
}

/** Validates everything; returns, for a reshare, every dealer's public share of the previous key. */
function validateConfig(config: DkgConfig, secrets: DkgSecrets): Uint8Array[] | undefined {
  validateKeys(config.participants, 'participants');
  const n = config.participants.length;
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
  // Any other value would silently hash as a signing session (dkgSessionId tags 'encryption' only).
  if (config.purpose !== undefined && config.purpose !== 'signing' && config.purpose !== 'encryption')
    throw configError(`purpose ${String(config.purpose)} is neither 'signing' nor 'encryption'`);
  if (secrets.signingSecretKey.length !== DKG_SIGNING_KEY_BYTES)
    throw configError('signing secret key length');
  if (secrets.encryptionSecretKey.length !== DKG_ENCRYPTION_KEY_BYTES)
    throw configError('encryption secret key length');
  if (secrets.randomness.length < DKG_RANDOMNESS_MIN_BYTES) {
    throw configError(`randomness must be at least ${DKG_RANDOMNESS_MIN_BYTES} bytes`);
  }
  if (secrets.index !== undefined) {
    if (!isIndex(secrets.index, n)) throw configError(`own index ${secrets.index} not in 0..${n - 1}`);
    checkOwnKeys(secrets, config.participants[secrets.index]!, 'participant');
  }
  const { reshare } = config;
  if (reshare === undefined) {
    if (secrets.index === undefined) throw configError('a DKG participant needs its index');
    if (secrets.previousShare !== undefined) throw configError('a previous share is for a reshare only');
    return undefined;
  }
  validateKeys(reshare.dealers, 'dealers');
  const previousThreshold = reshare.previousCommitments.length;
  if (previousThreshold < 1 || previousThreshold > reshare.dealers.length) {
    throw configError(`${previousThreshold} previous commitments for ${reshare.dealers.length} dealers`);
  }
  const previousPoints = commitmentPoints(reshare.previousCommitments);
  if (previousPoints === undefined) throw configError('a previous commitment is not a valid G1 point');
  const publicShares = reshare.dealers.map((_, i) => evaluateCommitments(previousPoints, i + 1));
  const previous = secrets.previousShare;
  if (previous === undefined) {
    if (secrets.index === undefined) throw configError('neither a dealer nor a recipient of the reshare');
    return publicShares;
  }
  if (!isIndex(previous.index, reshare.dealers.length)) {
    throw configError(`own dealer index ${previous.index} not in 0..${reshare.dealers.length - 1}`);
  }
  checkOwnKeys(secrets, reshare.dealers[previous.index]!, 'dealer');
  const scalar = previous.secretKey.length === 32 ? scalarFromBytes(previous.secretKey) : undefined;
  if (
    scalar === undefined ||
    scalar === 0n ||
    !sameBytes(blsPublicKey(previous.secretKey), publicShares[previous.index]!)
  ) {
    throw configError('previous share secret key does not match the previous commitments');
  }
  return publicShares;
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
  const previousPublicShares = validateConfig(config, secrets);
  const sessionId = dkgSessionId(config);
  const dealerIndex = config.reshare === undefined ? secrets.index : secrets.previousShare?.index;
  const polynomial = dealerIndex === undefined ? undefined : ownPolynomial(config, secrets, sessionId);
  let deal: DkgDeal | undefined;
  if (polynomial !== undefined && dealerIndex !== undefined) {
    try {
      deal = buildDeal({
        sessionId,
        dealerIndex,
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
  }
  const initial: DkgState = {
    config,
    sessionId,
    index: secrets.index,
    dealerIndex,
    dealers: config.reshare?.dealers ?? config.participants,
    previousPublicShares,
    signingSecretKey: secrets.signingSecretKey,
    encryptionSecretKey: secrets.encryptionSecretKey,
    ownShares: polynomial?.shares ?? [],
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
  if (deal === undefined) return { state: initial, outputs: [{ type: 'phaseStarted', phase: 'deal' }] };
  const own = receiveDeal(initial, deal);
  assert(own.outputs.length === 0, 'own deal rejected');
  return {
    state: own.state,
    outputs: [{ type: 'phaseStarted', phase: 'deal' }, broadcast({ type: 'deal', deal })],
  };
}

/**
 * Our polynomial: random of degree t−1 in a DKG; in a reshare, the same but with our share of the
 * previous key as constant term (so the new key is the old one).
 */
function ownPolynomial(config: DkgConfig, secrets: DkgSecrets, sessionId: Uint8Array): DealerPolynomial {
  const n = config.participants.length;
  if (config.reshare === undefined)
    return dealerPolynomial(secrets.randomness, sessionId, config.threshold, n);
  const constant = scalarFromBytes(secrets.previousShare!.secretKey)!;
  const random = expandScalars(secrets.randomness, sessionId, DKG_POLYNOMIAL_INFO, config.threshold);
  return polynomialFromCoefficients([constant, ...random.slice(1)], n);
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
  if (deal.dealerIndex >= state.dealers.length) return reject(state, 'UNKNOWN_SENDER', deal.dealerIndex);
  const payload = dealSigningPayload(deal);
  const digest = hex(keccak_256(payload));
  const held = state.deals.get(deal.dealerIndex);
  // Evidence already held, or the same deal again: nothing to learn, skip the signature check.
  if (held !== undefined && (held.digest === digest || state.equivocators.has(deal.dealerIndex))) {
    return reject(state, 'DUPLICATE', deal.dealerIndex);
  }
  const signer = state.dealers[deal.dealerIndex]!.signingPublicKey;
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
    n: state.config.participants.length,
    recipient:
      state.index === undefined
        ? undefined
        : {
            index: state.index,
            encryptionKeys: {
              secretKey: state.encryptionSecretKey,
              publicKey: state.config.participants[state.index]!.encryptionPublicKey,
            },
          },
    constantTerm: state.previousPublicShares?.[deal.dealerIndex],
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
  if (response.complaints.some((dealer) => dealer >= state.dealers.length))
    return reject(state, 'MALFORMED', sender);
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
  if (dealer >= state.dealers.length) return reject(state, 'UNKNOWN_SENDER', dealer);
  if (recipients.some((recipient) => recipient >= n)) return reject(state, 'MALFORMED', dealer);
  const signer = state.dealers[dealer]!.signingPublicKey;
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
  if (state.index === undefined) {
    // A reshare dealer that receives nothing has nothing to complain about.
    return { state: { ...state, phase: 'response' }, outputs: [{ type: 'phaseStarted', phase: 'response' }] };
  }
  const complaints: number[] = [];
  for (let dealer = 0; dealer < state.dealers.length; dealer++) {
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
  const accusers =
    state.dealerIndex === undefined
      ? []
      : [...(state.complaints.get(state.dealerIndex) ?? [])].sort((a, b) => a - b);
  if (state.dealerIndex !== undefined && accusers.length > 0) {
    const unsigned = {
      sessionId: state.sessionId,
      dealerIndex: state.dealerIndex,
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
  const { threshold, reshare } = state.config;
  const qualified: number[] = [];
  const excluded: DkgResult['excluded'] = [];
  const exclude = (dealerIndex: number, reason: DkgExclusionReason) => excluded.push({ dealerIndex, reason });
  const myShares: bigint[] = [];
  for (let dealer = 0; dealer < state.dealers.length; dealer++) {
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
      exclude(dealer, held.inspected.reason);
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
    qualified.push(dealer);
    if (state.index === undefined) continue;
    const share = held.inspected.share ?? revealed.get(state.index);
    // We complained about any dealer whose share to us failed, so it revealed ours or is out.
    assert(share !== undefined, `no share from qualified dealer ${dealer}`);
    myShares.push(share);
  }

  // A DKG needs t dealers for a key no coalition below t knows; a reshare needs the previous
  // threshold of previous shares to interpolate the previous secret.
  const needed = reshare === undefined ? threshold : reshare.previousCommitments.length;
  if (qualified.length < needed) {
    const error = new DkgError(
      'TOO_FEW_QUALIFIED',
      `${qualified.length} qualified dealers, ${needed} needed`,
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
  // DKG: every weight 1 (the key is the sum of the dealers' secrets). Reshare: the Lagrange
  // weights at 0 over the dealers' previous Shamir indices, so the constant terms (the previous
  // shares) interpolate to the previous secret, and each new share is the same combination.
  const weights =
    reshare === undefined ? qualified.map(() => 1n) : lagrangeAtZero(qualified.map((dealer) => dealer + 1));
  const combinedPoints: mclLibrary.G1[] = [];
  for (let k = 0; k < threshold; k++) {
    const sum =
      reshare === undefined
        ? qualifiedPoints
            .slice(1)
            .reduce((total, points) => mclLibrary.add(total, points[k]!), qualifiedPoints[0]![k]!)
        : mclLibrary.mulVec(
            qualifiedPoints.map((points) => points[k]!),
            weights.map(frFromBigint),
          );
    // The honest dealers' uniformly random coefficients make the identity a 2^-255 event.
    assert(!sum.isZero(), `combined commitment ${k} is the identity`);
    combinedPoints.push(sum);
  }
  const commitments = combinedPoints.map((point) => point.serialize());
  if (reshare !== undefined) {
    // Every qualified constant term was checked against its previous public share.
    assert(sameBytes(commitments[0]!, reshare.previousCommitments[0]!), 'reshare changed the group key');
  }
  const outcome: DkgPublicOutcome = { groupPublicKey: commitments[0]!, commitments, qualified, excluded };
  if (state.index === undefined) {
    return {
      state: { ...state, phase: 'finished' },
      outputs: [...outputs, { type: 'handedOver', outcome }],
    };
  }
  const shareScalar = mod(myShares.reduce((sum, share, i) => sum + weights[i]! * share, 0n));
  assert(shareScalar !== 0n, 'combined share is zero');
  const shareSecretKey = scalarToBytes(shareScalar);
  const sharePublicKey = blsPublicKey(shareSecretKey);
  const shareIndex = state.index + 1;
  // Every share was checked against its dealer's commitments, so this holds unless our code is wrong.
  assert(
    sameBytes(sharePublicKey, evaluateCommitments(combinedPoints, shareIndex)),
    'share does not match commitments',
  );
  const result: DkgResult = { ...outcome, shareIndex, shareSecretKey, sharePublicKey };
  return {
    state: { ...state, phase: 'finished', result },
    outputs: [...outputs, { type: 'finished', result }],
  };
}

/** λ_i mod r for interpolating at 0 from the values at `indices`. */
function lagrangeAtZero(indices: readonly number[]): bigint[] {
  const { weights, denominator } = lagrangeWeightsAtZero(indices);
  const inverse = invert(denominator);
  return weights.map((weight) => mod(weight * inverse));
}
