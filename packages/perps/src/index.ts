// @synod/perps: the Clearinghouse contract (artifacts, deployment, settle-call data, payloads)
// and its rules in pure TypeScript (also at @synod/perps/model).
export { clearinghouseAbi, decodeRejection, rejectionsAbi } from './abi.ts';
export * from './actions/index.ts';
export {
  clearinghouseBytecode,
  perpsBatchesAbi,
  perpsBatchesBytecode,
  perpsTransactionsAbi,
  perpsTransactionsBytecode,
  testTokenAbi,
  testTokenBytecode,
} from './artifacts.ts';
export * from './compare.ts';
export * from './deploy.ts';
export * from './keeper.ts';
export * from './model/index.ts';
export * from './payload.ts';
export * from './settlementData.ts';
