// @synod/perps/model: the clearinghouse's rules in pure TypeScript (no I/O, integers only), the
// same as contracts/Perps*.sol; test/differential.test.ts keeps them equal on every account.
export {
  accountHealth,
  type BatchResult,
  claim,
  cloneState,
  createClearinghouseState,
  deposit,
  escapeExit,
  heldCollateral,
  liquidatableAccounts,
  liquidate,
  ModelRevert,
  type StepResult,
  settleBatch,
  settlementExtras,
  sweepFees,
  triggerableOrders,
} from './clearinghouse.ts';
export * from './constants.ts';
export { ceilDiv, floorDiv, type MarketPrice } from './core.ts';
export * from './types.ts';
export { type AccountView, accountView } from './views.ts';
