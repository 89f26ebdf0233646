import { EvidenceCodec, type Hex } from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import type { CanaryFaults } from '../consensus/faults.ts';
import type { ConsensusCrypto } from '../consensus/types.ts';
import { type CheckResult, checkRun } from './checkers/index.ts';
import { createFakeCommittee, createFakeCrypto } from './fakeCrypto.ts';
import { SimNetwork } from './network.ts';
import { Random } from './random.ts';
import { createRealBlsCommittee } from './realBls.ts';
import { type RecordedCommit, Recorder } from './recorder.ts';
import { generateScenario, type Scenario, type ScenarioOptions } from './scenario.ts';
import { Scheduler, settle } from './scheduler.ts';
import { SimValidator, type SimWorld } from './validator.ts';
import { Market, type TransactionPool, transactionPool } from './workload.ts';

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
}

export async function runSeed(seed: number, options: RunOptions = {}): Promise<RunResult> {
  const scenario = generateScenario(seed, options);
  const pool = await transactionPool();
  const committee =
    scenario.crypto === 'bls'
      ? await createRealBlsCommittee(scenario.validatorCount, seed)
      : fakeCommitteeAdapter(scenario.validatorCount, seed);
  const result = await runScenario(scenario, pool, committee, options.faults ?? {});
  if (options.trace !== true) {
    delete result.eventLog;
    delete result.commits;
  }
  return result;
}

export interface SimCommittee {
  cryptoFor(validatorIndex: number): ConsensusCrypto;
}

function fakeCommitteeAdapter(validatorCount: number, seed: number): SimCommittee {
  const committee = createFakeCommittee(validatorCount, seed);
  return { cryptoFor: (index) => createFakeCrypto(committee, index) };
}

export async function runScenario(
  scenario: Scenario,
  pool: TransactionPool,
  committee: SimCommittee,
  faults: CanaryFaults,
): Promise<RunResult> {
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
    idleIntervalMs: scenario.idleIntervalMs,
    endpointsOf: (index) => endpoints[index] ?? [],
    endpointNamed: (name) => byName.get(name),
    verifyCertificate: (body, signature) => observer.verifyVoteCertificate(body, signature),
  };

  // The committee: honest nodes, byzantine actors, and two copies of a twin.
  for (let index = 0; index < scenario.validatorCount; index++) {
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
        Array.from({ length: scenario.validatorCount }, (_, i) => i).filter((i) => i !== index),
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
    const entry = pool.bySender[submission.senderIndex]![submission.nonce]!;
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
  while (scheduler.runNext(livenessDeadlineMs)) {
    await settle();
    if (livenessReachedMs === null && minHonestHeight() >= livenessTargetHeight) {
      livenessReachedMs = scheduler.nowMs;
      // Let the last blocks settle everywhere (late precommits, catch-up), then stop.
      livenessDeadlineMs = Math.min(livenessDeadlineMs, scheduler.nowMs + 2 * scenario.maxDelayMs + 1);
    }
  }
  const honestValidators = honestNodes.map((node) => node.validatorIndex);
  for (const node of honestNodes) {
    for (const record of node.store.evidence())
      recorder.evidence.push({ reporter: node.validatorIndex, evidence: EvidenceCodec.decode(record.bytes) });
  }
  const checks = checkRun({ scenario, recorder, honestValidators, pool, livenessReachedMs });
  const eventLog = recorder.digestText();
  const eventDigest = keccak256(toBytes(eventLog));
  return {
    ...checks,
    seed: scenario.seed,
    scenario,
    eventDigest,
    eventCount: scheduler.eventCount,
    eventLog,
    commits: recorder.commits,
  };
}
