import {
  type DecryptionShares,
  type Hex,
  MAX_BLOCK_REQUEST_COUNT,
  type SignedTransaction,
  type SyncedBlock,
  type Timers,
  transactionId,
  VoteCodec,
  VoteKind,
} from '@synod/protocol';
import { type ConsensusGossipValidators, createGossipValidators } from '../assembly/gossip.ts';
import { CANARY_FAULTS, type CanaryFaults } from '../consensus/faults.ts';
import type { ConsensusCrypto, ConsensusMessage } from '../consensus/types.ts';
import { ConsensusDriver } from '../driver/driver.ts';
import { fetchBodiesFromPeers } from '../driver/fetchBodies.ts';
import type {
  CommittedBlock,
  CommitteeTransitions,
  DriverNetwork,
  EpochEncryption,
} from '../driver/types.ts';
import { MempoolError } from '../mempool/errors.ts';
import { Mempool } from '../mempool/mempool.ts';
import { GossipValidationError } from '../p2p/errors.ts';
import { MemoryStore } from '../storage/memoryStore.ts';
import { serveSyncedBlocks } from '../sync/serve.ts';
import { CatchUpSync } from '../sync/sync.ts';
import { createActor, type SimActor } from './actors.ts';
import type { SimEndpoint, SimNetwork } from './network.ts';
import type { Random } from './random.ts';
import type { Recorder } from './recorder.ts';
import { type ByzantineBehaviour, SIM_TIMEOUTS } from './scenario.ts';
import type { Scheduler } from './scheduler.ts';
import {
  type Market,
  SIM_DOMAIN,
  SIM_FEEDS,
  type TransactionPool,
  verifyTransactionOnce,
} from './workload.ts';

/** Unix ms of simulated time 0: local clocks read this plus the virtual time plus the node's skew. */
export const SIM_EPOCH_MS = 1_800_000_000_000;

/**
 * The driver's deadline for fetching missing bodies in the simulator: above the longest round
 * trip (2 × 100 ms) and below the first propose timeout (300 ms), as the node's 800 ms is below
 * its 1 s.
 */
export const SIM_FETCH_TIMEOUT_MS = 250;

/**
 * The hedge of a fetch in the simulator (driver/fetchBodies.ts): a quarter of the deadline, as
 * the node's 200 ms is of its 800 ms, so that a silent peer costs the same share of a round.
 */
export const SIM_FETCH_HEDGE_MS = 60;

/** Catch-up's deadline for one block range request in the simulator: several round trips. */
export const SIM_SYNC_REQUEST_TIMEOUT_MS = 1_000;

/** Catch-up's hedge in the simulator: a few round trips, as the node's 1 s is many of its own. */
export const SIM_SYNC_HEDGE_MS = 250;

/** What a simulated process sees of the simulated world (the runner implements it). */
export interface SimWorld {
  readonly scheduler: Scheduler;
  readonly network: SimNetwork;
  readonly recorder: Recorder;
  readonly market: Market;
  readonly pool: TransactionPool;
  /** Size of the genesis committee (processes 0 … validatorCount − 1). */
  readonly validatorCount: number;
  /** Every simulated validator process, members of a later epoch included. */
  readonly processCount: number;
  /** The committee transitions process `process` applies (undefined: one epoch). */
  transitionsFor(process: number): CommitteeTransitions | undefined;
  /** The drivers' idle interval of this run (Scenario.idleIntervalMs). */
  readonly idleIntervalMs: number;
  /** Every simulated process (two for a twin), by validator index. */
  endpointsOf(validatorIndex: number): readonly SimValidator[];
  /** A process by its name (what catch-up calls a peer). */
  endpointNamed(name: string): SimValidator | undefined;
  /** Verifies a commit certificate with the committee's group key (what the recorder notes). */
  verifyCertificate: ConsensusCrypto['verifyVoteCertificate'];
  /** In encryption runs: process `process`'s encryption key of `epoch` (undefined: no encryption). */
  encryptionFor?(process: number, epoch: number): EpochEncryption;
  /** In encryption runs: front-runner `validatorIndex` submits a transaction in reaction to a plaintext. */
  react?(validatorIndex: number, plaintextTxId: Hex): void;
}

/** One incarnation of a validator process: what a crash loses. */
interface SimProcess {
  driver: ConsensusDriver;
  mempool: Mempool;
  sync: CatchUpSync;
  validators: ConsensusGossipValidators;
}

