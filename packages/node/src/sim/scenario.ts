import type { TimeoutConfig } from '../consensus/types.ts';
import { SYNC_GRACE_MS, SYNC_INTERVAL_MS } from '../sync/constants.ts';
import { Random } from './random.ts';
import { POOL_NONCES_PER_SENDER, POOL_SENDERS } from './workload.ts';

/** Byzantine actors, named for what they do (docs/consensus.md "Simulator"). */
export const BYZANTINE_BEHAVIOURS = [
  'equivocator',
  'conflictingProposer',
  'silent',
  'censor',
  'frontRunner',
  'priceManipulator',
  'invalidSigner',
  'twins',
] as const;
export type ByzantineBehaviour = (typeof BYZANTINE_BEHAVIOURS)[number];

/** Timeouts of every simulated node: base + 100 ms per round, capped at 1.2 s. */
export const SIM_TIMEOUTS: TimeoutConfig = {
  proposeBaseMs: 300,
  prevoteBaseMs: 200,
  precommitBaseMs: 200,
  perRoundIncrementMs: 100,
  maxMs: 1200,
};

/** Salt of the seed's independent stream for the committee restart (added after the other faults). */
export const COMMITTEE_RESTART_STREAM = 0x7e57a27;

/** Salt of the seed's independent stream for idle at rest (added later still: no other draw moves). */
export const IDLE_STREAM = 0x1d1e;

/** Salt of the seed's independent stream for committee transitions (added after idle at rest). */
export const TRANSITION_STREAM = 0xe90c4;

/** Salt of the seed's independent stream for encrypted transactions (added after transitions). */
export const ENCRYPTION_STREAM = 0xe4c7;

/** Share of runs whose committees have an encryption key and whose workload sends envelopes (issue #19). */
export const ENCRYPTION_RATE = 0.3;

/** In those runs, the share of submissions sent as an envelope (hiding the pool's plaintext of the same sender and nonce). */
export const ENVELOPE_SHARE = 1 / 3;

/** Share of runs with committee transitions (docs/consensus.md "Epochs"). */
export const TRANSITION_RATE = 0.3;

/** The membership changes a run can make, each one epoch: one more member, one fewer, the same again. */
export const TRANSITION_PLANS = ['grow', 'growShrink', 'refresh', 'refreshTwice'] as const;
export type TransitionPlan = (typeof TRANSITION_PLANS)[number];

/** Share of runs whose validators hold an idle height back (driver idleIntervalMs, issue #17 §1). */
export const IDLE_RATE = 0.5;

/** The idle interval of those runs: above the propose timeout, as the node's 1 s is. */
export const SIM_IDLE_INTERVAL_MS = 400;

/** Share of runs in which the whole committee restarts during the safety phase. */
export const COMMITTEE_RESTART_RATE = 0.2;

/** One run in this many uses real threshold BLS instead of the fast stand-in. */
export const REAL_BLS_EVERY_RUNS = 20;

export interface Scenario {
  seed: number;
  /** Size of the genesis committee (validators 0 … validatorCount − 1). */
  validatorCount: number;
  /** f of the genesis committee. */
  f: number;
  /**
   * Simulated validator processes: the genesis committee plus any that a transition adds (they
   * run from the start, following the chain without signing until their epoch activates).
   */
  processCount: number;
  /**
   * Committee transitions, in epoch order: at atMs an operator submits the record of the next
   * epoch, whose committee is processes 0 … validatorCount − 1 (a member joins or leaves at the
   * end; the same count is a refresh). A record is submitted only once the previous epoch is active
   * at the node it reaches, and again every TRANSITION_RETRY_MS until some honest node has it
   * scheduled (a restart can lose it from every mempool). Drawn from TRANSITION_STREAM.
   */
  transitions: { atMs: number; validatorCount: number }[];
  byzantine: { validatorIndex: number; behaviour: ByzantineBehaviour }[];
  crypto: 'fake' | 'bls';
  latencyMs: number;
  jitterMs: number;
  lossRate: number;
  duplicateRate: number;
  /** Per validator clock offset (ms); honest skews lie in [0, maxSkewMs]. */
  clockSkewMs: number[];
  partitions: { startMs: number; endMs: number; groups: number[][] }[];
  crashes: { validatorIndex: number; atMs: number; restartMs: number }[];
  /**
   * The whole committee (byzantine actors too) stops at atMs and starts again at restartMs: every
   * mempool is lost at once, only storage survives. At most one; drawn from its own stream
   * (COMMITTEE_RESTART_STREAM) so that it shifts no other draw of the seed.
   */
  committeeRestarts: { atMs: number; restartMs: number }[];
  /**
   * When each transaction (sender, nonce) is submitted, in submission order; `encrypted`: as an
   * envelope hiding it (only in encryption runs).
   */
  submissions: { senderIndex: number; nonce: number; atMs: number; encrypted?: boolean }[];
  /**
   * Every epoch's committee has an encryption key (threshold f + 1, one secret redealt to each
   * epoch), every mempool admits envelopes, and ENVELOPE_SHARE of the submissions are envelopes.
   * Drawn from ENCRYPTION_STREAM.
   */
  encryption: boolean;
  /**
   * The drivers' idle interval (0: never idle): a height with nothing to order waits this long
   * unless a transaction, a moved price or a peer's message wakes it. Drawn from IDLE_STREAM.
   */
  idleIntervalMs: number;
  /** True: the market never moves (a test's quiet market); absent: the seeded walk with jumps. */
  quietMarket?: boolean;
  /** Faults stop here: partitions heal, crashed nodes restart, no more loss or duplication. */
  safetyPhaseMs: number;
  /** Max one-way delay after the heal (latency + jitter). */
  maxDelayMs: number;
  /** Every honest node must finalize new heights within this long after the heal. */
  livenessBoundMs: number;
}

