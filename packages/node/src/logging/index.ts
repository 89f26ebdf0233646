export {
  type CreateLoggerOptions,
  createLogger,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  REDACTED_LOG_PATHS,
  type Subsystem,
  subsystemLogger,
} from './logger.ts';
