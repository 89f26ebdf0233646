import type { FeedConfig, FinalizedPrice } from '@synod/oracle';
import type { CertifiedBlock, Hex } from '@synod/protocol';
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
  TransactionReceiptNotFoundError,
  type Transport,
  type WalletClient,
} from 'viem';
import { inboxCallAbi, priceFeedsCallAbi } from './abis.ts';
import { Backlog, type BacklogEntry } from './backlog.ts';
import { certificateArgs, headerArgs, priceUpdateArgs } from './calls.ts';
import {
  L1_CANCEL_GAS,
  L1_DEFAULT_FEE_BUMP_AFTER_MS,
  L1_DEFAULT_POST_EVERY_HEADERS,
  L1_DEFAULT_RETRY_MAX_DELAY_MS,
  L1_DEFAULT_RETRY_MIN_DELAY_MS,
  L1_DEFAULT_TAKEOVER_TIMEOUT_MS,
  L1_DEFAULT_TICK_INTERVAL_MS,
  L1_FALLBACK_GAS_BASE,
  L1_FALLBACK_GAS_PER_PRICE,
  L1_FEE_BUMP_DENOMINATOR,
  L1_FEE_BUMP_NUMERATOR,
  L1_GAS_LIMIT_DENOMINATOR,
  L1_GAS_LIMIT_NUMERATOR,
  L1_MAX_BACKLOG_HEIGHTS,
  L1_MAX_HASHES_PER_NONCE,
  L1_RESUME_SCAN_MAX_HEIGHTS,
} from './constants.ts';
import {
  isAlreadyKnown,
  isStaleHeightRevert,
  type L1ErrorCode,
  L1SubmitError,
  l1ErrorCode,
  revertErrorName,
} from './errors.ts';
import type { L1Metrics } from './metrics.ts';
import { rotationDistance } from './rotation.ts';
import { type PriceLeafUpdate, planHeight, pricesToPush } from './schedule.ts';

/**
 * The L1 submitter: posts this network's certified headers to the SettlementInbox and its
 * prices to PriceFeeds, from the node's Ethereum account (docs/operations.md "L1 settlement").
 *
 * Every finalized height is planned once (schedule.ts): it is needed when it is a multiple of k
 * or carries a price the push rule says L1 must get. Needed heights wait in a bounded backlog.
 * The validator designated for a height (rotation.ts) posts it at once; validator i, `d` steps
 * behind in the rotation, posts it once it has waited d × takeoverTimeoutMs without seeing it
 * (or a higher height) in the inbox. Posting a height makes every lower one unpostable and
 * provable through its historyRoot, so the submitter always posts the highest height that is
 * due. One transaction is in flight at a time; a new one gets the next nonce, tracked here and
 * resynced from the chain after any nonce error. A transaction unmined after feeBumpAfterMs is
 * replaced at the same nonce with +12.5 % fees; one whose height landed from elsewhere while it
 * waited is replaced by a 0-value transfer to ourselves instead. A submission the inbox refuses as stale
 * (HeightNotIncreasing), at estimate or once mined, is a duplicate: counted, never retried.
 * Any other failure is retried on the next round, with exponential backoff.
 *
 * State is in memory only: after a restart it resumes from the inbox's latestHeight and the
 * prices PriceFeeds holds, which is all it needs.
 */

/** What the submitter reads from the node's store. */
export interface L1BlockSource {
  /** Height of the latest finalized block (0 when empty). */
  latestHeight(): number;
  /** The certified block at `height`; undefined if unknown or pruned. */
  getBlock(height: number): Promise<CertifiedBlock | undefined>;
}

/** Timers, injectable so tests drive time (default: the global setTimeout). */
export interface L1SubmitterTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
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

