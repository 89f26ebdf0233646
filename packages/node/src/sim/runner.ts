import { type Address, EvidenceCodec, type Hex, TRANSITION_ACTIVATION_DELAY } from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import type { CanaryFaults } from '../consensus/faults.ts';
import { type CheckResult, checkRun } from './checkers/index.ts';
import { createSimEncryption, envelopeOf, shareOwners } from './encryption.ts';
import { createFakeEpochs, createRealBlsEpochs, type SimCommittee } from './epochs.ts';
import { SimNetwork } from './network.ts';
import { Random } from './random.ts';
import { type RecordedCommit, type RecordedVote, Recorder } from './recorder.ts';
import {
  generateScenario,
  type Scenario,
  type ScenarioOptions,
  SIM_TIMEOUTS,
  TRANSITION_RETRY_MS,
} from './scenario.ts';
import { Scheduler, settle } from './scheduler.ts';
import { SimValidator, type SimWorld } from './validator.ts';
import {
  Market,
  type PoolTransaction,
  reactionChain,
  submittedEntry,
  type TransactionPool,
  transactionPool,
  withEnvelopes,
  withSenders,
} from './workload.ts';

/**
 * The deterministic simulator (docs/consensus.md "Simulator"): every validator of the committee
 * is the node's own consensus driver, mempool, gossip validation and catch-up sync over an
 * in-memory store (sim/validator.ts), on a seeded network model (sim/network.ts) and virtual time
 * (sim/scheduler.ts), in one process. A safety phase with faults (latency, jitter, loss,
 * duplication, reordering, a partition that heals, clock skew, crash and restart, a whole
 * committee restarting, byzantine actors), then a liveness phase without them that must converge
 * within the stated bound. Every event runs to completion (every promise it starts settles)
 * before the next: one seed is one run, exactly.
 */

export { MAX_EVENTS_PER_RUN } from './scheduler.ts';

export interface RunOptions extends ScenarioOptions {
  /** Broken variants of the core, driver and catch-up (canaries only). */
  faults?: CanaryFaults;
  /** Return the run's event log (what its digest is of) with the result. */
  trace?: boolean;
}

export interface RunResult extends CheckResult {
  seed: number;
  scenario: Scenario;
  eventDigest: Hex;
  eventCount: number;
  /** The event log, with `trace`. */
  eventLog?: string;
  /** Each honest validator's commits in the order it applied them, with `trace`. */
  commits?: ReadonlyMap<number, readonly RecordedCommit[]>;
  /** Every distinct honest vote, in the order first sent, with `trace`. */
  votes?: readonly RecordedVote[];
  /**
   * Encryption runs: envelopes submitted, envelopes some honest node's block revealed (their
   * plaintexts final), and front-runner reactions to plaintexts.
   */
  encryption?: { envelopes: number; revealed: number; reactions: number };
}

export async function runSeed(seed: number, options: RunOptions = {}): Promise<RunResult> {
  const scenario = generateScenario(seed, options);
  const pool = await transactionPool();
  const sizes = [
    scenario.validatorCount,
    ...scenario.transitions.map((transition) => transition.validatorCount),
  ];
  const encryption = scenario.encryption ? createSimEncryption(sizes) : undefined;
  const committee =
    scenario.crypto === 'bls'
      ? await createRealBlsEpochs(seed, sizes, encryption)
      : await createFakeEpochs(seed, sizes, encryption);
  const result = await runScenario(scenario, pool, committee, options.faults ?? {});
  if (options.trace !== true) {
    delete result.eventLog;
    delete result.commits;
    delete result.votes;
  }
  return result;
}

export type { SimCommittee } from './epochs.ts';

/**
 * How long after liveness the transitions still pending may take, in the synchronous phase:
 * per transition the operator's retry, then its record's inclusion, the activation delay and two
 * heights of the new epoch, each height at most two rounds (one failed proposer) after its idle
 * interval.
 */
