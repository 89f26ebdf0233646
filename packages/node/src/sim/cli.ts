import { parseArgs } from 'node:util';
import { keccak256, toBytes } from 'viem';
import { runCanaries } from './canaries.ts';
import { allViolations, PROPERTIES } from './checkers/index.ts';
import { runSeed } from './runner.ts';
import {
  BYZANTINE_BEHAVIOURS,
  type ByzantineBehaviour,
  TRANSITION_PLANS,
  type TransitionPlan,
} from './scenario.ts';
import { type SweepSummary, summarize } from './sweep.ts';

/**
 * `pnpm sim --seeds N [--from S] [--nodes n] [--byzantine list] [--transitions plan] [--json]` and
 * `pnpm sim --canaries [--json]`. With --json the last line of stdout is one JSON object.
 * A failing seed prints the command that replays it; exit code 1 on any violation.
 */

const USAGE = `usage: pnpm sim --seeds N [--from S] [--nodes n] [--byzantine ${BYZANTINE_BEHAVIOURS.join(',')}] [--crypto fake|bls] [--transitions none|${TRANSITION_PLANS.join('|')}] [--encryption on|off] [--json] [--verbose] [--trace]
       pnpm sim --canaries [--max-seeds N] [--json]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '0' },
      nodes: { type: 'string', default: '4' },
      byzantine: { type: 'string' },
      crypto: { type: 'string' },
      transitions: { type: 'string' },
      encryption: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
      canaries: { type: 'boolean', default: false },
      'max-seeds': { type: 'string', default: '2000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const startedMs = performance.now();

  if (values.canaries) {
    const results = await runCanaries({
      maxSeeds: parsePositive(values['max-seeds'], 'max-seeds'),
      onResult: values.json
        ? undefined
        : (result) =>
            console.log(
              `${result.name}: ${result.detected ? `detected at seed ${result.seed} (${result.detectedBy.join(', ')})` : 'NOT detected'}`,
            ),
    });
    const seconds = round((performance.now() - startedMs) / 1000);
    if (values.json) console.log(JSON.stringify({ canaries: results, seconds }));
    return results.every((result) => result.detected) ? 0 : 1;
  }

  const seeds = parsePositive(values.seeds, 'seeds');
  const from = Number.parseInt(values.from, 10);
  const nodes = parsePositive(values.nodes, 'nodes');
  const byzantine = values.byzantine === undefined ? undefined : parseBehaviours(values.byzantine);
  const crypto = values.crypto === undefined ? undefined : values.crypto === 'bls' ? 'bls' : 'fake';
  const transitions = values.transitions === undefined ? undefined : parsePlan(values.transitions);
  const encryption =
    values.encryption === undefined ? undefined : parseSwitch(values.encryption, 'encryption');
  const summary: SweepSummary = summarize([]);
  const digests: string[] = [];
  let failed = false;
  for (let seed = from; seed < from + seeds; seed++) {
    const result = await runSeed(seed, {
      validatorCount: nodes,
      byzantine,
      crypto,
      ...(transitions === undefined ? {} : { transitions }),
      ...(encryption === undefined ? {} : { encryption }),
      trace: values.trace,
    });
    if (result.eventLog !== undefined) console.log(result.eventLog);
    summary.add(result);
    digests.push(result.eventDigest);
    const violations = allViolations(result);
    if (violations.length > 0) {
      failed = true;
      const replay = `pnpm sim --seeds 1 --from ${seed} --nodes ${nodes}${values.byzantine ? ` --byzantine ${values.byzantine}` : ''}${values.crypto ? ` --crypto ${values.crypto}` : ''}${values.transitions ? ` --transitions ${values.transitions}` : ''}${values.encryption ? ` --encryption ${values.encryption}` : ''} --verbose`;
      console.log(`FAIL seed ${seed} (${violations.length} violations). Replay: ${replay}`);
      for (const violation of violations.slice(0, values.verbose ? 50 : 5)) console.log(`  ${violation}`);
    } else if (values.verbose) {
      console.log(
        `seed ${seed}: ok, ${result.heightsFinalized} heights, ${result.eventCount} events, byzantine ${JSON.stringify(result.scenario.byzantine)}, crypto ${result.scenario.crypto}${result.scenario.encryption ? ', encryption' : ''}, digest ${result.eventDigest}`,
      );
    }
  }
  const seconds = round((performance.now() - startedMs) / 1000);
  const output = {
    runs: summary.runs,
    heightsFinalized: summary.heightsFinalized,
    violations: summary.totalViolations,
    byProperty: summary.violations,
    encryptionRuns: summary.encryptionRuns,
    envelopesRevealed: summary.envelopesRevealed,
    eventDigest: keccak256(toBytes(digests.join(''))),
    seconds,
  };
  if (values.json) console.log(JSON.stringify(output));
  else {
    const byProperty = PROPERTIES.map((property) => `${property} ${summary.violations[property]}`).join(', ');
    console.log(
      `${output.runs} runs (${output.encryptionRuns} with encryption, ${output.envelopesRevealed} envelopes revealed), ${output.heightsFinalized} heights finalized, violations: ${byProperty}; digest ${output.eventDigest}; ${seconds} s`,
    );
  }
  return failed ? 1 : 0;
}

function parsePositive(value: string, name: string): number {
  const parsed = Number.parseInt(value, 10);
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new Error(`--${name} must be a positive integer\n${USAGE}`);
  return parsed;
}

function parseBehaviours(list: string): ByzantineBehaviour[] {
  const names = list.split(',').filter((name) => name.length > 0);
  for (const name of names) {
    if (!(BYZANTINE_BEHAVIOURS as readonly string[]).includes(name)) {
      throw new Error(`unknown byzantine behaviour "${name}"\n${USAGE}`);
    }
  }
  return names as ByzantineBehaviour[];
}

function parsePlan(value: string): TransitionPlan | 'none' {
  if (value !== 'none' && !(TRANSITION_PLANS as readonly string[]).includes(value))
    throw new Error(`unknown transition plan "${value}"\n${USAGE}`);
  return value as TransitionPlan | 'none';
}

function parseSwitch(value: string, name: string): boolean {
  if (value !== 'on' && value !== 'off') throw new Error(`--${name} must be on or off\n${USAGE}`);
  return value === 'on';
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

process.exitCode = await main();