export interface CreateL1SubmitterParameters {
  /** Reads, estimates, receipts and broadcasts on the settlement chain. */
  publicClient: PublicClient;
  /** The node's Ethereum account (it pays the gas); signs locally. */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  addresses: { inbox: Address; priceFeeds: Address };
  /** This validator's 0-based index in the committee. */
  validatorIndex: number;
  committeeSize: number;
  store: L1BlockSource;
  /** The network's feeds (same list on every validator), with their L1 push rules. */
  feeds: readonly FeedConfig[];
  /** k: post every k-th height, sooner when a price must be pushed. */
  postEveryHeaders?: number;
  /** Wait per step of rotation distance before taking over another validator's height. */
  takeoverTimeoutMs?: number;
  /** Loop period: read the inbox, check the pending transaction, post what is due. */
  tickIntervalMs?: number;
  fees?: L1FeePolicy;
  /** Backoff after a failed round: min, doubled per consecutive failure up to max. */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Override of L1_MAX_BACKLOG_HEIGHTS (tests). */
  maxBacklogHeights?: number;
  timers?: L1SubmitterTimers;
  nowMs?: () => number;
  metrics?: L1Metrics;
  logger?: Logger;
}

export interface L1PendingTransactionStatus {
  /** The newest hash sent at this nonce. */
  hash: Hex;
  /** Every hash sent at this nonce, oldest first (the original and its replacements). */
  hashes: Hex[];
  nonce: number;
  height: number;
  kind: L1CallKind;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  firstSentAtMs: number;
  /** Replacements sent so far (fee bumps). */
  replacements: number;
}

export interface L1SubmitterStatus {
  running: boolean;
  /** The inbox and PriceFeeds were read since start (resumed from L1). */
  resumed: boolean;
  /** The last round with L1 succeeded. */
  reachable: boolean;
  validatorIndex: number;
  /** The inbox's latestHeight as last read. */
  l1LatestHeight: number;
  /** Highest finalized height planned. */
  plannedHeight: number;
  /** Heights waiting to be posted. */
  backlog: number;
  backlogHeights: number[];
  /** Highest height this node itself landed (0: none since start). */
  lastPostedHeight: number;
  lastError: { code: L1ErrorCode; message: string; atMs: number } | undefined;
  pendingTransaction: L1PendingTransactionStatus | undefined;
  headersPosted: number;
  pricesPosted: number;
  duplicateSubmissions: number;
  feeBumps: number;
}

export interface L1Submitter {
  /** Starts the loop; L1 need not be reachable (the first successful round resumes from it). */
  start(): Promise<void>;
  /** Stops the loop after the current round. A transaction in flight stays in the pool. */
  stop(): Promise<void>;
  /** The node finalized `height` (stored): plan it and post what is due now. */
  onFinalized(height: number): void;
  status(): L1SubmitterStatus;
}

export type L1CallKind = 'submitHeader' | 'submitHeaderAndUpdatePrices' | 'updatePrices';

interface PreparedCall {
  kind: L1CallKind;
  height: number;
  address: Address;
  abi: Abi;
  functionName: L1CallKind;
  args: readonly unknown[];
  pricesCount: number;
}

interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

interface PendingTransaction {
  call: PreparedCall;
  /**
   * The inbox reached this height while the transaction waited: it would only revert, so its
   * replacement is a 0-value transfer to ourselves that frees the nonce (21,000 gas).
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
}

/**
 * Creates the submitter; call start(), then onFinalized(h) after each stored block.
 *
 * @example
 * ```ts
 * const submitter = createL1Submitter({
 *   publicClient, walletClient, addresses: { inbox, priceFeeds },
 *   validatorIndex: 2, committeeSize: 4, store, feeds,
 *   metrics: createL1Metrics(register), logger: subsystemLogger(logger, 'l1'),
 * });
 * await submitter.start();
 * driver.onCommit((block) => submitter.onFinalized(block.height));
 * ```
 */
export function createL1Submitter(parameters: CreateL1SubmitterParameters): L1Submitter {
  return new Submitter(parameters);
}

const bigintMax = (a: bigint, b: bigint) => (a > b ? a : b);
const bigintMin = (a: bigint, b: bigint) => (a < b ? a : b);

class Submitter implements L1Submitter {
  readonly #p: CreateL1SubmitterParameters;
  readonly #postEveryHeaders: number;
  readonly #takeoverTimeoutMs: number;
  readonly #tickIntervalMs: number;
  readonly #feeBumpAfterMs: number;
  readonly #maxFeePerGasWei: bigint | undefined;
  readonly #retryMinDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #timers: L1SubmitterTimers;
  readonly #nowMs: () => number;
  readonly #backlog: Backlog;
  readonly #account: Account;

