import type { FeedConfig } from '@synod/oracle';
import type {
  CertifiedBlock,
  DecryptionShares,
  Evidence,
  Hex,
  NetworkDomain,
  PriceObservation,
  SignedTransaction,
  Timers,
  TransitionRecord,
} from '@synod/protocol';
import type { RpcConsensusState } from '@synod/protocol/pure';
import type { Logger } from 'pino';
import type { NodeBehaviour } from '../behaviour/types.ts';
import type { BlockContent } from '../consensus/content.ts';
import type { CANARY_FAULTS, CanaryFaults } from '../consensus/faults.ts';
import type { CommitteeEncryptionKey, EnvelopeOpener } from '../consensus/reveals.ts';
import type {
  ConsensusCommittee,
  ConsensusCrypto,
  ConsensusMessage,
  TimeoutConfig,
} from '../consensus/types.ts';
import type { Mempool } from '../mempool/mempool.ts';
import type { ConsensusMetrics } from '../metrics/consensus.ts';
import type { ConsensusStore } from '../storage/types.ts';

/**
 * What the driver needs from the network: the node wires it to gossip and request/response, the
 * simulator to its seeded network model (sim/network.ts: delays, loss, duplication, partitions).
 */
export interface DriverNetwork {
  /** Publishes our proposal or vote by gossip. Called only after its safety record is on disk. */
  publish(message: ConsensusMessage): Promise<void>;
  /** Publishes equivocation evidence our core found (the node: the `evidence` topic). Optional: the simulator has no such topic. */
  publishEvidence?(evidence: Evidence): Promise<void>;
  /**
   * Sends proposals and votes already published once to every connected peer directly (the
   * core's retransmission): gossip would drop the same bytes as a duplicate. Resolves with the
   * number of peers reached.
   */
  resend(messages: readonly ConsensusMessage[]): Promise<number>;
  /** Asks peers for these transaction bodies; resolves with whichever were found (any subset). */
  fetchTransactions(txIds: readonly Hex[], signal: AbortSignal): Promise<SignedTransaction[]>;
  /** Gossips our decryption shares (docs/protocol.md "Encrypted transactions"); absent: never encrypted. */
  publishDecryptionShares?(message: DecryptionShares): Promise<void>;
}

/** The committee of an epoch, as the driver runs it: ConsensusCommittee with its epoch number. */
export interface EpochCommittee extends ConsensusCommittee {
  epoch: number;
  /** Its threshold and share public keys, when the acceptor knows them (the node's: from the record), for RPC. */
  threshold?: number;
  sharePublicKeys?: readonly Uint8Array[];
  /** The finalized record that installed it (the node's acceptor): registers the epoch on L1. */
  record?: TransitionRecord;
  /** Its encryption key (docs/protocol.md "Encrypted transactions"); without one it orders no envelope. */
  encryption?: EpochEncryption | undefined;
}

/** A committee's encryption key as the driver uses it. */
export interface EpochEncryption extends CommitteeEncryptionKey {
  /** Our share of it; undefined when we are not a member (we then release no shares). */
  shareSecretKey: Uint8Array | undefined;
  /** Opens the envelopes due with the shares of this committee's extensions (one per epoch: it caches). */
  opener: EnvelopeOpener;
}

/** A finalized transition record: `committee` decides heights from activationHeight on. */
export interface EpochTransition {
  /** The height whose block holds the record. */
  recordHeight: number;
  /** recordHeight + TRANSITION_ACTIVATION_DELAY. */
  activationHeight: number;
  committee: EpochCommittee;
}

/**
 * Turns finalized transactions of COMMITTEE_NAMESPACE into committees (docs/consensus.md
 * "Epochs"): the node checks the record (@synod/protocol checkTransitionRecord) and loads its share
 * of the new epoch; the simulator has its own stand-in.
 */
export interface CommitteeTransitions {
  /**
   * The committee of epoch `current.epoch + 1` that `tx` installs, or undefined when `tx` is not a
   * valid record for it (then it is an ordinary transaction and changes nothing). Whether it is
   * valid must depend on the transaction and `current` only — every node decides the same; what
   * is local (our index in the new committee, −1 without a share of it; our signing key) may differ.
   * The driver awaits it before it applies anything later (the node reads and decrypts its share
   * of the new epoch here, once).
   */
  accept(tx: SignedTransaction, current: EpochCommittee): Promise<EpochCommittee | undefined>;
}

