// `pnpm perps:compare`: issue #14 §5's last property. The same perp orders, settled by an honest
// committee and by committees with one byzantine validator (censor, front-run,
// manipulate-prices), must leave every trader and the LP with the same account on L1.
//
//   pnpm perps:compare                                  honest, then each strategy (~4 min)
//   pnpm perps:compare --strategies censor --json      one strategy; one JSON line on stdout
//
// Each run is a fresh 4-node testnet (in .perps-compare/) with --flat-prices (every venue quotes
// the initial price: an order's outcome cannot depend on which block settled it, only on whether
// and in which per-trader order it was applied) and the same --load and --duration, so the same
// orders: trader i's k-th order is the same in every run (PerpsOrderFactory). The run's summary
// must be healthy (nothing lost, L1 equal to the keeper's model); then each trader's collateral,
// claimable balance and positions, and the LP's vault shares, are read from L1 before the
// testnet stops and compared with the honest run's, trader by trader. Exit 0 only when every
// run is healthy and every account equal.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clearinghouseReader } from '@synod/perps';
import type { Address, PublicClient } from 'viem';
import type { ByzantineStrategy } from './args.ts';
import { TESTNET_FEEDS } from './config.ts';
import { REPO_ROOT, testnetLayout } from './layout.ts';
import { busyPorts, planPorts } from './ports.ts';
import { ProcessSupervisor } from './processes.ts';
import { type RunnerIo, runTestnet } from './runner.ts';
import type { TestnetSetup } from './setup.ts';
import { healthProblems, type TestnetSummary } from './summary.ts';

export const COMPARED_STRATEGIES = ['censor', 'front-run', 'manipulate-prices'] as const;

/** One trader's account on L1 (or the LP's shares), as compared between runs. */
export interface AccountOutcome {
  role: string;
  collateral: string;
  claimable: string;
  vaultShares: string;
  /** size@entryPrice per market, in market order. */
  positions: string[];
}

export interface RunOutcome {
  mode: 'honest' | ByzantineStrategy;
  exitCode: number;
  summary: TestnetSummary | undefined;
  accounts: AccountOutcome[];
  problems: string[];
}

/** The fields of two runs' accounts that differ, one line each (empty: the same). */
export function compareOutcomes(
  honest: readonly AccountOutcome[],
  other: readonly AccountOutcome[],
): string[] {
  const differences: string[] = [];
  if (honest.length !== other.length)
    differences.push(`${other.length} accounts, the honest run ${honest.length}`);
  for (const [i, account] of honest.entries()) {
    const theirs = other[i];
    if (theirs === undefined) continue;
    for (const field of ['collateral', 'claimable', 'vaultShares', 'positions'] as const) {
      const a = JSON.stringify(account[field]);
      const b = JSON.stringify(theirs[field]);
      if (a !== b) differences.push(`${account.role} ${field}: honest ${a}, this run ${b}`);
    }
  }
  return differences;
}

async function readAccounts(
  publicClient: PublicClient,
  clearinghouse: Address,
  roles: [string, Address][],
  markets: number,
) {
  const read = clearinghouseReader(publicClient, clearinghouse);
  const outcomes: AccountOutcome[] = [];
  for (const [role, address] of roles) {
    const [stored, claimable, vaultShares, ...positions] = await Promise.all([
      read<{ collateral: bigint }>('accountOf', [address]),
      read<bigint>('claimableOf', [address]),
      read<bigint>('vaultSharesOf', [address]),
      ...Array.from({ length: markets }, (_, market) =>
        read<{ size: bigint; entryPrice: bigint }>('positionOf', [address, BigInt(market)]),
      ),
    ]);
    outcomes.push({
      role,
      collateral: stored.collateral.toString(),
      claimable: claimable.toString(),
      vaultShares: vaultShares.toString(),
      positions: positions.map((position) => `${position.size}@${position.entryPrice}`),
    });
  }
  return outcomes;
}

/** One testnet run of the comparison: honest, or with node 3 byzantine under `mode`. */
export async function runOnce(parameters: {
  mode: 'honest' | ByzantineStrategy;
  durationS: number;
  loadTps: number;
  basePort: number;
  root: string;
  io: RunnerIo;
  signal: AbortSignal;
}): Promise<RunOutcome> {
  const { mode } = parameters;
  let setup: TestnetSetup | undefined;
  let roles: [string, Address][] = [];
  let summary: TestnetSummary | undefined;
  let accounts: AccountOutcome[] = [];
  const problems: string[] = [];
  const supervisor = new ProcessSupervisor();
  try {
    const exitCode = await runTestnet(
      {
        nodes: 4,
        reset: true,
        basePort: parameters.basePort,
        durationS: parameters.durationS,
        json: true,
        byzantine: mode === 'honest' ? 0 : 1,
        strategy: mode === 'honest' ? undefined : mode,
        loadTps: parameters.loadTps,
        restart: true,
        linkProxies: true,
        flatPrices: true,
      },
      {
        io: parameters.io,
        signal: parameters.signal,
        startedAtMs: Date.now(),
        layout: testnetLayout(parameters.root),
        supervisor,
        inspector: {
          started(_network, runSetup, _control, perps) {
            setup = runSetup;
            // Trader i has the same orders in every run (its address is fresh each run).
            roles = [
              ['LP', perps.lp.address],
              ...perps.traders.map((trader, i): [string, Address] => [
                `trader ${i} (${trader.pair})`,
                trader.signer.address,
              ]),
            ];
          },
          async beforeStop(_network, runSummary) {
            summary = runSummary;
            if (setup === undefined) throw new Error('the run never started');
            accounts = await readAccounts(
              setup.l1.publicClient,
              setup.state.perps.clearinghouse,
              roles,
              TESTNET_FEEDS.length,
            );
          },
        },
      },
    );
    if (summary === undefined) problems.push('the run ended before its summary');
    else problems.push(...healthProblems(summary));
    return { mode, exitCode, summary, accounts, problems };
  } finally {
    supervisor.killAllNow();
  }
}

