import { version } from './version.ts';

/**
 * Where error docs live: one heading per error class in the SDK README, so `docsPath` is an
 * anchor there. Printed in messages as `Docs: @synod/sdk README.md#<anchor>`.
 */
export const DOCS_BASE = '@synod/sdk README.md';

export interface BaseErrorParameters {
  /** The underlying error (a fetch failure, an RPC error object, a decoding error…). */
  cause?: unknown;
  /** Extra text for the message; defaults to the cause's message. */
  details?: string;
  /** Anchor of this error's section in the SDK README, e.g. `#nonceusederror`. */
  docsPath?: string;
  /** Lines printed between the short message and the details (what was sent, to whom). */
  metaMessages?: readonly string[];
  /** The class name (each subclass passes its own, as minifiers rename classes). */
  name?: string;
}

export type BaseErrorType = BaseError & { name: 'SynodSdkError' };

/**
 * The one base class of every error the SDK throws (viem's shape): a one-line `shortMessage`
 * for users, `details` for developers, a `docsPath`, the `cause`, and `walk()` to find a cause
 * down the chain. `message` joins them all, with the SDK version.
 *
 * @example
 * ```ts
 * try {
 *   await sendTransaction(client, { account, namespace, payload });
 * } catch (error) {
 *   if (error instanceof BaseError) {
 *     const rejection = error.walk((e) => e instanceof NonceUsedError);
 *     console.log(error.shortMessage, rejection !== null);
 *   }
 * }
 * ```
 */
export class BaseError extends Error {
  override name = 'SynodSdkError';
  readonly shortMessage: string;
  readonly details: string;
  readonly docsPath: string | undefined;
  readonly metaMessages: readonly string[] | undefined;
  readonly version = version;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const details =
      parameters.details ??
      (parameters.cause instanceof BaseError
        ? parameters.cause.details
        : parameters.cause instanceof Error
          ? parameters.cause.message
          : '');
    const docsPath =
      parameters.docsPath ?? (parameters.cause instanceof BaseError ? parameters.cause.docsPath : undefined);
    const message = [
      shortMessage || 'An error occurred.',
      ...(parameters.metaMessages !== undefined && parameters.metaMessages.length > 0
        ? ['', ...parameters.metaMessages]
        : []),
      '',
      ...(docsPath !== undefined ? [`Docs: ${DOCS_BASE}${docsPath}`] : []),
      ...(details !== '' ? [`Details: ${details}`] : []),
      `Version: @synod/sdk@${version}`,
    ].join('\n');
    super(message, parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.docsPath = docsPath;
    this.metaMessages = parameters.metaMessages;
    if (parameters.name !== undefined) this.name = parameters.name;
  }

  /**
   * The deepest error of the `cause` chain (this one included), or with `predicate`, the first
   * that matches from this one down (`null` if none).
   */
  walk(): Error;
  walk(predicate: (error: unknown) => boolean): Error | null;
  walk(predicate?: (error: unknown) => boolean): Error | null {
    return walk(this, predicate);
  }
}

/** Bound on the cause chain `walk` follows, so a cyclic chain cannot hang it. */
const MAX_CAUSE_DEPTH = 32;

function walk(error: Error, predicate?: (error: unknown) => boolean): Error | null {
  let current: unknown = error;
  let last: Error = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (predicate?.(current)) return current;
    last = current;
    current = current.cause;
  }
  return predicate === undefined ? last : null;
}
