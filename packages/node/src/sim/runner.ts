import type { Hex, SignedTransaction } from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import type { CanaryFaults } from '../consensus/faults.ts';
import type { ConsensusCrypto, ConsensusInput, ConsensusMessage } from '../consensus/types.ts';
import { type CheckResult, checkRun } from './checkers.ts';
import { createFakeCommittee, createFakeCrypto } from './fakeCrypto.ts';
import { SimNode, type SimWorld } from './node.ts';
import { Random } from './random.ts';
import { createRealBlsCommittee } from './realBls.ts';
import { Recorder } from './recorder.ts';
import { generateScenario, type Scenario, type ScenarioOptions } from './scenario.ts';
import { Market, type TransactionPool, transactionPool } from './workload.ts';

/**
 * The deterministic simulator: n nodes of the exact core code in one process, on a seeded
 * scheduler with virtual time. A safety phase with faults (latency, jitter, loss, duplication,
 * reordering, a partition that heals, clock skew, crash and restart, byzantine actors), then a
 * liveness phase without them that must converge within the stated bound.
 */

/** Events per run: a guard against a livelock in our own code (a run uses a few thousand). */
export const MAX_EVENTS_PER_RUN = 2_000_000;

type SimEvent =
  | { kind: 'deliver'; to: SimNode; from: number; message: ConsensusMessage; incarnation: number }
  | { kind: 'input'; to: SimNode; input: ConsensusInput; incarnation: number }
  | { kind: 'submit'; txId: Hex }
  | { kind: 'receiveTx'; to: SimNode; txId: Hex }
  | { kind: 'crash'; validatorIndex: number }
  | { kind: 'restart'; validatorIndex: number }
  | { kind: 'crashAll' }
  | { kind: 'restartAll' }
  | { kind: 'heal' };

interface QueuedEvent {
  atMs: number;
  sequence: number;
  event: SimEvent;
}

/** A binary heap of events by (time, insertion order): the schedule is a pure function of the seed. */
class EventQueue {
  private readonly items: QueuedEvent[] = [];
  private sequence = 0;

  get size(): number {
    return this.items.length;
  }

  push(atMs: number, event: SimEvent): void {
    const items = this.items;
    items.push({ atMs, sequence: this.sequence++, event });
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): QueuedEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (items.length > 0) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest]!, items[index]!];
        index = smallest;
      }
    }
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
}

export interface RunOptions extends ScenarioOptions {
  /** Broken core variants (canaries only). */
  faults?: CanaryFaults;
}

export interface RunResult extends CheckResult {
  seed: number;
  scenario: Scenario;
  eventDigest: Hex;
  eventCount: number;
}

export async function runSeed(seed: number, options: RunOptions = {}): Promise<RunResult> {
  const scenario = generateScenario(seed, options);
  const pool = await transactionPool();
  const committee =
    scenario.crypto === 'bls'
      ? await createRealBlsCommittee(scenario.validatorCount, seed)
      : fakeCommitteeAdapter(scenario.validatorCount, seed);
  return runScenario(scenario, pool, committee, options.faults ?? {});
}

export interface SimCommittee {
  cryptoFor(validatorIndex: number): ConsensusCrypto;
}

function fakeCommitteeAdapter(validatorCount: number, seed: number): SimCommittee {
  const committee = createFakeCommittee(validatorCount, seed);
  return { cryptoFor: (index) => createFakeCrypto(committee, index) };
}

