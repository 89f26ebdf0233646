import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type BlockOrdering, fairnessTable, observationPlace } from '../../packages/dashboard/app/model.ts';
import { isOwnSender } from '../../packages/node/src/behaviour/strategies.ts';
import type { ByzantineStrategy, TestnetOptions } from '../src/args.ts';
import { testnetLayout } from '../src/layout.ts';
import type { RunningNetwork } from '../src/network.ts';
import { findFreeBasePort } from '../src/ports.ts';
import {
  checkHonestPrices,
  type FinalizedPriceSample,
  finalizedPrices,
  type ObservationSample,
  sampleObservations,
} from '../src/prices.ts';
import { isProcessAlive, ProcessSupervisor } from '../src/processes.ts';
import { runTestnet } from '../src/runner.ts';
import { SUMMARY_KEYS, type TestnetSummary } from '../src/summary.ts';

/**
 * Issue #9 §4: a 4-node testnet under load with one byzantine validator, once per strategy
 * (testnet/README.md "Byzantine nodes"): no acknowledged transaction lost, none finalized twice,
 * every node's blocks agree, headers reach L1, and every finalized price lies within the honest
 * nodes' observations. Each strategy gets a fresh testnet (its own directory, --reset, its own
 * ports), one after the other: a 2-core machine runs one testnet at a time.
 */

const DURATION_S = 15;
const LOAD_TPS = 10;
/** The byzantine validator is the last one (node 0 stays honest). */
const BYZANTINE_INDEX = 3;
const HONEST = [0, 1, 2];
/** Honest observations are read this often (the observer polls about once a second). */
const SAMPLE_INTERVAL_MS = 200;
/** Set-up with a DKG (~15 s), start (~7 s), the run, the 15 s drain budget, the stop: with slack for CI. */
const RUN_TIMEOUT_MS = 150_000;

/** What the strategy's counter (synod_byzantine_actions_total on its /metrics) must show. */
const EXPECTED_ACTS: Record<ByzantineStrategy, string[]> = {
  equivocate: ['conflicting-prevote', 'conflicting-precommit'],
  censor: ['victims-unlisted'],
  'front-run': ['first-seen-skewed'],
  'manipulate-prices': ['observations-inflated'],
};

const usedBases = new Set<number>();
function freeBasePort(): Promise<number> {
  return findFreeBasePort(4, usedBases);
}

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  const answer = (await response.json()) as { result?: T; error?: { message: string } };
  if (answer.error !== undefined) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result as T;
}

/** The byzantine node's acts by kind, from its /metrics. */
async function byzantineActs(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
  const acts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^synod_byzantine_actions_total\{.*action="([^"]+)".*\} (\d+)/.exec(line);
    if (match !== null) acts[match[1]!] = Number(match[2]);
  }
  return acts;
}

/**
 * What the dashboard shows of the byzantine validator over heights from..to: the blocks'
 * ordering evidence from the same RPC method and through the same functions as its page
 * (packages/dashboard/app/model.ts), counted.
 */
async function dashboardEvidence(rpcUrl: string, from: number, to: number) {
  const evidence = {
    blocks: 0,
    /** Blocks derived from the byzantine validator's extension among others. */
    blocksWithByzantine: 0,
    /** Victims' transactions in the blocks (never lost: the summary checks every one is final). */
    victimsIncluded: 0,
    /** …of which the byzantine validator's extension did not report (its column shows "—"). */
    victimsUnreported: 0,
    /** …of which it reported. */
    victimsReported: 0,
    /** …of which it reported later than every honest validator (its column shows the largest offset). */
    victimsReportedLast: 0,
    /** Observations more than 1% off the median (flagged red): the byzantine validator's, and the honest ones'. */
    byzantineOutliers: 0,
    honestOutliers: 0,
  };
  const heights = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const orderings: (BlockOrdering | null)[] = [];
  // 16 calls at a time (the node's RPC serves them concurrently; far below the testnet's rate limit).
  for (let i = 0; i < heights.length; i += 16) {
    const chunk = heights.slice(i, i + 16);
    orderings.push(
      ...(await Promise.all(
        chunk.map((height) => rpc<BlockOrdering | null>(rpcUrl, 'synod_getBlockOrdering', [height])),
      )),
    );
  }
  for (const ordering of orderings) {
    if (ordering === null) continue;
    evidence.blocks++;
    const table = fairnessTable(ordering);
    const column = table.validators.indexOf(BYZANTINE_INDEX);
    if (column >= 0) evidence.blocksWithByzantine++;
    for (const row of table.rows) {
      if (row.source !== 'fair' || isOwnSender(row.sender)) continue;
      evidence.victimsIncluded++;
      const cell = row.cells[column];
      if (cell === undefined) continue;
      if (cell.offsetMs === undefined) {
        evidence.victimsUnreported++;
        continue;
      }
      evidence.victimsReported++;
      const honest = row.cells.flatMap((other, i) =>
        i === column || other.offsetMs === undefined ? [] : [other.offsetMs],
      );
      if (honest.length > 0 && cell.offsetMs > Math.max(...honest)) evidence.victimsReportedLast++;
    }
    for (const price of ordering.prices) {
      for (const observation of price.observations) {
        if (observationPlace(observation.price, price) !== 'outlier') continue;
        if (observation.validatorIndex === BYZANTINE_INDEX) evidence.byzantineOutliers++;
        else evidence.honestOutliers++;
      }
    }
  }
  return evidence;
}

