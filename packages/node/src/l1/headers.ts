import type { FeedConfig, FinalizedPrice } from '@synod/oracle';
import type { CertifiedBlock, Hex } from '@synod/protocol';
import type { Logger } from 'pino';
import type { Abi, Address, PublicClient, TransactionReceipt } from 'viem';
import { inboxCallAbi, priceFeedsCallAbi } from './abis.ts';
import { Backlog, type BacklogEntry } from './backlog.ts';
import { certificateArgs, headerArgs, priceUpdateArgs } from './calls.ts';
import {
  L1_DEFAULT_POST_EVERY_HEADERS,
  L1_DEFAULT_TAKEOVER_TIMEOUT_MS,
  L1_FALLBACK_GAS_BASE,
  L1_FALLBACK_GAS_PER_PRICE,
  L1_MAX_BACKLOG_HEIGHTS,
  L1_RESUME_SCAN_MAX_HEIGHTS,
} from './constants.ts';
import { isStaleHeightRevert, L1SubmitError } from './errors.ts';
import type { L1Metrics } from './metrics.ts';
import { rotationDistance } from './rotation.ts';
import { type PriceLeafUpdate, planHeight, pricesToPush } from './schedule.ts';
import type { L1Failure, L1Job, L1JobContext } from './scheduler.ts';
import type { L1Call, L1DuplicateAt } from './sender.ts';

/**
 * The header job of the L1 submitter: posts this network's certified headers to the
 * SettlementInbox and its prices to PriceFeeds (docs/operations.md "L1 settlement").
 *
 * Every finalized height is planned once (schedule.ts): it is needed when it is a multiple of k
 * or carries a price the push rule says L1 must get. Needed heights wait in a bounded backlog.
 * The validator designated for a height (rotation.ts) posts it at once; validator i, `d` steps
 * behind in the rotation, posts it once it has waited d × takeoverTimeoutMs without seeing it
 * (or a higher height) in the inbox. Posting a height makes every lower one unpostable and
 * provable through its historyRoot, so the job always posts the highest height that is due. A
 * submission the inbox refuses as stale (HeightNotIncreasing), at estimate or once mined, is a
 * duplicate: counted, never retried. Transactions, nonces and fees are the sender's (sender.ts).
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

export interface HeaderJobOptions {
  publicClient: PublicClient;
  addresses: { inbox: Address; priceFeeds: Address };
  validatorIndex: number;
  committeeSize: number;
  /**
   * The committee deciding a height (the driver's committeeAt, when the membership changes over
   * epochs): the rotation of that height is over it, and a height of an epoch we are not a
   * member of is never ours to post (we still take nothing over). Default: validatorIndex of
   * committeeSize for every height.
   */
  committeeAt?: ((height: number) => { validatorIndex: number; validatorCount: number }) | undefined;
  store: L1BlockSource;
  feeds: readonly FeedConfig[];
  postEveryHeaders?: number;
  takeoverTimeoutMs?: number;
  maxBacklogHeights?: number;
  context: L1JobContext;
  metrics?: L1Metrics;
  logger?: Logger;
}

export interface HeaderCall extends L1Call {
  kind: 'submitHeader' | 'submitHeaderAndUpdatePrices' | 'updatePrices';
  pricesCount: number;
}

export class HeaderJob implements L1Job<HeaderCall> {
  readonly name = 'headers';
  readonly #p: HeaderJobOptions;
  readonly #postEveryHeaders: number;
  readonly #takeoverTimeoutMs: number;
  readonly #backlog: Backlog;

  #resumed = false;
  #l1LatestHeight = 0;
  #plannedHeight = 0;
  /** feedId → the price L1 will hold once every planned needed height is posted. */
  #projected = new Map<Hex, FinalizedPrice>();
  #lastPostedHeight = 0;
  #headersPosted = 0;
  #pricesPosted = 0;
  #duplicates = 0;

