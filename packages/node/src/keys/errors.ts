import { CodedError } from '@synod/protocol';

/**
 * Operating errors around key files and the keystore password. One class, a bounded `code`, and
 * a message that says which file and what to do.
 */
export type KeyFileErrorCode =
  /** `synod init` found keys already there (and --force was not given). */
  | 'KEYS_EXIST'
  /** A key file the command needs is not there (data dir not initialised?). */
  | 'MISSING_KEY'
  /** A key file exists but does not hold a key of the expected kind. */
  | 'INVALID_KEY'
  /** A secret key file is readable by group or others. */
  | 'INSECURE_PERMISSIONS'
  /** No keystore password: neither --password-file nor SYNOD_KEYSTORE_PASSWORD. */
  | 'PASSWORD_MISSING'
  /** The password is empty or too short, or its file cannot be read. */
  | 'PASSWORD_INVALID';

export class KeyFileError extends CodedError<KeyFileErrorCode> {
  override readonly name = 'KeyFileError';
  /** The file concerned, when there is one. */
  readonly path: string | undefined;
  constructor(code: KeyFileErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(code, message, { cause: options?.cause });
    this.path = options?.path;
  }
}
