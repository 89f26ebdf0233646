import type { Hex } from '@synod/protocol';
import type { Logger } from 'pino';
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  keccak256,
  type PublicClient,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
  type WalletClient,
} from 'viem';
import {
  L1_CANCEL_GAS,
  L1_DEFAULT_FEE_BUMP_AFTER_MS,
  L1_FEE_BUMP_DENOMINATOR,
  L1_FEE_BUMP_NUMERATOR,
  L1_GAS_LIMIT_DENOMINATOR,
  L1_GAS_LIMIT_NUMERATOR,
  L1_MAX_HASHES_PER_NONCE,
  L1_RECEIPT_LAG_MS,
} from './constants.ts';
import { isAlreadyKnown, L1SubmitError, l1ErrorCode, revertErrorName } from './errors.ts';
import type { L1Metrics } from './metrics.ts';

/**
 * The transaction pipeline of the node's Ethereum account (docs/operations.md "L1 settlement",
 * "Transactions, nonces and fees"), shared by every job that sends from it: the header
 * submitter and one batch relayer per settled namespace. One transaction is in flight at a
 * time; a new one gets the next nonce, tracked here and resynced from the chain after any nonce
 * error. A transaction unmined after feeBumpAfterMs is replaced at the same nonce with +12.5 %
 * fees; one its owner no longer wants (its work landed from elsewhere while it waited) is
 * replaced by a 0-value transfer to ourselves instead. A call its owner recognises as already
 * done on L1 (a duplicate), at simulation or once mined, is reported to the owner and never
 * retried. Everything else throws, for the scheduler to record and retry with backoff.
 */

/** What a call does, for status and logs. */
export type L1CallKind =
  | 'submitHeader'
  | 'submitHeaderAndUpdatePrices'
  | 'updatePrices'
  | 'settleBatch'
  | 'settleBatchFromHistory'
  | 'submitHeaderAndSettleBatch'
  | 'settleBatches'
  | 'submitHeaderAndSettleBatches'
  | 'recordEquivocation'
  | 'registerTransition';

/** A contract call a job wants on L1. */
export interface L1Call {
  kind: L1CallKind;
  /** The Synod height the call is about. */
  height: number;
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  /**
   * Gas limit when the node cannot estimate because a competing submission of the same work
   * sits in the pending block.
   */
  fallbackGas: bigint;
  /**
   * Most gas the call may take, for calls whose owner can make them smaller (a group of
   * batches): when the estimate is above it and the owner's overBudget agrees, nothing is sent.
   */
  gasBudget?: bigint;
  /** Extra fields of the "posting to L1" / "posted to L1" log lines. */
  logFields?: Record<string, unknown>;
  /** The batch's namespace, for batch settlements (status). */
  namespace?: Hex;
}

/** Where a duplicate was found. */
export type L1DuplicateAt = 'estimate' | 'mined' | 'cancelled';

/** The job a sent call belongs to: it decides what a revert means and hears the outcome. */
export interface L1CallOwner<C extends L1Call = L1Call> {
  /** True when the revert means the call's work is already on L1 (another sender was first). */
  isDuplicateRevert(error: unknown): boolean;
  /**
   * True when the revert means the call, as built, no longer fits L1 although its work is still
   * to do (a batch whose header a higher one overtook): nothing is retried, the owner builds
   * another call next round, without backoff.
   */
  isOutdatedRevert?(error: unknown): boolean;
  /** The call was outdated: refused at simulation or estimate (nothing sent), or reverted as such once mined. */
  outdated?(call: C, at: 'estimate' | 'mined'): void;
  /**
   * The estimate of a call with a gasBudget is above it: true to send nothing (the owner builds a
   * smaller call next round, without backoff), false to send it anyway.
   */
  overBudget?(call: C, estimate: bigint): boolean;
  /**
   * Asked before spending on a waiting call again (fee bump, rebroadcast): false when it can no
   * longer succeed, and it is replaced by a cancellation.
   */
  isStillWanted(call: C): Promise<boolean>;
  /** The call was mined and succeeded. */
  landed(call: C, receipt: TransactionReceipt): void;
  /** The call was a duplicate: refused at simulation, reverted as one once mined. */
  duplicate(call: C, at: Exclude<L1DuplicateAt, 'cancelled'>): void;
  /** Its cancellation was mined (the call itself never ran). */
  cancelled(call: C): Promise<void> | void;
}

