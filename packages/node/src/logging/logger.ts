import { type DestinationStream, type Level, type Logger, pino } from 'pino';

export type { Logger };

/** Log levels, most to least verbose ('silent' turns logging off). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = Level | 'silent';

/** Subsystems that log under their own name (the `subsystem` field of every line). */
export type Subsystem =
  | 'cli'
  | 'consensus'
  | 'dkg'
  | 'l1'
  | 'mempool'
  | 'metrics'
  | 'p2p'
  | 'rpc'
  | 'storage'
  | 'sync';

/**
 * Fields never written in clear, wherever they appear one level deep (config objects, errors):
 * key material and passwords must not end up in log archives.
 */
export const REDACTED_LOG_PATHS = [
  'password',
  'passphrase',
  'privateKey',
  'secretKey',
  'mnemonic',
  '*.password',
  '*.passphrase',
  '*.privateKey',
  '*.secretKey',
  '*.mnemonic',
];

export interface CreateLoggerOptions {
  level: LogLevel;
  /** The process's name in every line (e.g. the validator's name). */
  name: string;
  /** Where JSON lines go; default stdout (pino's synchronous destination). Tests pass a stream. */
  destination?: DestinationStream;
}

/**
 * The node's logger: pino, one JSON object per line, ISO timestamps, `level` as a label, secret
 * fields redacted. Subsystems log through `subsystemLogger(logger, 'p2p')` (a child logger whose
 * lines carry `subsystem`).
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'info', name: 'validator-1' });
 * subsystemLogger(logger, 'rpc').info({ port: 8645 }, 'rpc listening');
 * // {"level":"info","time":"2026-11-02T10:00:00.000Z","name":"validator-1","subsystem":"rpc","port":8645,"msg":"rpc listening"}
 * ```
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(options.level)) {
    throw new Error(`assertion failed: log level ${options.level} is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const pinoOptions = {
    name: options.name,
    level: options.level,
    base: { name: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** A child logger for one subsystem: every line carries `subsystem`. */
export function subsystemLogger(logger: Logger, subsystem: Subsystem): Logger {
  return logger.child({ subsystem });
}