  #running = false;
  #resumed = false;
  #reachable = true;
  /** When L1 came back after an outage: takeover clocks restart here, so the rotation holds. */
  #reachableSinceMs = 0;
  #l1LatestHeight = 0;
  #plannedHeight = 0;
  /** feedId → the price L1 will hold once every planned needed height is posted. */
  #projected = new Map<Hex, FinalizedPrice>();
  #nonce: number | undefined;
  #pending: PendingTransaction | undefined;
  #consecutiveFailures = 0;
  #lastError: L1SubmitterStatus['lastError'];
  #lastPostedHeight = 0;
  #headersPosted = 0;
  #pricesPosted = 0;
  #duplicates = 0;
  #feeBumps = 0;
  #timer: unknown;
  #round: Promise<void> | undefined;
  #roundRequested = false;

  constructor(parameters: CreateL1SubmitterParameters) {
    this.#p = parameters;
    this.#postEveryHeaders = parameters.postEveryHeaders ?? L1_DEFAULT_POST_EVERY_HEADERS;
    this.#takeoverTimeoutMs = parameters.takeoverTimeoutMs ?? L1_DEFAULT_TAKEOVER_TIMEOUT_MS;
    this.#tickIntervalMs = parameters.tickIntervalMs ?? L1_DEFAULT_TICK_INTERVAL_MS;
    this.#feeBumpAfterMs = parameters.fees?.feeBumpAfterMs ?? L1_DEFAULT_FEE_BUMP_AFTER_MS;
    this.#maxFeePerGasWei = parameters.fees?.maxFeePerGasWei;
    this.#retryMinDelayMs = parameters.retryMinDelayMs ?? L1_DEFAULT_RETRY_MIN_DELAY_MS;
    this.#retryMaxDelayMs = parameters.retryMaxDelayMs ?? L1_DEFAULT_RETRY_MAX_DELAY_MS;
    this.#timers = parameters.timers ?? {
      setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    this.#nowMs = parameters.nowMs ?? Date.now;
    this.#backlog = new Backlog(parameters.maxBacklogHeights ?? L1_MAX_BACKLOG_HEIGHTS);
    // Throws for a bad index or size: a misconfigured committee must not start.
    rotationDistance(parameters.validatorIndex, 1, parameters.committeeSize, this.#postEveryHeaders);
    if (parameters.walletClient.account === undefined) throw new TypeError('walletClient needs an account');
    this.#account = parameters.walletClient.account;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#requestRound(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  onFinalized(height: number): void {
    if (!this.#running || height <= this.#plannedHeight) return;
    this.#requestRound(0);
  }

  status(): L1SubmitterStatus {
    const pending = this.#pending;
    return {
      running: this.#running,
      resumed: this.#resumed,
      reachable: this.#reachable,
      validatorIndex: this.#p.validatorIndex,
      l1LatestHeight: this.#l1LatestHeight,
      plannedHeight: this.#plannedHeight,
      backlog: this.#backlog.size,
      backlogHeights: this.#backlog.entries().map((entry) => entry.height),
      lastPostedHeight: this.#lastPostedHeight,
      lastError: this.#lastError,
      pendingTransaction:
        pending === undefined
          ? undefined
          : {
              hash: pending.hashes.at(-1)!,
              hashes: [...pending.hashes],
              nonce: pending.nonce,
              height: pending.call.height,
              kind: pending.call.kind,
              maxFeePerGas: pending.fees.maxFeePerGas,
              maxPriorityFeePerGas: pending.fees.maxPriorityFeePerGas,
              firstSentAtMs: pending.firstSentAtMs,
              replacements: pending.hashes.length - 1,
            },
      headersPosted: this.#headersPosted,
      pricesPosted: this.#pricesPosted,
      duplicateSubmissions: this.#duplicates,
      feeBumps: this.#feeBumps,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Loop

  /** Runs a round after `delayMs`, or right after the current one if one is running. */
  #requestRound(delayMs: number): void {
    if (!this.#running) return;
    if (this.#round !== undefined) {
      if (delayMs === 0) this.#roundRequested = true;
      return;
    }
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#round = this.#runRound().finally(() => {
        this.#round = undefined;
        const again = this.#roundRequested;
        this.#roundRequested = false;
        this.#requestRound(again ? 0 : this.#nextDelayMs());
      });
    }, delayMs);
  }