const USAGE = `Usage: pnpm perps:compare [--strategies S,S] [--duration S] [--load R] [--base-port P] [--json]

Issue #14: the same perp orders settled by an honest committee and by committees with one
byzantine validator leave every trader and the LP with the same account on L1. Each run is a
fresh 4-node testnet (.perps-compare/) with --flat-prices, the same --load and --duration.

  --strategies S,S  byzantine strategies to compare with the honest run
                    (default: ${COMPARED_STRATEGIES.join(',')})
  --duration S      seconds of load per run (default 20)
  --load R          transactions per second, 1 in 10 a perp order (default 50)
  --base-port P     port plan of the runs' testnets (default 23000)
  --json            one JSON line with every run's outcome on stdout
`;

async function main(): Promise<number> {
  let values: {
    strategies?: string;
    duration?: string;
    load?: string;
    'base-port'?: string;
    json?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2).filter((arg) => arg !== '--'),
      options: {
        strategies: { type: 'string' },
        duration: { type: 'string' },
        load: { type: 'string' },
        'base-port': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`pnpm perps:compare: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const strategies = (values.strategies ?? COMPARED_STRATEGIES.join(',')).split(',');
  const unknown = strategies.filter((name) => !(COMPARED_STRATEGIES as readonly string[]).includes(name));
  const durationS = Number(values.duration ?? '20');
  const loadTps = Number(values.load ?? '50');
  const basePort = Number(values['base-port'] ?? '23000');
  const usage = [
    unknown.length > 0
      ? `unknown strategy ${unknown.join(', ')} (one of ${COMPARED_STRATEGIES.join(', ')})`
      : '',
    Number.isInteger(durationS) && durationS >= 5 && durationS <= 600 ? '' : '--duration: 5..600 seconds',
    Number.isInteger(loadTps) && loadTps >= 10 && loadTps <= 1_000
      ? ''
      : '--load: 10..1000 (1 in 10 is a perp order)',
  ].filter((line) => line !== '');
  if (usage.length > 0) {
    process.stderr.write(`pnpm perps:compare: ${usage.join('; ')}\n\n${USAGE}`);
    return 2;
  }
  let plan: ReturnType<typeof planPorts>;
  try {
    plan = planPorts(basePort, 4);
  } catch (error) {
    process.stderr.write(`pnpm perps:compare: --base-port: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const busy = await busyPorts(plan);
  if (busy.length > 0) {
    process.stderr.write(
      `pnpm perps:compare: ports ${busy.slice(0, 5).join(', ')}… are in use; pick another --base-port\n`,
    );
    return 1;
  }
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort(new Error('SIGINT received')));
  const io: RunnerIo = {
    stdout: (text) => process.stderr.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: false,
  };
  const root = join(REPO_ROOT, '.perps-compare');
  const runs: (RunOutcome & { differences: string[] })[] = [];
  for (const mode of ['honest', ...strategies] as ('honest' | ByzantineStrategy)[]) {
    if (controller.signal.aborted) break;
    process.stderr.write(`\n=== ${mode}: ${durationS} s at ${loadTps} tx/s, flat prices\n`);
    const outcome = await runOnce({
      mode,
      durationS,
      loadTps,
      basePort,
      root,
      io,
      signal: controller.signal,
    });
    const differences = mode === 'honest' ? [] : compareOutcomes(runs[0]?.accounts ?? [], outcome.accounts);
    runs.push({ ...outcome, differences });
    const settled = outcome.summary?.ordersSettledL1 ?? '?';
    process.stderr.write(
      `=== ${mode}: exit ${outcome.exitCode}, ${settled} orders settled, ${outcome.summary?.ordersRejected ?? '?'} rejected, ` +
        `${outcome.accounts.length} accounts read; ${outcome.problems.length === 0 ? 'healthy' : outcome.problems.join('; ')}` +
        `${mode === 'honest' ? '' : differences.length === 0 ? '; every account equals the honest run' : `; DIFFERENT: ${differences.join('; ')}`}\n`,
    );
  }
  const honest = runs[0];
  const failed = runs.filter(
    (run) =>
      run.exitCode !== 0 ||
      run.problems.length > 0 ||
      run.differences.length > 0 ||
      run.accounts.length === 0,
  );
  const report = {
    durationS,
    loadTps,
    runs: runs.map((run) => ({
      mode: run.mode,
      exitCode: run.exitCode,
      ordersSettledL1: run.summary?.ordersSettledL1 ?? null,
      ordersRejected: run.summary?.ordersRejected ?? null,
      l1MatchesModel: run.summary?.l1MatchesModel ?? null,
      problems: run.problems,
      differences: run.differences,
      accounts: run.accounts,
    })),
    // An honest run in which no order settled would prove nothing.
    passed:
      failed.length === 0 &&
      runs.length === strategies.length + 1 &&
      (honest?.summary?.ordersSettledL1 ?? 0) > 0,
  };
  if (values.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
  else
    process.stdout.write(
      `${report.passed ? 'passed' : 'FAILED'}: ${runs.map((run) => `${run.mode} ${run.differences.length === 0 && run.problems.length === 0 ? 'ok' : 'differs'}`).join(', ')}\n`,
    );
  return report.passed ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await main();
  process.stderr.write('', () => process.exit(code));
}
