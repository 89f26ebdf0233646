import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  dataDirLayout,
  generateNodeKeys,
  KeyFileError,
  loadNodeKeys,
  publicKeysOf,
  readKeystorePassword,
  writeNodeKeys,
} from '../../src/keys/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keyError(promise: Promise<unknown>): Promise<KeyFileError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyFileError) return error;
    throw error;
  }
  throw new Error('expected a KeyFileError');
}

describe('node keys', () => {
  test('written 0600 in a 0700 keys dir, loaded back to the same public keys', async () => {
    const layout = dataDirLayout(dir);
    const keys = await generateNodeKeys();
    await writeNodeKeys(layout, keys, { overwrite: false });
    expect((await stat(layout.keysDir)).mode & 0o777).toBe(0o700);
    for (const path of [layout.p2pKey, layout.ethereumKey, layout.dkgSeed]) {
      expect((await stat(path)).mode & 0o777, path).toBe(0o600);
    }
    expect(publicKeysOf(await loadNodeKeys(layout))).toEqual(publicKeysOf(keys));
    expect((await readFile(layout.ethereumKey, 'utf8')).trim()).toBe(keys.ethereumPrivateKey);
  });

  test('existing keys are never replaced without overwrite', async () => {
    const layout = dataDirLayout(dir);
    const first = await generateNodeKeys();
    await writeNodeKeys(layout, first, { overwrite: false });
    const error = await keyError(writeNodeKeys(layout, await generateNodeKeys(), { overwrite: false }));
    expect(error.code).toBe('KEYS_EXIST');
    expect(publicKeysOf(await loadNodeKeys(layout))).toEqual(publicKeysOf(first));
    const second = await generateNodeKeys();
    await writeNodeKeys(layout, second, { overwrite: true });
    expect(publicKeysOf(await loadNodeKeys(layout)).peerId).toBe(publicKeysOf(second).peerId);
  });

  test('a key file readable by others is refused, a missing one says to run init', async () => {
    const layout = dataDirLayout(dir);
    expect((await keyError(loadNodeKeys(layout))).code).toBe('MISSING_KEY');
    await writeNodeKeys(layout, await generateNodeKeys(), { overwrite: false });
    await chmod(layout.ethereumKey, 0o644);
    const error = await keyError(loadNodeKeys(layout));
    expect(error.code).toBe('INSECURE_PERMISSIONS');
    expect(error.path).toBe(layout.ethereumKey);
    await chmod(layout.ethereumKey, 0o600);
    await writeFile(layout.dkgSeed, 'garbage', { mode: 0o600 });
    expect((await keyError(loadNodeKeys(layout))).code).toBe('INVALID_KEY');
  });
});

describe('keystore password', () => {
  test('from the file first (one trailing newline dropped), else from SYNOD_KEYSTORE_PASSWORD', async () => {
    const file = join(dir, 'pw');
    await writeFile(file, 'correct horse battery\n');
    expect(
      await readKeystorePassword({ passwordFile: file, env: { SYNOD_KEYSTORE_PASSWORD: 'other-password' } }),
    ).toBe('correct horse battery');
    expect(await readKeystorePassword({ env: { SYNOD_KEYSTORE_PASSWORD: 'other-password' } })).toBe(
      'other-password',
    );
  });

  test('missing, unreadable or short passwords are errors', async () => {
    expect((await keyError(readKeystorePassword({ env: {} }))).code).toBe('PASSWORD_MISSING');
    expect((await keyError(readKeystorePassword({ passwordFile: join(dir, 'none'), env: {} }))).code).toBe(
      'PASSWORD_INVALID',
    );
    expect((await keyError(readKeystorePassword({ env: { SYNOD_KEYSTORE_PASSWORD: 'short' } }))).code).toBe(
      'PASSWORD_INVALID',
    );
  });
});
