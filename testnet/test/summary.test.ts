import { describe, expect, test } from 'vitest';
import type { FollowedBlock } from '../src/follower.ts';
import type { Submission } from '../src/load.ts';
import type { NodeRpc, RpcBlock } from '../src/rpc.ts';
import {
  checkSafety,
  compareBlockHashes,
  computeSummary,
  formatSummary,
  healthProblems,
  percentile,
  SUMMARY_KEYS,
} from '../src/summary.ts';

function block(height: number, transactionIds: string[], observedAtMs: number): FollowedBlock {
  return { height, hash: `0x${height}`, transactionIds, prices: [], observedAtMs };
}

/** A node answering blocks from a height → hash table (stubbed interface, no network). */
function stubNode(hashes: Record<number, string>, options: { unreachable?: boolean } = {}): NodeRpc {
  return {
    url: 'stub',
    status: async () => {
      throw new Error('not used');
    },
    blockByHeight: async () => null,
    async blocksByHeight(heights) {
      if (options.unreachable === true) throw new Error('ECONNREFUSED');
      return heights.map((height): RpcBlock | null =>
        hashes[height] === undefined
          ? null
          : { hash: hashes[height], header: { height }, transactionIds: [], prices: [] },
      );
    },
    sendRawTransactions: async () => [],
  };
}

const noConflicts = { heightsCompared: 3, violations: 0, examples: [] };
/** A clearinghouse that settled and matched its model. */
const perpsMatched = {
  ordersSettledL1: 4,
  ordersRejected: 1,
  liquidations: 0,
  lagHeights: [1, 2, 2],
  differences: [],
};

function summarize(submissions: Map<string, Submission>, blocks: FollowedBlock[]) {
  return computeSummary({
    nodes: 4,
    byzantine: 1,
    durationS: 20,
    startHeight: 10,
    endHeight: 13,
    submissions,
    blocks,
    headersPostedL1: 2,
    pricesPostedL1: 4,
    equivocationsRecordedL1: 1,
    equivocatorsInBlocks: 1,
    safety: noConflicts,
    perps: perpsMatched,
  });
}

