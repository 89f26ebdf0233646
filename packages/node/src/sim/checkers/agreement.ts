import { committeeSize, type Hex, VoteKind } from '@synod/protocol';
import { NIL_BLOCK_ID } from '../../consensus/core.ts';
import type { FinalizedChain, RunRecord } from './run.ts';

/**
 * Agreement (docs/consensus.md §3): no two honest nodes finalize different blocks at one height,
 * and no two blocks of one height are even certifiable counting the byzantine validators'
 * signatures (L1 accepts any valid certificate: docs/decisions.md "Agreement is checked as L1
 * sees it"). With it, what agreement rests on: every certificate an honest node stored verifies;
 * each honest node applies heights 1, 2, 3, … once each; no honest validator signs two votes for
 * one (height, round, kind), sends a vote before its vote log holds it (write-ahead), or is the
 * subject of evidence; no height below the top is missing.
 */
export function checkAgreement(run: RunRecord, chain: FinalizedChain): string[] {
  const violations: string[] = [];
  const { recorder, honestValidators, scenario } = run;
  for (const validator of honestValidators) {
    let expected: number | undefined;
    for (const commit of recorder.commits.get(validator) ?? []) {
      const first = chain.byHeight.get(commit.height)!;
      if (first.blockId !== commit.blockId) {
        violations.push(
          `agreement: height ${commit.height}: v${first.validatorIndex} ${first.blockId} vs v${validator} ${commit.blockId}`,
        );
      }
      if (!commit.certificateValid)
        violations.push(`certificate: v${validator} height ${commit.height} does not verify`);
      if (expected !== undefined && commit.height !== expected)
        violations.push(`agreement: v${validator} applied height ${commit.height} after ${expected - 1}`);
      expected = commit.height + 1;
    }
  }

  // Certifiable blocks: honest precommits for a block in one round, plus every byzantine
  // validator's signature, reaching the quorum of the height's committee (its epoch's).
  const byzantineCount = scenario.byzantine.length;
  const quorumAt = new Map<number, number>();
  const precommits = new Map<number, Map<number, Map<Hex, number>>>(); // height → round → block → count
  for (const vote of recorder.votes) {
    if (vote.kind !== VoteKind.Precommit || vote.blockId === NIL_BLOCK_ID) continue;
    quorumAt.set(vote.height, committeeSize(vote.validatorCount).quorum);
    const rounds = precommits.get(vote.height) ?? new Map<number, Map<Hex, number>>();
    const blocks = rounds.get(vote.round) ?? new Map<Hex, number>();
    blocks.set(vote.blockId, (blocks.get(vote.blockId) ?? 0) + 1);
    rounds.set(vote.round, blocks);
    precommits.set(vote.height, rounds);
  }
  for (const [height, rounds] of precommits) {
    const certifiable = new Set<Hex>();
    for (const blocks of rounds.values()) {
      for (const [blockId, count] of blocks)
        if (count + byzantineCount >= quorumAt.get(height)!) certifiable.add(blockId);
    }
    if (certifiable.size > 1) {
      violations.push(
        `agreement: conflicting certificates possible at height ${height}: ${[...certifiable].join(', ')}`,
      );
    }
  }

  for (const { first, second } of recorder.equivocations) {
    violations.push(
      `honest equivocation: v${first.validatorIndex} h${first.height} r${first.round} kind ${first.kind}: ${first.blockId} and ${second.blockId}`,
    );
  }
  for (const { vote } of recorder.unpersistedVotes) {
    violations.push(
      `write-ahead: v${vote.validatorIndex} sent its h${vote.height} r${vote.round} kind ${vote.kind} vote at ${vote.atMs} ms before its vote log held it`,
    );
  }
  const honest = new Set(honestValidators);
  for (const { evidence } of recorder.evidence) {
    if (honest.has(evidence.first.validatorIndex))
      violations.push(
        `evidence against honest v${evidence.first.validatorIndex} at h${evidence.first.height}`,
      );
  }
  for (let height = 1; height <= chain.topHeight; height++) {
    if (!chain.byHeight.has(height))
      violations.push(`gap: no honest commit at height ${height} below ${chain.topHeight}`);
  }
  return violations;
}
