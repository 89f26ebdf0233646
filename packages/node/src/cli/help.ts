import type { Command, CommandFlag } from './types.ts';

/** Help text, generated from the command definitions so it cannot miss a command or a flag. */

const WIDTH = 100;

function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line.length > 0 && indent.length + line.length + 1 + word.length > WIDTH) {
        lines.push(indent + line);
        line = word;
      } else {
        line = line.length === 0 ? word : `${line} ${word}`;
      }
    }
    lines.push(line.length === 0 ? '' : indent + line);
  }
  return lines.join('\n');
}

function flagLabel(flag: CommandFlag): string {
  return `--${flag.name}${flag.placeholder === undefined ? '' : ` ${flag.placeholder}`}`;
}

const CONFIG_OVERRIDES = [
  'Config overrides (commands that read the config):',
  '  --<section>.<key> <value>   any config key, e.g. --rpc.port 8645, --p2p.bootstrapPeers a,b',
  '  SYNOD_<SECTION>_<KEY>       the same from the environment, e.g. SYNOD_RPC_PORT=8645',
  '  Precedence: flags > environment > config file > defaults. Unknown keys are errors.',
  '  Every key, its type and default: docs/operations.md "Configuration".',
].join('\n');

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return [
    'synod: a Synod sequencer validator node',
    '',
    'Usage: synod <command> [flags]',
    '',
    'Commands:',
    ...commands.map((command) =>
      wrap(command.summary, ' '.repeat(width + 2)).replace(/^ +/, `  ${command.name.padEnd(width)}`),
    ),
    '',
    'A new validator runs, in order: init (keys), then dkg (with the genesis file from all',
    'participants), then start. status and keys inspect a node.',
    '',
    CONFIG_OVERRIDES,
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad command line, 78 invalid config, 130 interrupted.',
    'Run `synod <command> --help` for its flags.',
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const flags: CommandFlag[] = [
    ...command.flags,
    { name: 'help', type: 'boolean', description: 'Show this help.' },
  ];
  const width = Math.max(...flags.map((flag) => flagLabel(flag).length)) + 2;
  return [
    `synod ${command.name}: ${command.summary}`,
    '',
    `Usage: synod ${command.name} [flags]${command.readsConfig ? ' [--<section>.<key> <value> …]' : ''}`,
    '',
    wrap(command.description, '  '),
    '',
    'Flags:',
    ...flags.map((flag) =>
      wrap(flag.description, ' '.repeat(width + 4)).replace(/^ +/, `  ${flagLabel(flag).padEnd(width + 2)}`),
    ),
    ...(command.readsConfig ? ['', CONFIG_OVERRIDES] : []),
    '',
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}
