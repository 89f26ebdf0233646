import {
  type CertifiedBlock,
  type Hex,
  headerHash,
  MAX_BLOCK_REQUEST_COUNT,
  type NetworkDomain,
  type SignedVoteExtension,
  type SyncedBlock,
  type Timers,
  VoteKind,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { CANARY_FAULTS, type CanaryFaults } from '../consensus/faults.ts';
import type { ConsensusDriver, SyncedExtensions } from '../driver/driver.ts';
import { hedgedRequests } from '../driver/hedged.ts';
import {
  SYNC_GRACE_MS,
  SYNC_HEDGE_MS,
  SYNC_INTERVAL_MS,
  SYNC_MAX_TRACKED_PEERS,
  SYNC_PEER_HINT_TTL_MS,
  SYNC_REQUEST_TIMEOUT_MS,
} from './constants.ts';

/**
 * Catch-up sync (docs/consensus.md "Deviations" 1, issue #5 §6). A node learns that it is behind
 * from the heights of the consensus messages its peers gossip (a validator voting at height H
 * has finalized H − 1). When a peer is past our height — by more than one block at once, or by
 * one for longer than SYNC_GRACE_MS (normal consensus gets there first) — it fetches the
 * certified blocks it misses with `/synod/1/req/blocks`, MAX_BLOCK_REQUEST_COUNT at a time, and
 * checks each before using it:
 *
 * - header chaining: parentHash is our tip's hash, historyRoot our accumulator's root, network;
 * - the certificate: the group signature over voteMessage(precommit, h, round, headerHash);
 *
 * then hands it to the consensus driver, which decides it by certificate (L49 by proof) and
 * stores it like any other block. When no peer is ahead any more, the node is in consensus at
 * the tip. Only certificates are trusted, never the peer that served the block.
 *
 * Peers that serve `blocks-with-extensions` also send each block's extensions: those its
 * content derives from (bound to the parent) and those of its own commit (bound to the block).
 * Each must be bound, from a distinct committee member and correctly signed, or it is dropped.
 * With them the driver rebuilds the block's content state (the oracle breaker) and, for the
 * last synced block, has the next height's content input: the node can propose right away.
 */

export interface SyncNetwork {
  /** Certified blocks fromHeight, fromHeight+1, … (at most `count`) from `peer`, with their extensions if it has them. */
  requestBlocks(peer: string, fromHeight: number, count: number, signal: AbortSignal): Promise<SyncedBlock[]>;
}

export interface CatchUpSyncOptions {
  /** The driver blocks are applied to; its committees check certificates and extensions. */
  driver: ConsensusDriver;
  domain: NetworkDomain;
  network: SyncNetwork;
  logger?: Logger | undefined;
  /** Monotonic ms clock (default performance.now). */
  nowMs?: () => number;
  /** Timers of the sync loop and of request deadlines (default the global setTimeout). */
  timers?: Timers;
  /** Deadline of one block range request (default SYNC_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** How long a peer has to answer before the next one is asked too (default SYNC_HEDGE_MS). */
  hedgeMs?: number;
  /** Test-only broken variants (consensus/faults.ts): only the simulator's canaries set them. */
  readonly [CANARY_FAULTS]?: CanaryFaults;
  /** Called with the number of blocks applied by each sync run (metrics). */
  onSynced?: (blocks: number) => void;
}

export type BlockCheck =
  | 'ok'
  | 'wrong-height'
  | 'wrong-network'
  | 'wrong-parent'
  | 'wrong-history'
  | 'bad-certificate';

export class CatchUpSync {
  readonly #options: CatchUpSyncOptions;
  readonly #nowMs: () => number;
  readonly #timers: Timers;
  /** peerId → the consensus height it was last seen at, and when. */
  readonly #peerHeights = new Map<string, { height: number; atMs: number }>();
  #timer: unknown;
  /** Aborts the requests in flight when the sync stops. */
  readonly #stopSignal = new AbortController();
  #running: Promise<void> | undefined;
  #syncing = false;
  #stopped = false;
  #lastHeight = 0;
  #lastProgressMs = 0;

  constructor(options: CatchUpSyncOptions) {
    this.#options = options;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#timers = options.timers ?? {
      setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
  }

  /** True while fetching and applying blocks. */
  get syncing(): boolean {
    return this.#syncing;
  }

  /** The highest height a peer has finalized, as far as we know (0 if none). */
  get bestPeerFinalizedHeight(): number {
    let best = 0;
    const now = this.#nowMs();
    for (const entry of this.#peerHeights.values()) {
      if (now - entry.atMs <= SYNC_PEER_HINT_TTL_MS) best = Math.max(best, entry.height - 1);
    }
    return best;
  }

  /**
   * `peer` sent a consensus message of `height` (signature-checked, unless the height is beyond
   * the settled committees: see gossip.ts): it finalized height − 1.
   */
  noteHeight(peer: string, height: number): void {
    const known = this.#peerHeights.get(peer);
    if (known === undefined && this.#peerHeights.size >= SYNC_MAX_TRACKED_PEERS) return;
    if (known !== undefined && known.height > height && this.#nowMs() - known.atMs < SYNC_PEER_HINT_TTL_MS)
      return;
    this.#peerHeights.set(peer, { height, atMs: this.#nowMs() });
  }

  start(): void {
    this.#stopped = false;
    this.#lastHeight = this.#options.driver.height;
    this.#lastProgressMs = this.#nowMs();
    this.#armTick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopSignal.abort(new Error('catch-up sync stopped'));
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** The sync loop: one tick every SYNC_INTERVAL_MS until stopped. */
  #armTick(): void {
    if (this.#stopped) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
      this.#armTick();
    }, SYNC_INTERVAL_MS);
  }

  /** Checks one fetched block against our tip (everything but the certificate). */
  checkBlock(certified: CertifiedBlock): BlockCheck {
    const { driver, domain } = this.#options;
    const { header } = certified.block;
    if (header.height !== driver.chain.height + 1) return 'wrong-height';
    if (header.networkId !== domain.networkId) return 'wrong-network';
    if (header.parentHash !== driver.chain.lastBlockId) return 'wrong-parent';
    if (header.historyRoot !== driver.chain.history.root()) return 'wrong-history';
    if (this.#options[CANARY_FAULTS]?.skipCatchUpCertificateCheck === true) return 'ok';
    const certified_ = driver.committeeAt(header.height).crypto.verifyVoteCertificate(
      {
        kind: VoteKind.Precommit,
        networkId: domain.networkId,
        height: header.height,
        round: certified.certificate.round,
        blockId: headerHash(header, domain),
      },
      certified.certificate.signature,
    );
    return certified_ ? 'ok' : 'bad-certificate';
  }

  /**
   * The served extensions of a block that passed checkBlock, each kept only if it is bound to
   * what it claims (content: the parent, height − 1; commit: this block), of a distinct
   * committee member, and correctly signed. Returns those and how many were dropped.
   */
  checkExtensions(synced: SyncedBlock): { extensions: SyncedExtensions; dropped: number } {
    const { driver, domain } = this.#options;
    const { header } = synced.certified.block;
    let dropped = 0;
    const keep = (list: readonly SignedVoteExtension[], height: number, blockId: Hex) => {
      const seen = new Set<number>();
      const { validatorCount, crypto } = driver.committeeAt(height);
      return list.filter((extension) => {
        const ok =
          extension.networkId === domain.networkId &&
          extension.height === height &&
          extension.blockId === blockId &&
          Number.isSafeInteger(extension.validatorIndex) &&
          extension.validatorIndex >= 0 &&
          extension.validatorIndex < validatorCount &&
          !seen.has(extension.validatorIndex) &&
          crypto.verifyExtension(extension);
        if (ok) seen.add(extension.validatorIndex);
        else dropped += 1;
        return ok;
      });
    };
    const extensions = {
      content: header.height > 1 ? keep(synced.contentExtensions, header.height - 1, header.parentHash) : [],
      commit: keep(synced.commitExtensions, header.height, headerHash(header, domain)),
    };
    return { extensions, dropped };
  }

  #tick(): void {
    if (this.#stopped || this.#running !== undefined) return;
    const { driver } = this.#options;
    const now = this.#nowMs();
    if (driver.height !== this.#lastHeight) {
      this.#lastHeight = driver.height;
      this.#lastProgressMs = now;
    }
    const target = this.bestPeerFinalizedHeight;
    if (target < driver.height) return;
    const farBehind = target > driver.height;
    if (!farBehind && now - this.#lastProgressMs < SYNC_GRACE_MS) return;
    this.#running = this.#sync(target).finally(() => {
      this.#running = undefined;
    });
  }

  async #sync(target: number): Promise<void> {
    const { driver, network, logger } = this.#options;
    this.#syncing = true;
    const startHeight = driver.height;
    logger?.info({ from: startHeight, target }, 'catching up from peers');
    try {
      while (!this.#stopped && driver.height <= target) {
        const from = driver.height;
        const count = Math.min(MAX_BLOCK_REQUEST_COUNT, target - from + 1);
        const progressed = await this.#fetchRange(from, count, network);
        if (!progressed) break;
      }
    } finally {
      this.#syncing = false;
      const applied = driver.height - startHeight;
      this.#options.onSynced?.(applied);
      logger?.info({ applied, height: driver.height }, 'catch-up finished');
      this.#lastProgressMs = this.#nowMs();
    }
  }

  /**
   * Asks peers ahead of `from`, best first and hedged (driver/hedged.ts: the next one too when
   * one has not answered within the hedge, or served nothing that applies), until one serves
   * blocks that apply.
   */
  async #fetchRange(from: number, count: number, network: SyncNetwork): Promise<boolean> {
    const { driver, logger } = this.#options;
    const peers = [...this.#peerHeights]
      .filter(([, entry]) => entry.height - 1 >= from)
      .sort((a, b) => b[1].height - a[1].height)
      .map(([peer]) => peer);
    const answers = hedgedRequests({
      peers,
      request: async (peer, signal) => {
        const deadline = new AbortController();
        const handle = this.#timers.setTimeout(
          () => deadline.abort(new Error('block request timed out')),
          this.#options.requestTimeoutMs ?? SYNC_REQUEST_TIMEOUT_MS,
        );
        try {
          return await network.requestBlocks(peer, from, count, AbortSignal.any([signal, deadline.signal]));
        } finally {
          this.#timers.clearTimeout(handle);
        }
      },
      hedgeMs: this.#options.hedgeMs ?? SYNC_HEDGE_MS,
      timers: this.#timers,
      signal: this.#stopSignal.signal,
    });
    for await (const answer of answers) {
      if (this.#stopped) return false;
      const { peer } = answer;
      if (!answer.ok) {
        logger?.debug({ peer, from, err: answer.error }, 'block request failed');
        continue;
      }
      let applied = 0;
      for (const block of answer.result) {
        const height = block.certified.block.header.height;
        // Already in the chain: consensus (or an earlier answer) got there meanwhile. Compared with
        // the chain, as checkBlock is: the core's height moves on a moment after the chain's.
        if (height <= driver.chain.height) continue;
        const check = this.checkBlock(block.certified);
        if (check !== 'ok') {
          logger?.warn({ peer, height, check }, 'peer served a block that does not check');
          break;
        }
        const { extensions, dropped } = this.checkExtensions(block);
        if (dropped > 0) {
          logger?.warn({ peer, height, dropped }, 'peer served extensions that do not check; dropped');
        }
        if (!(await driver.applyCertifiedBlock(block.certified, extensions))) break;
        applied += 1;
      }
      if (applied > 0 || driver.height > from) return true;
    }
    return false;
  }
}
