/**
 * The CLI's seams: a command gets its I/O through CliIo (never process.*), so tests run commands
 * in-process against temp dirs and captured output.
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM; long-running commands (dkg) stop cleanly when it fires. */
  readonly signal?: AbortSignal | undefined;
  /** Home directory, for the default data dir. */
  readonly homeDir?: string | undefined;
}

export interface CommandFlag {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** Placeholder of the value in help (`<dir>`). */
  readonly placeholder?: string;
  readonly description: string;
}

export interface CommandContext {
  /** Values of the command's own flags. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  /** `--<section>.<key>` config overrides, as given. */
  readonly configArgv: readonly string[];
  readonly io: CliIo;
}

export interface Command {
  readonly name: string;
  /** One line for `synod --help`. */
  readonly summary: string;
  /** Paragraphs for `synod <command> --help`. */
  readonly description: string;
  readonly flags: readonly CommandFlag[];
  /** Whether the command reads the config (and so takes config overrides). */
  readonly readsConfig: boolean;
  readonly examples: readonly string[];
  /** Returns the process exit code. Throws operating errors (mapped to codes by runCli). */
  run(context: CommandContext): Promise<number>;
}

/** Exit codes (docs/operations.md "Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** An operating error: keys missing, DKG failed, node unreachable… */
  failure: 1,
  /** Bad command line: unknown command or flag. */
  usage: 2,
  /** Invalid configuration (sysexits EX_CONFIG): a supervisor should not restart-loop on it. */
  config: 78,
  /** Interrupted by SIGINT/SIGTERM (128 + SIGINT). */
  interrupted: 130,
} as const;
