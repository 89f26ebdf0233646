import type { FeedState } from '@synod/oracle';
import {
  type Address,
  COMMITTEE_NAMESPACE,
  type DecryptionShares,
  decryptionShare,
  type Evidence,
  EvidenceCodec,
  type Hex,
  headerHash,
  MAX_INCLUSION_LIST_ENTRIES,
  MAX_TX_REQUEST_IDS,
  type Proposal,
  recoverTransactionSender,
  revealedTransaction,
  type SignedTransaction,
  type SignedVoteExtension,
  type CertifiedBlock as StoredCertifiedBlock,
  SYSTEM_TIMERS,
  type Timers,
  TRANSITION_ACTIVATION_DELAY,
  transactionCodec,
  transactionId,
  type Vote,
  VoteCodec,
  VoteExtensionCodec,
  VoteKind,
} from '@synod/protocol';
import type { Logger } from 'pino';
import type { BehaviourContext } from '../behaviour/types.ts';
import { contentOfCommit, inclusionListForExtension } from '../consensus/commitContent.ts';
import {
  applyBlock,
  type BlockContent,
  ChainState,
  type ContentContext,
  checkProposalContent,
  deriveBlockContent,
  envelopesDue,
  isWellFormedExtension,
} from '../consensus/content.ts';
import { type ConsensusState, createConsensusState, NIL_BLOCK_ID, step } from '../consensus/core.ts';
import { CANARY_FAULTS, type CanaryFaults } from '../consensus/faults.ts';
import { pendingEnvelope } from '../consensus/reveals.ts';
import type {
  CommitRecord,
  ConsensusConfig,
  ConsensusInput,
  ConsensusMessage,
  ConsensusOutput,
  ExtensionPayload,
  ProposedBlock,
  SafetyRecord,
} from '../consensus/types.ts';
import type { ListedBody, LoggedVote } from '../storage/types.ts';
import {
  DRIVER_DIAGNOSTIC_ROUNDS,
  DRIVER_FETCH_TIMEOUT_MS,
  DRIVER_IDLE_PRICE_POLL_MS,
  DRIVER_MAX_COMMIT_FETCH_ATTEMPTS,
  DRIVER_MAX_FETCHED_BODIES,
  DRIVER_MAX_VERIFIED_TRANSACTIONS,
  DRIVER_SHARES_AHEAD_HEIGHTS,
  DRIVER_SHARES_WAIT_MS,
  DRIVER_STALL_WARNING_MS,
  SYNCED_BLOCK_COMMIT_TIMEOUT_MS,
} from './constants.ts';
import { decodePersistedState, encodePersistedState, type FeedStateSnapshot } from './persistence.ts';
import type {
  CommittedBlock,
  ConsensusDiagnostics,
  ConsensusDriverDeps,
  ConsensusDriverOptions,
  EpochCommittee,
  EpochTransition,
} from './types.ts';

/**
 * The consensus driver (docs/consensus.md "Driver interface"): runs the pure core against
 * injected interfaces — a ConsensusStore (the node's LevelDB Store; the simulator's
 * MemoryStore), a DriverNetwork, clocks and timers — so that the simulator runs this very code
 * for every validator. Inputs are processed one at a time, in arrival order; the outputs of
 * each are carried out in order, and every `persist` is awaited (fsync) before any later output,
 * so a vote or proposal never leaves the process before the record that covers it is on disk.
 * `buildBlock` and `checkContent` are answered at once when every body is at hand, otherwise
 * after fetching the missing ones from peers (a body that cannot be fetched makes the content
 * invalid: the core prevotes nil).
 *
 * On start it rebuilds the chain state from the stored blocks and restores the core from the
 * persisted safety record, cross-checked against the vote log: a restarted validator resumes its
 * round and step and never signs a second, different vote for a (height, round, step).
 */
export class ConsensusDriver {
  readonly chain = new ChainState();
  readonly #options: ConsensusDriverOptions;
  readonly #deps: ConsensusDriverDeps;
  readonly #timers: Timers;
  readonly #nowMs: () => number;
  readonly #monotonicNowMs: () => number;
  readonly #faults: CanaryFaults;
  readonly #logger: Logger | undefined;
  /** Evidence recorded since start, by evidenceKeyOf (bounded): a second copy is neither stored nor relayed. */
  readonly #recordedEvidence = new Set<string>();
  #core: ConsensusState | undefined;
  readonly #queue: ConsensusInput[] = [];
  #draining = false;
  #idle: Promise<void> = Promise.resolve();
  #resolveIdle: (() => void) | undefined;
  #stopped = false;
  readonly #timerHandles = new Set<unknown>();
  /** Contents this node validated or built at the current height, by block id. */
  readonly #contents = new Map<Hex, BlockContent>();
  /** Bodies not in the mempool: fetched from peers, from synced blocks, or recently finalized; oldest first. */
  readonly #bodies = new Map<Hex, SignedTransaction>();
  /**
   * Bodies this node listed in extensions it signed at heights ≥ the chain tip, as persisted with
   * the safety record (store table ListedBody): the next height's content needs them, and after
   * a restart the mempool is gone. By txId, with the highest height it was listed at.
   */
  readonly #listedBodies = new Map<Hex, { height: number; tx: SignedTransaction }>();
  /** `height/txId` of listed bodies on disk. */
  #persistedListed = new Set<string>();
  /** Bodies of extensions signed since the last persist, written with the record that covers them. */
  #unpersistedListed = new Map<string, { height: number; txId: Hex; tx: SignedTransaction }>();
  /** Signature checks of bodies outside the mempool, `txId/signature` → authentic. */
  readonly #verified = new Map<string, boolean>();
  /**
   * Own votes of the current height already in the vote log, by `height/round/kind`: the very
   * objects the core holds, so that a vote the core signs again differently (a bug) is not
   * skipped but handed to the store, whose CONFLICTING_VOTE stops the driver.
   */
  #loggedVotes = new Map<string, Vote>();
  #lastRecord: SafetyRecord | null = null;
  #feedSnapshots: FeedStateSnapshot[] = [];
  readonly #commitListeners = new Set<(block: CommittedBlock) => void>();
  readonly #evidenceListeners = new Set<(evidence: Evidence) => void>();
  readonly #heightWaiters = new Map<number, (() => void)[]>();
  /**
   * The committee of each epoch from the height it activates, in order: the genesis one from
   * the options, later ones installed by finalized transition records (at most one pending).
   */
  readonly #epochs: { activationHeight: number; committee: EpochCommittee }[];
  readonly #transitionListeners = new Set<(transition: EpochTransition) => void>();
  #heightStartedMs = 0;
  /** Our latest DecryptionShares message (re-sent with retransmissions while it is due). */
  #ownShares: DecryptionShares | undefined;
  /** DecryptionShares received, by the height of the envelopes, then validator index. */
  readonly #sharePool = new Map<number, Map<number, readonly Uint8Array[]>>();
  /** Derivations waiting for more shares of the envelopes due. */
  #shareWaiters: (() => void)[] = [];
  /** DecryptionShares of blocks we have not committed yet (from nodes ahead), signature checked. */
  readonly #sharesAhead = new Map<number, Map<number, DecryptionShares>>();
  #roundStartedMs = 0;
  #roundKey = '';
  /** Retransmissions of the step being carried out, sent together after it. */
  #retransmissions: ConsensusMessage[] = [];
  /** Monotonic ms of the last finalized block (or the start). */
  #lastProgressMs = 0;
  #stalled = false;
  #stalls = 0;
  #watchdog: unknown;
  /** What a test-only behaviour may read of this node (deps.behaviour). */
  readonly #behaviourContext: BehaviourContext;
  /**
   * Round 0 of `height` held back while nothing is there to order (options.idleIntervalMs): the
   * core's propose timeout and build request for it, carried out when the height wakes.
   */
  #idleHold:
    | {
        height: number;
        deferred: Extract<ConsensusOutput, { type: 'scheduleTimeout' | 'buildBlock' }>[];
        timer: unknown;
        poll: unknown;
      }
    | undefined;
  #unsubscribeMempool: (() => void) | undefined;

