import { parseArgs } from 'node:util';
import { TESTNET_FEEDS } from './config.ts';
import { UsageError } from './errors.ts';
import { MAX_BASE_PORT, MAX_NODES, maxBasePort } from './ports.ts';

/**
 * Byzantine strategies by their command-line name (issue #9), each with the simulator actor whose
 * moves it reuses (packages/node/src/behaviour, run by byzantine-node.ts; docs/consensus.md).
 */
export const BYZANTINE_STRATEGIES = {
  equivocate: 'equivocator',
  censor: 'censor',
  'front-run': 'frontRunner',
  'manipulate-prices': 'priceManipulator',
} as const;
export type ByzantineStrategy = keyof typeof BYZANTINE_STRATEGIES;

export const DEFAULT_NODES = 4;
/** anvil listens here; everything else is an offset from it (ports.ts). */
export const DEFAULT_BASE_PORT = 20_000;
/** A load above this is a typo, not a benchmark: the load generator pre-signs R × duration transactions. */
export const MAX_LOAD_TPS = 100_000;
/** One day: longer runs are interactive ones without --duration. */
export const MAX_DURATION_S = 86_400;

export interface TestnetOptions {
  nodes: number;
  reset: boolean;
  basePort: number;
  /** Seconds to run, then stop (drain first with --load); undefined = until Ctrl-C. */
  durationS: number | undefined;
  json: boolean;
  /** Byzantine nodes (the last K indices) and their strategy; 0 and undefined when honest. */
  byzantine: number;
  strategy: ByzantineStrategy | undefined;
  /** Transactions per second of the built-in load generator; 0 = no load. */
  loadTps: number;
  /** Restart validators that exit, with exponential back-off (restart.ts). Default true; `--no-restart`. */
  restart?: boolean;
  /**
   * Route every validator's p2p traffic through the runner's link proxies (proxy.ts), so that the
   * control interface can cut, blackhole and delay links. `pnpm testnet` turns them on (`--no-proxy`
   * turns them off); a library caller that leaves this undefined gets direct connections.
   */
  linkProxies?: boolean;
  /** Validators whose wall clock is off by `offsetMs`: started through the test entry (byzantine-node.ts). */
  clockOffsets?: readonly ClockOffset[];
  /** Market crashes the price simulator applies during the run (`--price-crash`, repeatable). */
  priceCrashes?: readonly PriceCrash[];
  /**
   * `--flat-prices`: every venue quotes each pair's initial price for the whole run (the
   * simulator's walk and venue spreads at 0; quotes stay fresh). Runs of the same orders then
   * settle at the same prices whatever the order of blocks (`pnpm perps:compare`).
   */
  flatPrices?: boolean;
}

/**
 * `--price-crash ETH/USD:0.7@20`: at 20 s into the live phase (after the first block) the true
 * price of ETH/USD is multiplied by 0.7 on every venue (the simulator's `crash` action).
 */
export interface PriceCrash {
  pair: string;
  factor: number;
  atS: number;
}

/** Crash factors the simulator takes: down to a 99.9% crash, up to a 1000× spike. */
export const MIN_CRASH_FACTOR = 0.001;
export const MAX_CRASH_FACTOR = 1_000;

export interface ClockOffset {
  node: number;
  offsetMs: number;
}

/** The largest clock offset: an hour is already a broken machine. */
export const MAX_CLOCK_OFFSET_MS = 3_600_000;

export type ParsedCommandLine = { kind: 'help' } | { kind: 'run'; options: TestnetOptions };