describe('computeSummary', () => {
  test('a clean run: everything acknowledged is finalized once', () => {
    const submissions = new Map<string, Submission>([
      ['0xa', { sentAtMs: 1_000, attempts: 1, lastSentAtMs: 1_000, lastTarget: 0, acknowledged: true }],
      ['0xb', { sentAtMs: 1_100, attempts: 1, lastSentAtMs: 1_100, lastTarget: 0, acknowledged: true }],
      ['0xc', { sentAtMs: 1_200, attempts: 1, lastSentAtMs: 1_200, lastTarget: 0, acknowledged: true }],
    ]);
    const summary = summarize(submissions, [
      block(11, ['0xa', '0xother'], 1_050),
      block(12, ['0xb'], 1_300),
      block(13, ['0xc'], 2_000),
    ]);
    expect(summary).toEqual({
      nodes: 4,
      byzantine: 1,
      durationS: 20,
      heightsFinalized: 3,
      txSubmitted: 3,
      txFinalized: 3,
      txLost: 0,
      txDuplicated: 0,
      tpsFinalized: 3, // 3 transactions from 1.000 s to 2.000 s
      latencyMsP50: 200,
      latencyMsP99: 800,
      headersPostedL1: 2,
      pricesPostedL1: 4,
      safetyViolations: 0,
      nodeExits: 0,
      nodeRestarts: 0,
      nodeCrashes: 0,
      txResubmitted: 0,
      ordersSettledL1: 4,
      ordersRejected: 1,
      liquidations: 0,
      settlementLagHeightsP50: 2,
      l1MatchesModel: true,
      equivocationsRecordedL1: 1,
      equivocatorsInBlocks: 1,
      txEncrypted: 0,
      txRevealed: 0,
    });
    expect(healthProblems(summary)).toEqual([]);
  });

  test('an encrypted transaction is final when its plaintext is: an envelope alone is lost', () => {
    const submissions = new Map<string, Submission>([
      ['0xe1', { sentAtMs: 1_000, attempts: 1, lastSentAtMs: 1_000, lastTarget: 0, acknowledged: true }],
      ['0xe2', { sentAtMs: 1_000, attempts: 1, lastSentAtMs: 1_000, lastTarget: 0, acknowledged: true }],
    ]);
    const summary = computeSummary({
      nodes: 4,
      byzantine: 0,
      durationS: 20,
      startHeight: 10,
      endHeight: 13,
      submissions,
      reveals: new Map([
        ['0xe1', '0xp1'],
        ['0xe2', '0xp2'],
      ]),
      // Both envelopes at 11; only the plaintext of the first at 13.
      blocks: [block(11, ['0xe1', '0xe2'], 1_100), block(13, ['0xp1'], 1_500)],
      headersPostedL1: 2,
      pricesPostedL1: 4,
      safety: noConflicts,
      perps: perpsMatched,
    });
    expect(summary).toMatchObject({
      txSubmitted: 2,
      txFinalized: 1,
      txLost: 1,
      txEncrypted: 2,
      txRevealed: 1,
      latencyMsP50: 500, // to the plaintext's block, not the envelope's
    });
    expect(healthProblems(summary)).toContain('1 acknowledged transactions were not finalized');
  });

  test('validator exits and restarts are reported; only crashes make a run unhealthy', () => {
    const input = {
      nodes: 4,
      byzantine: 0,
      durationS: 30,
      startHeight: 7,
      endHeight: 20,
      submissions: new Map(),
      blocks: [],
      headersPostedL1: 1,
      pricesPostedL1: 0,
      safety: { heightsCompared: 13, violations: 0, examples: [] },
      perps: perpsMatched,
    };
    const killed = computeSummary({ ...input, validators: { exits: 2, restarts: 2, crashes: 0 } });
    expect(killed).toMatchObject({ nodeExits: 2, nodeRestarts: 2, nodeCrashes: 0 });
    expect(healthProblems(killed)).toEqual([]);
    const crashed = computeSummary({ ...input, validators: { exits: 1, restarts: 1, crashes: 1 } });
    expect(healthProblems(crashed)).toEqual([
      '1 validator crashes (exited on their own with an error; see the node logs)',
    ]);
  });

  test('txLost counts acknowledged transactions that never finalized, not refused ones', () => {
    const submissions = new Map<string, Submission>([
      ['0xa', { sentAtMs: 0, attempts: 1, lastSentAtMs: 0, lastTarget: 0, acknowledged: true }],
      ['0xlost', { sentAtMs: 0, attempts: 1, lastSentAtMs: 0, lastTarget: 0, acknowledged: true }],
      [
        '0xrefused',
        {
          sentAtMs: 0,
          attempts: 1,
          lastSentAtMs: 0,
          lastTarget: 0,
          acknowledged: false,
          error: 'NONCE_TOO_LOW',
        },
      ],
    ]);
    const summary = summarize(submissions, [block(11, ['0xa'], 10)]);
    expect(summary.txSubmitted).toBe(3);
    expect(summary.txFinalized).toBe(1);
    expect(summary.txLost).toBe(1);
    expect(healthProblems(summary)).toEqual(['1 acknowledged transactions were not finalized']);
  });

  test('txDuplicated counts every extra copy in the chain', () => {
    const submissions = new Map<string, Submission>([
      ['0xa', { sentAtMs: 0, attempts: 1, lastSentAtMs: 0, lastTarget: 0, acknowledged: true }],
    ]);
    const summary = summarize(submissions, [
      block(11, ['0xa'], 10),
      block(12, ['0xa'], 20),
      block(13, ['0xa', '0xa'], 30),
    ]);
    expect(summary.txFinalized).toBe(1);
    expect(summary.txDuplicated).toBe(3);
    expect(summary.latencyMsP50).toBe(10); // the first inclusion is the finality
    expect(healthProblems(summary)).toContain('3 transactions were finalized twice');
  });

  test('a run without load or blocks is unhealthy only for the missing heights', () => {
    const summary = computeSummary({
      nodes: 4,
      byzantine: 0,
      durationS: 5,
      startHeight: 7,
      endHeight: 7,
      submissions: new Map(),
      blocks: [],
      headersPostedL1: 0,
      pricesPostedL1: 0,
      safety: { heightsCompared: 0, violations: 0, examples: [] },
      perps: perpsMatched,
    });
    expect(summary).toMatchObject({
      txSubmitted: 0,
      tpsFinalized: 0,
      latencyMsP50: null,
      latencyMsP99: null,
    });
    expect(healthProblems(summary)).toEqual(['no height was finalized']);
  });

  test("prints one JSON line with exactly the issue's keys, in its order", () => {
    const line = formatSummary(summarize(new Map(), [block(11, [], 0)]));
    expect(line).not.toContain('\n');
    expect(Object.keys(JSON.parse(line))).toEqual([...SUMMARY_KEYS]);
    expect(SUMMARY_KEYS).toEqual([
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
      // Issue #12: appended, so that readers of the first fourteen keys are unaffected.
      'nodeExits',
      'nodeRestarts',
      'nodeCrashes',
      'txResubmitted',
      // Issue #14: the clearinghouse, appended too.
      'ordersSettledL1',
      'ordersRejected',
      'liquidations',
      'settlementLagHeightsP50',
      'l1MatchesModel',
      // Issue #18, appended.
      'equivocationsRecordedL1',
      'equivocatorsInBlocks',
      'txEncrypted',
      'txRevealed',
    ]);
  });

  test('the clearinghouse: counts from L1, the median lag, healthy only if L1 matches the model', () => {
    const input = {
      nodes: 4,
      byzantine: 0,
      durationS: 20,
      startHeight: 1,
      endHeight: 30,
      submissions: new Map(),
      blocks: [],
      headersPostedL1: 5,
      pricesPostedL1: 5,
      safety: noConflicts,
    };
    const matched = computeSummary({
      ...input,
      perps: {
        ordersSettledL1: 40,
        ordersRejected: 9,
        liquidations: 3,
        lagHeights: [3, 1, 2, 8],
        differences: [],
      },
    });
    expect(matched).toMatchObject({
      ordersSettledL1: 40,
      ordersRejected: 9,
      liquidations: 3,
      settlementLagHeightsP50: 2,
      l1MatchesModel: true,
    });
    expect(healthProblems(matched)).toEqual([]);
    const differs = computeSummary({
      ...input,
      perps: { ...perpsMatched, differences: ['account 0xab: L1 {…}, model {…}'] },
    });
    expect(differs.l1MatchesModel).toBe(false);
    expect(healthProblems(differs)).toEqual([
      "the clearinghouse on L1 does not match the keeper's model (or was not compared)",
    ]);
    const notCompared = computeSummary({
      ...input,
      perps: {
        ordersSettledL1: 0,
        ordersRejected: 0,
        liquidations: 0,
        lagHeights: [],
        differences: undefined,
      },
    });
    expect(notCompared).toMatchObject({ l1MatchesModel: false, settlementLagHeightsP50: null });
  });
});