export interface L1PendingTransactionStatus {
  /** The newest hash sent at this nonce. */
  hash: Hex;
  /** Every hash sent at this nonce, oldest first (the original and its replacements). */
  hashes: Hex[];
  nonce: number;
  height: number;
  kind: L1CallKind;
  /** The namespace of a batch settlement; undefined for header and price postings. */
  namespace?: Hex;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  firstSentAtMs: number;
  /** Replacements sent so far (fee bumps). */
  replacements: number;
}

export interface L1FeePolicy {
  /**
   * Ceiling on maxFeePerGas in wei (undefined: none). Estimates and bumps are clipped to it; a
   * stuck transaction at the ceiling waits rather than outbids it.
   */
  maxFeePerGasWei?: bigint;
  /** How long a transaction may stay unmined before it is replaced with +12.5 % fees. */
  feeBumpAfterMs?: number;
}

export interface L1SenderOptions {
  publicClient: PublicClient;
  /** The node's Ethereum account (it pays the gas); signs locally. */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  fees?: L1FeePolicy;
  nowMs: () => number;
  metrics?: L1Metrics;
  logger?: Logger;
}

interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

interface PendingTransaction {
  owner: L1CallOwner;
  call: L1Call;
  /**
   * The owner no longer wanted the call while it waited: its replacement is a 0-value transfer
   * to ourselves that frees the nonce (21,000 gas).
   */
  cancelled: boolean;
  to: Address;
  nonce: number;
  gas: bigint;
  data: Hex;
  fees: Fees;
  /** Every hash sent at this nonce, oldest first; any of them may be the one mined. */
  hashes: Hex[];
  /** Signed bytes of the newest hash, rebroadcast if the node forgets it. */
  serialized: Hex;
  firstSentAtMs: number;
  lastSentAtMs: number;
  /** When a check first found the nonce used with no receipt of ours (undefined: not yet). */
  nonceUsedSinceMs?: number;
}

const bigintMax = (a: bigint, b: bigint) => (a > b ? a : b);
const bigintMin = (a: bigint, b: bigint) => (a < b ? a : b);

/** One account's transactions: nonce, fees, the one transaction in flight. */
export class L1Sender {
  readonly #p: L1SenderOptions;
  readonly #account: Account;
  readonly #feeBumpAfterMs: number;
  readonly #maxFeePerGasWei: bigint | undefined;
  #nonce: number | undefined;
  #pending: PendingTransaction | undefined;
  #feeBumps = 0;

  constructor(parameters: L1SenderOptions) {
    if (parameters.walletClient.account === undefined) throw new TypeError('walletClient needs an account');
    this.#p = parameters;
    this.#account = parameters.walletClient.account;
    this.#feeBumpAfterMs = parameters.fees?.feeBumpAfterMs ?? L1_DEFAULT_FEE_BUMP_AFTER_MS;
    this.#maxFeePerGasWei = parameters.fees?.maxFeePerGasWei;
  }

  get account(): Account {
    return this.#account;
  }

  /** Replacements with higher fees sent since start. */
  get feeBumps(): number {
    return this.#feeBumps;
  }

  /** The job whose transaction is in flight. */
  get pendingOwner(): L1CallOwner | undefined {
    return this.#pending?.owner;
  }

  pendingStatus(): L1PendingTransactionStatus | undefined {
    const pending = this.#pending;
    if (pending === undefined) return undefined;
    return {
      hash: pending.hashes.at(-1)!,
      hashes: [...pending.hashes],
      nonce: pending.nonce,
      height: pending.call.height,
      kind: pending.call.kind,
      ...(pending.call.namespace === undefined ? {} : { namespace: pending.call.namespace }),
      maxFeePerGas: pending.fees.maxFeePerGas,
      maxPriorityFeePerGas: pending.fees.maxPriorityFeePerGas,
      firstSentAtMs: pending.firstSentAtMs,
      replacements: pending.hashes.length - 1,
    };
  }

