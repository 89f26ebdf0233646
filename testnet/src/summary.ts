import type { FollowedBlock } from './follower.ts';
import type { Submission } from './load.ts';
import type { NodeRpc } from './rpc.ts';

/**
 * The one JSON line of `pnpm testnet --json` (issue #9 §2) and what makes a run healthy. The
 * computation is pure (submissions, followed blocks, each node's block hashes in, summary out), so
 * tests feed it made-up node answers.
 */

export interface TestnetSummary {
  nodes: number;
  byzantine: number;
  durationS: number;
  /** Heights finalized during the run (from its start to the end of the drain). */
  heightsFinalized: number;
  /** Load-generator transactions sent. */
  txSubmitted: number;
  /** Of those, distinct transactions finalized. */
  txFinalized: number;
  /** Acknowledged by an RPC (txId answered) but not finalized after the drain. */
  txLost: number;
  /** Finalized transactions that appear more than once in the chain (each extra copy counts). */
  txDuplicated: number;
  /** txFinalized over the time from the first submission to the last finalization. */
  tpsFinalized: number;
  /** Submission to finality as observed by the runner (WebSocket notification of the block). */
  latencyMsP50: number | null;
  latencyMsP99: number | null;
  headersPostedL1: number;
  pricesPostedL1: number;
  /** Heights at which two nodes answer different block hashes. */
  safetyViolations: number;
  /** Validator process exits during the run, whatever the cause (not the final stop). */
  nodeExits: number;
  /** Validator starts after the first: by the restart policy or the control interface. */
  nodeRestarts: number;
  /** Of the exits, those of a node that exited on its own with a non-zero code: a bug. */
  nodeCrashes: number;
  /** Sends of load transactions beyond the first: to another node after a failure, or while not finalized. */
  txResubmitted: number;
  /**
   * Transactions of the clearinghouse's namespace settled on L1 during the run (BatchSettled
   * counts: the load's perp orders, applied or rejected, and the LP's vault deposit).
   */
  ordersSettledL1: number;
  /** Of those, refused by the clearinghouse (TransactionRejected: limit not met, margin, no position…). */
  ordersRejected: number;
  /** Liquidated events of the run (in settle calls, or liquidate() by anyone). */
  liquidations: number;
  /** Median over settled batches of (Synod finalized height when the settle call landed − the batch's height); null when none. */
  settlementLagHeightsP50: number | null;
  /** After the drain, every account, resting order, market and total equal on L1 and in the keeper's model. */
  l1MatchesModel: boolean;
  /** Equivocations the nodes recorded in the EquivocationRegistry during the run (EquivocationRecorded events). */
  equivocationsRecordedL1: number;
  /** Validators whose equivocation a finalized block certifies (valid proofs in the evidence namespace). */
  equivocatorsInBlocks: number;
  /** Encrypted transactions submitted (their envelopes), and of them those whose plaintext was finalized. */
  txEncrypted: number;
  txRevealed: number;
}

/** What the runner measured of the clearinghouse (perps.ts). */
export interface PerpsSummaryInput {
  ordersSettledL1: number;
  ordersRejected: number;
  liquidations: number;
  /** One entry per settled batch. */
  lagHeights: readonly number[];
  /** Where L1 and the keeper's model differ after the drain (empty: equal); undefined: not compared. */
  differences: readonly string[] | undefined;
}

/** The key order of the JSON line: issue #9's, then issue #14's perps keys. */
export const SUMMARY_KEYS: readonly (keyof TestnetSummary)[] = [
  'nodes',
  'byzantine',
  'durationS',
  'heightsFinalized',
  'txSubmitted',
  'txFinalized',
  'txLost',
  'txDuplicated',
  'tpsFinalized',
  'latencyMsP50',
  'latencyMsP99',
  'headersPostedL1',
  'pricesPostedL1',
  'safetyViolations',
  'nodeExits',
  'nodeRestarts',
  'nodeCrashes',
  'txResubmitted',
  'ordersSettledL1',
  'ordersRejected',
  'liquidations',
  'settlementLagHeightsP50',
  'l1MatchesModel',
  // Issue #18: appended.
  'equivocationsRecordedL1',
  'equivocatorsInBlocks',
  'txEncrypted',
  'txRevealed',
];

