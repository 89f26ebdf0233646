export {
  combineDecryptionShares,
  decryptFast,
  decryptionShare,
  encryptFast,
  verifyDecryptionKey,
  verifyDecryptionShare,
} from './fast.ts';
export * from './pure.ts';