export function transitionsBoundMs(scenario: Scenario): number {
  const roundMaxMs = 3 * SIM_TIMEOUTS.maxMs + 4 * scenario.maxDelayMs;
  const heightMs = scenario.idleIntervalMs + 2 * roundMaxMs;
  return scenario.transitions.length * (TRANSITION_RETRY_MS + (TRANSITION_ACTIVATION_DELAY + 4) * heightMs);
}

/** The run's pool plus the operator's transition records, as one more sender (checkers see them as transactions). */
function withRecords(
  pool: TransactionPool,
  records: readonly { tx: PoolTransaction['tx']; txId: Hex }[],
): TransactionPool {
  if (records.length === 0) return pool;
  const senderIndex = pool.bySender.length;
  const chain = records.map((record) => ({
    ...record,
    sender: record.tx.sender.toLowerCase() as Address,
    senderIndex,
  }));
  return {
    ...pool,
    bySender: [...pool.bySender, chain],
    byId: new Map([...pool.byId, ...chain.map((entry) => [entry.txId, entry] as const)]),
  };
}

export async function runScenario(
  scenario: Scenario,
  basePool: TransactionPool,
  committee: SimCommittee,
  faults: CanaryFaults,
): Promise<RunResult> {
  const records = scenario.transitions.map((_, i) => {
    const record = committee.recordOf?.(i + 1);
    if (record === undefined) throw new Error('a scenario with transitions needs a committee with epochs');
    return record;
  });
  const encryption = committee.encryption;
  if (scenario.encryption && encryption === undefined)
    throw new Error('a scenario with encryption needs a committee with encryption keys');
  // Encryption runs: the envelopes the workload sends, and a sender of its own for each front-runner.
  const envelopes = scenario.encryption
    ? await Promise.all(
        scenario.submissions
          .filter((submission) => submission.encrypted === true)
          .map((submission) => envelopeOf(basePool.bySender[submission.senderIndex]![submission.nonce]!)),
      )
    : [];
  const frontRunners = scenario.encryption
    ? scenario.byzantine
        .filter((entry) => entry.behaviour === 'frontRunner')
        .map((entry) => entry.validatorIndex)
    : [];
  const reactionChains = await Promise.all(
    frontRunners.map((validatorIndex) => reactionChain(validatorIndex)),
  );
  const withReactions = withSenders(withEnvelopes(basePool, envelopes), reactionChains);
  const pool = withRecords(withReactions, records);
  /** Each front-runner's reactions, as the run's pool numbers them, and how many it has used. */
  const reactions = new Map(
    frontRunners.map((validatorIndex, i) => [
      validatorIndex,
      { chain: withReactions.bySender[basePool.bySender.length + i]!, used: 0 },
    ]),
  );
  const random = new Random(scenario.seed ^ 0x5eed);
  const scheduler = new Scheduler();
  const network = new SimNetwork(scenario, random.fork(), scheduler);
  const recorder = new Recorder();
  const behaviours = new Map(scenario.byzantine.map((entry) => [entry.validatorIndex, entry.behaviour]));
  const observer = committee.cryptoFor(0);
  const endpoints: SimValidator[][] = [];
  const byName = new Map<string, SimValidator>();

  const world: SimWorld = {
    scheduler,
    network,
    recorder,
    market: new Market(random.fork(), { flat: scenario.quietMarket === true }),
    pool,
    validatorCount: scenario.validatorCount,
    processCount: scenario.processCount,
    transitionsFor: (process) => committee.transitionsFor?.(process),
    idleIntervalMs: scenario.idleIntervalMs,
    endpointsOf: (index) => endpoints[index] ?? [],
    endpointNamed: (name) => byName.get(name),
    verifyCertificate: (body, signature) => observer.verifyVoteCertificate(body, signature),
    ...(encryption === undefined
      ? {}
      : {
          encryptionFor: (process: number, epoch: number) => encryption.encryptionFor(process, epoch),
          react(validatorIndex: number, plaintextTxId: Hex) {
            // A front-runner submits its next reaction, as a client would at its own node.
            const own = reactions.get(validatorIndex);
            if (own === undefined || own.used >= own.chain.length) return;
            const entry = own.chain[own.used++]!;
            recorder.recordReaction({
              validatorIndex,
              reactionTxId: entry.txId,
              plaintextTxId,
              atMs: scheduler.nowMs,
            });
            for (const node of endpoints.flat())
              scheduler.after(
                node.validatorIndex === validatorIndex
                  ? 0
                  : network.gossipDelayMs(validatorIndex, node.validatorIndex),
                () => node.receiveTransaction(entry.tx, entry.txId),
              );
          },
        }),
  };

  // The committee: honest nodes, byzantine actors, and two copies of a twin; then any process a
  // transition adds (it follows the chain from the start, and signs once its epoch is active).
  for (let index = 0; index < scenario.processCount; index++) {
    const behaviour = behaviours.get(index) ?? 'honest';
    const copies = behaviour === 'twins' ? 2 : 1;
    const nodes: SimValidator[] = [];
    for (let copy = 0; copy < copies; copy++) {
      const node = new SimValidator({
        validatorIndex: index,
        copy,
        behaviour,
        crypto: committee.cryptoFor(index),
        world,
        faults,
        clockSkewMs: scenario.clockSkewMs[index]! + copy * 7,
        random: random.fork(),
      });
      nodes.push(node);
      byName.set(node.name, node);
    }
    if (copies === 2) {
      // Each twin talks to its own half of the committee.
      const others = random.shuffle(
        Array.from({ length: scenario.processCount }, (_, i) => i).filter((i) => i !== index),
      );
      const cut = Math.ceil(others.length / 2);
      nodes[0]!.peers = new Set(others.slice(0, cut));
      nodes[1]!.peers = new Set(others.slice(cut));
    }
    endpoints.push(nodes);
  }
  const allNodes = endpoints.flat();
  const honestNodes = allNodes.filter((node) => node.honest);
  const minHonestHeight = (): number => Math.min(...honestNodes.map((node) => node.height));

  for (const submission of scenario.submissions) {
    const entry = submittedEntry(pool, submission);
    scheduler.at(submission.atMs, () => {
      recorder.note(`${scheduler.nowMs} submit ${entry.txId}`);
      // The client reaches one validator (spread by sender); gossip reaches every node after its
      // own delay, and a node a partition separates from that one after the heal.
      const entryValidator = submission.senderIndex % scenario.validatorCount;
      for (const node of allNodes)
        scheduler.after(network.gossipDelayMs(entryValidator, node.validatorIndex), () =>
          node.receiveTransaction(entry.tx, entry.txId),
        );
    });
  }
  // The operator of each transition: submits the record once the previous epoch is active at the
  // node it reaches, and again until some honest node has the transition scheduled.
  for (const [i, transition] of scenario.transitions.entries()) {
    const epoch = i + 1;
    const record = records[i]!;
    const reached = honestNodes[epoch % honestNodes.length]!;
    const entry = reached.validatorIndex;
    const attempt = (): void => {
      if (honestNodes.some((node) => node.latestEpoch >= epoch)) return;
      if (reached.activeEpoch === epoch - 1) {
        recorder.note(`${scheduler.nowMs} submit transition ${epoch} ${record.txId}`);
        for (const node of allNodes)
          scheduler.after(network.gossipDelayMs(entry, node.validatorIndex), () =>
            node.receiveTransaction(record.tx, record.txId),
          );
      }
      scheduler.after(TRANSITION_RETRY_MS, attempt);
    };
    scheduler.at(transition.atMs, attempt);
  }
  for (const crash of scenario.crashes) {
    scheduler.at(crash.atMs, () => {
      for (const node of endpoints[crash.validatorIndex]!) node.crash();
    });
    scheduler.at(crash.restartMs, () => {
      for (const node of endpoints[crash.validatorIndex]!) node.restart();
    });
  }
  for (const restart of scenario.committeeRestarts) {
    scheduler.at(restart.atMs, () => {
      // The whole committee stopped at once (an operator restarting a testnet under load).
      recorder.note(`${scheduler.nowMs} committee stop`);
      for (const node of allNodes) node.crash();
    });
    scheduler.at(restart.restartMs, () => {
      for (const node of allNodes) node.restart();
    });
  }

  let livenessTargetHeight = Number.POSITIVE_INFINITY;
  let livenessDeadlineMs = Number.POSITIVE_INFINITY;
  let livenessReachedMs: number | null = null;
  scheduler.at(scenario.safetyPhaseMs, () => {
    // Liveness phase: no more faults; every process up again; every honest node must progress.
    network.heal();
    for (const node of allNodes) node.restart();
    const heightAtHeal = Math.max(...honestNodes.map((node) => node.height));
    livenessTargetHeight = heightAtHeal + 2;
    livenessDeadlineMs = scheduler.nowMs + scenario.livenessBoundMs;
    recorder.note(`${scheduler.nowMs} heal at height ${heightAtHeal}`);
  });

  for (const node of allNodes) node.start();
  await settle();
  // With transitions the run goes on after liveness until every honest node has finalized two
  // heights of the last epoch (the switch must not stall), within transitionsBoundMs.
  const lastEpoch = scenario.transitions.length;
  let transitionsReachedMs: number | null = lastEpoch === 0 ? 0 : null;
  const transitionsDone = () => honestNodes.every((node) => node.heightsInEpoch(lastEpoch) >= 2);
  while (scheduler.runNext(livenessDeadlineMs)) {
    await settle();
    if (transitionsReachedMs === null && transitionsDone()) {
      transitionsReachedMs = scheduler.nowMs;
      if (livenessReachedMs !== null)
        livenessDeadlineMs = Math.min(livenessDeadlineMs, scheduler.nowMs + 2 * scenario.maxDelayMs + 1);
    }
    if (livenessReachedMs === null && minHonestHeight() >= livenessTargetHeight) {
      livenessReachedMs = scheduler.nowMs;
      // Let the last blocks settle everywhere (late precommits, catch-up), then stop.
      livenessDeadlineMs = Math.min(
        livenessDeadlineMs,
        scheduler.nowMs +
          (transitionsReachedMs === null ? transitionsBoundMs(scenario) : 2 * scenario.maxDelayMs + 1),
      );
    }
  }
  const honestValidators = honestNodes.map((node) => node.validatorIndex);
  for (const node of honestNodes) {
    for (const record of node.store.evidence())
      recorder.evidence.push({ reporter: node.validatorIndex, evidence: EvidenceCodec.decode(record.bytes) });
  }
  const checks = checkRun({
    scenario,
    recorder,
    honestValidators,
    pool,
    livenessReachedMs,
    transitionsReachedMs,
    transitionRecords: records.map((record) => record.txId),
    ...(encryption === undefined
      ? {}
      : {
          shareOwners: shareOwners(
            encryption,
            envelopes.map((entry) => ({ txId: entry.txId, identity: entry.envelope!.identity })),
            // The secrecy check is of honest validators' shares (a byzantine one may release its own).
            honestValidators,
          ),
        }),
  });
  const eventLog = recorder.digestText();
  const eventDigest = keccak256(toBytes(eventLog));
  const revealed = new Set<Hex>();
  for (const commits of recorder.commits.values())
    for (const commit of commits)
      for (const reveal of commit.reveals ?? [])
        if (reveal.outcome.revealed) revealed.add(reveal.envelopeTxId);
  return {
    ...checks,
    ...(scenario.encryption
      ? {
          encryption: {
            envelopes: envelopes.length,
            revealed: revealed.size,
            reactions: recorder.reactions.length,
          },
        }
      : {}),
    seed: scenario.seed,
    scenario,
    eventDigest,
    eventCount: scheduler.eventCount,
    eventLog,
    commits: recorder.commits,
    votes: recorder.votes,
  };
}
