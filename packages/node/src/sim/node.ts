import {
  type BlockHeader,
  type Hex,
  headerHash,
  type InclusionEntry,
  type Proposal,
  type SignedTransaction,
  type SignedVoteExtension,
  type Vote,
  VoteKind,
} from '@synod/protocol';
import {
  censorExtensions,
  censorInclusionList,
  conflictingVote,
  frontRunInclusionList,
  frontRunOrder,
  inflateFeedPrices,
  inflateObservations,
} from '../behaviour/actions.ts';
import { contentOfCommit, inclusionListForExtension } from '../consensus/commitContent.ts';
import {
  applyBlock,
  type BlockContent,
  ChainState,
  type ContentContext,
  checkProposalContent,
  deriveBlockContent,
  isWellFormedExtension,
} from '../consensus/content.ts';
import {
  type ConsensusState,
  createConsensusState,
  MAX_RETAINED_COMMITS,
  NIL_BLOCK_ID,
  step,
} from '../consensus/core.ts';
import { CANARY_FAULTS, type CanaryFaults } from '../consensus/faults.ts';
import type {
  CommitRecord,
  ConsensusApplication,
  ConsensusConfig,
  ConsensusCrypto,
  ConsensusInput,
  ConsensusMessage,
  ConsensusOutput,
  ExtensionPayload,
  ProposedBlock,
  SafetyRecord,
} from '../consensus/types.ts';
import type { Random } from './random.ts';
import type { Recorder } from './recorder.ts';
import { type ByzantineBehaviour, SIM_TIMEOUTS } from './scenario.ts';
import {
  isAuthenticTransaction,
  type Market,
  SIM_DOMAIN,
  SIM_FEEDS,
  type TransactionPool,
} from './workload.ts';

/** Unix ms of simulated time 0: local clocks read this plus the virtual time plus the node's skew. */
export const SIM_EPOCH_MS = 1_800_000_000_000;

/** What a node sees of the simulated world (the runner implements it). */
export interface SimWorld {
  readonly nowMs: number;
  readonly validatorCount: number;
  readonly recorder: Recorder;
  readonly market: Market;
  readonly pool: TransactionPool;
  readonly random: Random;
  /** Bodies of every transaction submitted in the run (what clients send; nodes receive them by gossip). */
  readonly submitted: Map<Hex, SignedTransaction>;
  /**
   * A missing body fetched from the peers that are up and honest (a byzantine peer may withhold
   * it): whatever they hold in their mempool, have listed (durably), or have finalized.
   */
  fetchBody(requester: SimNode, txId: Hex): SignedTransaction | undefined;
  send(from: SimNode, to: number, message: ConsensusMessage): void;
  schedule(node: SimNode, delayMs: number, input: ConsensusInput): void;
  /** Whether `validatorIndex` is byzantine (checkers and actors need it; honest code never asks). */
  isByzantine(validatorIndex: number): boolean;
  verifyCertificate: ConsensusCrypto['verifyVoteCertificate'];
}

/** Durable storage: survives a crash (the safety record, the last commit, the chain state). */
interface Storage {
  record: SafetyRecord | null;
  lastCommit: CommitRecord | null;
  /** Bodies listed in own signed extensions, written with the record (driver: store table ListedBody). */
  listedBodies: Map<Hex, { height: number; tx: SignedTransaction }>;
  /** Bodies of finalized transactions (the stored blocks). */
  finalized: Map<Hex, SignedTransaction>;
  /** The latest MAX_RETAINED_COMMITS commits (the stored blocks a node serves to lagging peers). */
  commits: Map<number, CommitRecord>;
}

const blockIds = new WeakMap<BlockHeader, Hex>();

function blockIdOf(header: BlockHeader): Hex {
  let id = blockIds.get(header);
  if (id === undefined) {
    id = headerHash(header, SIM_DOMAIN);
    blockIds.set(header, id);
  }
  return id;
}

