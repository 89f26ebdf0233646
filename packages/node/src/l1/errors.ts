import { CodedError, type CodedErrorOptions } from '@synod/protocol';
import {
  BaseError,
  ContractFunctionRevertedError,
  FeeCapTooLowError,
  HttpRequestError,
  InsufficientFundsError,
  NonceTooHighError,
  NonceTooLowError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  TipAboveFeeCapError,
} from 'viem';

/**
 * Why a round with L1 failed: the bounded `code` label of `synod_l1_submit_errors_total` and
 * `status().lastError.code`.
 */
export type L1ErrorCode =
  /** The RPC could not be reached or did not answer (connection refused, timeout, 5xx). */
  | 'RPC_UNAVAILABLE'
  /** The RPC answered with an error we do not classify further. */
  | 'RPC_ERROR'
  /** The call reverts (estimate or mined) for another reason than a stale height. */
  | 'REVERTED'
  /** Our nonce was already used: resynced from the chain. */
  | 'NONCE_TOO_LOW'
  /** Our nonce is ahead of the chain: resynced from the chain. */
  | 'NONCE_TOO_HIGH'
  /** The account cannot pay gas × maxFeePerGas: fund it (docs/operations.md). */
  | 'INSUFFICIENT_FUNDS'
  /** The fee is below the base fee, or a replacement's bump is too small for the pool. */
  | 'UNDERPRICED'
  /** The store has no block for a height the submitter needs (pruned or damaged). */
  | 'BLOCK_MISSING'
  /** A configured settlement contract is not bound to its namespace or to this network's inbox (l1.settlement). */
  | 'CONTRACT_MISMATCH'
  /**
   * The settlement contract's counter and the store disagree: the next finalized batch of the
   * namespace does not start at the contract's appliedCount.
   */
  | 'BATCH_GAP';

export const L1_ERROR_CODES: readonly L1ErrorCode[] = [
  'RPC_UNAVAILABLE',
  'RPC_ERROR',
  'REVERTED',
  'NONCE_TOO_LOW',
  'NONCE_TOO_HIGH',
  'INSUFFICIENT_FUNDS',
  'UNDERPRICED',
  'BLOCK_MISSING',
  'CONTRACT_MISMATCH',
  'BATCH_GAP',
];

/** A failed interaction with L1, with its bounded code. */
export class L1SubmitError extends CodedError<L1ErrorCode> {
  override readonly name = 'L1SubmitError';
  constructor(code: L1ErrorCode, message: string, options?: CodedErrorOptions) {
    super(code, `${code}: ${message}`, options);
  }
}

export type L1ProofErrorCode =
  /** The store has no finalized transaction with this id. */
  | 'UNKNOWN_TRANSACTION'
  /** The transaction's body was pruned: its leaf (sender, nonce, payload hash) cannot be rebuilt. */
  | 'BODY_PRUNED'
  /** No header at or above the transaction's height is stored by the inbox yet. */
  | 'NOT_YET_ON_L1'
  /** The anchor's history is longer than L1_PROOF_MAX_HISTORY_HEADERS. */
  | 'HISTORY_TOO_LONG';

/** proveOnL1 cannot build a proof (yet). */
export class L1ProofError extends CodedError<L1ProofErrorCode> {
  override readonly name = 'L1ProofError';
  constructor(code: L1ProofErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}

/** The custom error a reverted inbox/PriceFeeds call carries, if any (e.g. 'HeightNotIncreasing'). */
export function revertErrorName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  return reverted.data?.errorName ?? reverted.reason ?? 'unknown';
}

/**
 * True for the one revert the submitter expects: the inbox already holds this height or a
 * higher one (another validator landed it first). Duplicates are harmless and never retried.
 */
export function isStaleHeightRevert(error: unknown): boolean {
  return revertErrorName(error) === 'HeightNotIncreasing';
}

/**
 * True when a batch settlement is refused because the contract already applied that batch
 * (someone else settled it first): a duplicate, never retried.
 */
export function isBatchAlreadySettledRevert(error: unknown): boolean {
  return revertErrorName(error) === 'BatchAlreadySettled';
}

/** Maps a viem error from an L1 call to its bounded code. */
export function l1ErrorCode(error: unknown): L1ErrorCode {
  if (error instanceof L1SubmitError) return error.code;
  if (!(error instanceof BaseError)) return 'RPC_ERROR';
  const has = (type: abstract new (...args: never[]) => unknown) =>
    error.walk((cause) => cause instanceof type) instanceof type;
  if (has(ContractFunctionRevertedError)) return 'REVERTED';
  if (has(NonceTooLowError)) return 'NONCE_TOO_LOW';
  if (has(NonceTooHighError)) return 'NONCE_TOO_HIGH';
  if (has(InsufficientFundsError)) return 'INSUFFICIENT_FUNDS';
  if (has(FeeCapTooLowError) || has(TipAboveFeeCapError)) return 'UNDERPRICED';
  // No typed error for these node messages.
  if (/underpriced|fee too low/i.test(error.details ?? '') || /underpriced/i.test(error.message)) {
    return 'UNDERPRICED';
  }
  if (has(HttpRequestError) || has(TimeoutError) || has(SocketClosedError)) return 'RPC_UNAVAILABLE';
  if (has(RpcRequestError)) return 'RPC_ERROR';
  return 'RPC_ERROR';
}

/** "already known" / "known transaction": the pool already holds exactly this transaction. */
export function isAlreadyKnown(error: unknown): boolean {
  const text = error instanceof BaseError ? `${error.details ?? ''} ${error.message}` : String(error);
  return /already known|known transaction|already imported/i.test(text);
}
