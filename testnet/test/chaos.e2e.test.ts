import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { FAULT_KINDS, formatFault, runCampaign } from '../src/chaos.ts';
import { testnetLayout } from '../src/layout.ts';
import { findFreeBasePort } from '../src/ports.ts';

/**
 * The short fault campaign of issue #12 on real processes (anvil, four `synod start`, the price
 * simulator, the link proxies), under load: every fault once, briefly held, each followed by
 * the recovery bounds; then the run's own checks (nothing acknowledged lost or duplicated, no
 * two nodes with different blocks) and the honest price range. `pnpm chaos --duration 30m` is
 * the long one.
 */

function freeBasePort(): Promise<number> {
  return findFreeBasePort(4);
}

test('the short fault campaign passes: every fault recovers within its bounds, nothing lost, one chain, honest prices', {
  timeout: 420_000,
}, async () => {
  const root = await mkdtemp(join(tmpdir(), 'synod-chaos-'));
  const output: string[] = [];
  try {
    const outcome = await runCampaign({
      seed: 'pnpm test',
      profile: 'short',
      loadTps: 20,
      basePort: await freeBasePort(),
      layout: testnetLayout(root),
      io: { stdout: (text) => output.push(text), stderr: (text) => output.push(text), isTty: false },
      signal: new AbortController().signal,
    });
    // The per-fault lines in the test's output: recovery times of every CI run, for comparison.
    for (const fault of outcome.report.faults) console.log(formatFault(fault));
    const context = `${outcome.report.problems.join('\n')}\n--- output ---\n${output.join('').slice(-6_000)}`;
    expect(outcome.report.problems, context).toEqual([]);
    expect(outcome.exitCode, context).toBe(0);
    expect(outcome.report.faults.map((fault) => fault.kind)).toEqual([...FAULT_KINDS]);
    for (const fault of outcome.report.faults) {
      expect(fault.resumeMs, fault.kind).not.toBeNull();
      expect(fault.catchUpMs, fault.kind).not.toBeNull();
    }
    const summary = outcome.summary!;
    expect(summary.txLost).toBe(0);
    expect(summary.txDuplicated).toBe(0);
    expect(summary.safetyViolations).toBe(0);
    expect(summary.nodeCrashes).toBe(0);
    expect(summary.txFinalized).toBeGreaterThan(0);
    // Encrypted perp orders (1 in 20 of the load): every one revealed, through kills and the restart.
    expect(summary.txEncrypted).toBeGreaterThan(0);
    expect(summary.txRevealed).toBe(summary.txEncrypted);
    // Kill, committee restart: 1 + 4 exits, each brought back by the campaign.
    expect(summary.nodeExits).toBe(5);
    expect(outcome.report.pricesChecked).toBeGreaterThan(100);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