  #nextDelayMs(): number {
    if (this.#consecutiveFailures > 0) {
      const exponent = Math.min(this.#consecutiveFailures - 1, 30);
      return Math.min(this.#retryMaxDelayMs, this.#retryMinDelayMs * 2 ** exponent);
    }
    // Wake up for the next takeover deadline if it comes before the next tick.
    let delayMs = this.#tickIntervalMs;
    const nowMs = this.#nowMs();
    for (const entry of this.#backlog.entries()) {
      const due = this.#dueAtMs(entry);
      if (due > nowMs) delayMs = Math.min(delayMs, due - nowMs);
    }
    return Math.max(0, delayMs);
  }

  async #runRound(): Promise<void> {
    try {
      if (!this.#resumed) await this.#resume();
      await this.#planFinalizedHeights();
      this.#p.metrics?.backlog.set(this.#backlog.size);
      if (this.#pending !== undefined) await this.#checkPending();
      if (this.#pending === undefined) {
        await this.#readLatestHeight();
        await this.#settleBacklog();
        const due = this.#dueEntry();
        if (due !== undefined) await this.#post(due);
      }
      this.#consecutiveFailures = 0;
    } catch (error) {
      this.#recordFailure(error);
    } finally {
      this.#p.metrics?.backlog.set(this.#backlog.size);
    }
  }

  #recordFailure(error: unknown): void {
    const code = l1ErrorCode(error);
    this.#consecutiveFailures++;
    const message =
      error instanceof Error
        ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
        : String(error);
    this.#lastError = { code, message, atMs: this.#nowMs() };
    this.#p.metrics?.submitErrorsTotal.inc({ code });
    if (code === 'RPC_UNAVAILABLE') this.#setReachable(false);
    if (code === 'NONCE_TOO_LOW' || code === 'NONCE_TOO_HIGH') this.#nonce = undefined;
    this.#p.logger?.warn(
      { code, err: message, failures: this.#consecutiveFailures },
      'L1 round failed; retrying with backoff',
    );
  }

  #setReachable(reachable: boolean): void {
    if (reachable && !this.#reachable) {
      this.#reachableSinceMs = this.#nowMs();
      this.#p.logger?.info({ backlog: this.#backlog.size }, 'L1 reachable again');
    }
    this.#reachable = reachable;
    this.#p.metrics?.reachable.set(reachable ? 1 : 0);
  }

  // -------------------------------------------------------------------------------------------
  // Planning

