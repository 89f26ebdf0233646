/** Key files of a data directory and the keystore password. docs/operations.md "Keys". */
export { KeyFileError, type KeyFileErrorCode } from './errors.ts';
export {
  ensureSecretDir,
  fileExists,
  readSecretFile,
  SECRET_DIR_MODE,
  SECRET_FILE_MODE,
  writeFileAtomic,
  writeSecretFile,
} from './files.ts';
export { type DataDirLayout, dataDirLayout } from './layout.ts';
export {
  dkgKeysOf,
  generateNodeKeys,
  keyFilesOf,
  loadNodeKeys,
  type NodeKeys,
  type NodePublicKeys,
  publicKeysOf,
  writeNodeKeys,
} from './nodeKeys.ts';
export { KEYSTORE_PASSWORD_ENV, MIN_PASSWORD_CHARS, readKeystorePassword } from './password.ts';