/**
 * The hook of the oracle (issue #6): this validator's observations for the extension of a
 * precommit at `height`, one per configured feed at most. Read synchronously at signing time,
 * so an implementation returns its latest cached observations and never does I/O here.
 */
export interface PriceObserver {
  observe(height: number): readonly PriceObservation[];
}

export interface ConsensusDriverOptions {
  validatorIndex: number;
  validatorCount: number;
  domain: NetworkDomain;
  epoch: number;
  feeds: readonly FeedConfig[];
  /** Block time of height 1; must be equal at every validator (the node uses 0). */
  genesisTimestampMs: number;
  timeouts: TimeoutConfig;
  /** How long one attempt to fetch missing transaction bodies may take (default DRIVER_FETCH_TIMEOUT_MS). */
  fetchTimeoutMs?: number;
  /**
   * No block finalized for this long = a stall: the driver logs `diagnostics()` at warn level
   * (again every period while it lasts) and sets the stalled metric (default DRIVER_STALL_WARNING_MS).
   */
  stallWarningMs?: number;
  /**
   * Idle at rest (issue #17 §1): after a commit that leaves nothing to order — an empty mempool,
   * a commit whose extensions list no transaction, no price moved by its feed's push deviation
   * since the last finalized one — round 0 of the next height waits up to this long before it
   * starts (proposer's block, propose timeout), unless a transaction, a moved price or a message
   * of that height wakes it first. 0 or undefined: never waits (a block as fast as consensus
   * goes). docs/decisions.md "Idle at rest".
   */
  idleIntervalMs?: number;
  /**
   * Test-only broken variants of the core and the driver (consensus/faults.ts), for the
   * simulator's canaries: a Symbol key that no configuration file, environment or flag produces.
   */
  readonly [CANARY_FAULTS]?: CanaryFaults;
}

/** What the driver and its core are doing, for stall reports, `synod_status` and tests. */
export type ConsensusDiagnostics = RpcConsensusState & { height: number; round: number };

export interface ConsensusDriverDeps {
  /** The genesis committee's crypto (options.epoch); later epochs bring theirs (transitions). */
  crypto: ConsensusCrypto;
  /** The genesis committee's encryption key, when it has one. */
  encryption?: EpochEncryption | undefined;
  /** Committee transitions; without it, transition records are ordinary transactions. */
  transitions?: CommitteeTransitions | undefined;
  /** The node's LevelDB Store, or the simulator's MemoryStore. */
  store: ConsensusStore;
  mempool: Mempool;
  network: DriverNetwork;
  timers?: Timers;
  /** Wall clock, unix ms: extension timestamps. Default Date.now. */
  nowMs?: () => number;
  /** Monotonic clock, ms: latencies and the stall watchdog. Default performance.now. */
  monotonicNowMs?: () => number;
  metrics?: ConsensusMetrics | undefined;
  logger?: Logger | undefined;
  priceObserver?: PriceObserver | undefined;
  /**
   * Called when the driver cannot go on (a storage failure, or an assertion: a bug). The driver
   * has stopped; the node should stop too (a restart resumes from disk).
   */
  onFatal?: (error: unknown) => void;
  /**
   * Test-only: makes this node byzantine (packages/node/src/behaviour; the testnet's byzantine
   * entry). Never set by `synod start`; without it the driver is honest.
   */
  behaviour?: NodeBehaviour | undefined;
  /** More state for a stall report (the node adds its peers and gossip counters). */
  diagnostics?: () => Record<string, unknown>;
}

/** A block the driver has stored and applied, for RPC events and metrics. */
export interface CommittedBlock {
  height: number;
  /** headerHash of the header: the block id. */
  hash: Hex;
  certified: CertifiedBlock;
  transactionIds: Hex[];
  content: BlockContent;
  /** Unix ms when this node stored it. */
  committedAtMs: number;
}