  /** Reads where L1 stands: the inbox's latestHeight, each feed's price, our nonce. */
  async #resume(): Promise<void> {
    await this.#readLatestHeight();
    const prices = await this.#readL1Prices(this.#p.feeds.map((feed) => feed.feedId.toLowerCase() as Hex));
    this.#projected = new Map();
    for (const [feedId, price] of prices) if (price !== undefined) this.#projected.set(feedId, price);
    this.#nonce = await this.#chainNonce('pending');
    // From the inbox's latest height itself: if another relayer posted it with plain
    // submitHeader, its prices may still be missing and go out with updatePrices.
    this.#plannedHeight = Math.max(
      this.#l1LatestHeight - 1,
      0,
      this.#p.store.latestHeight() - L1_RESUME_SCAN_MAX_HEIGHTS,
    );
    this.#resumed = true;
    this.#p.logger?.info(
      { l1LatestHeight: this.#l1LatestHeight, storeHeight: this.#p.store.latestHeight(), nonce: this.#nonce },
      'L1 submitter resumed from the inbox',
    );
  }

  /** Plans every stored height above the last planned one. Store reads only: works with L1 down. */
  async #planFinalizedHeights(): Promise<void> {
    const latest = this.#p.store.latestHeight();
    // Far behind (catch-up sync): heights this old never need posting, a later one covers them.
    this.#plannedHeight = Math.max(this.#plannedHeight, latest - L1_RESUME_SCAN_MAX_HEIGHTS);
    while (this.#plannedHeight < latest) {
      const height = this.#plannedHeight + 1;
      const certified = await this.#p.store.getBlock(height);
      this.#plannedHeight = height;
      if (certified === undefined) {
        this.#p.metrics?.submitErrorsTotal.inc({ code: 'BLOCK_MISSING' });
        this.#p.logger?.warn({ height }, 'finalized block missing from the store; not planned');
        continue;
      }
      const { header, prices } = certified.block;
      const planned = planHeight(this.#p.feeds, this.#projected, header, prices, this.#postEveryHeaders);
      this.#projected = planned.projected;
      if (planned.plan.reason === undefined) continue;
      const dropped = this.#backlog.push({
        height,
        reason: planned.plan.reason,
        pushFeedIds: planned.plan.pushFeedIds,
        finalizedAtMs: this.#nowMs(),
        pricesOnly: false,
      });
      if (dropped > 0) {
        this.#p.metrics?.backlogDroppedTotal.inc(dropped);
        this.#p.logger?.warn(
          { dropped, height },
          'L1 backlog full; oldest heights dropped (covered by later ones)',
        );
      }
    }
  }

  async #readLatestHeight(): Promise<number> {
    const latest = await this.#p.publicClient.readContract({
      address: this.#p.addresses.inbox,
      abi: inboxCallAbi,
      functionName: 'latestHeight',
    });
    this.#setReachable(true);
    this.#l1LatestHeight = Number(latest);
    this.#p.metrics?.lastPostedHeight.set(this.#l1LatestHeight);
    return this.#l1LatestHeight;
  }

  /** feedId (lowercase) → what PriceFeeds holds (undefined: never pushed). */
  async #readL1Prices(feedIds: readonly Hex[]): Promise<Map<Hex, FinalizedPrice | undefined>> {
    const unique = [...new Set(feedIds)];
    const results = await Promise.all(
      unique.map((feedId) =>
        this.#p.publicClient.readContract({
          address: this.#p.addresses.priceFeeds,
          abi: priceFeedsCallAbi,
          functionName: 'latestPrice',
          args: [feedId],
        }),
      ),
    );
    const prices = new Map<Hex, FinalizedPrice | undefined>();
    for (const [i, [answer, updatedAtSeconds, round]] of results.entries()) {
      prices.set(
        unique[i]!,
        round === 0n
          ? undefined
          : { price: answer, height: Number(round), timestampMs: Number(updatedAtSeconds) * 1000 },
      );
    }
    return prices;
  }

  /**
   * Drops what L1 already holds. A height at or below the inbox's latestHeight needs nothing
   * more unless it carries prices PriceFeeds still lacks and its header is stored (someone posted
   * it with plain submitHeader): then it becomes an updatePrices entry.
   */
  async #settleBacklog(): Promise<void> {
    const latest = this.#l1LatestHeight;
    this.#backlog.deleteWhere((entry) => entry.height <= latest && entry.pushFeedIds.length === 0);
    const covered = this.#backlog.entries().filter((entry) => entry.height <= latest);
    if (covered.length === 0) return;
    const prices = await this.#readL1Prices(covered.flatMap((entry) => entry.pushFeedIds));
    for (const entry of covered) {
      const lagging = entry.pushFeedIds.filter((feedId) => (prices.get(feedId)?.height ?? 0) < entry.height);
      if (lagging.length === 0) {
        this.#backlog.delete(entry.height);
        continue;
      }
      if (!entry.pricesOnly) {
        const stored = await this.#p.publicClient.readContract({
          address: this.#p.addresses.inbox,
          abi: inboxCallAbi,
          functionName: 'headerHashes',
          args: [BigInt(entry.height)],
        });
        // Not stored: a higher header landed first; its own prices supersede these.
        if (BigInt(stored) === 0n) {
          this.#backlog.delete(entry.height);
          continue;
        }
      }
      entry.pricesOnly = true;
      entry.pushFeedIds = lagging;
    }
  }

  #dueAtMs(entry: BacklogEntry): number {
    const distance = rotationDistance(
      this.#p.validatorIndex,
      entry.height,
      this.#p.committeeSize,
      this.#postEveryHeaders,
    );
    return Math.max(entry.finalizedAtMs, this.#reachableSinceMs) + distance * this.#takeoverTimeoutMs;
  }

  /** The highest header due now; else the highest due price-only entry. */
  #dueEntry(): BacklogEntry | undefined {
    const nowMs = this.#nowMs();
    const due = this.#backlog.entries().filter((entry) => this.#dueAtMs(entry) <= nowMs);
    return due.filter((entry) => !entry.pricesOnly).at(-1) ?? due.at(-1);
  }

  // -------------------------------------------------------------------------------------------
  // Posting

  async #prepare(entry: BacklogEntry): Promise<PreparedCall | undefined> {
    const certified = await this.#p.store.getBlock(entry.height);
    if (certified === undefined) {
      this.#backlog.delete(entry.height);
      throw new L1SubmitError('BLOCK_MISSING', `block ${entry.height} is not in the store`);
    }
    const { header, prices } = certified.block;
    // Only configured feeds are ever pushed (none when the node posts headers only).
    const configured = new Set(this.#p.feeds.map((feed) => feed.feedId.toLowerCase()));
    const feedIds = prices
      .map((price) => price.feedId.toLowerCase() as Hex)
      .filter((feedId) => configured.has(feedId));
    const l1Prices = await this.#readL1Prices(feedIds);
    let updates: PriceLeafUpdate[];
    if (entry.pricesOnly) {
      const wanted = new Set(entry.pushFeedIds);
      updates = prices.flatMap((price, index) => {
        const feedId = price.feedId.toLowerCase() as Hex;
        return wanted.has(feedId) && (l1Prices.get(feedId)?.height ?? 0) < header.height
          ? [{ ...price, index }]
          : [];
      });
      if (updates.length === 0) {
        this.#backlog.delete(entry.height);
        return undefined;
      }
    } else {
      // Against what L1 actually holds now, which can differ from the projection (a lower
      // needed height was superseded, another relayer pushed).
      updates = pricesToPush(this.#p.feeds, (feedId) => l1Prices.get(feedId), header, prices);
    }
    const base = { height: header.height, pricesCount: updates.length };
    if (!entry.pricesOnly && updates.length === 0) {
      return {
        ...base,
        kind: 'submitHeader',
        functionName: 'submitHeader',
        address: this.#p.addresses.inbox,
        abi: inboxCallAbi as Abi,
        args: [headerArgs(header), certificateArgs(certified.certificate)],
      };
    }
    const { leaves, proof } = priceUpdateArgs(prices, updates);
    if (entry.pricesOnly) {
      return {
        ...base,
        kind: 'updatePrices',
        functionName: 'updatePrices',
        address: this.#p.addresses.priceFeeds,
        abi: priceFeedsCallAbi as Abi,
        args: [headerArgs(header), leaves, proof],
      };
    }
    return {
      ...base,
      kind: 'submitHeaderAndUpdatePrices',
      functionName: 'submitHeaderAndUpdatePrices',
      address: this.#p.addresses.priceFeeds,
      abi: priceFeedsCallAbi as Abi,
      args: [headerArgs(header), certificateArgs(certified.certificate), leaves, proof],
    };
  }

  async #post(entry: BacklogEntry): Promise<void> {
    const call = await this.#prepare(entry);
    if (call === undefined) return;
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
      if (isStaleHeightRevert(error)) {
        this.#recordDuplicate(call, 'estimate');
        return;
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
      gas = (estimate * L1_GAS_LIMIT_NUMERATOR) / L1_GAS_LIMIT_DENOMINATOR;
    } catch (error) {
      if (!isStaleHeightRevert(error)) throw error;
      // Some nodes (anvil) estimate against the pending block whatever the block tag, where a
      // predecessor's unmined submission of this height makes ours revert. We are taking over
      // because that one has not landed in time: send with a fixed limit instead.
      gas = L1_FALLBACK_GAS_BASE + L1_FALLBACK_GAS_PER_PRICE * BigInt(call.pricesCount);
      this.#p.logger?.debug(
        { height: call.height, gas },
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
    const nowMs = this.#nowMs();
    const pending: PendingTransaction = {
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
      { height: call.height, kind: call.kind, prices: call.pricesCount, nonce, hash: pending.hashes.at(-1) },
      'posting to L1',
    );
    await this.#broadcast(pending, true);
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

  async #checkPending(): Promise<void> {
    const pending = this.#pending!;
    if (await this.#findReceipt(pending)) return;
    if ((await this.#chainNonce('latest')) > pending.nonce) {
      // Mined between the two reads, or the nonce was used outside this submitter.
      if (await this.#findReceipt(pending)) return;
      this.#p.logger?.warn(
        { nonce: pending.nonce },
        'nonce used by a transaction we did not send; resyncing',
      );
      this.#pending = undefined;
      this.#nonce = undefined;
      return;
    }
    const bumpDue = this.#nowMs() - pending.lastSentAtMs >= this.#feeBumpAfterMs;
    const known = await this.#isKnown(pending.hashes.at(-1)!);
    if (!bumpDue && known) return;
    // About to spend on it again: first make sure it can still succeed.
    if (
      !pending.cancelled &&
      pending.call.kind !== 'updatePrices' &&
      (await this.#readLatestHeight()) >= pending.call.height
    ) {
      pending.cancelled = true;
      pending.to = this.#account.address;
      pending.data = '0x';
      pending.gas = L1_CANCEL_GAS;
      this.#p.logger?.info(
        { nonce: pending.nonce, height: pending.call.height },
        'height landed while our transaction waited; replacing it with a cancellation',
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
      let receipt: Awaited<ReturnType<PublicClient['getTransactionReceipt']>>;
      try {
        receipt = await this.#p.publicClient.getTransactionReceipt({ hash });
      } catch (error) {
        if (error instanceof TransactionReceiptNotFoundError) continue;
        throw error;
      }
      this.#pending = undefined;
      const { call } = pending;
      if (pending.cancelled && receipt.to?.toLowerCase() === this.#account.address.toLowerCase()) {
        this.#recordDuplicate(call, 'cancelled');
        return true;
      }
      if (receipt.status === 'success') {
        if (call.kind !== 'updatePrices') {
          this.#headersPosted++;
          this.#p.metrics?.headersPostedTotal.inc();
        }
        this.#pricesPosted += call.pricesCount;
        this.#p.metrics?.pricesPostedTotal.inc(call.pricesCount);
        this.#lastPostedHeight = Math.max(this.#lastPostedHeight, call.height);
        this.#backlog.delete(call.height);
        this.#p.logger?.info(
          { height: call.height, kind: call.kind, prices: call.pricesCount, hash, gasUsed: receipt.gasUsed },
          'posted to L1',
        );
        return true;
      }
      // Reverted once mined. Stale if the same call now fails with HeightNotIncreasing at that block.
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
        if (isStaleHeightRevert(error)) {
          this.#recordDuplicate(call, 'mined');
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
    pending.lastSentAtMs = this.#nowMs();
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
        hash: pending.hashes.at(-1),
        maxFeePerGas: bumped.maxFeePerGas,
        previousMaxFeePerGas: previous.maxFeePerGas,
      },
      'replacing stuck L1 transaction with higher fees',
    );
    await this.#broadcast(pending, false);
  }

  #recordDuplicate(call: PreparedCall, at: 'estimate' | 'mined' | 'cancelled'): void {
    this.#duplicates++;
    this.#p.metrics?.duplicateSubmissionsTotal.inc();
    this.#backlog.delete(call.height);
    this.#p.logger?.info(
      { height: call.height, at },
      'height already on L1 (duplicate submission, harmless)',
    );
  }
}

/** +12.5 %, rounded up, and at least +1 wei. */
function ceilBump(value: bigint): bigint {
  const bumped = (value * L1_FEE_BUMP_NUMERATOR + L1_FEE_BUMP_DENOMINATOR - 1n) / L1_FEE_BUMP_DENOMINATOR;
  return bumped > value ? bumped : value + 1n;
}
