import type { Hex } from '@synod/protocol';
import type { RecordedCommit, RecordedExtension, Recorder } from '../recorder.ts';
import type { Scenario } from '../scenario.ts';
import type { TransactionPool } from '../workload.ts';

/**
 * What every checker reads: the records of one run, and the finalized chain as the honest nodes
 * hold it (derived once from their commits). Checkers are pure functions of these.
 */

export interface RunRecord {
  scenario: Scenario;
  recorder: Recorder;
  honestValidators: readonly number[];
  pool: TransactionPool;
  /** Virtual ms at which every honest node reached the liveness target (null: never). */
  livenessReachedMs: number | null;
  /**
   * Virtual ms at which every honest node had finalized two heights of the last epoch (0 without
   * transitions; null: not within the bound after liveness).
   */
  transitionsReachedMs: number | null;
  /** txIds of the transition records of epochs 1, 2, … (scenario.transitions). */
  transitionRecords: readonly Hex[];
  /**
   * Encryption runs: whose decryption share of which envelope each possible share of an honest
   * validator is (by the share's bytes, hex), recomputed from the run's keys (sim/encryption.ts
   * shareOwners).
   */
  shareOwners?: ReadonlyMap<Hex, { validatorIndex: number; envelopeTxId: Hex; epoch: number }>;
}

/** Where a transaction was first finalized. */
export interface FinalizedPlace {
  height: number;
  position: number;
}

export interface FinalizedChain {
  /** The first honest commit of each height (agreement checks the others against it). */
  readonly byHeight: ReadonlyMap<number, RecordedCommit>;
  /** Heights with an honest commit, ascending. */
  readonly heights: readonly number[];
  /** The highest of them (0 if none). */
  readonly topHeight: number;
  /** Each finalized txId's first place, in chain order. */
  readonly places: ReadonlyMap<Hex, FinalizedPlace>;
  /** The honest extensions of the commit of `height` (precommits for its decided block, any round). */
  honestExtensionsAt(height: number): RecordedExtension[];
}

export function finalizedChain(run: RunRecord): FinalizedChain {
  const byHeight = new Map<number, RecordedCommit>();
  for (const validator of run.honestValidators) {
    for (const commit of run.recorder.commits.get(validator) ?? []) {
      if (!byHeight.has(commit.height)) byHeight.set(commit.height, commit);
    }
  }
  const heights = [...byHeight.keys()].sort((a, b) => a - b);
  const places = new Map<Hex, FinalizedPlace>();
  for (const height of heights) {
    byHeight.get(height)!.transactionIds.forEach((txId, position) => {
      if (!places.has(txId)) places.set(txId, { height, position });
    });
  }
  const honest = new Set(run.honestValidators);
  const extensionsByHeight = new Map<number, RecordedExtension[]>();
  for (const extension of run.recorder.extensions) {
    if (!honest.has(extension.validatorIndex)) continue;
    const list = extensionsByHeight.get(extension.height) ?? [];
    list.push(extension);
    extensionsByHeight.set(extension.height, list);
  }
  return {
    byHeight,
    heights,
    topHeight: heights.length === 0 ? 0 : heights[heights.length - 1]!,
    places,
    honestExtensionsAt(height) {
      const commit = byHeight.get(height);
      if (commit === undefined) return [];
      return (extensionsByHeight.get(height) ?? []).filter(
        (extension) => extension.blockId === commit.blockId,
      );
    },
  };
}
