// The browser-safe part of transaction encryption (@noble/curves, @noble/ciphers): what a client needs to encrypt.
export * from './constants.ts';
export * from './envelope.ts';
export { EncryptionError, type EncryptionErrorCode } from './errors.ts';
export {
  ciphertextIdentity,
  type DecryptionResult,
  decrypt,
  type EncryptionContext,
  type EncryptParameters,
  encrypt,
  encryptionIdentity,
  encryptionMask,
  encryptionRandomness,
  encryptionStream,
  insecureDecryptionKey,
  openCiphertext,
} from './scheme.ts';
export * from './shares.ts';
