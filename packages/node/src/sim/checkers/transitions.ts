import { TRANSITION_ACTIVATION_DELAY } from '@synod/protocol';
import type { FinalizedChain, RunRecord } from './run.ts';

/**
 * Committee transitions (docs/consensus.md "Epochs"): the epoch of every finalized header is the
 * one the finalized records make it — epoch e from the height TRANSITION_ACTIVATION_DELAY after
 * the block holding e's record, a record finalized while a transition is still pending changing
 * nothing — and every honest vote is cast by a member of its height's committee (a joining
 * validator signs nothing before its epoch, a leaving one nothing after), judged by that committee.
 */
export function checkTransitions(run: RunRecord, chain: FinalizedChain): string[] {
  const violations: string[] = [];
  const { scenario, transitionRecords } = run;
  if (run.transitionsReachedMs === null && run.livenessReachedMs !== null)
    violations.push(
      `transitions: honest nodes did not all finalize 2 heights of epoch ${scenario.transitions.length} within the bound after liveness`,
    );
  const sizes = [
    scenario.validatorCount,
    ...scenario.transitions.map((transition) => transition.validatorCount),
  ];
  const activations = [1];
  for (const txId of transitionRecords) {
    const place = chain.places.get(txId);
    if (place === undefined || place.height < activations.at(-1)!) break;
    activations.push(place.height + TRANSITION_ACTIVATION_DELAY);
  }
  const epochAt = (height: number): number => activations.findLastIndex((activation) => activation <= height);
  for (const height of chain.heights) {
    const { header } = chain.byHeight.get(height)!;
    const expected = epochAt(height);
    if (header.epoch !== expected)
      violations.push(
        `transitions: header ${height} is of epoch ${header.epoch}, the finalized records make it ${expected}`,
      );
  }
  for (const vote of run.recorder.votes) {
    const epoch = epochAt(vote.height);
    const size = sizes[epoch]!;
    if (vote.validatorIndex >= size)
      violations.push(
        `transitions: v${vote.validatorIndex} voted at h${vote.height}, in epoch ${epoch} of ${size} members`,
      );
    if (vote.validatorCount !== size)
      violations.push(
        `transitions: v${vote.validatorIndex} judged h${vote.height} by a committee of ${vote.validatorCount}; epoch ${epoch} has ${size}`,
      );
  }
  return violations;
}
