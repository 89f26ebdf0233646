import { describe, expect, test } from 'vitest';
import { DEFAULT_BASE_PORT, DEFAULT_NODES, parseCommandLine } from '../src/args.ts';
import { UsageError } from '../src/errors.ts';

function options(argv: string[]) {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'run') throw new Error('expected run options');
  return parsed.options;
}

describe('parseCommandLine', () => {
  test('defaults to an interactive 4-node testnet without load', () => {
    expect(options([])).toEqual({
      nodes: DEFAULT_NODES,
      reset: false,
      basePort: DEFAULT_BASE_PORT,
      durationS: undefined,
      json: false,
      byzantine: 0,
      strategy: undefined,
      loadTps: 0,
      restart: true,
      linkProxies: true,
      clockOffsets: [],
      priceCrashes: [],
      flatPrices: false,
    });
  });

  test('reads every flag', () => {
    expect(
      options([
        '--nodes',
        '7',
        '--reset',
        '--base-port',
        '30000',
        '--duration',
        '20',
        '--json',
        '--load',
        '12.5',
        '--byzantine',
        '2',
        '--strategy',
        'front-run',
        '--no-restart',
        '--no-proxy',
        '--clock-offset',
        'node-1=+2000',
        '--clock-offset',
        '6=-1500',
        '--price-crash',
        'ETH/USD:0.7@5',
        '--price-crash',
        'BTC/USD:1.5@12.5',
        '--flat-prices',
      ]),
    ).toEqual({
      nodes: 7,
      reset: true,
      basePort: 30000,
      durationS: 20,
      json: true,
      byzantine: 2,
      strategy: 'front-run',
      loadTps: 12.5,
      restart: false,
      linkProxies: false,
      clockOffsets: [
        { node: 1, offsetMs: 2000 },
        { node: 6, offsetMs: -1500 },
      ],
      priceCrashes: [
        { pair: 'ETH/USD', factor: 0.7, atS: 5 },
        { pair: 'BTC/USD', factor: 1.5, atS: 12.5 },
      ],
      flatPrices: true,
    });
  });

  test('--help and -h ask for the usage', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-h'])).toEqual({ kind: 'help' });
  });

  test.each([
    [['--bogus'], /Unknown option/],
    [['extra'], /positional/],
    [['--nodes', '0'], /--nodes must be an integer in 1\.\.100/],
    [['--nodes', '4.5'], /--nodes/],
    [['--base-port', '80'], /--base-port/],
    [['--duration', '-3'], /--duration|argument/],
    [['--load', 'fast'], /--load/],
    [['--json'], /needs --duration/],
    [['--byzantine', '1'], /needs --strategy/],
    [['--strategy', 'censor'], /needs --byzantine/],
    [
      ['--byzantine', '1', '--strategy', 'bribe'],
      /must be one of equivocate, censor, front-run, manipulate-prices/,
    ],
    [['--byzantine', '2', '--strategy', 'censor'], /4 nodes tolerate at most f = .* = 1/],
    [['--nodes', '3', '--byzantine', '1', '--strategy', 'censor'], /use --nodes 4 or more/],
    [['--clock-offset', 'node-2'], /node-I=±MS/],
    [['--clock-offset', 'node-2=soon'], /node-I=±MS/],
    [['--clock-offset', 'node-4=+100'], /no node-4 in 4 nodes/],
    [['--clock-offset', 'node-1=+4000000'], /at most ±3600000 ms/],
    [['--clock-offset', 'node-1=+1', '--clock-offset', '1=-1'], /names node-1 twice/],
    [['--nodes', '100', '--base-port', '60000'], /needs a base port ≤ 54537/],
    [['--price-crash', 'ETH/USD'], /PAIR:FACTOR@SECONDS/],
    [['--price-crash', 'ETH/USD:-0.7@20'], /PAIR:FACTOR@SECONDS/],
    [['--price-crash', 'DOGE/USD:0.7@20'], /DOGE\/USD is not a testnet feed \(ETH\/USD, BTC\/USD\)/],
    [['--price-crash', 'ETH/USD:0@20'], /factor must be in 0.001..1000 and not 1/],
    [['--price-crash', 'ETH/USD:1@20'], /not 1/],
    [['--price-crash', 'ETH/USD:2000@20'], /factor must be in/],
    [['--json', '--duration', '20', '--price-crash', 'ETH/USD:0.7@20'], /the run lasts 20 s/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  test('accepts f byzantine nodes of a larger committee', () => {
    expect(options(['--nodes', '7', '--byzantine', '2', '--strategy', 'equivocate']).byzantine).toBe(2);
  });
});
