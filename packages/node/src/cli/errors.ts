import { CodedError, type CodedErrorOptions } from '@synod/protocol';

/** Why `synod status` got no status from the node. */
export type StatusErrorCode = 'UNREACHABLE' | 'BAD_RESPONSE' | 'RPC_ERROR';

export class StatusError extends CodedError<StatusErrorCode> {
  override readonly name = 'StatusError';
}

/** A command line that cannot be run as written (exit 2, with usage). */
export class UsageError extends CodedError<'USAGE'> {
  override readonly name = 'UsageError';
  /** The command whose usage to show, if known. */
  readonly command: string | undefined;
  constructor(message: string, command?: string, options?: CodedErrorOptions) {
    super('USAGE', message, options);
    this.command = command;
  }
}