/**
 * One simulated validator process: the real consensus core and content function, with a
 * mempool, durable storage, a skewed clock, and (for byzantine actors) a behaviour that
 * changes what it signs and sends.
 */
export class SimNode {
  readonly validatorIndex: number;
  /** 0, or 1 for the second copy of a twin. */
  readonly copy: number;
  readonly behaviour: ByzantineBehaviour | 'honest';
  readonly crypto: ConsensusCrypto;
  readonly world: SimWorld;
  readonly faults: CanaryFaults;
  readonly clockSkewMs: number;
  /** For twins: the peers this copy talks to. */
  peers: Set<number> | null = null;
  crashed = false;
  /** Bumped on every crash: timers of an earlier incarnation never fire. */
  incarnation = 0;
  core: ConsensusState;
  readonly chain = new ChainState();
  private readonly storage: Storage = {
    record: null,
    lastCommit: null,
    listedBodies: new Map(),
    finalized: new Map(),
    commits: new Map(),
  };
  private mempool = new Map<Hex, { tx: SignedTransaction; firstSeenMs: number }>();
  /** Bodies of extensions signed since the last persist (written by the persist that covers them). */
  private unpersistedListed: { height: number; txId: Hex; tx: SignedTransaction }[] = [];
  private readonly contents = new Map<Hex, BlockContent>();
  private readonly random: Random;

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
    this.crypto = parameters.crypto;
    this.world = parameters.world;
    this.faults = parameters.faults;
    this.clockSkewMs = parameters.clockSkewMs;
    this.random = parameters.random;
    this.core = this.createCore();
  }

  get honest(): boolean {
    return this.behaviour === 'honest';
  }

  localNowMs(): number {
    return SIM_EPOCH_MS + this.world.nowMs + this.clockSkewMs;
  }

  private createCore(): ConsensusState {
    const config: ConsensusConfig = {
      validatorIndex: this.validatorIndex,
      validatorCount: this.world.validatorCount,
      networkId: SIM_DOMAIN.networkId,
      timeouts: SIM_TIMEOUTS,
      crypto: this.crypto,
      application: this.application(),
      // Honest nodes run the broken variant under a canary; byzantine actors never need it.
      [CANARY_FAULTS]: this.honest ? this.faults : {},
    };
    const core = createConsensusState({
      config,
      height: this.chain.height + 1,
      lastCommit: this.storage.lastCommit,
      persisted: this.storage.record,
    });
    // A restarted node still serves catch-up from its stored blocks (the node's block sync does
    // that from disk): without this a peer lagging at the restart would have no one to ask.
    for (const [height, commit] of this.storage.commits) core.recentCommits.set(height, commit);
    return core;
  }

  contentContext(): ContentContext {
    return {
      domain: SIM_DOMAIN,
      epoch: 0,
      validatorCount: this.world.validatorCount,
      feeds: SIM_FEEDS,
      genesisTimestampMs: SIM_EPOCH_MS,
      chain: this.chain,
      body: (txId) => this.heldBody(txId) ?? this.world.fetchBody(this, txId),
      isAuthentic: isAuthenticTransaction,
      verifyExtension: (extension) => this.crypto.verifyExtension(extension),
    };
  }

  /** A body this node holds: pending, listed by it (durable), or finalized. */
  heldBody(txId: Hex): SignedTransaction | undefined {
    return (
      this.mempool.get(txId)?.tx ??
      this.storage.listedBodies.get(txId)?.tx ??
      this.storage.finalized.get(txId)
    );
  }

  private application(): ConsensusApplication {
    return {
      blockId: blockIdOf,
      extendVote: (height, _round, _blockId) => this.extendVote(height),
      isWellFormedExtension: (extension) => isWellFormedExtension(SIM_FEEDS, extension),
    };
  }

  // --- lifecycle ---

  start(): void {
    if (this.behaviour === 'silent') return;
    this.input({ type: 'start' });
  }

  crash(): void {
    if (this.crashed) return;
    this.crashed = true;
    this.incarnation += 1;
    this.world.recorder.recordCrash(this.validatorIndex, this.mempool.keys());
    this.mempool = new Map();
    this.unpersistedListed = [];
    this.world.recorder.note(`${this.world.nowMs} crash v${this.validatorIndex}`);
  }

  restart(): void {
    if (!this.crashed) return;
    this.crashed = false;
    // Only what was persisted survives: the safety record, the last commit and the chain.
    this.core = this.createCore();
    this.world.recorder.note(`${this.world.nowMs} restart v${this.validatorIndex} h${this.core.height}`);
    this.start();
  }

  receiveTransaction(txId: Hex): void {
    if (this.crashed || this.behaviour === 'silent') return;
    const tx = this.world.submitted.get(txId);
    if (tx === undefined || this.mempool.has(txId)) return;
    if (tx.nonce < this.chain.nextNonce(tx.sender.toLowerCase() as `0x${string}`)) return; // already final
    if (!isAuthenticTransaction(tx, txId)) return;
    this.mempool.set(txId, { tx, firstSeenMs: this.localNowMs() });
    if (this.honest) this.world.recorder.recordSeen(this.validatorIndex, txId, this.world.nowMs);
  }

  /** Runs one input through the core, and every input its outputs cause (content checks), in order. */
  input(first: ConsensusInput): void {
    if (this.crashed || this.behaviour === 'silent') return;
    const queue: ConsensusInput[] = [first];
    for (let input = queue.shift(); input !== undefined; input = queue.shift()) {
      const { outputs } = step(this.core, input);
      for (const output of outputs) this.carryOut(output, queue);
    }
  }

  private carryOut(output: ConsensusOutput, queue: ConsensusInput[]): void {
    switch (output.type) {
      case 'persist':
        this.storage.record = output.record;
        // The bodies our new extensions list, with the record that covers them (driver #persist).
        if (!(this.honest && this.faults.forgetListedBodies === true)) {
          for (const { height, txId, tx } of this.unpersistedListed) {
            const known = this.storage.listedBodies.get(txId);
            if (known === undefined || known.height < height)
              this.storage.listedBodies.set(txId, { height, tx });
          }
        }
        this.unpersistedListed = [];
        return;
      case 'broadcast':
        this.broadcast(output.message);
        return;
      case 'send':
        this.world.send(this, output.to, output.message);
        return;
      case 'scheduleTimeout':
        this.world.schedule(this, output.durationMs, { type: 'timeout', timeout: output.timeout });
        return;
      case 'buildBlock':
        queue.push({
          type: 'blockBuilt',
          height: output.height,
          round: output.round,
          block: this.buildProposal(output.height, output.round, output.parentExtensions),
        });
        return;
      case 'checkContent': {
        const verdict = checkProposalContent(this.contentContext(), output.proposal, {
          skipFairContentCheck: this.honest && this.faults.skipContentCheck === true,
          skipExtensionSignatures: this.honest && this.faults.skipExtensionSignature === true,
        });
        if (verdict.valid) this.contents.set(output.blockId, verdict.content);
        queue.push({
          type: 'contentChecked',
          height: output.height,
          blockId: output.blockId,
          proposal: output.proposal,
          valid: verdict.valid,
        });
        return;
      }
      case 'commit':
        this.onCommit(output.commit);
        return;
      case 'evidence':
        this.world.recorder.evidence.push({ reporter: this.validatorIndex, evidence: output.evidence });
        return;
    }
  }

  private onCommit(commit: CommitRecord): void {
    const content = contentOfCommit(this.contentContext(), this.contents, commit);
    applyBlock(this.chain, content);
    this.storage.lastCommit = commit;
    this.storage.commits.set(commit.height, commit);
    this.storage.commits.delete(commit.height - MAX_RETAINED_COMMITS);
    for (const { txId, tx } of content.transactions) this.storage.finalized.set(txId, tx);
    for (const [txId, entry] of this.storage.listedBodies) {
      if (entry.height < commit.height) this.storage.listedBodies.delete(txId);
    }
    for (const { txId } of content.transactions) this.mempool.delete(txId);
    for (const [txId, entry] of this.mempool) {
      if (entry.tx.nonce < this.chain.nextNonce(entry.tx.sender.toLowerCase() as `0x${string}`))
        this.mempool.delete(txId);
    }
    if (this.honest) {
      const certificateValid = this.world.verifyCertificate(
        {
          kind: VoteKind.Precommit,
          networkId: SIM_DOMAIN.networkId,
          height: commit.height,
          round: commit.certificate.round,
          blockId: commit.blockId,
        },
        commit.certificate.signature,
      );
      this.world.recorder.recordCommit(
        this.validatorIndex,
        this.world.nowMs,
        commit,
        content,
        certificateValid,
      );
    }
  }

  // --- what this node signs ---

  private inclusionList(): InclusionEntry[] {
    return inclusionListForExtension(
      [...this.mempool].map(([txId, entry]) => ({ txId, firstSeenMs: entry.firstSeenMs })),
    );
  }

  private extendVote(height: number): ExtensionPayload {
    const nowMs = this.localNowMs();
    const payload: ExtensionPayload = {
      timestampMs: nowMs,
      inclusionList: this.inclusionList(),
      prices: this.world.market.honestObservation(this.validatorIndex, height),
    };
    for (const { txId } of payload.inclusionList) {
      this.unpersistedListed.push({ height, txId, tx: this.mempool.get(txId)!.tx });
    }
    // Early times for "its own" transactions (even senders), late ones for everyone else's;
    // the censor simply leaves the victims (odd senders) out.
    const owns = (txId: Hex) => this.ownsTransaction(txId);
    if (this.behaviour === 'frontRunner')
      payload.inclusionList = frontRunInclusionList(payload.inclusionList, owns, nowMs);
    if (this.behaviour === 'censor') payload.inclusionList = censorInclusionList(payload.inclusionList, owns);
    if (this.behaviour === 'priceManipulator' || this.behaviour === 'invalidSigner') {
      payload.prices = inflateObservations(payload.prices);
    }
    return payload;
  }

  /** Byzantine actors "own" the transactions of even-numbered senders in the pool. */
  private ownsTransaction(txId: Hex): boolean {
    const entry = this.world.pool.byId.get(txId);
    return entry !== undefined && entry.senderIndex % 2 === 0;
  }

  private buildProposal(
    height: number,
    _round: number,
    parentExtensions: readonly SignedVoteExtension[],
  ): ProposedBlock | null {
    const context = this.contentContext();
    const owns = (txId: Hex) => this.ownsTransaction(txId);
    let extensions = [...parentExtensions];
    if (this.behaviour === 'censor' && height > 1) {
      // Drop the extensions that list a victim's transaction, down to the 2f+1 minimum.
      extensions = censorExtensions(extensions, owns, this.world.validatorCount);
    }
    if (this.behaviour === 'invalidSigner' && height > 1) {
      // Forges the other validators' extensions with inflated prices (their signatures no longer match).
      extensions = extensions.map((extension) =>
        extension.validatorIndex === this.validatorIndex
          ? extension
          : { ...extension, prices: inflateObservations(extension.prices) },
      );
    }
    const derived = deriveBlockContent(context, extensions, this.validatorIndex);
    if (!derived.ok) return null;
    const { content } = derived;
    this.contents.set(content.blockId, content);
    let transactionIds = content.transactions.map((entry) => entry.txId);
    let prices = content.prices;
    let modified = false;
    if (this.behaviour === 'censor' && this.random.chance(0.5)) {
      transactionIds = transactionIds.filter(owns);
      modified = true;
    }
    if (this.behaviour === 'frontRunner') {
      transactionIds = frontRunOrder(transactionIds, owns);
      modified = true;
    }
    if (this.behaviour === 'priceManipulator') {
      prices = inflateFeedPrices(prices);
      modified = true;
    }
    if (modified) {
      // The content no longer is the function's output; keep what this actor claims.
      const claimed: BlockContent = {
        ...content,
        transactions: transactionIds
          .map((txId) => content.transactions.find((entry) => entry.txId === txId)!)
          .filter((entry) => entry !== undefined),
        prices,
      };
      this.contents.set(content.blockId, claimed);
    }
    return { header: content.header, transactionIds, prices, extensions };
  }

  // --- what this node sends ---

  private broadcast(message: ConsensusMessage): void {
    const { recorder } = this.world;
    if (message.type === 'vote' && this.honest) {
      const record = this.storage.record;
      if (record === null || !record.ownVotes.includes(message.vote)) {
        recorder.persistBeforeSendFailures.push(
          `v${this.validatorIndex} h${message.vote.height} r${message.vote.round}`,
        );
      }
      recorder.recordHonestVote(message.vote);
      if (message.vote.extension !== null)
        recorder.recordHonestExtension(this.world.nowMs, message.vote.extension);
    }
    for (let to = 0; to < this.world.validatorCount; to++) {
      if (to === this.validatorIndex) continue;
      if (this.peers !== null && !this.peers.has(to)) continue;
      this.world.send(this, to, this.rewrite(message, to));
    }
  }

  /** The byzantine part: what this actor sends to `to` instead of `message`. */
  private rewrite(message: ConsensusMessage, to: number): ConsensusMessage {
    if (message.type === 'vote') {
      const { vote } = message;
      if (this.behaviour === 'equivocator' && to % 2 === 1)
        return { type: 'vote', vote: this.conflictingVote(vote) };
      // The conflicting proposer also splits its votes for a block: the real one to one peer,
      // nil to the rest, so that one honest node can decide while the others stay undecided
      // but locked (what the lock rule protects against).
      if (
        this.behaviour === 'conflictingProposer' &&
        vote.blockId !== NIL_BLOCK_ID &&
        to !== (this.validatorIndex + 1) % this.world.validatorCount
      ) {
        return { type: 'vote', vote: this.conflictingVote(vote) };
      }
      if (this.behaviour === 'invalidSigner' && to % 2 === 0) {
        return { type: 'vote', vote: { ...vote, signature: garbageSignature(vote.signature) } };
      }
    }
    if (message.type === 'proposal' && this.behaviour === 'conflictingProposer' && to % 2 === 1) {
      return { type: 'proposal', proposal: this.conflictingProposal(message.proposal) };
    }
    return message;
  }

  private conflictingVote(vote: Vote): Vote {
    return conflictingVote(vote, {
      crypto: this.crypto,
      validatorIndex: this.validatorIndex,
      nowMs: this.localNowMs(),
    });
  }

  /** Another valid block for the same slot (a different proposer index in the header), always fresh. */
  private conflictingProposal(proposal: Proposal): Proposal {
    const header = {
      ...proposal.header,
      proposerIndex: (proposal.header.proposerIndex + 1) % this.world.validatorCount,
    };
    const content = this.contents.get(blockIdOf(proposal.header));
    if (content !== undefined)
      this.contents.set(blockIdOf(header), { ...content, header, blockId: blockIdOf(header) });
    const unsigned = { ...proposal, header, validRound: -1, validRoundCertificate: null };
    return { ...unsigned, signature: this.crypto.signProposal(unsigned) };
  }
}

function garbageSignature(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(signature);
  out[0] = (out[0]! ^ 0xff) & 0xff;
  out[95] = (out[95]! ^ 0x5a) & 0xff;
  return out;
}
