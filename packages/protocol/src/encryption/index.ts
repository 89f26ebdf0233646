export {
  combineDecryptionShares,
  decryptFast,
  decryptionShare,
  verifyDecryptionKey,
  verifyDecryptionShare,
} from './fast.ts';
export * from './pure.ts';