  /** Forgets the tracked nonce: the next transaction reads it from the chain. */
  resyncNonce(): void {
    this.#nonce = undefined;
  }

  /** Reads the account's next nonce (the pending block's count). */
  async readNonce(): Promise<number> {
    this.#nonce = await this.#chainNonce('pending');
    return this.#nonce;
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /**
   * Simulates `call` against mined state, estimates, signs and broadcasts it, and tracks it as
   * the transaction in flight. Returns false when nothing was sent because the call is a
   * duplicate or outdated at simulation, or over its gas budget (each reported to `owner`).
   * Throws for anything else.
   */
  async send<C extends L1Call>(owner: L1CallOwner<C>, call: C): Promise<boolean> {
    if (this.#pending !== undefined) throw new Error('a transaction is already in flight');
    const request = {
      address: call.address,
      abi: call.abi,
      functionName: call.functionName,
      args: call.args,
      account: this.#account,
    };
    // Decided against mined state (eth_call at latest), like the takeover itself.
    try {
      await this.#p.publicClient.simulateContract({ ...request, blockTag: 'latest' } as never);
    } catch (error) {
      if (owner.isDuplicateRevert(error)) {
        owner.duplicate(call, 'estimate');
        return false;
      }
      if (owner.isOutdatedRevert?.(error) === true) {
        owner.outdated?.(call, 'estimate');
        return false;
      }
      if (revertErrorName(error) !== undefined) {
        throw new L1SubmitError(
          'REVERTED',
          `${call.kind}(${call.height}) reverts ${revertErrorName(error)}`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    let gas: bigint;
    try {
      const estimate = await this.#p.publicClient.estimateContractGas(request as never);
      if (
        call.gasBudget !== undefined &&
        estimate > call.gasBudget &&
        owner.overBudget?.(call, estimate) === true
      ) {
        return false;
      }
      gas = (estimate * L1_GAS_LIMIT_NUMERATOR) / L1_GAS_LIMIT_DENOMINATOR;
    } catch (error) {
      // A competitor's pending submission would overtake this call: build another next round.
      if (owner.isOutdatedRevert?.(error) === true) {
        owner.outdated?.(call, 'estimate');
        return false;
      }
      if (!owner.isDuplicateRevert(error)) throw error;
      // Some nodes (anvil) estimate against the pending block whatever the block tag, where a
      // competitor's unmined submission of the same work makes ours revert. We are taking over
      // because that one has not landed in time: send with a fixed limit instead.
      gas = call.fallbackGas;
      this.#p.logger?.debug(
        { height: call.height, kind: call.kind, gas },
        'estimate saw a pending submission; fixed gas limit',
      );
    }
    const fees = await this.#estimateFees();
    const nonce = this.#nonce ?? (await this.#chainNonce('pending'));
    const data = encodeFunctionData({
      abi: call.abi,
      functionName: call.functionName,
      args: call.args,
    } as never);
    const nowMs = this.#p.nowMs();
    const pending: PendingTransaction = {
      owner: owner as unknown as L1CallOwner,
      call,
      cancelled: false,
      to: call.address,
      nonce,
      gas,
      data,
      fees,
      hashes: [],
      serialized: '0x',
      firstSentAtMs: nowMs,
      lastSentAtMs: nowMs,
    };
    await this.#sign(pending, fees);
    // Tracked before the broadcast: if the answer is lost the transaction may still be in the
    // pool, and the receipt check or the bump finds out.
    this.#pending = pending;
    this.#nonce = nonce + 1;
    this.#p.logger?.info(
      { height: call.height, kind: call.kind, ...call.logFields, nonce, hash: pending.hashes.at(-1) },
      'posting to L1',
    );
    await this.#broadcast(pending, true);
    return true;
  }

  async #sign(pending: PendingTransaction, fees: Fees): Promise<void> {
    const serialized = (await this.#p.walletClient.signTransaction({
      account: this.#account,
      chain: this.#p.walletClient.chain,
      to: pending.to,
      data: pending.data,
      gas: pending.gas,
      nonce: pending.nonce,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      type: 'eip1559',
    } as never)) as Hex;
    pending.serialized = serialized;
    pending.fees = fees;
    pending.hashes.push(keccak256(serialized));
    if (pending.hashes.length > L1_MAX_HASHES_PER_NONCE) pending.hashes.shift();
  }