describe('pnpm testnet --byzantine 1, end to end (issue #9 §4)', () => {
  test.each(Object.keys(EXPECTED_ACTS) as ByzantineStrategy[])(
    '--strategy %s: nothing lost or duplicated, nodes agree, headers on L1, prices within the honest range',
    async (strategy) => {
      const layout = testnetLayout(await mkdtemp(join(tmpdir(), `synod-byzantine-${strategy}-`)));
      const supervisor = new ProcessSupervisor();
      const options: TestnetOptions = {
        nodes: 4,
        reset: true,
        basePort: await freeBasePort(),
        durationS: DURATION_S,
        json: true,
        byzantine: 1,
        strategy,
        loadTps: LOAD_TPS,
      };
      const samples: ObservationSample[] = [];
      let prices: FinalizedPriceSample[] = [];
      let acts: Record<string, number> = {};
      let dashboard: Awaited<ReturnType<typeof dashboardEvidence>> | undefined;
      let stopSampling: (() => Promise<void>) | undefined;
      const pids: { name: string; pid: number }[] = [];
      let stdout = '';
      let stderr = '';
      let passed = false;
      try {
        const code = await runTestnet(options, {
          io: { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTty: false },
          signal: new AbortController().signal,
          startedAtMs: Date.now(),
          layout,
          supervisor,
          inspector: {
            started(network, setup) {
              for (const child of [
                setup.l1.process,
                network.simulator,
                ...network.nodes.map((n) => n.process),
              ])
                if (child !== undefined) pids.push({ name: child.name, pid: child.pid });
              expect(network.nodes.map((node) => node.byzantine)).toEqual([false, false, false, true]);
              stopSampling = sampleObservations(
                new Map(HONEST.map((index) => [index, network.nodes[index]!.rpcUrl])),
                samples,
                SAMPLE_INTERVAL_MS,
              );
            },
            async beforeStop(network: RunningNetwork, summary: TestnetSummary) {
              await stopSampling?.();
              const status = await rpc<{ finalizedHeight: number }>(network.nodes[0]!.rpcUrl, 'synod_status');
              const to = status.finalizedHeight;
              prices = await finalizedPrices(
                network.nodes[0]!.rpcUrl,
                Math.max(1, to - summary.heightsFinalized),
                to,
              );
              acts = await byzantineActs(network.nodes[BYZANTINE_INDEX]!.metricsUrl);
              dashboard = await dashboardEvidence(
                network.nodes[0]!.rpcUrl,
                Math.max(1, to - summary.heightsFinalized),
                to,
              );
            },
          },
        });
        const line = stdout.trim().split('\n');
        // The report of this strategy's run (the JSON line), for CI logs.
        const check = checkHonestPrices(prices, samples, HONEST);
        console.log(
          `--strategy ${strategy}: ${line.at(-1)} (exit ${code}); acts ${JSON.stringify(acts)}; ${check.checked} of ${prices.length} finalized prices checked against ${samples.length} honest observations; dashboard ${JSON.stringify(dashboard)}`,
        );
        // A run that failed before its summary says why on stderr (the runner names the log to read).
        expect(
          line.length === 1 && line[0]!.startsWith('{'),
          `no summary; stderr:\n${stderr.slice(-4_000)}`,
        ).toBe(true);
        const summary = JSON.parse(line[0]!) as TestnetSummary;
        expect(Object.keys(summary)).toEqual([...SUMMARY_KEYS]);
        expect(summary).toMatchObject({
          nodes: 4,
          byzantine: 1,
          durationS: DURATION_S,
          txSubmitted: DURATION_S * LOAD_TPS,
          txLost: 0,
          txDuplicated: 0,
          safetyViolations: 0,
        });
        expect(summary.heightsFinalized).toBeGreaterThan(0);
        expect(summary.txFinalized).toBe(summary.txSubmitted);
        expect(summary.headersPostedL1).toBeGreaterThan(0);
        expect(code, stderr).toBe(0);

        // The attack happened: the byzantine node counted its acts of the strategy's kinds.
        for (const act of EXPECTED_ACTS[strategy])
          expect(acts[act] ?? 0, `${act} in ${JSON.stringify(acts)}`).toBeGreaterThan(0);

        // Prices: every finalized price within the honest observations around its block time.
        expect(check.violations).toEqual([]);
        expect(check.checked, `${prices.length} prices, ${samples.length} samples`).toBeGreaterThanOrEqual(
          10,
        );
        // …and the check is not vacuous: the same prices 1% higher (a mean with one +4% value) fail it.
        const skewed = prices.map((price) => ({ ...price, answer: price.answer + price.answer / 100n }));
        expect(checkHonestPrices(skewed, samples, HONEST).violations.length).toBeGreaterThan(
          check.checked / 2,
        );

        // The dashboard shows the attack, and that it failed (issue #20).
        expect(dashboard!.blocks).toBeGreaterThan(0);
        expect(dashboard!.blocksWithByzantine, JSON.stringify(dashboard)).toBeGreaterThan(0);
        expect(dashboard!.honestOutliers, JSON.stringify(dashboard)).toBe(0);
        if (strategy === 'censor') {
          // Victims its extensions left out, in blocks built from its extension: placed by the others' reports.
          expect(dashboard!.victimsUnreported, JSON.stringify(dashboard)).toBeGreaterThan(0);
        }
        if (strategy === 'front-run') {
          // It reports its victims' transactions as seen in the future: last, nearly always (an
          // honest node's own clock sometimes reports one last too; 8 of 45 in an equivocate run).
          expect(dashboard!.victimsReported, JSON.stringify(dashboard)).toBeGreaterThan(0);
          expect(dashboard!.victimsReportedLast, JSON.stringify(dashboard)).toBeGreaterThanOrEqual(
            0.9 * dashboard!.victimsReported,
          );
        }
        if (strategy === 'manipulate-prices') {
          // Its +4% observations flagged; the finalized prices stayed within the honest ones (above).
          expect(dashboard!.byzantineOutliers, JSON.stringify(dashboard)).toBeGreaterThan(0);
        } else {
          expect(dashboard!.byzantineOutliers, JSON.stringify(dashboard)).toBe(0);
        }

        if (strategy === 'equivocate') {
          // The evidence reached every honest node (those that saw both votes detected it and
          // published it on the evidence topic), which kept it without stopping.
          const logs = await Promise.all(HONEST.map((i) => readFile(layout.nodeLog(i), 'utf8')));
          for (const [i, log] of logs.entries())
            expect(log.includes('equivocation evidence'), `node-${HONEST[i]} holds evidence`).toBe(true);
          // …and the offence is on L1, provable by anyone (EquivocationRegistry).
          expect(summary.equivocationsRecordedL1).toBeGreaterThan(0);
          // …and a finalized block certifies it: the byzantine validator alone.
          expect(summary.equivocatorsInBlocks).toBe(1);
        } else {
          expect(summary.equivocationsRecordedL1).toBe(0);
          expect(summary.equivocatorsInBlocks).toBe(0);
        }
        passed = true;
      } finally {
        await stopSampling?.();
        await supervisor.stopAll();
        // The runner stopped every child: none is left (signal 0 probes without signalling).
        for (const { name, pid } of pids)
          expect(isProcessAlive(pid), `${name} (pid ${pid}) survived`).toBe(false);
        expect(supervisor.pids()).toEqual([]);
        // A failed run keeps its testnet directory: the node logs are the evidence.
        if (passed) await rm(layout.root, { recursive: true, force: true });
        else console.log(`--strategy ${strategy}: logs kept in ${layout.logs}`);
      }
    },
    RUN_TIMEOUT_MS,
  );
});
