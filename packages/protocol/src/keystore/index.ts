// EIP-2335 keystores for BLS key shares.
export {
  decryptShareKeystore,
  encryptShareKeystore,
  KEYSTORE_RANDOMNESS_BYTES,
  KeystoreError,
  type KeystoreErrorCode,
  type KeystoreKdf,
  type ShareKeystoreOptions,
} from './keystore.ts';