/**
 * One simulated validator: the node's own consensus driver, mempool, gossip validation and
 * catch-up over a MemoryStore that survives its crashes, a skewed clock, and the simulated
 * network. What is simulation lives here and nowhere else: the process lifecycle (crash loses
 * the mempool and every message in flight to it; restart reopens the store), the transport of
 * the driver's and the sync's messages (sim/network.ts), and, for a byzantine validator, its
 * actor (sim/actors.ts). Everything an honest node does with the core's outputs is the driver's.
 */
export class SimValidator implements SimEndpoint {
  readonly validatorIndex: number;
  /** 0, or 1 for the second copy of a twin. */
  readonly copy: number;
  readonly behaviour: ByzantineBehaviour | 'honest';
  readonly name: string;
  readonly crypto: ConsensusCrypto;
  readonly world: SimWorld;
  readonly clockSkewMs: number;
  /** For twins: the validators this copy talks to. */
  peers: Set<number> | null = null;
  incarnation = 0;
  readonly #faults: CanaryFaults;
  readonly #actor: SimActor;
  #store: MemoryStore;
  #process: SimProcess | undefined;
  #up = false;
  /** The chain height of the last process (a crashed node's chain is on its disk). */
  #lastHeight = 0;
  #lastActiveEpoch = 0;
  #lastLatestEpoch = 0;

  constructor(parameters: {
    validatorIndex: number;
    copy: number;
    behaviour: ByzantineBehaviour | 'honest';
    crypto: ConsensusCrypto;
    world: SimWorld;
    faults: CanaryFaults;
    clockSkewMs: number;
    random: Random;
  }) {
    this.validatorIndex = parameters.validatorIndex;
    this.copy = parameters.copy;
    this.behaviour = parameters.behaviour;
    this.name =
      parameters.copy === 0 ? `v${this.validatorIndex}` : `v${this.validatorIndex}.${parameters.copy}`;
    this.crypto = parameters.crypto;
    this.world = parameters.world;
    // Honest nodes run the broken variant under a canary; byzantine actors never need it.
    this.#faults = this.honest ? parameters.faults : {};
    this.clockSkewMs = parameters.clockSkewMs;
    this.#store = new MemoryStore(SIM_DOMAIN);
    this.#actor =
      parameters.behaviour === 'honest'
        ? {}
        : createActor(parameters.behaviour, {
            validatorIndex: this.validatorIndex,
            validatorCount: this.world.validatorCount,
            crypto: this.crypto,
            pool: this.world.pool,
            random: parameters.random,
            nowMs: () => this.localNowMs(),
            ...(this.world.react === undefined
              ? {}
              : {
                  reveals: {
                    driver: () => this.#process?.driver,
                    react: (plaintextTxId: Hex) => this.world.react?.(this.validatorIndex, plaintextTxId),
                  },
                }),
          });
  }