describe('safety', () => {
  test('two hashes at one height is one violation; a missing block is not', () => {
    const report = compareBlockHashes(5, [
      ['0x1', '0x2', '0x3'],
      ['0x1', '0xX', null],
      ['0x1', '0x2'],
    ]);
    expect(report.heightsCompared).toBe(3);
    expect(report.violations).toBe(1);
    expect(report.examples[0]).toMatch(/^height 6: 0x2… on node 0,2 vs 0xX… on node 1$/);
  });

  test('checkSafety asks every node for the range and compares', async () => {
    const honest = { 1: '0xa', 2: '0xb', 3: '0xc' };
    const forked = { 1: '0xa', 2: '0xb', 3: '0xFORK' };
    const report = await checkSafety(
      [stubNode(honest), stubNode(honest), stubNode(forked), stubNode({}, { unreachable: true })],
      1,
      3,
    );
    expect(report).toMatchObject({ heightsCompared: 3, violations: 1 });
  });

  test('agreeing nodes, one lagging behind, have no violation', async () => {
    const report = await checkSafety([stubNode({ 1: '0xa', 2: '0xb' }), stubNode({ 1: '0xa' })], 1, 2);
    expect(report).toEqual({ heightsCompared: 2, violations: 0, examples: [] });
  });
});

describe('percentile', () => {
  test('nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});