/** Nearest-rank percentile (p in 0..100) of unsorted values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface SafetyReport {
  /** Heights compared (every node that has the height answered for it). */
  heightsCompared: number;
  violations: number;
  /** The first few conflicting heights, for the error message. */
  examples: string[];
}

/** Conflicting heights reported in the error message: enough to debug, not a flood. */
const MAX_SAFETY_EXAMPLES = 5;

/**
 * Compares every node's block hash at each height: `hashes[node][i]` is node's hash at
 * `fromHeight + i` (null when it does not have that height). Two different hashes at one height is
 * one safety violation.
 */
export function compareBlockHashes(
  fromHeight: number,
  hashes: readonly (readonly (string | null)[])[],
): SafetyReport {
  const length = Math.max(0, ...hashes.map((list) => list.length));
  let violations = 0;
  let compared = 0;
  const examples: string[] = [];
  for (let i = 0; i < length; i++) {
    const seen = new Map<string, number[]>();
    hashes.forEach((list, node) => {
      const hash = list[i];
      if (hash === null || hash === undefined) return;
      seen.set(hash, [...(seen.get(hash) ?? []), node]);
    });
    if (seen.size === 0) continue;
    compared++;
    if (seen.size > 1) {
      violations++;
      if (examples.length < MAX_SAFETY_EXAMPLES) {
        examples.push(
          `height ${fromHeight + i}: ${[...seen.entries()].map(([hash, nodes]) => `${hash.slice(0, 10)}… on node ${nodes.join(',')}`).join(' vs ')}`,
        );
      }
    }
  }
  return { heightsCompared: compared, violations, examples };
}

/** Asks every node for its blocks `fromHeight..toHeight` (batched) and compares their hashes. */
export async function checkSafety(
  nodes: readonly NodeRpc[],
  fromHeight: number,
  toHeight: number,
): Promise<SafetyReport> {
  const heights: number[] = [];
  for (let h = Math.max(1, fromHeight); h <= toHeight; h++) heights.push(h);
  const hashes = await Promise.all(
    nodes.map(async (node) => {
      try {
        const blocks = await node.blocksByHeight(heights);
        return blocks.map((block) => block?.hash ?? null);
      } catch {
        return heights.map(() => null); // an unreachable node cannot contradict anyone
      }
    }),
  );
  return compareBlockHashes(Math.max(1, fromHeight), hashes);
}

export interface SummaryInput {
  nodes: number;
  byzantine: number;
  durationS: number;
  /** Finalized height when the measured run started and after the drain. */
  startHeight: number;
  endHeight: number;
  submissions: ReadonlyMap<string, Submission>;
  /**
   * Encrypted submissions: envelope txId → plaintext txId. Such a transaction counts as finalized
   * (and its latency ends) when its plaintext is: two blocks after its envelope.
   */
  reveals?: ReadonlyMap<string, string>;
  /** The load generator's resubmissions (0 without load). */
  resubmitted?: number;
  /** Blocks above startHeight as the runner followed them. */
  blocks: readonly FollowedBlock[];
  headersPostedL1: number;
  pricesPostedL1: number;
  equivocationsRecordedL1?: number;
  equivocatorsInBlocks?: number;
  safety: SafetyReport;
  /** Exits, restarts and crashes of the validators during the run (validators.ts); none when absent. */
  validators?: { exits: number; restarts: number; crashes: number } | undefined;
  perps: PerpsSummaryInput;
}