  /** Whether the run has encryption (its shares and finalizations are recorded). */
  get #encryption(): boolean {
    return this.world.encryptionFor !== undefined;
  }

  /** Its driver's encryption key of `epoch`, the opener wrapped by its actor if it reads plaintexts. */
  #wrapEncryption(encryption: EpochEncryption | undefined): EpochEncryption | undefined {
    const wrap = this.#actor.wrapOpener;
    return encryption === undefined || wrap === undefined
      ? encryption
      : { ...encryption, opener: wrap(encryption.opener) };
  }

  #transitions(): CommitteeTransitions | undefined {
    const transitions = this.world.transitionsFor(this.validatorIndex);
    if (transitions === undefined || this.#actor.wrapOpener === undefined) return transitions;
    return {
      accept: async (tx, current) => {
        const committee = await transitions.accept(tx, current);
        return committee === undefined
          ? undefined
          : { ...committee, encryption: this.#wrapEncryption(committee.encryption) };
      },
    };
  }

  get honest(): boolean {
    return this.behaviour === 'honest';
  }

  get up(): boolean {
    return this.#up;
  }

  /** Height of this node's finalized chain. */
  get height(): number {
    return this.#process?.driver.chain.height ?? this.#lastHeight;
  }

  /** The epoch of the height this node is deciding (of its last process when down). */
  get activeEpoch(): number {
    const driver = this.#process?.driver;
    if (driver !== undefined) this.#lastActiveEpoch = driver.committeeAt(driver.chain.height + 1).epoch;
    return this.#lastActiveEpoch;
  }

  /** Heights this node has finalized in `epoch` (0 when it has not reached it). */
  heightsInEpoch(epoch: number): number {
    const driver = this.#process?.driver;
    if (driver === undefined) return 0;
    const entry = driver.epochs.find((candidate) => candidate.committee.epoch === epoch);
    return entry === undefined ? 0 : Math.max(0, driver.chain.height - entry.activationHeight + 1);
  }

  /** The latest epoch this node knows of, active or scheduled (of its last process when down). */
  get latestEpoch(): number {
    const driver = this.#process?.driver;
    if (driver !== undefined) this.#lastLatestEpoch = driver.epochs.at(-1)!.committee.epoch;
    return this.#lastLatestEpoch;
  }

  /** The disk (the checks read its vote log and evidence). */
  get store(): MemoryStore {
    return this.#store;
  }

  toString(): string {
    return this.name;
  }

  localNowMs(): number {
    return SIM_EPOCH_MS + this.world.scheduler.nowMs + this.clockSkewMs;
  }

  // --- lifecycle ---

  /** Starts a process over the stored data (a silent validator never runs one). */
  start(): void {
    if (this.#up || this.behaviour === 'silent') return;
    this.#up = true;
    const incarnation = this.incarnation;
    const alive = () => this.#up && this.incarnation === incarnation;
    const { scheduler } = this.world;
    const timers = scheduler.timers(alive);
    let driver: ConsensusDriver | undefined;
    const encryption = this.#encryption;
    const mempool = new Mempool({
      domain: SIM_DOMAIN,
      verify: verifyTransactionOnce,
      nextNonceOf: (sender) => driver?.chain.nextNonce(sender) ?? 0n,
      acceptsEnvelopes: () => encryption,
    });
    driver = new ConsensusDriver(
      {
        // A process a later epoch adds is not in the genesis committee: it follows until then.
        validatorIndex: this.validatorIndex < this.world.validatorCount ? this.validatorIndex : -1,
        validatorCount: this.world.validatorCount,
        domain: SIM_DOMAIN,
        epoch: 0,
        feeds: SIM_FEEDS,
        genesisTimestampMs: SIM_EPOCH_MS,
        timeouts: SIM_TIMEOUTS,
        fetchTimeoutMs: SIM_FETCH_TIMEOUT_MS,
        idleIntervalMs: this.world.idleIntervalMs,
        [CANARY_FAULTS]: this.#faults,
      },
      {
        crypto: this.crypto,
        encryption: this.#wrapEncryption(this.world.encryptionFor?.(this.validatorIndex, 0)),
        transitions: this.#transitions(),
        store: this.#store,
        mempool,
        network: this.#driverNetwork(timers),
        timers,
        nowMs: () => this.localNowMs(),
        monotonicNowMs: () => scheduler.nowMs,
        priceObserver: {
          observe: (height) => this.world.market.honestObservation(this.validatorIndex, height),
        },
        behaviour: this.#actor.behaviour,
        onFatal: (error) => this.#onFatal(incarnation, error),
      },
    );
    const started = driver;
    const sync = new CatchUpSync({
      driver,
      domain: SIM_DOMAIN,
      network: {
        requestBlocks: (peer, fromHeight, count, signal) =>
          this.#requestBlocks(peer, fromHeight, count, signal),
      },
      nowMs: () => scheduler.nowMs,
      timers,
      requestTimeoutMs: SIM_SYNC_REQUEST_TIMEOUT_MS,
      hedgeMs: SIM_SYNC_HEDGE_MS,
      [CANARY_FAULTS]: this.#faults,
    });
    const validators = createGossipValidators({
      domain: SIM_DOMAIN,
      committeeAt: (height) => started.knownCommitteeAt(height),
      feeds: SIM_FEEDS,
      mempool,
      driver: () => started,
      sync: () => sync,
      nowMs: () => this.localNowMs(),
    });
    if (this.honest) driver.onCommit((block) => this.#recordCommit(block));
    if (encryption) {
      driver.onCommit((block) => {
        this.world.recorder.recordFinalization(block.height, block.hash, scheduler.nowMs);
        this.#actor.committed?.(block.height);
      });
    }
    driver.onTransition((transition) =>
      this.world.recorder.note(
        `${scheduler.nowMs} ${this.name} schedules epoch ${transition.committee.epoch} at h${transition.activationHeight} (record h${transition.recordHeight})`,
      ),
    );
    this.#process = { driver, mempool, sync, validators };
    started.start().then(
      () => {
        if (alive()) sync.start();
      },
      (error: unknown) => this.#onFatal(incarnation, error),
    );
  }

  /** The process dies: its mempool, timers and messages in flight to it are lost; its store stays. */
  crash(): void {
    if (!this.#up) return;
    this.#up = false;
    this.incarnation += 1;
    const process = this.#process;
    this.#process = undefined;
    if (process !== undefined) {
      this.#lastHeight = process.driver.chain.height;
      if (this.honest) {
        this.world.recorder.recordCrash(
          this.validatorIndex,
          [...process.mempool.entries()].map((entry) => entry.txId),
        );
      }
      // Neither is awaited: a crashed process finishes nothing (its store handle is closed, its
      // timers never fire, responses to it are dropped).
      void process.driver.stop();
      void process.sync.stop();
    }
    this.#store.close();
    this.world.recorder.note(`${this.world.scheduler.nowMs} crash ${this.name}`);
  }

  /** Starts again from what was stored: the safety record, listed bodies, the chain. */
  restart(): void {
    if (this.#up || this.behaviour === 'silent') return;
    this.#store = this.#store.reopen();
    this.start();
    this.world.recorder.note(`${this.world.scheduler.nowMs} restart ${this.name} h${this.#lastHeight}`);
  }

  // --- what reaches it ---

  /** A client's transaction, by gossip. */
  receiveTransaction(tx: SignedTransaction, txId: Hex): void {
    const process = this.#process;
    if (process === undefined) return;
    try {
      const added = process.mempool.add(tx, { nowMs: this.localNowMs() });
      if (!added.duplicate && this.honest)
        this.world.recorder.recordSeen(this.validatorIndex, txId, this.world.scheduler.nowMs);
    } catch (error) {
      if (!(error instanceof MempoolError)) throw error; // already final, or pending under its nonce
    }
  }

  /** A proposal or vote by gossip: the node's gossip validation, then its driver. */
  deliver(from: SimValidator, message: ConsensusMessage): void {
    const process = this.#process;
    if (process === undefined) return;
    this.#actor.observe?.(message);
    try {
      if (message.type === 'vote') process.validators.votes(message.vote, from);
      else process.validators.proposals(message.proposal, from);
    } catch (error) {
      if (error instanceof GossipValidationError) return; // REJECT or IGNORE: not relayed, not used
      throw error;
    }
    process.driver.receive(message);
  }

  /** A peer's request for bodies (the node's `/synod/1/req/transactions` handler). */
  async serveTransactions(txIds: readonly Hex[]): Promise<SignedTransaction[] | undefined> {
    const process = this.#process;
    if (process === undefined) return undefined;
    // A byzantine peer withholds bodies: availability rests on the honest ones (docs/consensus.md
    // "Listed bodies").
    if (!this.honest) return [];
    const bodies: SignedTransaction[] = [];
    for (const txId of txIds) {
      const body = process.driver.body(txId) ?? (await this.#finalizedBody(txId));
      if (body !== undefined) bodies.push(body);
    }
    return bodies;
  }

  /** A peer's catch-up request (the node's `/synod/1/req/blocks-with-extensions` handler). */
  async serveBlocks(fromHeight: number, count: number): Promise<SyncedBlock[] | undefined> {
    if (this.#process === undefined) return undefined;
    const blocks = await serveSyncedBlocks(this.#store, {
      fromHeight,
      count: Math.min(count, MAX_BLOCK_REQUEST_COUNT),
    });
    return this.#actor.serveBlocks?.(blocks) ?? blocks;
  }

  // --- what it sends ---

  #driverNetwork(timers: Timers): DriverNetwork {
    return {
      publish: async (message) => {
        this.#broadcast(message);
      },
      resend: async (messages) => {
        for (const message of messages) this.#broadcast(message);
        return this.#peerEndpoints().length;
      },
      fetchTransactions: (txIds, signal) => this.#fetchTransactions(txIds, signal, timers),
      publishDecryptionShares: async (message) => {
        this.#broadcastShares(message);
      },
    };
  }

  /** The processes this one talks to: every other validator's (a twin copy: its half). */
  #peerEndpoints(): SimValidator[] {
    const peers: SimValidator[] = [];
    for (let to = 0; to < this.world.processCount; to++) {
      if (to === this.validatorIndex || (this.peers !== null && !this.peers.has(to))) continue;
      peers.push(...this.world.endpointsOf(to));
    }
    return peers;
  }

  #broadcast(message: ConsensusMessage): void {
    if (this.honest && message.type === 'vote') {
      const { vote } = message;
      const committee = this.#process?.driver.committeeAt(vote.height);
      const recorded = this.world.recorder.recordVote(
        vote,
        this.world.scheduler.nowMs,
        committee?.validatorCount ?? this.world.validatorCount,
      );
      // Write-ahead: the vote must be in the vote log before it leaves the process.
      const logged = this.#store.loggedVote(vote.height, vote.round, vote.kind);
      if (logged === undefined || !sameBytes(logged, VoteCodec.encode(vote)))
        this.world.recorder.recordUnpersistedVote(recorded);
    }
    this.#actor.observe?.(message);
    for (const target of this.#peerEndpoints()) {
      const sent = this.#actor.rewrite?.(message, target.validatorIndex) ?? message;
      this.world.network.send(this, target, () => target.deliver(this, sent));
    }
  }

  /**
   * Our driver's DecryptionShares to every peer (the node's `decryption-shares` topic), recorded
   * as they leave (the encryption checker's secrecy); a peer's gossip validator hands them to its driver.
   */
  #broadcastShares(message: DecryptionShares): void {
    this.world.recorder.recordSharesSent(message, this.world.scheduler.nowMs);
    this.#actor.observeShares?.(message);
    for (const target of this.#peerEndpoints()) {
      this.world.network.send(this, target, () => target.deliverShares(message));
    }
  }

  /** A peer's DecryptionShares arrive. */
  deliverShares(message: DecryptionShares): void {
    const process = this.#process;
    if (process === undefined) return;
    this.#actor.observeShares?.(message);
    try {
      process.validators['decryption-shares'](message, this);
    } catch (error) {
      if (!(error instanceof GossipValidationError)) throw error;
    }
  }

  /** The product's hedged fetch (driver/fetchBodies.ts) over the simulated network, on virtual time. */
  #fetchTransactions(
    txIds: readonly Hex[],
    signal: AbortSignal,
    timers: Timers,
  ): Promise<SignedTransaction[]> {
    const peers = this.#peerEndpoints();
    // Each validator starts at a different peer, as the node starts at a random one.
    const offset = peers.length === 0 ? 0 : this.validatorIndex % peers.length;
    return fetchBodiesFromPeers({
      peers: peers.map((_, i) => peers[(offset + i) % peers.length]!),
      txIds,
      request: (peer, wanted, requestSignal) =>
        this.world.network.request(this, peer, () => peer.serveTransactions(wanted), requestSignal),
      idOf: (tx) => transactionId(tx, SIM_DOMAIN),
      signal,
      hedgeMs: SIM_FETCH_HEDGE_MS,
      timers,
    });
  }

  #requestBlocks(
    peer: string,
    fromHeight: number,
    count: number,
    signal: AbortSignal,
  ): Promise<SyncedBlock[]> {
    const target = this.world.endpointNamed(peer);
    if (target === undefined) return Promise.reject(new Error(`unknown peer ${peer}`));
    return this.world.network.request(this, target, () => target.serveBlocks(fromHeight, count), signal);
  }

  // --- what the checkers see ---

  #recordCommit(block: CommittedBlock): void {
    const { header } = block.certified.block;
    const { certificate } = block.certified;
    this.world.recorder.recordCommit({
      validatorIndex: this.validatorIndex,
      atMs: this.world.scheduler.nowMs,
      height: block.height,
      blockId: block.hash,
      header,
      certificate,
      transactionIds: block.transactionIds,
      prices: block.content.prices,
      reveals: block.content.reveals.map(({ envelope, verdict }) => ({
        envelopeTxId: envelope.txId,
        outcome: verdict.revealed
          ? { revealed: true, txId: verdict.txId }
          : { revealed: false, reason: verdict.reason },
      })),
      certificateValid: this.world.verifyCertificate(
        {
          kind: VoteKind.Precommit,
          networkId: SIM_DOMAIN.networkId,
          height: block.height,
          round: certificate.round,
          blockId: block.hash,
        },
        certificate.signature,
      ),
    });
  }

  /** The driver stopped (or could not start): the process exits; the supervisor restarts it at the heal. */
  #onFatal(incarnation: number, error: unknown): void {
    if (incarnation !== this.incarnation) return; // a process that already crashed
    const message = error instanceof Error ? error.message : String(error);
    if (this.honest) {
      this.world.recorder.recordDriverFailure({
        validatorIndex: this.validatorIndex,
        atMs: this.world.scheduler.nowMs,
        error: message,
      });
    } else {
      this.world.recorder.note(`${this.world.scheduler.nowMs} byzantine ${this.name} stopped`);
    }
    this.crash();
  }

  async #finalizedBody(txId: Hex): Promise<SignedTransaction | undefined> {
    const location = await this.#store.getTransactionLocation(txId);
    if (location === undefined) return undefined;
    return (await this.#store.getBlock(location.height))?.block.transactions[location.index];
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
