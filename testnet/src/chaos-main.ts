// `pnpm chaos`: the fault campaign (chaos.ts) on a testnet of its own, in `.chaos/`.
//
//   pnpm chaos                          the short campaign: every fault once, held briefly (~3 min)
//   pnpm chaos --duration 30m           the long one: the faults at full length, repeated for 30 min
//   pnpm chaos --seed 7 --json          replay a campaign; one JSON report line on stdout
//
// Progress and one line per fault go to stderr; the report is written to bench/results/chaos.json
// (long campaigns) and printed. Exit 0 only when the run is healthy and no fault broke a bound.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind, formatFault, runCampaign } from './chaos.ts';
import { REPO_ROOT, testnetLayout } from './layout.ts';
import { busyPorts, planPorts } from './ports.ts';
import { ProcessSupervisor } from './processes.ts';
import { formatSummary } from './summary.ts';

const USAGE = `Usage: pnpm chaos [--duration 30m] [--seed S] [--faults K,K] [--rounds N] [--load R] [--base-port P] [--json]

The fault campaign of issue #12 on a fresh 4-node testnet (in .chaos/), under load: kill and
restart a validator, pause one 10 s and 60 s, isolate one, split the committee 2|2, flap a link,
stop L1, cut one validator's price sources, kill and restart the whole committee; one validator's
clock is off by ±2 s throughout. After each fault: finality resumes and every node catches up
within the bounds; at the end no acknowledged transaction is lost or duplicated, no two nodes
disagree on a block, every finalized price lies in the honest range.

  --duration D   repeat the faults at full length until D has passed (30m, 1800s, 1h);
                 without it: every fault once, held briefly (the campaign pnpm test runs)
  --seed S       which nodes each fault hits and the clock offset (default: random, printed)
  --faults K,K   only these fault kinds, in the campaign's order (${FAULT_KINDS.join(', ')})
  --rounds N     repeat the sequence N times (default once; with --duration, until it is used up)
  --load R       transactions per second (default 20)
  --base-port P  port plan of the campaign's testnet (default 24000)
  --json         one JSON line (the report with the run's summary) on stdout
`;

function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (match === null) throw new Error(`--duration ${text}: expected a number with ms, s, m or h`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1_000;
  return Number(match[1]) * unit;
}

let values: {
  duration?: string;
  seed?: string;
  faults?: string;
  rounds?: string;
  load?: string;
  'base-port'?: string;
  json?: boolean;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      duration: { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'string' },
      rounds: { type: 'string' },
      load: { type: 'string' },
      'base-port': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (error) {
  process.stderr.write(`pnpm chaos: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
let durationMs: number | undefined;
let loadTps: number;
let basePort: number;
let kinds: FaultKind[] | undefined;
let rounds: number | undefined;
try {
  if (values.faults !== undefined) {
    kinds = values.faults.split(',').map((kind) => {
      if (!(FAULT_KINDS as readonly string[]).includes(kind))
        throw new Error(`--faults: unknown fault ${kind} (one of ${FAULT_KINDS.join(', ')})`);
      return kind as FaultKind;
    });
  }
  if (values.rounds !== undefined) {
    rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 1_000) throw new Error('--rounds: 1..1000');
  }
  durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  loadTps = Number(values.load ?? '20');
  if (!Number.isInteger(loadTps) || loadTps < 1 || loadTps > 10_000) throw new Error('--load: 1..10000');
  basePort = Number(values['base-port'] ?? '24000');
  planPorts(basePort, 4);
} catch (error) {
  process.stderr.write(`pnpm chaos: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const busy = await busyPorts(planPorts(basePort, 4));
if (busy.length > 0) {
  process.stderr.write(
    `pnpm chaos: ports ${busy.slice(0, 5).join(', ')}… are in use (another testnet or campaign?); pick another --base-port\n`,
  );
  process.exit(1);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 1_000_000));
const profile = durationMs === undefined ? 'short' : 'long';
process.stderr.write(
  `pnpm chaos: ${profile} campaign, seed ${seed}${durationMs === undefined ? '' : `, ${durationMs / 60_000} min`}, ${loadTps} tx/s (replay with --seed ${seed})\n`,
);

const supervisor = new ProcessSupervisor();
const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (controller.signal.aborted) {
    supervisor.killAllNow();
    process.exit(130);
  }
  process.stderr.write(`\n${signal}: stopping the campaign (again to force)\n`);
  controller.abort(new Error(`${signal} received`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => supervisor.killAllNow());

const startedAt = Date.now();
const outcome = await runCampaign({
  seed,
  profile,
  durationMs,
  kinds,
  rounds,
  loadTps,
  basePort,
  layout: testnetLayout(join(REPO_ROOT, '.chaos')),
  // The testnet's own JSON line goes to stderr: stdout carries the campaign's report.
  io: {
    stdout: (text) => process.stderr.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: false,
  },
  signal: controller.signal,
  supervisor,
});
const result = {
  ...outcome.report,
  seconds: Math.round((Date.now() - startedAt) / 1000),
  summary: outcome.summary ?? null,
};
if (profile === 'long') {
  const dir = join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'chaos.json'), `${JSON.stringify(result, null, 2)}\n`);
}
if (values.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.stdout.write('\nFaults:\n');
  for (const fault of outcome.report.faults) process.stdout.write(`  ${formatFault(fault)}\n`);
  process.stdout.write('\nNodes (RSS MiB start → end, peak; data dir MiB start → end):\n');
  for (const node of outcome.report.resources) {
    process.stdout.write(
      `  node-${node.node}: ${node.rssMbStart} → ${node.rssMbEnd} (peak ${node.rssMbPeak}); ${node.diskMbStart} → ${node.diskMbEnd}\n`,
    );
  }
  process.stdout.write(
    `\nPrices checked against the honest range: ${outcome.report.pricesChecked}, outside: ${outcome.report.priceViolations.length}\n`,
  );
  if (outcome.summary !== undefined) process.stdout.write(`Run: ${formatSummary(outcome.summary)}\n`);
  process.stdout.write(
    outcome.report.problems.length === 0
      ? `\nCampaign passed (seed ${seed}).\n`
      : `\nCampaign FAILED (seed ${seed}):\n${outcome.report.problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
}
process.exitCode = outcome.exitCode;
// Exit now rather than when the event loop empties: Node's teardown (FreeEnvironment →
// CleanupHandles) once spun at 100% CPU for minutes after the runner had stopped everything and
// printed its summary (1 of 20 fresh starts; gdb showed uv_run looping inside CleanupHandles).
process.stderr.write('', () => process.stdout.write('', () => process.exit(outcome.exitCode)));