export function runScenario(
  scenario: Scenario,
  pool: TransactionPool,
  committee: SimCommittee,
  faults: CanaryFaults,
): RunResult {
  const random = new Random(scenario.seed ^ 0x5eed);
  const networkRandom = random.fork();
  const queue = new EventQueue();
  const recorder = new Recorder();
  const behaviours = new Map(scenario.byzantine.map((entry) => [entry.validatorIndex, entry.behaviour]));
  const submitted = new Map<Hex, SignedTransaction>();
  let nowMs = 0;
  let partition: number[][] | null = null;
  let faultsActive = true;
  const observer = committee.cryptoFor(0);

  const world: SimWorld = {
    get nowMs() {
      return nowMs;
    },
    validatorCount: scenario.validatorCount,
    recorder,
    market: new Market(random.fork()),
    pool,
    random,
    submitted,
    send(from, to, message) {
      for (const target of endpoints[to] ?? []) {
        if (target === from) continue;
        sendOne(from.validatorIndex, target, message);
      }
    },
    schedule(node, delayMs, input) {
      queue.push(nowMs + delayMs, { kind: 'input', to: node, input, incarnation: node.incarnation });
    },
    fetchBody(requester, txId) {
      for (const node of allNodes) {
        if (node === requester || node.crashed || !node.honest) continue;
        const body = node.heldBody(txId);
        if (body !== undefined) return body;
      }
      return undefined;
    },
    isByzantine: (index) => behaviours.has(index),
    verifyCertificate: (body, signature) => observer.verifyVoteCertificate(body, signature),
  };

  const separated = (a: number, b: number): boolean =>
    partition?.some((group) => group.includes(a) !== group.includes(b)) ?? false;

  function delayMs(): number {
    return scenario.latencyMs + networkRandom.int(0, scenario.jitterMs);
  }

  function sendOne(from: number, to: SimNode, message: ConsensusMessage): void {
    if (separated(from, to.validatorIndex)) return;
    if (faultsActive && networkRandom.chance(scenario.lossRate)) return;
    const copies = faultsActive && networkRandom.chance(scenario.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      // Independent delays per copy and per message: reordering comes from the jitter.
      queue.push(nowMs + delayMs(), { kind: 'deliver', to, from, message, incarnation: to.incarnation });
    }
  }

  // The committee: honest nodes, byzantine actors, and two copies of a twin.
  const endpoints: SimNode[][] = [];
  for (let index = 0; index < scenario.validatorCount; index++) {
    const behaviour = behaviours.get(index) ?? 'honest';
    const copies = behaviour === 'twins' ? 2 : 1;
    const nodes: SimNode[] = [];
    for (let copy = 0; copy < copies; copy++) {
      nodes.push(
        new SimNode({
          validatorIndex: index,
          copy,
          behaviour,
          crypto: committee.cryptoFor(index),
          world,
          faults,
          clockSkewMs: scenario.clockSkewMs[index]! + copy * 7,
          random: random.fork(),
        }),
      );
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

  for (const submission of scenario.submissions) {
    const entry = pool.bySender[submission.senderIndex]![submission.nonce]!;
    queue.push(submission.atMs, { kind: 'submit', txId: entry.txId });
  }
  for (const crash of scenario.crashes) {
    queue.push(crash.atMs, { kind: 'crash', validatorIndex: crash.validatorIndex });
    queue.push(crash.restartMs, { kind: 'restart', validatorIndex: crash.validatorIndex });
  }
  for (const restart of scenario.committeeRestarts) {
    queue.push(restart.atMs, { kind: 'crashAll' });
    queue.push(restart.restartMs, { kind: 'restartAll' });
  }
  // A partition is applied by a time check on every event (there is at most one episode).
  const episode = scenario.partitions[0];
  queue.push(scenario.safetyPhaseMs, { kind: 'heal' });

  for (const node of allNodes) node.start();

  let heightAtHeal = 0;
  let livenessTargetHeight = Number.POSITIVE_INFINITY;
  let livenessDeadlineMs = Number.POSITIVE_INFINITY;
  let livenessReachedMs: number | null = null;
  let eventCount = 0;

  const minHonestHeight = (): number => Math.min(...honestNodes.map((node) => node.chain.height));

  for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
    nowMs = item.atMs;
    if (nowMs > livenessDeadlineMs) break;
    eventCount += 1;
    if (eventCount > MAX_EVENTS_PER_RUN)
      throw new Error(`simulator assertion failed: over ${MAX_EVENTS_PER_RUN} events`);
    partition =
      faultsActive && episode !== undefined && nowMs >= episode.startMs && nowMs < episode.endMs
        ? episode.groups
        : null;
    const event = item.event;
    switch (event.kind) {
      case 'deliver':
        if (event.to.incarnation === event.incarnation) {
          event.to.input({ type: 'message', from: event.from, message: event.message });
        }
        break;
      case 'input':
        if (event.to.incarnation === event.incarnation) event.to.input(event.input);
        break;
      case 'submit': {
        const entry = pool.byId.get(event.txId)!;
        submitted.set(event.txId, entry.tx);
        recorder.note(`${nowMs} submit ${event.txId}`);
        for (const node of allNodes) {
          // Gossip reaches every node after its own delay; a partition delays it until the heal.
          const healMs =
            episode !== undefined && nowMs >= episode.startMs && nowMs < episode.endMs
              ? episode.endMs
              : nowMs;
          queue.push(Math.max(nowMs + delayMs(), healMs + delayMs()), {
            kind: 'receiveTx',
            to: node,
            txId: event.txId,
          });
        }
        break;
      }
      case 'receiveTx':
        event.to.receiveTransaction(event.txId);
        break;
      case 'crash':
        for (const node of endpoints[event.validatorIndex]!) node.crash();
        break;
      case 'restart':
        for (const node of endpoints[event.validatorIndex]!) node.restart();
        break;
      case 'crashAll':
        // The whole committee stopped at once (an operator restarting a testnet under load).
        recorder.note(`${nowMs} committee stop`);
        for (const node of allNodes) node.crash();
        break;
      case 'restartAll':
        for (const node of allNodes) node.restart();
        break;
      case 'heal':
        if (nowMs >= scenario.safetyPhaseMs && faultsActive) {
          // Liveness phase: no more faults; every honest node must now make progress.
          faultsActive = false;
          partition = null;
          for (const node of allNodes) node.restart();
          heightAtHeal = Math.max(...honestNodes.map((node) => node.chain.height));
          livenessTargetHeight = heightAtHeal + 2;
          livenessDeadlineMs = nowMs + scenario.livenessBoundMs;
          recorder.note(`${nowMs} heal at height ${heightAtHeal}`);
        }
        break;
    }
    if (!faultsActive && livenessReachedMs === null && minHonestHeight() >= livenessTargetHeight) {
      livenessReachedMs = nowMs;
      // Let the last blocks settle everywhere (late precommits, catch-up), then stop.
      livenessDeadlineMs = Math.min(livenessDeadlineMs, nowMs + 2 * scenario.maxDelayMs + 1);
    }
  }

  const checks = checkRun({
    scenario,
    recorder,
    honestValidators: honestNodes.map((node) => node.validatorIndex),
    pool,
    livenessReached: livenessReachedMs !== null,
  });
  const eventDigest = keccak256(toBytes(recorder.digestText()));
  return { ...checks, seed: scenario.seed, scenario, eventDigest, eventCount };
}