  /** Sends the newest signed bytes. A definite refusal of a first send frees its nonce. */
  async #broadcast(pending: PendingTransaction, first: boolean): Promise<void> {
    try {
      await this.#p.publicClient.sendRawTransaction({ serializedTransaction: pending.serialized });
    } catch (error) {
      if (isAlreadyKnown(error)) return;
      const code = l1ErrorCode(error);
      if (code === 'RPC_UNAVAILABLE') throw error; // maybe sent: keep tracking it
      if (first) {
        this.#pending = undefined;
        this.#nonce = undefined;
      } else if (code === 'NONCE_TOO_LOW') {
        // The nonce was consumed (by an earlier hash of ours, most likely): receipts will tell.
        return;
      }
      throw error;
    }
  }

  async #estimateFees(): Promise<Fees> {
    const estimate = await this.#p.publicClient.estimateFeesPerGas();
    return this.#capFees({
      maxFeePerGas: estimate.maxFeePerGas,
      maxPriorityFeePerGas: estimate.maxPriorityFeePerGas,
    });
  }

  #capFees(fees: Fees): Fees {
    const maxFeePerGas =
      this.#maxFeePerGasWei === undefined
        ? fees.maxFeePerGas
        : bigintMin(fees.maxFeePerGas, this.#maxFeePerGasWei);
    return { maxFeePerGas, maxPriorityFeePerGas: bigintMin(fees.maxPriorityFeePerGas, maxFeePerGas) };
  }

  async #chainNonce(blockTag: 'pending' | 'latest'): Promise<number> {
    return await this.#p.publicClient.getTransactionCount({ address: this.#account.address, blockTag });
  }

  // -------------------------------------------------------------------------------------------
  // The transaction in flight

  /**
   * Follows the transaction in flight: its receipt (the owner hears the outcome), a nonce used
   * elsewhere, a rebroadcast if the node forgot it, a fee bump when it waited too long, or its
   * cancellation when the owner no longer wants it.
   */
  async checkPending(): Promise<void> {
    const pending = this.#pending;
    if (pending === undefined) return;
    if (await this.#findReceipt(pending)) return;
    if ((await this.#chainNonce('latest')) > pending.nonce) {
      // Mined between the two reads, or the nonce was used outside this node.
      if (await this.#findReceipt(pending)) return;
      // A node can serve the account's new nonce a moment before the receipt of the transaction
      // that used it (anvil under load does): dropping ours now would lose its outcome (a batch
      // settled and never counted). Only a receipt still missing L1_RECEIPT_LAG_MS later means
      // the nonce went to a transaction we did not send.
      const nowMs = this.#p.nowMs();
      pending.nonceUsedSinceMs ??= nowMs;
      if (nowMs - pending.nonceUsedSinceMs < L1_RECEIPT_LAG_MS) return;
      this.#p.logger?.warn(
        {
          nonce: pending.nonce,
          hashes: pending.hashes,
          height: pending.call.height,
          kind: pending.call.kind,
        },
        'nonce used by a transaction we did not send; resyncing',
      );
      this.#pending = undefined;
      this.#nonce = undefined;
      return;
    }
    const bumpDue = this.#p.nowMs() - pending.lastSentAtMs >= this.#feeBumpAfterMs;
    const known = await this.#isKnown(pending.hashes.at(-1)!);
    if (!bumpDue && known) return;
    // About to spend on it again: first make sure it can still succeed.
    if (!pending.cancelled && !(await pending.owner.isStillWanted(pending.call))) {
      pending.cancelled = true;
      pending.to = this.#account.address;
      pending.data = '0x';
      pending.gas = L1_CANCEL_GAS;
      this.#p.logger?.info(
        { nonce: pending.nonce, height: pending.call.height, kind: pending.call.kind },
        'the work landed while our transaction waited; replacing it with a cancellation',
      );
      await this.#bump(pending);
      return;
    }
    if (bumpDue) await this.#bump(pending);
    // The node dropped it (restart, eviction): send the same bytes again.
    else await this.#broadcast(pending, false);
  }

  async #isKnown(hash: Hex): Promise<boolean> {
    try {
      await this.#p.publicClient.getTransaction({ hash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw error;
    }
  }

  /** Looks for a receipt of any hash sent at the pending nonce; handles it if found. */
  async #findReceipt(pending: PendingTransaction): Promise<boolean> {
    for (const hash of [...pending.hashes].reverse()) {
      let receipt: TransactionReceipt;
      try {
        receipt = await this.#p.publicClient.getTransactionReceipt({ hash });
      } catch (error) {
        if (error instanceof TransactionReceiptNotFoundError) continue;
        throw error;
      }
      this.#pending = undefined;
      const { call, owner } = pending;
      if (pending.cancelled && receipt.to?.toLowerCase() === this.#account.address.toLowerCase()) {
        await owner.cancelled(call);
        return true;
      }
      if (receipt.status === 'success') {
        this.#p.logger?.info(
          { height: call.height, kind: call.kind, ...call.logFields, hash, gasUsed: receipt.gasUsed },
          'posted to L1',
        );
        owner.landed(call, receipt);
        return true;
      }
      // Reverted once mined. A duplicate if the same call fails as one at that block.
      try {
        await this.#p.publicClient.simulateContract({
          address: call.address,
          abi: call.abi,
          functionName: call.functionName,
          args: call.args,
          account: this.#account,
          blockNumber: receipt.blockNumber,
        } as never);
      } catch (error) {
        if (owner.isDuplicateRevert(error)) {
          owner.duplicate(call, 'mined');
          return true;
        }
        if (owner.isOutdatedRevert?.(error) === true) {
          owner.outdated?.(call, 'mined');
          return true;
        }
      }
      throw new L1SubmitError('REVERTED', `${call.kind}(${call.height}) reverted in ${hash}`);
    }
    return false;
  }

  async #bump(pending: PendingTransaction): Promise<void> {
    const fresh = await this.#estimateFees();
    const bumped = this.#capFees({
      maxFeePerGas: bigintMax(fresh.maxFeePerGas, ceilBump(pending.fees.maxFeePerGas)),
      maxPriorityFeePerGas: bigintMax(
        fresh.maxPriorityFeePerGas,
        ceilBump(pending.fees.maxPriorityFeePerGas),
      ),
    });
    pending.lastSentAtMs = this.#p.nowMs();
    if (bumped.maxFeePerGas <= pending.fees.maxFeePerGas) {
      this.#p.logger?.warn(
        { nonce: pending.nonce, maxFeePerGas: pending.fees.maxFeePerGas },
        'L1 transaction stuck at the fee ceiling; waiting',
      );
      return;
    }
    const previous = pending.fees;
    await this.#sign(pending, bumped);
    this.#feeBumps++;
    this.#p.metrics?.feeBumpsTotal.inc();
    this.#p.logger?.info(
      {
        nonce: pending.nonce,
        height: pending.call.height,
        kind: pending.call.kind,
        hash: pending.hashes.at(-1),
        maxFeePerGas: bumped.maxFeePerGas,
        previousMaxFeePerGas: previous.maxFeePerGas,
      },
      'replacing stuck L1 transaction with higher fees',
    );
    await this.#broadcast(pending, false);
  }
}

/** +12.5 %, rounded up, and at least +1 wei. */
function ceilBump(value: bigint): bigint {
  const bumped = (value * L1_FEE_BUMP_NUMERATOR + L1_FEE_BUMP_DENOMINATOR - 1n) / L1_FEE_BUMP_DENOMINATOR;
  return bumped > value ? bumped : value + 1n;
}
