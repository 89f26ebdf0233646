import { parseArgs } from 'node:util';
import { KeystoreError } from '@synod/protocol';
import { ListenError } from '../assembly/errors.ts';
import { splitConfigFlags } from '../config/argv.ts';
import { ConfigError, GenesisError } from '../config/errors.ts';
import { CommitteeError, DkgSessionError } from '../dkg/errors.ts';
import { ResharePlanError } from '../epochs/reshare.ts';
import { KeyFileError } from '../keys/errors.ts';
import { StorageError } from '../storage/errors.ts';
import { dkgCommand } from './commands/dkg.ts';
import { initCommand } from './commands/init.ts';
import { keysCommand } from './commands/keys.ts';
import { reshareCommand } from './commands/reshare.ts';
import { startCommand } from './commands/start.ts';
import { statusCommand } from './commands/status.ts';
import { StatusError, UsageError } from './errors.ts';
import { commandHelp, mainHelp } from './help.ts';
import { type CliIo, type Command, ExitCode } from './types.ts';

/** Every command, in the order `synod --help` lists them (the order an operator uses them). */
export const COMMANDS: readonly Command[] = [
  initCommand,
  keysCommand,
  dkgCommand,
  startCommand,
  statusCommand,
  reshareCommand,
];

/** Operating errors: printed as one line, exit 1. Anything else is a bug and propagates with its stack. */
const OPERATING_ERRORS = [
  ListenError,
  StorageError,
  KeyFileError,
  GenesisError,
  CommitteeError,
  DkgSessionError,
  StatusError,
  KeystoreError,
  ResharePlanError,
];

/**
 * Runs `synod <argv…>` and returns the exit code. All I/O goes through `io`, so tests call it
 * in-process; src/cli/main.ts binds it to the real process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
    io.stdout(target === undefined ? mainHelp(COMMANDS) : commandHelp(target));
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (command === undefined) throw new UsageError(`unknown command "${name}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(commandHelp(command));
      return ExitCode.ok;
    }
    const { configArgv, commandArgv } = command.readsConfig
      ? splitConfigFlags(rest)
      : { configArgv: [], commandArgv: [...rest] };
    let flags: Record<string, string | boolean | undefined>;
    try {
      flags = parseArgs({
        args: commandArgv,
        options: Object.fromEntries(command.flags.map((flag) => [flag.name, { type: flag.type }])),
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (error) {
      throw new UsageError((error as Error).message, command.name);
    }
    return await command.run({ flags, configArgv, io });
  } catch (error) {
    return reportError(error, command, io);
  }
}

function reportError(error: unknown, command: Command | undefined, io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr(`synod: ${error.message}\n\n`);
    io.stderr(
      command === undefined ? mainHelp(COMMANDS) : `Run \`synod ${command.name} --help\` for its flags.\n`,
    );
    return ExitCode.usage;
  }
  if (error instanceof ConfigError) {
    io.stderr(`synod: invalid configuration: ${error.message}\n`);
    return ExitCode.config;
  }
  if (error instanceof DkgSessionError && error.code === 'ABORTED') {
    io.stderr(`synod ${command?.name ?? ''}: ${error.message}; nothing was written.\n`);
    return ExitCode.interrupted;
  }
  if (OPERATING_ERRORS.some((kind) => error instanceof kind)) {
    io.stderr(`synod ${command?.name ?? ''}: ${(error as Error).message}\n`);
    return ExitCode.failure;
  }
  throw error;
}