export interface ScenarioOptions {
  validatorCount?: number;
  /** Byzantine behaviours to use (at most f); undefined draws 0..f of them per seed. */
  byzantine?: ByzantineBehaviour[];
  /** Force the crypto mode (otherwise real BLS in one run of REAL_BLS_EVERY_RUNS). */
  crypto?: 'fake' | 'bls';
  /** Force committee transitions ('none': never; otherwise drawn in TRANSITION_RATE of runs). */
  transitions?: TransitionPlan | 'none';
  /** Force encryption on or off (otherwise drawn in ENCRYPTION_RATE of runs). */
  encryption?: boolean;
}

/** How often the simulated operator re-submits a record not yet scheduled anywhere. */
export const TRANSITION_RETRY_MS = 1_000;

/**
 * The liveness bound of docs/consensus.md, for the synchronous phase after the heal (one-way
 * delay ≤ δ): rounds align within one round (L55), the next f+1 rounds contain an honest
 * proposer, each round lasts at most the three capped timeouts plus 4δ, and the second new
 * height repeats that from round 0. Catch-up of a node left one block behind waits for its
 * sync's next tick after the grace period, then a request and its response (and the commit).
 */
export function livenessBoundMs(
  f: number,
  maxDelayMs: number,
  timeouts: TimeoutConfig,
  idleIntervalMs = 0,
): number {
  const roundMaxMs = 3 * timeouts.maxMs + 4 * maxDelayMs;
  // An idle height may wait its interval before its round 0 starts, at each of the two heights.
  const firstHeightMs = (f + 2) * roundMaxMs + idleIntervalMs;
  const secondHeightMs = (f + 1) * roundMaxMs + idleIntervalMs;
  const catchUpMs = SYNC_GRACE_MS + SYNC_INTERVAL_MS + 4 * maxDelayMs;
  return firstHeightMs + secondHeightMs + catchUpMs;
}

