import type { Hex } from '@synod/protocol';
import type { PostReason } from './schedule.ts';

/** A finalized height that must reach L1. */
export interface BacklogEntry {
  height: number;
  reason: PostReason;
  /** Feeds whose price at this height must be pushed (lowercase ids). */
  pushFeedIds: Hex[];
  /** When this node learned of the height (its takeover clock starts here). */
  finalizedAtMs: number;
  /**
   * The inbox already holds this header but PriceFeeds lags on some of pushFeedIds: post
   * `updatePrices` rather than the header.
   */
  pricesOnly: boolean;
}

/**
 * Heights waiting to be posted, ascending, at most `maxHeights`. When full, the oldest entry is
 * dropped: a later posted header proves it through its historyRoot, and its prices are
 * superseded by the later ones (feeds only move forward on L1), so the newest needed height,
 * which is always kept, covers it.
 */
export class Backlog {
  readonly #maxHeights: number;
  #entries: BacklogEntry[] = [];

  constructor(maxHeights: number) {
    if (!Number.isSafeInteger(maxHeights) || maxHeights < 1) {
      throw new RangeError(`backlog cap must be a positive integer, got ${maxHeights}`);
    }
    this.#maxHeights = maxHeights;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Entries, ascending by height. */
  entries(): readonly BacklogEntry[] {
    return this.#entries;
  }

  /** Adds an entry above every present one; returns how many old entries the cap dropped. */
  push(entry: BacklogEntry): number {
    const last = this.#entries.at(-1);
    if (last !== undefined && entry.height <= last.height) {
      throw new RangeError(`backlog heights must increase: ${entry.height} after ${last.height}`);
    }
    this.#entries.push(entry);
    const excess = this.#entries.length - this.#maxHeights;
    if (excess > 0) this.#entries.splice(0, excess);
    return Math.max(0, excess);
  }

  delete(height: number): void {
    this.#entries = this.#entries.filter((entry) => entry.height !== height);
  }

  /** Removes the entries for which `drop` returns true. */
  deleteWhere(drop: (entry: BacklogEntry) => boolean): void {
    this.#entries = this.#entries.filter((entry) => !drop(entry));
  }
}
