import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { KeyFileError } from './errors.ts';

/** Permissions of secret files and of the directory holding them: owner only. */
export const SECRET_FILE_MODE = 0o600;
export const SECRET_DIR_MODE = 0o700;
/** Largest key file read: keys are tens of bytes, a keystore about a kilobyte. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Creates `dir` (and parents) owner-only; an existing directory is tightened to 0700. */
export async function ensureSecretDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: SECRET_DIR_MODE });
  await chmod(dir, SECRET_DIR_MODE);
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes a file atomically: a temporary file created with `mode` (a secret is never readable by
 * others, not even for a moment), fsynced, then renamed over the target. Without `overwrite` an
 * existing target is a KEYS_EXIST error.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: { mode: number; overwrite: boolean },
): Promise<void> {
  if (!options.overwrite && (await fileExists(path))) {
    throw new KeyFileError('KEYS_EXIST', `${path} already exists; refusing to overwrite it`, { path });
  }
  const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(temporary, 'wx', options.mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  // The umask can only clear bits of the mode; chmod makes it exact whatever the umask was.
  await chmod(temporary, options.mode);
  await rename(temporary, path);
}

/** writeFileAtomic with mode 0600. */
export async function writeSecretFile(
  path: string,
  data: Uint8Array | string,
  options: { overwrite: boolean },
): Promise<void> {
  await writeFileAtomic(path, data, { mode: SECRET_FILE_MODE, overwrite: options.overwrite });
}

/**
 * Reads a secret file, refusing one that group or others may read (as ssh does with private
 * keys): a key that others could have copied must be treated as leaked, not silently used.
 */
export async function readSecretFile(path: string, what: string): Promise<Buffer> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KeyFileError('MISSING_KEY', `${what} not found at ${path}: run \`synod init\` first`, {
        path,
      });
    }
    throw error;
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new KeyFileError(
      'INSECURE_PERMISSIONS',
      `${path} is accessible by group or others (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\` and consider the key exposed`,
      { path },
    );
  }
  if (info.size > MAX_KEY_FILE_BYTES) {
    throw new KeyFileError('INVALID_KEY', `${path} is ${info.size} bytes, too large for ${what}`, { path });
  }
  return readFile(path);
}
