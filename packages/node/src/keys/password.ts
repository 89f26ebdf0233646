import { readFile } from 'node:fs/promises';
import { KeyFileError } from './errors.ts';

/** Environment variable holding the keystore password when no --password-file is given. */
export const KEYSTORE_PASSWORD_ENV = 'SYNOD_KEYSTORE_PASSWORD';
/**
 * Shortest accepted password. EIP-2335's scrypt makes each guess cost ~1 s, but a short password
 * is still guessable offline from a stolen keystore; 8 is the floor, a long random one is advised.
 */
export const MIN_PASSWORD_CHARS = 8;
/** Largest password file read: a password, not a file that was passed by mistake. */
const MAX_PASSWORD_FILE_BYTES = 4096;

/**
 * The keystore password, from `--password-file` (first) or SYNOD_KEYSTORE_PASSWORD. Never from a
 * flag: command lines are visible to every user of the machine (`ps`) and kept in shell history.
 * One trailing newline of the file is dropped (`echo pw > file` adds one).
 */
export async function readKeystorePassword(parameters: {
  passwordFile?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<string> {
  let password: string;
  let origin: string;
  if (parameters.passwordFile !== undefined) {
    origin = parameters.passwordFile;
    let buffer: Buffer;
    try {
      buffer = await readFile(parameters.passwordFile);
    } catch (cause) {
      throw new KeyFileError(
        'PASSWORD_INVALID',
        `cannot read the password file ${parameters.passwordFile}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
        { path: parameters.passwordFile, cause },
      );
    }
    if (buffer.length > MAX_PASSWORD_FILE_BYTES) {
      throw new KeyFileError(
        'PASSWORD_INVALID',
        `${parameters.passwordFile} is too large to be a password file`,
        {
          path: parameters.passwordFile,
        },
      );
    }
    password = buffer.toString('utf8').replace(/\r?\n$/, '');
  } else {
    const fromEnv = parameters.env[KEYSTORE_PASSWORD_ENV];
    if (fromEnv === undefined) {
      throw new KeyFileError(
        'PASSWORD_MISSING',
        `no keystore password: pass --password-file <file> or set ${KEYSTORE_PASSWORD_ENV}`,
      );
    }
    origin = KEYSTORE_PASSWORD_ENV;
    password = fromEnv;
  }
  if ([...password].length < MIN_PASSWORD_CHARS) {
    throw new KeyFileError(
      'PASSWORD_INVALID',
      `the password from ${origin} is shorter than ${MIN_PASSWORD_CHARS} characters`,
    );
  }
  return password;
}