export function computeSummary(input: SummaryInput): TestnetSummary {
  const finalizedAtMs = new Map<string, number>();
  const reveals = input.reveals ?? new Map<string, string>();
  const revealIds = new Set(reveals.values());
  let txDuplicated = 0;
  for (const block of input.blocks) {
    for (const txId of block.transactionIds) {
      if (!input.submissions.has(txId) && !revealIds.has(txId)) continue;
      if (finalizedAtMs.has(txId)) txDuplicated++;
      else finalizedAtMs.set(txId, block.observedAtMs);
    }
  }
  let txLost = 0;
  let firstSentMs = Number.POSITIVE_INFINITY;
  let lastFinalMs = Number.NEGATIVE_INFINITY;
  const latencies: number[] = [];
  let txEncrypted = 0;
  let txRevealed = 0;
  for (const [txId, submission] of input.submissions) {
    firstSentMs = Math.min(firstSentMs, submission.sentAtMs);
    const revealTxId = reveals.get(txId);
    if (revealTxId !== undefined) {
      txEncrypted++;
      if (finalizedAtMs.has(revealTxId)) txRevealed++;
    }
    // An encrypted transaction is final when its plaintext is; its envelope alone is not enough.
    const finalMs = revealTxId === undefined ? finalizedAtMs.get(txId) : finalizedAtMs.get(revealTxId);
    if (finalMs === undefined) {
      if (submission.acknowledged) txLost++;
      continue;
    }
    lastFinalMs = Math.max(lastFinalMs, finalMs);
    latencies.push(Math.max(0, finalMs - submission.sentAtMs));
  }
  const windowS = (lastFinalMs - firstSentMs) / 1000;
  const tpsFinalized = latencies.length > 0 && windowS > 0 ? latencies.length / windowS : 0;
  return {
    nodes: input.nodes,
    byzantine: input.byzantine,
    durationS: input.durationS,
    heightsFinalized: Math.max(0, input.endHeight - input.startHeight),
    txSubmitted: input.submissions.size,
    txFinalized: latencies.length,
    txLost,
    txDuplicated,
    tpsFinalized: Math.round(tpsFinalized * 10) / 10,
    latencyMsP50: percentile(latencies, 50),
    latencyMsP99: percentile(latencies, 99),
    headersPostedL1: input.headersPostedL1,
    pricesPostedL1: input.pricesPostedL1,
    safetyViolations: input.safety.violations,
    nodeExits: input.validators?.exits ?? 0,
    nodeRestarts: input.validators?.restarts ?? 0,
    nodeCrashes: input.validators?.crashes ?? 0,
    txResubmitted: input.resubmitted ?? 0,
    ordersSettledL1: input.perps.ordersSettledL1,
    ordersRejected: input.perps.ordersRejected,
    liquidations: input.perps.liquidations,
    settlementLagHeightsP50: percentile(input.perps.lagHeights, 50),
    l1MatchesModel: input.perps.differences !== undefined && input.perps.differences.length === 0,
    equivocationsRecordedL1: input.equivocationsRecordedL1 ?? 0,
    equivocatorsInBlocks: input.equivocatorsInBlocks ?? 0,
    txEncrypted,
    txRevealed,
  };
}

/** Why a run is unhealthy; empty when healthy (exit 0). */
export function healthProblems(summary: TestnetSummary): string[] {
  const problems: string[] = [];
  if (summary.heightsFinalized <= 0) problems.push('no height was finalized');
  if (summary.txLost > 0) problems.push(`${summary.txLost} acknowledged transactions were not finalized`);
  if (summary.txDuplicated > 0) problems.push(`${summary.txDuplicated} transactions were finalized twice`);
  if (summary.safetyViolations > 0)
    problems.push(`${summary.safetyViolations} heights with conflicting blocks`);
  if (!summary.l1MatchesModel)
    problems.push("the clearinghouse on L1 does not match the keeper's model (or was not compared)");
  if (summary.nodeCrashes > 0)
    problems.push(
      `${summary.nodeCrashes} validator crashes (exited on their own with an error; see the node logs)`,
    );
  return problems;
}

/** The JSON line, keys in the issue's order. */
export function formatSummary(summary: TestnetSummary): string {
  return JSON.stringify(Object.fromEntries(SUMMARY_KEYS.map((key) => [key, summary[key]])));
}