export function generateScenario(seed: number, options: ScenarioOptions = {}): Scenario {
  const random = new Random(seed);
  const validatorCount = options.validatorCount ?? 4;
  const f = Math.floor((validatorCount - 1) / 3);

  let behaviours: ByzantineBehaviour[];
  if (options.byzantine !== undefined) {
    behaviours = options.byzantine.slice(0, f);
  } else {
    const count = random.int(0, f);
    behaviours = Array.from({ length: count }, () => random.pick(BYZANTINE_BEHAVIOURS));
  }
  const byzantineIndices = random
    .shuffle(Array.from({ length: validatorCount }, (_, i) => i))
    .slice(0, behaviours.length);
  const byzantine = behaviours.map((behaviour, i) => ({ validatorIndex: byzantineIndices[i]!, behaviour }));
  const honest = Array.from({ length: validatorCount }, (_, i) => i).filter(
    (i) => !byzantineIndices.includes(i),
  );

  const latencyMs = random.int(2, 40);
  const jitterMs = random.int(0, 60);
  const maxSkewMs = random.int(0, 40);
  const safetyPhaseMs = random.int(2500, 5000);

  const partitions: Scenario['partitions'] = [];
  if (random.chance(0.4)) {
    const startMs = random.int(0, safetyPhaseMs - 500);
    const shuffled = random.shuffle(Array.from({ length: validatorCount }, (_, i) => i));
    const cut = random.int(1, validatorCount - 1);
    partitions.push({
      startMs,
      endMs: Math.min(safetyPhaseMs, startMs + random.int(200, 2000)),
      groups: [shuffled.slice(0, cut), shuffled.slice(cut)],
    });
  }

  const crashes: Scenario['crashes'] = [];
  if (random.chance(0.4) && honest.length > 0) {
    const atMs = random.int(100, safetyPhaseMs - 200);
    crashes.push({
      validatorIndex: random.pick(honest),
      atMs,
      restartMs: Math.min(safetyPhaseMs, atMs + random.int(50, 1500)),
    });
  }

  // A handful of senders, each submitting its nonces in order, spread over the safety phase.
  const senderCount = random.int(3, 10);
  const senders = random.shuffle(Array.from({ length: POOL_SENDERS }, (_, i) => i)).slice(0, senderCount);
  const submissions: Scenario['submissions'] = [];
  for (const senderIndex of senders) {
    let atMs = random.int(0, safetyPhaseMs - 400);
    const count = random.int(1, POOL_NONCES_PER_SENDER);
    for (let nonce = 0; nonce < count; nonce++) {
      submissions.push({ senderIndex, nonce, atMs });
      // Mostly spaced out, sometimes a burst of consecutive nonces at once.
      atMs += random.chance(0.3) ? 0 : random.int(20, 600);
    }
  }
  submissions.sort((a, b) => a.atMs - b.atMs || a.senderIndex - b.senderIndex || a.nonce - b.nonce);

  const committeeRestarts: Scenario['committeeRestarts'] = [];
  const restartRandom = new Random((seed ^ COMMITTEE_RESTART_STREAM) >>> 0);
  if (restartRandom.chance(COMMITTEE_RESTART_RATE)) {
    const atMs = restartRandom.int(300, safetyPhaseMs - 300);
    committeeRestarts.push({ atMs, restartMs: Math.min(safetyPhaseMs, atMs + restartRandom.int(50, 800)) });
  }

  const idleIntervalMs = new Random((seed ^ IDLE_STREAM) >>> 0).chance(IDLE_RATE) ? SIM_IDLE_INTERVAL_MS : 0;
  const maxDelayMs = latencyMs + jitterMs;

  // Drawn in the order the fields were always drawn in, so that every seed keeps its scenario.
  const lossRate = random.chance(0.5) ? random.int(0, 15) / 100 : 0;
  const duplicateRate = random.int(0, 5) / 100;
  const clockSkewMs = Array.from({ length: validatorCount }, () => random.int(0, maxSkewMs));
  const transitionRandom = new Random((seed ^ TRANSITION_STREAM) >>> 0);
  const plan =
    options.transitions ??
    (transitionRandom.chance(TRANSITION_RATE) ? transitionRandom.pick(TRANSITION_PLANS) : 'none');
  const sizes =
    plan === 'grow'
      ? [validatorCount + 1]
      : plan === 'growShrink'
        ? [validatorCount + 1, validatorCount]
        : plan === 'refresh'
          ? [validatorCount]
          : plan === 'refreshTwice'
            ? [validatorCount, validatorCount]
            : [];
  // The first early enough to activate within the safety phase's faults; a second one later.
  const transitions = sizes.map((size, i) => ({
    atMs: transitionRandom.int(200 + i * 1200, 1000 + i * 1200),
    validatorCount: size,
  }));
  const processCount = Math.max(validatorCount, ...sizes);
  // Encryption, and which submissions are envelopes, from their own stream (no other draw moves).
  const encryptionRandom = new Random((seed ^ ENCRYPTION_STREAM) >>> 0);
  const encryption = encryptionRandom.chance(ENCRYPTION_RATE);
  const encrypted = options.encryption ?? encryption;
  if (encrypted) {
    for (const submission of submissions)
      if (encryptionRandom.chance(ENVELOPE_SHARE)) submission.encrypted = true;
  }
  // A joining process gets a clock skew too (from the transition stream: no other draw moves).
  while (clockSkewMs.length < processCount) clockSkewMs.push(transitionRandom.int(0, maxSkewMs));
  return {
    seed,
    validatorCount,
    f,
    processCount,
    transitions,
    byzantine,
    crypto: options.crypto ?? (seed % REAL_BLS_EVERY_RUNS === REAL_BLS_EVERY_RUNS - 1 ? 'bls' : 'fake'),
    latencyMs,
    jitterMs,
    lossRate,
    duplicateRate,
    clockSkewMs,
    partitions,
    crashes,
    committeeRestarts,
    submissions,
    encryption: encrypted,
    idleIntervalMs,
    safetyPhaseMs,
    maxDelayMs,
    livenessBoundMs: livenessBoundMs(f, maxDelayMs, SIM_TIMEOUTS, idleIntervalMs),
  };
}