  constructor(parameters: HeaderJobOptions) {
    this.#p = parameters;
    this.#postEveryHeaders = parameters.postEveryHeaders ?? L1_DEFAULT_POST_EVERY_HEADERS;
    this.#takeoverTimeoutMs = parameters.takeoverTimeoutMs ?? L1_DEFAULT_TAKEOVER_TIMEOUT_MS;
    this.#backlog = new Backlog(parameters.maxBacklogHeights ?? L1_MAX_BACKLOG_HEIGHTS);
    // Throws for a bad index or size: a misconfigured committee must not start.
    if (parameters.committeeAt === undefined)
      rotationDistance(parameters.validatorIndex, 1, parameters.committeeSize, this.#postEveryHeaders);
  }

  get resumed(): boolean {
    return this.#resumed;
  }

  /** The inbox's latestHeight as last read. */
  get l1LatestHeight(): number {
    return this.#l1LatestHeight;
  }

  get plannedHeight(): number {
    return this.#plannedHeight;
  }

  get backlog(): Backlog {
    return this.#backlog;
  }

  get lastPostedHeight(): number {
    return this.#lastPostedHeight;
  }

  get headersPosted(): number {
    return this.#headersPosted;
  }

  get pricesPosted(): number {
    return this.#pricesPosted;
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  wantsRound(height: number): boolean {
    return height > this.#plannedHeight;
  }

  wakeAtMs(): number | undefined {
    const nowMs = this.#p.context.nowMs();
    let wake: number | undefined;
    for (const entry of this.#backlog.entries()) {
      const due = this.#dueAtMs(entry);
      // Infinity: a height of an epoch we are not a member of, never ours.
      if (due > nowMs && Number.isFinite(due) && (wake === undefined || due < wake)) wake = due;
    }
    return wake;
  }

  failed(_failure: L1Failure): void {}

  afterRound(): void {
    this.#p.metrics?.backlog.set(this.#backlog.size);
  }

  async plan(): Promise<void> {
    if (!this.#resumed) return;
    await this.#planFinalizedHeights();
    this.#p.metrics?.backlog.set(this.#backlog.size);
  }

  async next(): Promise<HeaderCall | undefined> {
    if (!this.#resumed) {
      await this.#resume();
      await this.plan();
    }
    await this.readLatestHeight();
    await this.#settleBacklog();
    const due = this.#dueEntry();
    return due === undefined ? undefined : await this.#prepare(due);
  }

  // -------------------------------------------------------------------------------------------
  // Planning

  /** Reads where L1 stands: the inbox's latestHeight and each feed's price. */
  async #resume(): Promise<void> {
    await this.readLatestHeight();
    const prices = await this.#readL1Prices(this.#p.feeds.map((feed) => feed.feedId.toLowerCase() as Hex));
    this.#projected = new Map();
    for (const [feedId, price] of prices) if (price !== undefined) this.#projected.set(feedId, price);
    // From the inbox's latest height itself: if another relayer posted it with plain
    // submitHeader, its prices may still be missing and go out with updatePrices.
    this.#plannedHeight = Math.max(
      this.#l1LatestHeight - 1,
      0,
      this.#p.store.latestHeight() - L1_RESUME_SCAN_MAX_HEIGHTS,
    );
    this.#resumed = true;
    this.#p.logger?.info(
      { l1LatestHeight: this.#l1LatestHeight, storeHeight: this.#p.store.latestHeight() },
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
        finalizedAtMs: this.#p.context.nowMs(),
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

  /** Reads the inbox's latestHeight. */
  async readLatestHeight(): Promise<number> {
    const latest = await this.#p.publicClient.readContract({
      address: this.#p.addresses.inbox,
      abi: inboxCallAbi,
      functionName: 'latestHeight',
    });
    this.#p.context.markReachable();
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
    const committee = this.#p.committeeAt?.(entry.height);
    if (committee !== undefined && committee.validatorIndex < 0) return Number.POSITIVE_INFINITY;
    const distance = rotationDistance(
      committee?.validatorIndex ?? this.#p.validatorIndex,
      entry.height,
      committee?.validatorCount ?? this.#p.committeeSize,
      this.#postEveryHeaders,
    );
    return (
      Math.max(entry.finalizedAtMs, this.#p.context.reachableSinceMs()) + distance * this.#takeoverTimeoutMs
    );
  }

  /** The highest header due now; else the highest due price-only entry. */
  #dueEntry(): BacklogEntry | undefined {
    const nowMs = this.#p.context.nowMs();
    const due = this.#backlog.entries().filter((entry) => this.#dueAtMs(entry) <= nowMs);
    return due.filter((entry) => !entry.pricesOnly).at(-1) ?? due.at(-1);
  }

  // -------------------------------------------------------------------------------------------
  // Posting

  async #prepare(entry: BacklogEntry): Promise<HeaderCall | undefined> {
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
    const base = {
      height: header.height,
      pricesCount: updates.length,
      fallbackGas: L1_FALLBACK_GAS_BASE + L1_FALLBACK_GAS_PER_PRICE * BigInt(updates.length),
      logFields: { prices: updates.length },
    };
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

  // -------------------------------------------------------------------------------------------
  // Outcomes (L1CallOwner)

  isDuplicateRevert(error: unknown): boolean {
    return isStaleHeightRevert(error);
  }

  /** A header call can no longer succeed once the inbox reached its height. */
  async isStillWanted(call: HeaderCall): Promise<boolean> {
    if (call.kind === 'updatePrices') return true;
    return (await this.readLatestHeight()) < call.height;
  }

  landed(call: HeaderCall, _receipt: TransactionReceipt): void {
    if (call.kind !== 'updatePrices') {
      this.#headersPosted++;
      this.#p.metrics?.headersPostedTotal.inc();
    }
    this.#pricesPosted += call.pricesCount;
    this.#p.metrics?.pricesPostedTotal.inc(call.pricesCount);
    this.#lastPostedHeight = Math.max(this.#lastPostedHeight, call.height);
    this.#backlog.delete(call.height);
  }

  duplicate(call: HeaderCall, at: Exclude<L1DuplicateAt, 'cancelled'>): void {
    this.#recordDuplicate(call, at);
  }

  cancelled(call: HeaderCall): void {
    this.#recordDuplicate(call, 'cancelled');
  }

  #recordDuplicate(call: HeaderCall, at: L1DuplicateAt): void {
    this.#duplicates++;
    this.#p.metrics?.duplicateSubmissionsTotal.inc();
    this.#backlog.delete(call.height);
    this.#p.logger?.info(
      { height: call.height, at },
      'height already on L1 (duplicate submission, harmless)',
    );
  }
}