export const USAGE = `Usage: pnpm testnet [options]

Starts a local Synod network: anvil (L1), the settlement contracts, a DKG among the nodes,
N \`synod start\` processes and the price simulator. Data and logs go to .testnet/ at the
repository root. Ctrl-C stops every process.

Options:
  --nodes N             validators (default ${DEFAULT_NODES}, at most ${MAX_NODES})
  --reset               delete .testnet/ first (new keys, new DKG, new chain)
  --base-port P         anvil on P, price simulator on P+1, node i: p2p P+100+i,
                        RPC P+200+i, metrics P+300+i (default ${DEFAULT_BASE_PORT})
  --duration S          stop after S seconds (default: run until Ctrl-C)
  --json                headless: run --duration S, drain, print one JSON summary line,
                        exit 0 only if healthy
  --load R              R transactions per second from the built-in load generator
  --byzantine K         the last K nodes run a byzantine strategy (needs --strategy)
  --strategy S          equivocate | censor | front-run | manipulate-prices
  --no-restart          a validator that exits stays down (default: restarted with
                        back-off, 1 s doubling to 30 s)
  --no-proxy            nodes connect directly, not through the link proxies (no
                        link faults from \`pnpm testnet:ctl\`)
  --clock-offset node-I=±MS
                        node I's wall clock is MS milliseconds off (test entry;
                        repeatable)
  --price-crash PAIR:F@S
                        at S seconds into the run, the true price of PAIR
                        (${TESTNET_FEEDS.map((feed) => feed.pair).join(', ')}) is multiplied by F on every
                        venue, e.g. ETH/USD:0.7@20 = a 30% crash (repeatable)
  --flat-prices         every venue quotes each pair's initial price, unchanged, for
                        the whole run (with --price-crash: until the crash)
  -h, --help            this text

While it runs, \`pnpm testnet:ctl\` kills, pauses and restarts nodes and cuts, delays and
heals the links between them (\`pnpm testnet:ctl --help\`).
`;

function integerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${text}"`);
  }
  return value;
}

function numberOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number in ${min}..${max}, got "${text}"`);
  }
  return value;
}

/** The byzantine validators a committee of n tolerates: f = ⌊(n−1)/3⌋. */
export function toleratedFaults(nodes: number): number {
  return Math.floor((nodes - 1) / 3);
}

/** Parses `pnpm testnet` arguments. Throws UsageError on anything unknown or out of range. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        nodes: { type: 'string' },
        reset: { type: 'boolean' },
        'base-port': { type: 'string' },
        duration: { type: 'string' },
        json: { type: 'boolean' },
        byzantine: { type: 'string' },
        strategy: { type: 'string' },
        load: { type: 'string' },
        'no-restart': { type: 'boolean' },
        'no-proxy': { type: 'boolean' },
        'clock-offset': { type: 'string', multiple: true },
        'price-crash': { type: 'string', multiple: true },
        'flat-prices': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return { kind: 'help' };

  const nodes =
    values.nodes === undefined ? DEFAULT_NODES : integerOption('nodes', values.nodes as string, 1, MAX_NODES);
  const basePort =
    values['base-port'] === undefined
      ? DEFAULT_BASE_PORT
      : integerOption('base-port', values['base-port'] as string, 1024, MAX_BASE_PORT);
  const durationS =
    values.duration === undefined
      ? undefined
      : numberOption('duration', values.duration as string, 1, MAX_DURATION_S);
  const loadTps =
    values.load === undefined ? 0 : numberOption('load', values.load as string, 0, MAX_LOAD_TPS);
  const json = values.json === true;
  if (json && durationS === undefined) {
    throw new UsageError('--json runs headless and needs --duration S');
  }

  const byzantine =
    values.byzantine === undefined ? 0 : integerOption('byzantine', values.byzantine as string, 0, MAX_NODES);
  const strategyText = values.strategy as string | undefined;
  if (strategyText !== undefined && !Object.hasOwn(BYZANTINE_STRATEGIES, strategyText)) {
    throw new UsageError(
      `--strategy must be one of ${Object.keys(BYZANTINE_STRATEGIES).join(', ')}, got "${strategyText}"`,
    );
  }
  const strategy = strategyText as ByzantineStrategy | undefined;
  if (byzantine > 0 && strategy === undefined) throw new UsageError('--byzantine K needs --strategy S');
  if (byzantine === 0 && strategy !== undefined)
    throw new UsageError('--strategy needs --byzantine K (K ≥ 1)');
  const f = toleratedFaults(nodes);
  if (byzantine > f) {
    throw new UsageError(
      `--byzantine ${byzantine}: ${nodes} nodes tolerate at most f = ⌊(n−1)/3⌋ = ${f} byzantine nodes${f === 0 ? ' (use --nodes 4 or more)' : ''}`,
    );
  }
  if (basePort > maxBasePort(nodes)) {
    throw new UsageError(
      `--base-port ${basePort}: the port plan of ${nodes} nodes (link proxies up to P+${65_535 - maxBasePort(nodes)}) needs a base port ≤ ${maxBasePort(nodes)}`,
    );
  }
  const clockOffsets = ((values['clock-offset'] as string[] | undefined) ?? []).map((text) =>
    parseClockOffset(text, nodes),
  );
  const offsetNodes = clockOffsets.map((offset) => offset.node);
  const repeated = offsetNodes.find((node, i) => offsetNodes.indexOf(node) !== i);
  if (repeated !== undefined) throw new UsageError(`--clock-offset names node-${repeated} twice`);
  const priceCrashes = ((values['price-crash'] as string[] | undefined) ?? []).map((text) =>
    parsePriceCrash(text),
  );
  for (const crash of priceCrashes) {
    if (durationS !== undefined && crash.atS >= durationS) {
      throw new UsageError(
        `--price-crash ${crash.pair}:${crash.factor}@${crash.atS}: the run lasts ${durationS} s (--duration)`,
      );
    }
  }
  return {
    kind: 'run',
    options: {
      nodes,
      reset: values.reset === true,
      basePort,
      durationS,
      json,
      byzantine,
      strategy,
      loadTps,
      restart: values['no-restart'] !== true,
      linkProxies: values['no-proxy'] !== true,
      clockOffsets,
      priceCrashes,
      flatPrices: values['flat-prices'] === true,
    },
  };
}

/** `ETH/USD:0.7@20`: ETH/USD × 0.7 on every venue at 20 s. */
export function parsePriceCrash(text: string): PriceCrash {
  const match = /^([A-Z0-9]+\/[A-Z0-9]+):(\d+(?:\.\d+)?)@(\d+(?:\.\d+)?)$/.exec(text);
  if (match === null) {
    throw new UsageError(`--price-crash must be PAIR:FACTOR@SECONDS (e.g. ETH/USD:0.7@20), got "${text}"`);
  }
  const pair = match[1]!;
  const factor = Number(match[2]);
  const atS = Number(match[3]);
  const pairs = TESTNET_FEEDS.map((feed) => feed.pair);
  if (!pairs.includes(pair)) {
    throw new UsageError(`--price-crash ${text}: ${pair} is not a testnet feed (${pairs.join(', ')})`);
  }
  if (!(factor >= MIN_CRASH_FACTOR && factor <= MAX_CRASH_FACTOR) || factor === 1) {
    throw new UsageError(
      `--price-crash ${text}: the factor must be in ${MIN_CRASH_FACTOR}..${MAX_CRASH_FACTOR} and not 1`,
    );
  }
  if (atS > MAX_DURATION_S) throw new UsageError(`--price-crash ${text}: at most ${MAX_DURATION_S} s`);
  return { pair, factor, atS };
}

/** `node-2=+2000` (or `2=-1500`): node 2's clock 2 s ahead. */
export function parseClockOffset(text: string, nodes: number): ClockOffset {
  const match = /^(?:node-)?(\d{1,3})=([+-]?\d+)$/.exec(text);
  if (match === null) {
    throw new UsageError(`--clock-offset must be node-I=±MS (e.g. node-2=+2000), got "${text}"`);
  }
  const node = Number(match[1]);
  const offsetMs = Number(match[2]);
  if (node >= nodes)
    throw new UsageError(`--clock-offset ${text}: there is no node-${node} in ${nodes} nodes`);
  if (Math.abs(offsetMs) > MAX_CLOCK_OFFSET_MS) {
    throw new UsageError(`--clock-offset ${text}: at most ±${MAX_CLOCK_OFFSET_MS} ms`);
  }
  return { node, offsetMs };
}
