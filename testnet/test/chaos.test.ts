import { describe, expect, test } from 'vitest';
import {
  FAULT_KINDS,
  type FaultResult,
  HOLD_MS,
  keepsQuorum,
  planCampaign,
  seededRandom,
  worstRecoveries,
} from '../src/chaos.ts';

/** The campaign's plan and report, pure: the campaign itself runs in chaos.e2e.test.ts. */

describe('planCampaign', () => {
  test('every fault kind once per round, in order, with the profile hold times', () => {
    const plan = planCampaign({ seed: 'a', nodes: 4, profile: 'short', rounds: 2 });
    expect(plan.map((step) => step.kind)).toEqual([...FAULT_KINDS, ...FAULT_KINDS]);
    for (const step of plan) expect(step.holdMs).toBe(HOLD_MS.short[step.kind]);
    expect(planCampaign({ seed: 'a', nodes: 4, profile: 'long' })[5]!.holdMs).toBe(
      HOLD_MS.long['flapping-link'],
    );
  });

  test('--faults keeps only those kinds, hitting the nodes the full campaign of that seed would', () => {
    const full = planCampaign({ seed: 'pnpm test', nodes: 4, profile: 'short', rounds: 3 });
    const only = planCampaign({
      seed: 'pnpm test',
      nodes: 4,
      profile: 'short',
      rounds: 3,
      kinds: ['long-pause', 'partition-one'],
    });
    expect(only.map((step) => step.kind)).toEqual(Array(3).fill(['long-pause', 'partition-one']).flat());
    expect(only).toEqual(full.filter((step) => step.kind === 'long-pause' || step.kind === 'partition-one'));
  });

  test('the nodes each fault hits: valid, shaped for the fault, and the same for the same seed', () => {
    const plan = planCampaign({ seed: 'replay me', nodes: 4, profile: 'long', rounds: 20 });
    expect(planCampaign({ seed: 'replay me', nodes: 4, profile: 'long', rounds: 20 })).toEqual(plan);
    expect(planCampaign({ seed: 'another', nodes: 4, profile: 'long', rounds: 20 })).not.toEqual(plan);
    const hit = new Set<number>();
    for (const step of plan) {
      for (const node of step.nodes) {
        expect(node).toBeGreaterThanOrEqual(0);
        expect(node).toBeLessThan(4);
        hit.add(node);
      }
      if (step.kind === 'partition-halves') expect(step.nodes).toHaveLength(2);
      else if (step.kind === 'flapping-link') {
        expect(step.nodes).toHaveLength(2);
        expect(step.nodes[0]).not.toBe(step.nodes[1]);
      } else if (step.kind === 'committee-restart' || step.kind === 'l1-down')
        expect(step.nodes).toEqual([0, 1, 2, 3]);
      else expect(step.nodes).toHaveLength(1);
    }
    expect([...hit].sort()).toEqual([0, 1, 2, 3]); // over 20 rounds every node gets hit
  });

  test('only a 2|2 split and a whole-committee restart take the quorum away', () => {
    expect(FAULT_KINDS.filter((kind) => !keepsQuorum(kind))).toEqual([
      'partition-halves',
      'committee-restart',
    ]);
  });
});

describe('seededRandom', () => {
  test('is deterministic per seed and uniform enough in [0, 1)', () => {
    const a = seededRandom('x');
    const b = seededRandom('x');
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(draws);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const buckets = [0, 0, 0, 0];
    for (const draw of draws) buckets[Math.floor(draw * 4)]!++;
    for (const count of buckets) expect(count).toBeGreaterThan(2_200);
  });
});

describe('worstRecoveries', () => {
  const result = (
    kind: FaultResult['kind'],
    resumeMs: number | null,
    catchUpMs: number | null,
  ): FaultResult => ({
    kind,
    nodes: [0],
    holdMs: 1_000,
    atS: 0,
    headBefore: 1,
    headAtHeal: 2,
    resumeMs,
    catchUpMs,
    l1CatchUpMs: null,
    reconnectMs: 0,
    problems: [],
  });

  test('the largest per kind, and a fault that never recovered stays null', () => {
    expect(
      worstRecoveries([
        result('pause', 100, 900),
        result('pause', 300, 700),
        result('kill-restart', 50, null),
        result('kill-restart', 80, 2_000),
      ]),
    ).toEqual({
      pause: { resumeMs: 300, catchUpMs: 900 },
      'kill-restart': { resumeMs: 80, catchUpMs: null },
    });
  });
});