  constructor(options: ConsensusDriverOptions, deps: ConsensusDriverDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#timers = deps.timers ?? SYSTEM_TIMERS;
    this.#nowMs = deps.nowMs ?? Date.now;
    this.#monotonicNowMs = deps.monotonicNowMs ?? (() => performance.now());
    this.#faults = options[CANARY_FAULTS] ?? {};
    this.#logger = deps.logger;
    this.#epochs = [
      {
        activationHeight: 1,
        committee: {
          epoch: options.epoch,
          validatorIndex: options.validatorIndex,
          validatorCount: options.validatorCount,
          crypto: deps.crypto,
          encryption: deps.encryption,
        },
      },
    ];
    const current = () => this.committeeAt(this.height);
    this.#behaviourContext = {
      get validatorIndex() {
        return current().validatorIndex;
      },
      get validatorCount() {
        return current().validatorCount;
      },
      get crypto() {
        return current().crypto;
      },
      nowMs: () => this.#nowMs(),
      body: (txId) => this.body(txId),
    };
  }

  /** The committee deciding `height` (docs/consensus.md "Epochs"). */
  committeeAt(height: number): EpochCommittee {
    let found = this.#epochs[0]!;
    for (const entry of this.#epochs) if (entry.activationHeight <= height) found = entry;
    return found.committee;
  }

  /**
   * The committee of `height` if it is settled: a record in a block not yet final could still
   * change heights above chain.height + TRANSITION_ACTIVATION_DELAY, so those are undefined
   * (gossip IGNOREs their messages rather than judging them by the wrong committee).
   */
  knownCommitteeAt(height: number): EpochCommittee | undefined {
    return height > this.chain.height + TRANSITION_ACTIVATION_DELAY ? undefined : this.committeeAt(height);
  }

  /** Every epoch known: its committee and the first height it decides, oldest first. */
  get epochs(): readonly { activationHeight: number; committee: EpochCommittee }[] {
    return this.#epochs;
  }

  /** Calls `listener` when a finalized transition record schedules the next epoch. Returns the unsubscribe function. */
  onTransition(listener: (transition: EpochTransition) => void): () => void {
    this.#transitionListeners.add(listener);
    return () => this.#transitionListeners.delete(listener);
  }

  /**
   * Block `height` is final: a valid transition record among its transactions schedules the next
   * epoch at height + TRANSITION_ACTIVATION_DELAY. Only while no transition is pending, and only
   * the first valid record: every node applies the same rule to the same blocks.
   */
  async #applyTransitions(
    height: number,
    transactions: readonly SignedTransaction[],
    replay: boolean,
  ): Promise<void> {
    const acceptor = this.#deps.transitions;
    if (acceptor === undefined || (replay && this.#faults.forgetTransitionsOnRestart === true)) return;
    for (const tx of transactions) {
      if (tx.namespace.toLowerCase() !== COMMITTEE_NAMESPACE) continue;
      const latest = this.#epochs.at(-1)!;
      if (latest.activationHeight > height) return; // one pending at a time
      const committee = await acceptor.accept(tx, latest.committee);
      if (committee === undefined) continue;
      if (committee.epoch !== latest.committee.epoch + 1) {
        throw new Error(
          `assertion failed: transition to epoch ${committee.epoch} after ${latest.committee.epoch}`,
        );
      }
      const transition: EpochTransition = {
        recordHeight: height,
        activationHeight:
          height + TRANSITION_ACTIVATION_DELAY - (this.#faults.earlyTransition === true ? 1 : 0),
        committee,
      };
      this.#epochs.push({ activationHeight: transition.activationHeight, committee });
      this.#logger?.info(
        {
          epoch: committee.epoch,
          recordHeight: height,
          activationHeight: transition.activationHeight,
          validatorCount: committee.validatorCount,
          validatorIndex: committee.validatorIndex,
          replay,
        },
        committee.validatorIndex < 0
          ? 'committee transition scheduled; this node is not a member of the new epoch'
          : 'committee transition scheduled',
      );
      if (replay) return;
      for (const listener of this.#transitionListeners) {
        try {
          listener(transition);
        } catch (error) {
          this.#logger?.error({ err: error }, 'transition listener failed');
        }
      }
      return;
    }
  }

  /** Height consensus is working on (latest finalized + 1). */
  get height(): number {
    return this.#core?.height ?? this.chain.height + 1;
  }

  get round(): number {
    return this.#core?.round ?? 0;
  }

  get started(): boolean {
    return this.#core !== undefined && !this.#stopped;
  }

  /** Calls `listener` with each equivocation evidence recorded (once per offence). Returns the unsubscribe function. */
  onEvidence(listener: (evidence: Evidence) => void): () => void {
    this.#evidenceListeners.add(listener);
    return () => this.#evidenceListeners.delete(listener);
  }

  /** Calls `listener` after each block is stored and applied, in height order. */
  onCommit(listener: (block: CommittedBlock) => void): () => void {
    this.#commitListeners.add(listener);
    return () => this.#commitListeners.delete(listener);
  }

  /** Restores from disk and starts the core (L10). */
  async start(): Promise<void> {
    const { store } = this.#deps;
    await this.#restoreChain();
    const bytes = await store.loadConsensusState();
    const persisted = bytes === undefined ? { record: null, feedSnapshots: [] } : decodePersistedState(bytes);
    this.#feedSnapshots = persisted.feedSnapshots;
    const snapshot = persisted.feedSnapshots.find((entry) => entry.height === this.chain.height);
    if (snapshot !== undefined) this.chain.feedStates = snapshot.states;
    else if (this.#options.feeds.length > 0 && this.chain.height > 0) {
      this.#logger?.warn(
        { height: this.chain.height },
        'no oracle breaker state for the stored tip; starting from empty feed states',
      );
    }
    const height = this.chain.height + 1;
    let record = persisted.record;
    if (record !== null && record.height > height) {
      // The record is written after the block it follows is stored; a record ahead of the store
      // means the chain data was replaced or damaged. Signing without it could contradict it.
      throw new Error(
        `assertion failed: safety record at height ${record.height} but the store ends at ${this.chain.height}; restore the chain data (or resync into a copy) before restarting`,
      );
    }
    if (record !== null && record.height < height) record = null;
    await this.#checkVoteLog(height, record);
    await this.#restoreListedBodies();
    this.#lastRecord = record;
    const lastCommit = await this.#loadLastCommit();
    // Shares are a function of the chain and the key: a restarted node sends its own again.
    this.#releaseShares();
    this.#core = createConsensusState({
      config: this.#consensusConfig(),
      height,
      lastCommit,
      persisted: record,
    });
    this.#heightStartedMs = this.#monotonicNowMs();
    this.#lastProgressMs = this.#heightStartedMs;
    this.#armWatchdog();
    this.#unsubscribeMempool = this.#deps.mempool.onAdded(() => this.#wakeIdle('transaction'));
    this.#logger?.info(
      {
        height,
        round: record?.round ?? 0,
        step: record?.step ?? 'propose',
        ownVotes: record?.ownVotes.length ?? 0,
      },
      record === null ? 'consensus starting' : 'consensus resuming from the safety record',
    );
    this.#enqueue({ type: 'start' });
  }

  /** Stops timers and input processing; waits for the output being carried out. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#releaseIdleHold();
    this.#unsubscribeMempool?.();
    if (this.#watchdog !== undefined) this.#timers.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    for (const handle of this.#timerHandles) this.#timers.clearTimeout(handle);
    this.#timerHandles.clear();
    this.#queue.length = 0;
    await this.#idle;
    for (const waiters of this.#heightWaiters.values()) for (const wake of waiters) wake();
    this.#heightWaiters.clear();
  }

  /**
   * Stores equivocation evidence (detected by our core, or received by gossip and checked by the
   * topic validator) and tells the listeners, once per (height, round, kind, validator): a second
   * copy of an offence already recorded is skipped. Resolves true when it was new. Never throws:
   * a store that refuses (e.g. the per-height cap) is logged.
   */
  async recordEvidence(evidence: Evidence, how: 'detected' | 'received'): Promise<boolean> {
    const { first } = evidence;
    const key = evidenceKeyOf(first);
    if (this.#recordedEvidence.has(key)) return false;
    if (this.#recordedEvidence.size >= MAX_REMEMBERED_EVIDENCE) {
      this.#recordedEvidence.delete(this.#recordedEvidence.values().next().value!);
    }
    this.#recordedEvidence.add(key);
    this.#logger?.warn(
      { validator: first.validatorIndex, height: first.height, round: first.round, kind: first.kind, how },
      'equivocation evidence',
    );
    await this.#deps.store
      .putEvidence([
        {
          height: first.height,
          round: first.round,
          kind: first.kind,
          validatorIndex: first.validatorIndex,
          bytes: EvidenceCodec.encode(evidence),
        },
      ])
      .catch((error: unknown) => this.#logger?.warn({ err: error }, 'evidence not stored'));
    for (const listener of this.#evidenceListeners) listener(evidence);
    return true;
  }

  /** Whether evidence against this vote's validator for its (height, round, kind) is already recorded. */
  knowsEvidence(vote: Pick<Vote, 'height' | 'round' | 'kind' | 'validatorIndex'>): boolean {
    return this.#recordedEvidence.has(evidenceKeyOf(vote));
  }

  /** A proposal or vote from gossip (already signature-checked by the topic validator). */
  receive(message: { type: 'proposal'; proposal: Proposal } | { type: 'vote'; vote: Vote }): void {
    this.#enqueue({ type: 'message', message });
  }

  /**
   * A certified block fetched by catch-up sync, for the height consensus is at. Its bodies are
   * kept for the commit; the core decides it by its certificate (L49 by proof). Resolves true
   * once it is stored, false if consensus is elsewhere or the certificate did not convince it.
   */
  async applyCertifiedBlock(
    certified: StoredCertifiedBlock,
    extensions: SyncedExtensions = { content: [], commit: [] },
  ): Promise<boolean> {
    const { header } = certified.block;
    if (this.#core === undefined || this.#stopped || header.height !== this.#core.height) return false;
    const transactionIds = certified.block.transactions.map((tx) => transactionId(tx, this.#options.domain));
    for (const [i, tx] of certified.block.transactions.entries()) this.#rememberBody(transactionIds[i]!, tx);
    // The content extensions let the commit rebuild the block's content state (the oracle
    // breaker); the commit extensions are the next height's content input (what a proposer
    // needs). The core checks both again (signatures, binding) before it uses them.
    const proposal = reconstructProposal(certified, transactionIds, [...extensions.content]);
    const committed = this.#waitForHeight(header.height + 1, SYNCED_BLOCK_COMMIT_TIMEOUT_MS);
    this.#enqueue({
      type: 'certifiedBlock',
      block: { proposal, certificate: certified.certificate, extensions: [...extensions.commit] },
    });
    await committed;
    return this.chain.height >= header.height;
  }

  /**
   * A snapshot of the core and the driver: height, round, step, locks, the votes and proposals of
   * the last rounds, queue and timers, time since the last finalized block. Logged at warn level
   * when consensus stalls; served by `synod_status`.
   */
  diagnostics(): ConsensusDiagnostics {
    const core = this.#core;
    const rounds = core === undefined ? [] : [...core.rounds.keys()].sort((a, b) => a - b);
    const tally = (votes: ReadonlyMap<number, Vote>): Record<string, number[]> => {
      const byBlock: Record<string, number[]> = {};
      for (const [index, vote] of [...votes].sort(([a], [b]) => a - b)) {
        const key = vote.blockId === NIL_BLOCK_ID ? 'nil' : vote.blockId;
        byBlock[key] = [...(byBlock[key] ?? []), index];
      }
      return byBlock;
    };
    return {
      height: this.height,
      round: this.round,
      step: core?.step ?? 'propose',
      lockedRound: core?.lockedRound ?? -1,
      validRound: core?.validRound ?? -1,
      msSinceProgress: Math.round(this.#monotonicNowMs() - this.#lastProgressMs),
      stalled: this.#stalled,
      stalls: this.#stalls,
      queuedInputs: this.#queue.length,
      processing: this.#draining,
      pendingTimers: this.#timerHandles.size,
      rounds: rounds.slice(-DRIVER_DIAGNOSTIC_ROUNDS).map((round) => {
        const state = core!.rounds.get(round)!;
        return {
          round,
          proposal: state.proposalBlockId,
          prevotes: tally(state.prevotes),
          precommits: tally(state.precommits),
        };
      }),
      ownVotes: (core?.ownVotes ?? []).map(
        (vote) =>
          `${vote.round}/${vote.kind === VoteKind.Prevote ? 'prevote' : 'precommit'}/${vote.blockId === NIL_BLOCK_ID ? 'nil' : vote.blockId.slice(0, 10)}`,
      ),
      futureMessages: core?.futureMessages.length ?? 0,
    };
  }

  /** Checks for a stall once per stall period (and keeps reporting it while it lasts). */
  #armWatchdog(): void {
    if (this.#stopped) return;
    const periodMs = this.#options.stallWarningMs ?? DRIVER_STALL_WARNING_MS;
    const elapsed = this.#monotonicNowMs() - this.#lastProgressMs;
    const delayMs = elapsed >= periodMs ? periodMs : periodMs - elapsed;
    this.#watchdog = this.#timers.setTimeout(() => {
      this.#watchdog = undefined;
      this.#checkStall(periodMs);
      this.#armWatchdog();
    }, delayMs);
    (this.#watchdog as { unref?: () => void }).unref?.();
  }

  #checkStall(periodMs: number): void {
    if (this.#stopped || this.#monotonicNowMs() - this.#lastProgressMs < periodMs) return;
    if (!this.#stalled) {
      this.#stalled = true;
      this.#stalls += 1;
      this.#deps.metrics?.stalled.set(1);
      this.#deps.metrics?.stallsTotal.inc();
    }
    this.#logger?.warn(
      { diagnostics: this.diagnostics(), ...this.#deps.diagnostics?.() },
      `consensus stalled: no block finalized for ${Math.round((this.#monotonicNowMs() - this.#lastProgressMs) / 1000)} s`,
    );
  }

  #markProgress(nowMs: number): void {
    if (this.#stalled) {
      this.#logger?.warn(
        { height: this.height, stalledForMs: Math.round(nowMs - this.#lastProgressMs) },
        'consensus progressing again after a stall',
      );
      this.#stalled = false;
      this.#deps.metrics?.stalled.set(0);
    }
    this.#lastProgressMs = nowMs;
  }

  /** A body this node holds for `txId`: pending, fetched, from a synced block, or listed by us. */
  body(txId: Hex): SignedTransaction | undefined {
    return (
      this.#deps.mempool.get(txId)?.transaction ?? this.#bodies.get(txId) ?? this.#listedBodies.get(txId)?.tx
    );
  }

  /** Validators of the committee deciding the current height (n). */
  get validatorCount(): number {
    return this.committeeAt(this.height).validatorCount;
  }

  // --- input processing ---------------------------------------------------------------------

  #enqueue(input: ConsensusInput): void {
    // Gossip can arrive while start() still restores the chain: there is no core to give it to
    // yet, and peers re-send what matters (rebroadcast), so it is dropped, never a crash.
    if (this.#stopped || this.#core === undefined) return;
    this.#queue.push(input);
    if (this.#draining) return;
    this.#draining = true;
    this.#idle = new Promise((resolve) => {
      this.#resolveIdle = resolve;
    });
    void this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      for (let input = this.#queue.shift(); input !== undefined; input = this.#queue.shift()) {
        if (this.#stopped) break;
        if (input.type === 'timeout' && input.timeout.kind !== 'rebroadcast') {
          const core = this.#core!;
          if (input.timeout.height === core.height && input.timeout.round === core.round)
            this.#deps.metrics?.timeoutsTotal.inc({ step: input.timeout.kind });
        }
        const { outputs } = step(this.#core!, input);
        if (this.#faults.broadcastBeforePersist === true) broadcastBeforePersist(outputs);
        for (const output of outputs) {
          if (this.#stopped) break;
          await this.#carryOut(output);
        }
        this.#flushRetransmissions();
        this.#afterStep();
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#draining = false;
      this.#resolveIdle?.();
    }
  }

  /** Sends the step's retransmissions to every peer in one go (DriverNetwork.resend). */
  #flushRetransmissions(): void {
    if (this.#retransmissions.length === 0) return;
    const messages = this.#retransmissions;
    this.#retransmissions = [];
    // Our shares of the envelopes due go again with them: a peer that missed them (it restarted,
    // or was cut off) cannot build or check the reveal block without f + 1 of them.
    const own = this.#ownShares;
    if (own !== undefined && own.height === this.chain.height - 1) this.#publishShares(own);
    this.#deps.metrics?.retransmittedTotal.inc(messages.length);
    this.#deps.network.resend(messages).catch((error: unknown) => {
      this.#logger?.warn({ err: error, count: messages.length }, 'retransmitting consensus messages failed');
    });
  }

  #fail(error: unknown): void {
    if (this.#stopped) return;
    this.#logger?.fatal({ err: error }, 'consensus driver failed; stopping');
    void this.stop();
    this.#deps.onFatal?.(error);
  }

  #afterStep(): void {
    const core = this.#core!;
    const hold = this.#idleHold;
    if (hold !== undefined) {
      if (core.height !== hold.height || core.round !== 0) this.#releaseIdleHold();
      else if (
        [...core.rounds.values()].some(
          (round) => round.proposalBlockId !== null || round.prevotes.size > 0 || round.precommits.size > 0,
        )
      )
        this.#wakeIdle('message'); // a peer started this height: so do we
    }
    const metrics = this.#deps.metrics;
    metrics?.height.set(core.height);
    metrics?.round.set(core.round);
    if (metrics !== undefined) {
      const committee = this.committeeAt(core.height);
      metrics.epoch.set(committee.epoch);
      metrics.member.set(committee.validatorIndex >= 0 ? 1 : 0);
    }
    const key = `${core.height}/${core.round}`;
    if (key !== this.#roundKey) {
      this.#roundKey = key;
      this.#roundStartedMs = this.#monotonicNowMs();
    }
  }

  async #carryOut(output: ConsensusOutput): Promise<void> {
    switch (output.type) {
      case 'persist':
        await this.#persist(output.record);
        return;
      case 'broadcast': {
        const { message } = output;
        if (message.type === 'vote') {
          const step = message.vote.kind === VoteKind.Prevote ? 'prevote' : 'precommit';
          this.#deps.metrics?.voteLatencySeconds.observe(
            { step },
            (this.#monotonicNowMs() - this.#roundStartedMs) / 1000,
          );
        }
        const { behaviour } = this.#deps;
        const messages = behaviour?.outgoing?.(message, this.#behaviourContext) ?? [message];
        if (output.retransmission === true) {
          this.#retransmissions.push(...messages);
          return;
        }
        this.#flushRetransmissions(); // keep our messages in the order the core produced them
        for (const sent of messages) {
          this.#deps.network.publish(sent).catch((error: unknown) => {
            this.#logger?.warn({ err: error, type: sent.type }, 'publishing a consensus message failed');
          });
        }
        return;
      }
      case 'scheduleTimeout': {
        if (this.#holds(output.timeout.height, output.timeout.round) && output.timeout.kind === 'propose') {
          this.#idleHold!.deferred.push(output);
          return;
        }
        const handle = this.#timers.setTimeout(() => {
          this.#timerHandles.delete(handle);
          this.#enqueue({ type: 'timeout', timeout: output.timeout });
        }, output.durationMs);
        this.#timerHandles.add(handle);
        return;
      }
      case 'buildBlock':
        if (this.#holds(output.height, output.round)) {
          this.#idleHold!.deferred.push(output);
          return;
        }
        this.#buildBlock(output);
        return;
      case 'checkContent':
        this.#checkContent(output);
        return;
      case 'commit':
        await this.#commit(output.commit);
        if (this.#faults.applyCommitTwice === true) await this.#commit(output.commit);
        this.#maybeHoldIdle(output.commit);
        return;
      case 'evidence':
        // Spread it (unless gossip brought it first): a node that saw only one of the two votes
        // learns the offence too.
        if (!(await this.recordEvidence(output.evidence, 'detected'))) return;
        this.#deps.network.publishEvidence?.(output.evidence).catch((error: unknown) => {
          this.#logger?.warn({ err: error }, 'publishing equivocation evidence failed');
        });
        return;
    }
  }

  // --- idle at rest (issue #17 §1) ----------------------------------------------------------

  #holds(height: number, round: number): boolean {
    return this.#idleHold !== undefined && this.#idleHold.height === height && round === 0;
  }

  /** After the commit of `commit.height`: hold the next height's round 0 if nothing is there to order. */
  #maybeHoldIdle(commit: CommitRecord): void {
    const intervalMs = this.#options.idleIntervalMs ?? 0;
    if (intervalMs <= 0 || this.#stopped) return;
    if (this.#deps.mempool.size > 0) return;
    if (commit.extensions.some((extension) => extension.inclusionList.length > 0)) return;
    // Envelopes of the last two blocks await their reveal (the next two heights): not at rest.
    if (this.chain.envelopes.size > 0) return;
    const height = commit.height + 1;
    if (this.#priceDue(height)) return;
    this.#releaseIdleHold();
    const timer = this.#timers.setTimeout(() => this.#wakeIdle('interval'), intervalMs);
    this.#idleHold = { height, deferred: [], timer, poll: undefined };
    this.#armIdlePricePoll(height);
  }

  #armIdlePricePoll(height: number): void {
    const hold = this.#idleHold;
    if (hold === undefined || hold.height !== height || this.#options.feeds.length === 0) return;
    hold.poll = this.#timers.setTimeout(() => {
      if (this.#idleHold !== hold) return;
      hold.poll = undefined;
      if (this.#priceDue(height)) this.#wakeIdle('price');
      else this.#armIdlePricePoll(height);
    }, DRIVER_IDLE_PRICE_POLL_MS);
  }

  /**
   * Whether a feed's latest observation here moved from its last finalized price by its push
   * deviation or more, or a feed has an observation and no finalized price yet.
   */
  #priceDue(height: number): boolean {
    const observations = this.#deps.priceObserver?.observe(height) ?? [];
    for (const observation of observations) {
      const feed = this.#options.feeds.find((candidate) => candidate.feedId === observation.feedId);
      if (feed === undefined) continue;
      const last = this.chain.feedStates.get(observation.feedId)?.lastFinalized?.price;
      if (last === undefined || last === 0n) return true;
      const move = observation.price > last ? observation.price - last : last - observation.price;
      if (move * 10_000n >= BigInt(feed.pushDeviationBps) * (last < 0n ? -last : last)) return true;
    }
    return false;
  }

  /** Starts the held round 0 now: its propose timeout from now, and the proposer's block. */
  #wakeIdle(reason: 'interval' | 'transaction' | 'price' | 'message'): void {
    const hold = this.#idleHold;
    if (hold === undefined || this.#stopped) return;
    this.#releaseIdleHold();
    this.#logger?.trace({ height: hold.height, reason }, 'idle height woken');
    if (this.#core?.height !== hold.height || this.#core.round !== 0) return;
    for (const output of hold.deferred) {
      if (output.type === 'buildBlock') this.#buildBlock(output);
      else void this.#carryOut(output);
    }
  }

  /** Forgets the hold (its timers too) without starting what it deferred. */
  #releaseIdleHold(): void {
    const hold = this.#idleHold;
    if (hold === undefined) return;
    this.#idleHold = undefined;
    this.#timers.clearTimeout(hold.timer);
    if (hold.poll !== undefined) this.#timers.clearTimeout(hold.poll);
  }

  // --- persistence --------------------------------------------------------------------------

  async #persist(record: SafetyRecord): Promise<void> {
    const votes: LoggedVote[] = [];
    const logged = new Map(this.#loggedVotes);
    for (const vote of record.ownVotes) {
      const key = `${vote.height}/${vote.round}/${vote.kind}`;
      if (logged.get(key) === vote) continue;
      logged.set(key, vote);
      votes.push({ height: vote.height, round: vote.round, kind: vote.kind, bytes: VoteCodec.encode(vote) });
    }
    // The bodies our new extensions list go to disk with the votes that carry them: a signed
    // inclusion list promises the next height's content function that the bodies exist.
    const forget = this.#faults.forgetListedBodies === true; // the canary loses them instead
    const listed = forget ? [] : [...this.#unpersistedListed.values()];
    if (forget) this.#unpersistedListed.clear();
    const listedBodies: ListedBody[] = listed.map(({ height, txId, tx }) => ({
      height,
      txId,
      bytes: transactionCodec.encode(tx),
    }));
    // Throws CONFLICTING_VOTE if a different vote is logged for one of them: the last line of
    // defence, which stops the driver rather than let the vote out.
    await this.#deps.store.persistConsensusState(
      encodePersistedState({ record, feedSnapshots: this.#feedSnapshots }),
      { votes, listedBodies },
    );
    for (const { height, txId, tx } of listed) {
      this.#persistedListed.add(`${height}/${txId}`);
      this.#unpersistedListed.delete(`${height}/${txId}`);
      const known = this.#listedBodies.get(txId);
      if (known === undefined || known.height < height) this.#listedBodies.set(txId, { height, tx });
    }
    this.#loggedVotes = logged;
    this.#lastRecord = record;
  }

  /** Reloads the bodies listed at the tip and above (they back the extensions the next heights use). */
  async #restoreListedBodies(): Promise<void> {
    const { store } = this.#deps;
    this.#listedBodies.clear();
    this.#persistedListed = new Set();
    this.#unpersistedListed.clear();
    for (const entry of await store.listedBodies(this.chain.height)) {
      const tx = transactionCodec.decode(entry.bytes);
      this.#persistedListed.add(`${entry.height}/${entry.txId}`);
      const known = this.#listedBodies.get(entry.txId);
      if (known === undefined || known.height < entry.height)
        this.#listedBodies.set(entry.txId, { height: entry.height, tx });
    }
  }

  /** Forgets listed bodies below `height` (the store deleted them in the commit of `height`). */
  #dropListedBodiesBelow(height: number): void {
    for (const [txId, entry] of this.#listedBodies)
      if (entry.height < height) this.#listedBodies.delete(txId);
    for (const key of this.#persistedListed)
      if (Number(key.slice(0, key.indexOf('/'))) < height) this.#persistedListed.delete(key);
    for (const [key, entry] of this.#unpersistedListed)
      if (entry.height < height) this.#unpersistedListed.delete(key);
  }

  async #checkVoteLog(height: number, record: SafetyRecord | null): Promise<void> {
    const logged = await this.#deps.store.votesAt(height);
    const recorded = new Map(
      (record?.ownVotes ?? []).map((vote) => [`${vote.height}/${vote.round}/${vote.kind}`, vote]),
    );
    this.#loggedVotes = new Map();
    for (const entry of logged) {
      const key = `${entry.height}/${entry.round}/${entry.kind}`;
      const vote = recorded.get(key);
      // Both are written in one batch, so they agree; a logged vote missing from the record
      // would restore a node that could sign it again differently.
      if (vote === undefined || !equalBytes(VoteCodec.encode(vote), entry.bytes)) {
        throw new Error(`assertion failed: logged vote ${key} is not in the safety record`);
      }
      this.#loggedVotes.set(key, vote);
    }
  }

  async #restoreChain(): Promise<void> {
    const { store } = this.#deps;
    const { domain } = this.#options;
    const latest = store.latestHeight();
    for (let height = 1; height <= latest; height++) {
      const certified = await store.getBlock(height);
      const header = certified?.block.header ?? (await store.getHeader(height));
      if (header === undefined) throw new Error(`assertion failed: no header at stored height ${height}`);
      if (certified === undefined) {
        this.#logger?.warn({ height }, 'block body pruned: sender nonces before it are not restored');
      }
      if (header.parentHash !== this.chain.lastBlockId) {
        throw new Error(`assertion failed: stored block ${height} does not extend block ${height - 1}`);
      }
      for (const tx of certified?.block.transactions ?? []) {
        const sender = tx.sender.toLowerCase() as Address;
        if (tx.nonce + 1n > this.chain.nextNonce(sender)) this.chain.nextNonces.set(sender, tx.nonce + 1n);
        // The tip's commit extensions list the tip's own transactions (pending when signed): the
        // next height's content must see their bodies to drop them, as after a live commit.
        if (height === latest) this.#rememberBody(transactionId(tx, domain), tx, true);
      }
      const expected = this.committeeAt(height).epoch;
      if (header.epoch !== expected) {
        throw new Error(
          `stored block ${height} is of epoch ${header.epoch}, but the stored blocks before it make it epoch ${expected}${certified === undefined ? ' (the transition record may be in a pruned body)' : ''}`,
        );
      }
      if (certified !== undefined) await this.#applyTransitions(height, certified.block.transactions, true);
      if (height >= latest - 1) {
        // The envelopes awaiting reveal: those of the last two blocks (see applyBlock).
        const envelopes = (certified?.block.transactions ?? []).flatMap((tx) => {
          const entry = pendingEnvelope(tx, transactionId(tx, domain));
          return entry === undefined ? [] : [entry];
        });
        if (envelopes.length > 0) this.chain.envelopes.set(height, envelopes);
      }
      const hash = headerHash(header, domain);
      this.chain.history.append(hash);
      this.chain.height = height;
      this.chain.lastBlockId = hash;
      this.chain.lastHeader = header;
    }
    // The store advances each namespace's count in every commit batch and keeps the counters
    // when it prunes bodies: they are the sequences after `latest`, pruned heights included.
    for (const [namespace, sequence] of await store.namespaceSequences()) {
      this.chain.namespaceSequences.set(namespace, sequence);
    }
  }

  async #loadLastCommit(): Promise<CommitRecord | null> {
    const { store } = this.#deps;
    const height = this.chain.height;
    if (height === 0) return null;
    const certified = await store.getBlock(height);
    if (certified === undefined) return null;
    const extensions = (await store.getExtensions(height))
      .map((stored) => VoteExtensionCodec.decode(stored.bytes))
      .sort((a, b) => a.validatorIndex - b.validatorIndex);
    const transactionIds = certified.block.transactions.map((tx) => transactionId(tx, this.#options.domain));
    return {
      height,
      blockId: this.chain.lastBlockId,
      proposal: reconstructProposal(certified, transactionIds, []),
      certificate: certified.certificate,
      extensions,
    };
  }

  // --- content ------------------------------------------------------------------------------

  #consensusConfig(): ConsensusConfig {
    const { options } = { options: this.#options };
    return {
      validatorIndex: options.validatorIndex,
      validatorCount: options.validatorCount,
      networkId: options.domain.networkId,
      timeouts: options.timeouts,
      crypto: this.#deps.crypto,
      committeeAt: (height) => this.committeeAt(height),
      [CANARY_FAULTS]: this.#faults,
      application: {
        blockId: (header) => headerHash(header, options.domain),
        extendVote: (height) => this.#extendVote(height),
        isWellFormedExtension: (extension) => isWellFormedExtension(options.feeds, extension),
      },
    };
  }

  #extendVote(height: number): ExtensionPayload {
    const feedIds = new Set(this.#options.feeds.map((feed) => feed.feedId));
    const prices = [...(this.#deps.priceObserver?.observe(height) ?? [])]
      .filter((observation) => feedIds.has(observation.feedId))
      .sort((a, b) => (a.feedId < b.feedId ? -1 : a.feedId > b.feedId ? 1 : 0))
      .filter((observation, i, all) => i === 0 || all[i - 1]!.feedId !== observation.feedId);
    const inclusionList = inclusionListForExtension(
      this.#deps.mempool.inclusionList(MAX_INCLUSION_LIST_ENTRIES),
    );
    // Read now, while the mempool holds them: they are persisted with the vote (see #persist).
    for (const { txId } of inclusionList) {
      const key = `${height}/${txId}`;
      if (this.#persistedListed.has(key) || this.#unpersistedListed.has(key)) continue;
      const tx = this.body(txId);
      if (tx === undefined) throw new Error(`assertion failed: listed ${txId} without its body`);
      this.#unpersistedListed.set(key, { height, txId, tx });
    }
    const payload: ExtensionPayload = {
      timestampMs: this.#nowMs(),
      inclusionList,
      prices,
    };
    if (this.#faults.releaseSharesEarly === true) this.#releaseSharesEarly(height);
    return this.#deps.behaviour?.extendVote?.(payload, height, this.#behaviourContext) ?? payload;
  }

  // --- decryption shares (docs/protocol.md "Encrypted transactions") -------------------------

  /**
   * Block chain.height is final: release our decryption shares of the envelopes of
   * chain.height − 1, which block chain.height + 1 reveals. Not before: a reaction to a plaintext
   * can then only be ordered in chain.height + 1 or later, behind the plaintexts at its head.
   */
  #releaseShares(): void {
    const height = this.chain.height - 1;
    const envelopes = this.chain.envelopes.get(height) ?? [];
    const committee = this.committeeAt(this.chain.height + 1);
    const key = committee.encryption?.shareSecretKey;
    if (envelopes.length === 0 || key === undefined || committee.validatorIndex < 0) return;
    const body = {
      networkId: this.#options.domain.networkId,
      height,
      validatorIndex: committee.validatorIndex,
      shares: envelopes.map((entry) => decryptionShare(key, entry.identity)),
    };
    const message: DecryptionShares = { ...body, signature: committee.crypto.signDecryptionShares(body) };
    this.#ownShares = message;
    this.#acceptShares(message);
    this.#publishShares(message);
  }

  #publishShares(message: DecryptionShares): void {
    void this.#deps.network
      .publishDecryptionShares?.(message)
      .catch((error: unknown) => this.#logger?.debug({ err: error }, 'publishing decryption shares failed'));
  }

  /**
   * A DecryptionShares message from gossip (the node's topic validator, the simulator): kept when
   * it is for the envelopes due now or next, from a member of the committee that reveals them,
   * with one share per envelope and its signature valid. The shares themselves are checked only
   * when a decryption fails (the opener). REJECT: the sender's fault; IGNORE: not for us now.
   */
  receiveDecryptionShares(message: DecryptionShares): 'ACCEPT' | 'IGNORE' | 'REJECT' {
    if (message.networkId !== this.#options.domain.networkId) return 'REJECT';
    const { height } = message;
    if (height < this.chain.height - 1 || height > this.chain.height + DRIVER_SHARES_AHEAD_HEIGHTS)
      return 'IGNORE';
    if (height > this.chain.height) {
      // From a node a block or two ahead of us: its envelopes' block is not ours yet, so the count
      // cannot be checked. Keep the first signed one of each signer until we get there.
      const committee = this.knownCommitteeAt(height + 2);
      if (committee === undefined) return 'IGNORE';
      if (message.validatorIndex >= committee.validatorCount) return 'REJECT';
      let ahead = this.#sharesAhead.get(height);
      if (ahead?.has(message.validatorIndex) === true) return 'IGNORE';
      if (!committee.crypto.verifyDecryptionShares(message)) return 'REJECT';
      if (ahead === undefined) {
        ahead = new Map();
        this.#sharesAhead.set(height, ahead);
      }
      ahead.set(message.validatorIndex, message);
      return 'ACCEPT';
    }
    const envelopes = this.chain.envelopes.get(height) ?? [];
    const committee = this.committeeAt(height + 2);
    if (committee.encryption === undefined || envelopes.length === 0) return 'IGNORE';
    if (message.validatorIndex >= committee.validatorCount) return 'REJECT';
    if (message.shares.length !== envelopes.length) return 'REJECT';
    if (this.#sharePool.get(height)?.has(message.validatorIndex) === true) return 'IGNORE';
    if (!committee.crypto.verifyDecryptionShares(message)) return 'REJECT';
    this.#acceptShares(message);
    return 'ACCEPT';
  }

  /** After a commit: the shares kept from nodes ahead of us whose block we now have. */
  #adoptSharesAhead(): void {
    for (const [height, bySigner] of this.#sharesAhead) {
      if (height > this.chain.height) continue;
      this.#sharesAhead.delete(height);
      const envelopes = this.chain.envelopes.get(height) ?? [];
      for (const message of bySigner.values()) {
        // Signature checked on receipt; what is left is the count against the block's envelopes.
        if (
          height >= this.chain.height - 1 &&
          message.shares.length === envelopes.length &&
          envelopes.length > 0
        )
          this.#acceptShares(message);
      }
    }
  }

  #acceptShares(message: DecryptionShares): void {
    for (const height of this.#sharePool.keys())
      if (height < this.chain.height - 1) this.#sharePool.delete(height);
    let pool = this.#sharePool.get(message.height);
    if (pool === undefined) {
      pool = new Map();
      this.#sharePool.set(message.height, pool);
    }
    if (pool.has(message.validatorIndex)) return;
    pool.set(message.validatorIndex, message.shares);
    if (message.height === this.chain.height - 1) {
      this.#rememberRevealedBodies();
      const waiters = this.#shareWaiters;
      this.#shareWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Retries `attempt` each time shares of the envelopes due arrive, for DRIVER_SHARES_WAIT_MS at
   * most, while the chain stays below `height`: its first non-undefined answer, or undefined.
   */
  async #whenShares<T>(height: number, attempt: () => T | undefined): Promise<T | undefined> {
    const deadline = this.#monotonicNowMs() + DRIVER_SHARES_WAIT_MS;
    for (;;) {
      const remaining = deadline - this.#monotonicNowMs();
      if (remaining <= 0 || this.#stopped) return undefined;
      await this.#moreShares(remaining);
      if (this.chain.height + 1 !== height) return undefined;
      const result = attempt();
      if (result !== undefined) return result;
    }
  }

  /** Resolves when more shares of the envelopes due arrive, or after `timeoutMs`. */
  #moreShares(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#timers.setTimeout(resolve, timeoutMs);
      this.#shareWaiters.push(() => {
        this.#timers.clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Whether the envelopes due can be opened with the shares at hand (none due: yes). Cached by the opener. */
  #revealsOpen(): boolean {
    const encryption = this.#contentContext().encryption;
    const due = envelopesDue(this.chain);
    return encryption === undefined || due.length === 0 || encryption.open(due) !== undefined;
  }

  /**
   * Opens the envelopes due once their shares suffice, and keeps the plaintexts' bodies: a
   * proposal names them by id (the opener caches the results for the content function).
   */
  #rememberRevealedBodies(): void {
    const encryption = this.#contentContext().encryption;
    const due = envelopesDue(this.chain);
    if (encryption === undefined || due.length === 0) return;
    const results = encryption.open(due);
    if (results === undefined) return;
    for (const [i, result] of results.entries()) {
      if (!result.ok) continue;
      const entry = due[i]!;
      const opened = revealedTransaction(entry.tx, entry.envelope.namespace, result.message);
      if (opened.ok)
        this.#rememberBody(transactionId(opened.transaction, this.#options.domain), opened.transaction, true);
    }
  }

  #contentContext(): ContentContext {
    const options = this.#options;
    // The content of block chain.height + 1: its committee's epoch and size; the extensions it
    // derives from were signed by the committee of chain.height.
    const committee = this.committeeAt(this.chain.height + 1);
    const signers = this.committeeAt(Math.max(1, this.chain.height));
    return {
      domain: options.domain,
      epoch: committee.epoch,
      validatorCount: committee.validatorCount,
      signerCount: signers.validatorCount,
      feeds: options.feeds,
      genesisTimestampMs: options.genesisTimestampMs,
      chain: this.chain,
      body: (txId) => this.body(txId),
      isAuthentic: (tx, txId) => this.#isAuthentic(tx, txId),
      verifyExtension: (extension) => signers.crypto.verifyExtension(extension),
      ...(committee.encryption === undefined
        ? {}
        : {
            encryption: {
              open: (envelopes) =>
                committee.encryption!.opener.open(
                  envelopes,
                  this.#sharePool.get(this.chain.height - 1) ?? new Map(),
                ),
            },
          }),
    };
  }

  /**
   * Canary only: shares of the envelopes of height − 1 released when precommitting `height`,
   * before that block is final (the first design's rule; docs/decisions.md "Shares after the next block is final").
   */
  #releaseSharesEarly(height: number): void {
    const envelopes = this.chain.envelopes.get(height - 1) ?? [];
    const committee = this.committeeAt(height + 1);
    const key = committee.encryption?.shareSecretKey;
    if (envelopes.length === 0 || key === undefined || committee.validatorIndex < 0) return;
    const body = {
      networkId: this.#options.domain.networkId,
      height: height - 1,
      validatorIndex: committee.validatorIndex,
      shares: envelopes.map((entry) => decryptionShare(key, entry.identity)),
    };
    this.#publishShares({ ...body, signature: committee.crypto.signDecryptionShares(body) });
  }

  #isAuthentic(tx: SignedTransaction, txId: Hex): boolean {
    // Admitted to the mempool = verified once already.
    if (this.#deps.mempool.get(txId)?.transaction === tx) return true;
    const key = `${txId}/${tx.signature}`;
    let known = this.#verified.get(key);
    if (known === undefined) {
      try {
        known =
          tx.networkId === this.#options.domain.networkId &&
          recoverTransactionSender(tx, this.#options.domain) === tx.sender.toLowerCase() &&
          transactionId(tx, this.#options.domain) === txId;
      } catch {
        known = false;
      }
      this.#remember(this.#verified, key, known);
    }
    return known;
  }

  #remember(cache: Map<string, boolean>, key: string, value: boolean): void {
    if (!cache.has(key) && cache.size >= DRIVER_MAX_VERIFIED_TRANSACTIONS)
      cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  }

  #rememberBody(txId: Hex, tx: SignedTransaction, finalized = false): void {
    if ((!finalized && this.#deps.mempool.has(txId)) || this.#bodies.has(txId)) return;
    if (this.#bodies.size >= DRIVER_MAX_FETCHED_BODIES)
      this.#bodies.delete(this.#bodies.keys().next().value!);
    this.#bodies.set(txId, tx);
  }

  /** Fetches the bodies of `txIds` not held here; returns those still missing. */
  async #fetchBodies(txIds: readonly Hex[]): Promise<Hex[]> {
    await this.#loadFinalizedBodies(txIds);
    const wanted = [...new Set(txIds.filter((txId) => this.body(txId) === undefined))];
    for (let i = 0; i < wanted.length; i += MAX_TX_REQUEST_IDS) {
      const chunk = wanted.slice(i, i + MAX_TX_REQUEST_IDS);
      const requested = new Set(chunk);
      // The deadline runs on the injected timers (the simulator's virtual time), not AbortSignal.timeout.
      const deadline = new AbortController();
      const handle = this.#timers.setTimeout(
        () => deadline.abort(new Error('fetching transaction bodies timed out')),
        this.#options.fetchTimeoutMs ?? DRIVER_FETCH_TIMEOUT_MS,
      );
      try {
        const found = await this.#deps.network.fetchTransactions(chunk, deadline.signal);
        for (const tx of found) {
          const txId = transactionId(tx, this.#options.domain);
          if (requested.has(txId)) this.#rememberBody(txId, tx);
        }
      } catch (error) {
        this.#logger?.debug({ err: error, count: chunk.length }, 'fetching transaction bodies failed');
      } finally {
        this.#timers.clearTimeout(handle);
      }
    }
    return wanted.filter((txId) => this.body(txId) === undefined);
  }

  /** Bodies of `txIds` that are final in our own store (a candidate the chain already holds). */
  async #loadFinalizedBodies(txIds: readonly Hex[]): Promise<void> {
    const { store } = this.#deps;
    const blocks = new Map<number, StoredCertifiedBlock | undefined>();
    for (const txId of txIds) {
      if (this.body(txId) !== undefined) continue;
      const location = await store.getTransactionLocation(txId);
      if (location === undefined) continue;
      if (!blocks.has(location.height)) blocks.set(location.height, await store.getBlock(location.height));
      const tx = blocks.get(location.height)?.block.transactions[location.index];
      if (tx !== undefined) this.#rememberBody(txId, tx, true);
    }
  }

  /** getValue() (L18): the fair content over the previous commit's extensions. */
  #buildBlock(output: Extract<ConsensusOutput, { type: 'buildBlock' }>): void {
    const { behaviour } = this.#deps;
    const answer = (block: ProposedBlock | null) =>
      this.#enqueue({
        type: 'blockBuilt',
        height: output.height,
        round: output.round,
        block:
          block === null
            ? null
            : (behaviour?.proposedBlock?.(block, output.height, this.#behaviourContext) ?? block),
      });
    const extensions =
      behaviour?.proposalExtensions?.(output.parentExtensions, output.height, this.#behaviourContext) ??
      output.parentExtensions;
    const derive = () =>
      deriveBlockContent(this.#contentContext(), extensions, this.committeeAt(output.height).validatorIndex);
    const first = derive();
    if (first.ok) {
      this.#contents.set(first.content.blockId, first.content);
      answer(toProposedBlock(first.content));
      return;
    }
    if (first.reason === 'missing-shares') {
      // The validators' DecryptionShares follow the commit by a network hop: wait for them.
      void this.#whenShares(output.height, () => {
        const again = derive();
        if (again.ok) this.#contents.set(again.content.blockId, again.content);
        return again.ok ? () => answer(toProposedBlock(again.content)) : undefined;
      }).then((done) => (done ?? (() => answer(null)))());
      return;
    }
    if (first.reason !== 'missing-bodies') {
      answer(null);
      return;
    }
    void this.#fetchBodies(first.missing)
      .then(() => {
        if (this.chain.height + 1 !== output.height) return;
        const second = derive();
        if (second.ok) this.#contents.set(second.content.blockId, second.content);
        answer(second.ok ? toProposedBlock(second.content) : null);
      })
      .catch((error: unknown) => this.#fail(error));
  }

  /** valid(v): the proposal is exactly the fair-content function's output. */
  #checkContent(output: Extract<ConsensusOutput, { type: 'checkContent' }>): void {
    const { proposal, blockId, height } = output;
    const answer = (valid: boolean, reason?: string) => {
      if (!valid) this.#logger?.info({ height, round: proposal.round, reason }, 'proposal content invalid');
      this.#enqueue({ type: 'contentChecked', height, blockId, proposal, valid });
    };
    const check = () => {
      const verdict = checkProposalContent(this.#contentContext(), proposal, {
        skipFairContentCheck: this.#faults.skipContentCheck === true,
        skipExtensionSignatures: this.#faults.skipExtensionSignature === true,
      });
      if (verdict.valid) this.#contents.set(blockId, verdict.content);
      return verdict;
    };
    // The plaintexts it starts with come from the shares, not from a peer: without enough shares
    // yet, wait for them first (asking peers for those bodies would only time out).
    if (!this.#revealsOpen()) {
      void this.#whenShares(height, () => (this.#revealsOpen() ? true : undefined))
        .then((opened) => {
          if (this.chain.height + 1 !== height) return;
          if (opened === undefined) answer(false, 'missing-shares');
          else this.#checkContent(output);
        })
        .catch((error: unknown) => this.#fail(error));
      return;
    }
    this.#rememberRevealedBodies();
    const missingNamed = proposal.transactionIds.filter((txId) => this.body(txId) === undefined);
    if (missingNamed.length === 0) {
      const verdict = check();
      if (verdict.valid || verdict.reason !== 'missing-bodies') {
        answer(verdict.valid, verdict.valid ? undefined : verdict.reason);
        return;
      }
    }
    void (async () => {
      await this.#fetchBodies(missingNamed);
      if (this.chain.height + 1 !== height) return;
      let verdict = check();
      if (!verdict.valid && verdict.reason === 'missing-bodies') {
        // Candidates the proposal left out (it may be censoring them): their bodies decide too.
        const derived = deriveBlockContent(
          this.#contentContext(),
          proposal.extensions,
          proposal.header.proposerIndex,
        );
        if (!derived.ok && derived.reason === 'missing-bodies') {
          await this.#fetchBodies(derived.missing);
          if (this.chain.height + 1 !== height) return;
          verdict = check();
        }
      }
      answer(verdict.valid, verdict.valid ? undefined : verdict.reason);
    })().catch((error: unknown) => this.#fail(error));
  }

  // --- commit -------------------------------------------------------------------------------

  async #commit(commit: CommitRecord): Promise<void> {
    const { store, mempool, metrics } = this.#deps;
    const { proposal } = commit;
    // A block decided by certificate may name bodies we never received: fetch them first.
    let missing = proposal.transactionIds.filter((txId) => this.body(txId) === undefined);
    for (let attempt = 0; missing.length > 0 && attempt < DRIVER_MAX_COMMIT_FETCH_ATTEMPTS; attempt++) {
      missing = await this.#fetchBodies(missing);
    }
    if (missing.length > 0) {
      throw new Error(
        `cannot commit block ${commit.height}: ${missing.length} transaction bodies unavailable from peers`,
      );
    }
    const content = contentOfCommit(this.#contentContext(), this.#contents, commit);
    if (content.transactions.length !== proposal.header.txCount) {
      throw new Error(
        `assertion failed: block ${commit.height} content has ${content.transactions.length} of ${proposal.header.txCount} transactions`,
      );
    }
    const certified: StoredCertifiedBlock = {
      block: {
        header: proposal.header,
        transactions: content.transactions.map((entry) => entry.tx),
        prices: proposal.prices,
      },
      certificate: commit.certificate,
    };
    const stored = (extensions: readonly SignedVoteExtension[]) =>
      extensions.map((extension) => ({
        validatorIndex: extension.validatorIndex,
        bytes: VoteExtensionCodec.encode(extension),
      }));
    await store.commitBlock(certified, {
      extensions: stored(commit.extensions),
      contentExtensions: stored(proposal.extensions),
    });
    this.#dropListedBodiesBelow(commit.height);
    applyBlock(this.chain, content);
    await this.#applyTransitions(commit.height, certified.block.transactions, false);
    if (this.#options.feeds.length > 0) await this.#persistFeedStates(commit.height, content.feedStates);
    mempool.markFinalized(
      content.transactions.map(({ tx, txId }) => ({ sender: tx.sender, nonce: tx.nonce, txId })),
    );
    // Finalized bodies stay at hand: the extensions of this very commit list them (they were
    // pending when signed), and the next height's content function must see them to drop them.
    for (const { txId, tx } of content.transactions) {
      this.#rememberBody(txId, tx, true);
      this.#remember(this.#verified, `${txId}/${tx.signature}`, true); // it was checked to get here
    }
    this.#loggedVotes = new Map();
    const nowMs = this.#monotonicNowMs();
    metrics?.finalizedBlocksTotal.inc();
    metrics?.finalizedTransactionsTotal.inc(content.transactions.length);
    for (const { verdict } of content.reveals) {
      metrics?.revealsTotal.inc({ outcome: verdict.revealed ? 'revealed' : verdict.reason });
    }
    metrics?.commitLatencySeconds.observe((nowMs - this.#heightStartedMs) / 1000);
    metrics?.roundsPerHeight.observe(commit.certificate.round + 1);
    this.#heightStartedMs = nowMs;
    this.#markProgress(nowMs);
    this.#logger?.debug(
      { height: commit.height, round: commit.certificate.round, txs: content.transactions.length },
      'block committed',
    );
    const block: CommittedBlock = {
      height: commit.height,
      hash: commit.blockId,
      certified,
      transactionIds: content.transactions.map((entry) => entry.txId),
      content,
      committedAtMs: this.#nowMs(),
    };
    for (const listener of this.#commitListeners) {
      try {
        listener(block);
      } catch (error) {
        this.#logger?.error({ err: error }, 'commit listener failed');
      }
    }
    const waiters = this.#heightWaiters.get(commit.height + 1);
    this.#heightWaiters.delete(commit.height + 1);
    for (const wake of waiters ?? []) wake();
    // Last: the block is final and everyone told; only now do the shares it unlocks go out.
    this.#adoptSharesAhead();
    this.#releaseShares();
  }

  /** Keeps the breaker state of the last two heights in the persisted state (see persistence.ts). */
  async #persistFeedStates(height: number, states: Map<Hex, FeedState>): Promise<void> {
    this.#feedSnapshots = [
      ...this.#feedSnapshots.filter((entry) => entry.height === height - 1),
      { height, states },
    ];
    await this.#deps.store.persistConsensusState(
      encodePersistedState({ record: this.#lastRecord, feedSnapshots: this.#feedSnapshots }),
    );
  }

  #waitForHeight(height: number, timeoutMs: number): Promise<void> {
    if (this.height >= height) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.#timers.setTimeout(resolve, timeoutMs);
      const wake = () => {
        this.#timers.clearTimeout(handle);
        resolve();
      };
      const list = this.#heightWaiters.get(height) ?? [];
      list.push(wake);
      this.#heightWaiters.set(height, list);
    });
  }
}

/** Extensions served with a synced block (catch-up), already checked by the sync. */
export interface SyncedExtensions {
  /** What the block's content derives from: its proposal's extensions (commit of height − 1). */
  content: readonly SignedVoteExtension[];
  /** The block's own commit extensions: the next height's content input. */
  commit: readonly SignedVoteExtension[];
}

function toProposedBlock(content: BlockContent): ProposedBlock {
  return {
    header: content.header,
    transactionIds: content.transactions.map((entry) => entry.txId),
    prices: content.prices,
    extensions: content.extensions,
  };
}

/**
 * A Proposal for a stored or fetched certified block. The proposer's signature and the
 * extensions its content came from are not kept with blocks: what decides it is the certificate,
 * which the core checks (L49 by proof); the zero signature is never verified.
 */
export function reconstructProposal(
  certified: StoredCertifiedBlock,
  transactionIds: Hex[],
  extensions: Proposal['extensions'],
): Proposal {
  const { header } = certified.block;
  return {
    networkId: header.networkId,
    height: header.height,
    round: certified.certificate.round,
    validRound: -1,
    proposerIndex: header.proposerIndex,
    header,
    transactionIds,
    prices: certified.block.prices,
    validRoundCertificate: null,
    extensions,
    signature: new Uint8Array(96),
  };
}

/** The broadcastBeforePersist canary: each persist goes after the broadcast that follows it. */
function broadcastBeforePersist(outputs: ConsensusOutput[]): void {
  for (let i = 0; i + 1 < outputs.length; i++) {
    if (outputs[i]!.type === 'persist' && outputs[i + 1]!.type === 'broadcast') {
      [outputs[i], outputs[i + 1]] = [outputs[i + 1]!, outputs[i]!];
      i += 1;
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Evidence records recorded (and so not relayed again) that a driver remembers. */
export const MAX_REMEMBERED_EVIDENCE = 4096;

/** One offence: a validator's two votes of one (height, round, kind). */
function evidenceKeyOf(vote: Pick<Vote, 'height' | 'round' | 'kind' | 'validatorIndex'>): string {
  return `${vote.height}/${vote.round}/${vote.kind}/${vote.validatorIndex}`;
}
