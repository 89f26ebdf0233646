import {
  type Block,
  type BlockHeader,
  type Certificate,
  certificateMessage,
  type Evidence,
  extensionMessage,
  type FeedPrice,
  HEADER_VERSION,
  type Hex,
  HistoryAccumulator,
  headerHash,
  historyProof,
  insecureTrustedDealer,
  merkleProof,
  merkleRoot,
  type NamespaceEntry,
  type NetworkDomain,
  namespaceEntries,
  namespaceExclusionProof,
  namespaceInclusionProof,
  namespaceRoot,
  partialSign,
  priceLeaf,
  recoverGroupSignature,
  type SignedTransaction,
  type SignedVoteExtension,
  type TrustedDealing,
  transactionLeaf,
  VoteExtensionCodec,
  VoteKind,
  verifyTransaction,
  voteMessageBytes,
} from '@synod/protocol';
import { hexToBytes } from 'viem';
import {
  type BlockOrdering,
  type CommitteeInfo,
  type FinalizedBlock,
  type FinalizedPrice,
  type NamespaceBatch,
  type NodeStatus,
  RpcBackendError,
  readBlockOrdering,
  type SynodRpcBackend,
  type TransactionInclusion,
  type TransactionStatus,
} from './node.ts';

/** The node's MEMPOOL_MAX_NONCE_AHEAD: how far past a sender's next nonce a transaction may be. */
const MAX_NONCE_AHEAD = 64n;

type Listener<A extends unknown[]> = (...args: A) => void;

class Emitter<A extends unknown[]> {
  readonly listeners = new Set<Listener<A>>();
  on = (listener: Listener<A>) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
  emit(...args: A): void {
    for (const listener of this.listeners) listener(...args);
  }
}

/** How a byzantine node lies about finality (named for its behaviour). */
export interface Forgery {
  /** Certificates signed by another committee's key: the forger's own threshold key. */
  certificate?: boolean;
  /** Merkle proofs with a flipped sibling. */
  proof?: boolean;
  /**
   * Headers certified by the real committee with one namespace too many: a lying committee,
   * caught only against the block's transaction bodies.
   */
  namespaceCount?: boolean;
  /** Namespace batches served with their last transaction left out (a censoring node). */
  namespaceBatch?: boolean;
}

export interface TestChainOptions {
  domain: NetworkDomain;
  /** Seed of the committee's (insecure, test-only) dealt key. */
  seed?: number;
  validators?: number;
  threshold?: number;
}

/**
 * A tiny real chain behind the node's SynodRpcBackend interface: a mempool with the node's nonce
 * rules, blocks whose txRoot/namespaceRoot/priceRoot/historyRoot are real Merkle roots, and certificates that
 * are real threshold BLS signatures of a committee dealt with insecureTrustedDealer. Blocks are
 * made on demand (`produceBlock`) so tests control time. `forge` turns it into a lying node.
 */
export class TestChain implements SynodRpcBackend {
  readonly domain: NetworkDomain;
  readonly committee: TrustedDealing;
  readonly threshold: number;
  /** What a lying node does; empty = honest. */
  forge: Forgery = {};
  /** The epoch of the headers it produces (a test moves it on, as a reshare does). */
  epoch = 0;
  /** Thrown by the next sendTransaction calls (tests of error mapping), one per call. */
  readonly sendErrors: Error[] = [];
  /** Every RPC call the backend served, by name. */
  readonly calls: string[] = [];
  /**
   * How a lying node alters synod_getBlockOrdering's honest answer (the node's own
   * readBlockOrdering over the chain's signed extensions) before serving it; none = honest.
   */
  lieAboutOrdering: ((ordering: BlockOrdering) => BlockOrdering) | undefined;

  readonly #blocks: FinalizedBlock[] = [];
  readonly #byHash = new Map<Hex, FinalizedBlock>();
  readonly #inclusions = new Map<Hex, TransactionInclusion>();
  readonly #pending: { transaction: SignedTransaction; txId: Hex; firstSeenMs: number }[] = [];
  /** When the chain first saw each transaction (its validators' reports derive from it). */
  readonly #firstSeen = new Map<Hex, number>();
  readonly #nextNonce = new Map<string, bigint>();
  readonly #history = new HistoryAccumulator();
  /** Finalized transactions per namespace: the sequenceStart of the next block's leaves. */
  readonly #namespaceSequences = new Map<Hex, number>();
  /** Each block's namespace leaves, by height − 1. */
  readonly #namespaceEntries: NamespaceEntry[][] = [];
  readonly #prices = new Map<Hex, bigint>();
  readonly #forger: TrustedDealing;
  readonly #blockEvents = new Emitter<[FinalizedBlock]>();
  readonly #finalityEvents = new Emitter<[Hex, TransactionInclusion]>();
  readonly #priceEvents = new Emitter<[FinalizedPrice]>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: TestChainOptions) {
    this.domain = options.domain;
    const validators = options.validators ?? 4;
    this.threshold = options.threshold ?? 3;
    this.committee = insecureTrustedDealer(
      validators,
      this.threshold,
      new Uint8Array(32).fill(options.seed ?? 1),
    );
    this.#forger = insecureTrustedDealer(validators, this.threshold, new Uint8Array(32).fill(0xee));
  }

  get height(): number {
    return this.#blocks.length;
  }

  /** Sets a feed's price for the next blocks. */
  setPrice(feedId: Hex, answer: bigint): void {
    this.#prices.set(feedId.toLowerCase() as Hex, answer);
  }

  /** Finalizes a block of every pending transaction and the current prices. */
  produceBlock(): FinalizedBlock {
    const height = this.#blocks.length + 1;
    const included = this.#pending.splice(0);
    const transactions = included.map((entry) => entry.transaction);
    const transactionIds = included.map((entry) => entry.txId);
    const leaves = included.map((entry) => transactionLeaf(entry.transaction, entry.txId));
    const prices: FeedPrice[] = [...this.#prices.entries()]
      .map(([feedId, answer]) => ({ feedId, answer }))
      .sort((a, b) => (a.feedId < b.feedId ? -1 : 1));
    const namespaces = namespaceEntries(
      included.map((entry) => ({ tx: entry.transaction, txId: entry.txId })),
      (namespace) => this.#namespaceSequences.get(namespace) ?? 0,
    );
    for (const entry of namespaces)
      this.#namespaceSequences.set(entry.namespace, entry.sequenceStart + entry.count);
    const parent = this.#blocks.at(-1);
    const header: BlockHeader = {
      version: HEADER_VERSION,
      networkId: this.domain.networkId,
      epoch: this.epoch,
      height,
      parentHash: parent?.hash ?? `0x${'00'.repeat(32)}`,
      // Strictly after the parent, as the content function's max(parent + 1, median clock).
      timestampMs: Math.max(Date.now(), (parent?.block.header.timestampMs ?? 0) + 1),
      txRoot: merkleRoot(leaves),
      txCount: leaves.length,
      namespaceRoot: namespaceRoot(namespaces),
      namespaceCount: namespaces.length + (this.forge.namespaceCount === true ? 1 : 0),
      priceRoot: merkleRoot(prices.map(priceLeaf)),
      priceCount: prices.length,
      historyRoot: this.#history.root(),
      proposerIndex: height % this.committee.shares.length,
    };
    const hash = headerHash(header, this.domain);
    const certificate = this.#certify(this.committee, header, 0);
    const block: Block = { header, transactions, prices };
    const finalized: FinalizedBlock = { hash, block, certificate, transactionIds };
    this.#blocks.push(finalized);
    this.#namespaceEntries.push(namespaces);
    this.#byHash.set(hash, finalized);
    this.#history.append(hash);
    for (const [index, entry] of included.entries()) {
      const key = entry.transaction.sender.toLowerCase();
      const next = this.#nextNonce.get(key) ?? 0n;
      if (entry.transaction.nonce >= next) this.#nextNonce.set(key, entry.transaction.nonce + 1n);
      this.#inclusions.set(entry.txId, {
        height,
        index,
        blockHash: hash,
        header,
        certificate,
        proof: merkleProof(leaves, index),
      });
    }
    this.#blockEvents.emit(finalized);
    for (const entry of included)
      this.#finalityEvents.emit(entry.txId, this.#present(this.#inclusions.get(entry.txId)!));
    for (const price of prices) {
      this.#priceEvents.emit({ ...price, height, timestampMs: header.timestampMs });
    }
    return finalized;
  }

  /** Produces a block every `intervalMs` until stopAutoBlocks. */
  startAutoBlocks(intervalMs: number): void {
    this.stopAutoBlocks();
    this.#timer = setInterval(() => this.produceBlock(), intervalMs);
  }

  stopAutoBlocks(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #certify(dealing: TrustedDealing, header: BlockHeader, round: number): Certificate {
    const message = hexToBytes(certificateMessage(header, this.domain, round));
    const partials = dealing.shares
      .slice(0, this.threshold)
      .map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) }));
    return { round, signature: recoverGroupSignature(partials, this.threshold) };
  }

  /** What the (possibly lying) node shows of an inclusion. */
  #present(inclusion: TransactionInclusion): TransactionInclusion {
    let presented = inclusion;
    if (this.forge.certificate === true) {
      presented = { ...presented, certificate: this.#certify(this.#forger, inclusion.header, 0) };
    }
    if (this.forge.proof === true) {
      const proof = [...presented.proof];
      const first = proof[0] ?? (`0x${'00'.repeat(32)}` as Hex);
      proof[0] = `0x${(BigInt(first) ^ 1n).toString(16).padStart(64, '0')}` as Hex;
      presented = { ...presented, proof };
    }
    return presented;
  }

  // SynodRpcBackend ----------------------------------------------------------------------------

  getNamespaceBatch: SynodRpcBackend['getNamespaceBatch'] = async (namespaceHex, height) => {
    this.calls.push('getNamespaceBatch');
    return this.#namespaceBatch(namespaceHex.toLowerCase() as Hex, height);
  };

  getNextNamespaceBatch: SynodRpcBackend['getNextNamespaceBatch'] = async (namespaceHex, afterHeight) => {
    this.calls.push('getNextNamespaceBatch');
    const namespace = namespaceHex.toLowerCase() as Hex;
    for (let height = afterHeight + 1; height <= this.#blocks.length; height++) {
      if (this.#namespaceEntries[height - 1]!.some((entry) => entry.namespace === namespace)) {
        return this.#namespaceBatch(namespace, height);
      }
    }
    return { status: 'not-final', namespace, height: afterHeight + 1, latestHeight: this.#blocks.length };
  };

  getHeaderProof: SynodRpcBackend['getHeaderProof'] = async (height, anchorHeight) => {
    this.calls.push('getHeaderProof');
    const anchor = this.#blocks[anchorHeight - 1];
    const proven = this.#blocks[height - 1];
    if (anchor === undefined || proven === undefined) return undefined;
    const hashes = this.#blocks.slice(0, anchorHeight - 1).map((block) => block.hash);
    return {
      height,
      header: proven.block.header,
      anchorHeight,
      anchorHeader: anchor.block.header,
      anchorHash: anchor.hash,
      proof: historyProof(hashes, height - 1),
    };
  };

  #namespaceBatch(namespace: Hex, height: number): NamespaceBatch {
    const finalized = this.#blocks[height - 1];
    if (finalized === undefined) {
      return { status: 'not-final', namespace, height, latestHeight: this.#blocks.length };
    }
    const entries = this.#namespaceEntries[height - 1]!;
    const block = {
      namespace,
      height,
      blockHash: finalized.hash,
      header: finalized.block.header,
      certificate: finalized.certificate,
    };
    const inclusion = namespaceInclusionProof(entries, namespace);
    if (inclusion === undefined) {
      return { ...block, status: 'empty', exclusion: namespaceExclusionProof(entries, namespace) };
    }
    const transactions = finalized.block.transactions
      .map((tx, i) => ({ tx, txId: finalized.transactionIds[i]! }))
      .filter(({ tx }) => tx.namespace.toLowerCase() === namespace);
    if (this.forge.namespaceBatch === true) transactions.pop();
    return { ...block, status: 'batch', inclusion, transactions };
  }

  sendTransaction: SynodRpcBackend['sendTransaction'] = async (transaction) => {
    this.calls.push('sendTransaction');
    const injected = this.sendErrors.shift();
    if (injected !== undefined) throw injected;
    const txId = verifyTransaction(transaction, this.domain, { nowSeconds: Math.floor(Date.now() / 1000) });
    if (this.#inclusions.has(txId) || this.#pending.some((entry) => entry.txId === txId)) return txId;
    const sender = transaction.sender.toLowerCase();
    const next = this.#nextNonce.get(sender) ?? 0n;
    if (transaction.nonce < next)
      throw new RpcBackendError('NONCE_USED', `nonce ${transaction.nonce} < ${next}`);
    if (
      this.#pending.some(
        (entry) => entry.transaction.sender === sender && entry.transaction.nonce === transaction.nonce,
      )
    ) {
      throw new RpcBackendError('DUPLICATE_NONCE', `nonce ${transaction.nonce} is pending`);
    }
    if (transaction.nonce > next + MAX_NONCE_AHEAD) {
      throw new RpcBackendError(
        'NONCE_TOO_FAR_AHEAD',
        `nonce ${transaction.nonce} > ${next} + ${MAX_NONCE_AHEAD}`,
      );
    }
    this.#pending.push({ transaction, txId, firstSeenMs: Date.now() });
    this.#firstSeen.set(txId, Date.now());
    return txId;
  };

  getTransactionStatus: SynodRpcBackend['getTransactionStatus'] = async (
    txId,
  ): Promise<TransactionStatus> => {
    this.calls.push('getTransactionStatus');
    const inclusion = this.#inclusions.get(txId);
    if (inclusion !== undefined) return { status: 'finalized', ...this.#present(inclusion) };
    const pending = this.#pending.find((entry) => entry.txId === txId);
    return pending === undefined
      ? { status: 'unknown' }
      : { status: 'pending', firstSeenMs: pending.firstSeenMs };
  };

  /** Like the node: past the finalized nonce, then past the sender's gapless pending run. */
  getNextNonce: SynodRpcBackend['getNextNonce'] = async (sender) => {
    this.calls.push('getNextNonce');
    let next = this.#nextNonce.get(sender.toLowerCase()) ?? 0n;
    const pending = new Set(
      this.#pending
        .filter((entry) => entry.transaction.sender.toLowerCase() === sender.toLowerCase())
        .map((entry) => entry.transaction.nonce),
    );
    while (pending.has(next)) next += 1n;
    return next;
  };

  getBlock: SynodRpcBackend['getBlock'] = async (ref) => {
    this.calls.push('getBlock');
    if (ref === 'latest') return this.#blocks.at(-1);
    if (typeof ref === 'number') return this.#blocks[ref - 1];
    return this.#byHash.get(ref);
  };

  /** Equivocation evidence the node serves, by height (see equivocate). */
  readonly #evidence = new Map<number, Evidence[]>();

  /**
   * Validator `validatorIndex` prevotes two blocks at (height, round 0), and the node holds the
   * evidence. `signedBy: 'another key'` makes the node serve evidence whose signatures are not the
   * validator's (a node framing it).
   */
  equivocate(
    height: number,
    validatorIndex: number,
    signedBy: 'its share' | 'another key' = 'its share',
  ): void {
    const share = (signedBy === 'its share' ? this.committee : this.#forger).shares[validatorIndex]!;
    const vote = (blockByte: string) => {
      const body = {
        kind: VoteKind.Prevote,
        networkId: this.domain.networkId,
        height,
        round: 0,
        blockId: `0x${blockByte.repeat(32)}` as Hex,
      };
      return {
        ...body,
        validatorIndex,
        signature: partialSign(share.secretKey, voteMessageBytes(body)),
        extension: null,
      };
    };
    this.#evidence.set(height, [
      ...(this.#evidence.get(height) ?? []),
      { first: vote('a1'), second: vote('b2') },
    ]);
  }

  /**
   * The signed vote extensions block `height` (≥ 2) derives from, one per committee member, with
   * real share signatures over extensionMessage, bound to block height − 1. Each validator
   * reports every transaction of the block at the time the chain first saw it plus its own offset
   * (validator 3 early, validator 2 misses the block's last transaction), validator 3 also a
   * transaction no one else saw; clocks around the block time (whose lower median it is); each
   * feed of the block observed at answer − 1, answer, answer + 1 and an outlier (lower median:
   * the answer).
   */
  contentExtensions(height: number): SignedVoteExtension[] {
    const finalized = this.#blocks[height - 1]!;
    const parent = this.#blocks[height - 2]!;
    const { header } = finalized.block;
    const seenOffsets = [0, 5, 3, -400];
    const clockOffsets = [-2, 0, 1, 6];
    return this.committee.shares.map((share) => {
      const validatorIndex = share.index - 1;
      const offset = (offsets: number[]) => offsets[validatorIndex % offsets.length]!;
      const seen = finalized.transactionIds
        .filter((_, i, ids) => validatorIndex !== 2 || i < ids.length - 1)
        .map((txId) => ({
          txId,
          firstSeenMs: (this.#firstSeen.get(txId) ?? header.timestampMs) + offset(seenOffsets),
        }));
      if (validatorIndex === 3)
        seen.push({ txId: `0x${'73'.repeat(32)}`, firstSeenMs: header.timestampMs - 50 });
      const extension = {
        networkId: this.domain.networkId,
        height: height - 1,
        round: 0,
        blockId: parent.hash,
        validatorIndex,
        timestampMs: header.timestampMs + offset(clockOffsets),
        inclusionList: seen.sort((a, b) => (a.txId < b.txId ? -1 : 1)),
        prices: finalized.block.prices.map(({ feedId, answer }) => ({
          feedId,
          price: validatorIndex < 3 ? answer + BigInt(validatorIndex - 1) : answer * 4n + 7n,
        })),
      };
      return { ...extension, signature: partialSign(share.secretKey, extensionMessage(extension)) };
    });
  }

  /** The node's own read (readBlockOrdering) over the chain's blocks and signed extensions. */
  getBlockOrdering: SynodRpcBackend['getBlockOrdering'] = async (height) => {
    this.calls.push('getBlockOrdering');
    const blocks = this.#blocks;
    const certified = (at: number) => {
      const finalized = blocks[at - 1];
      return finalized === undefined
        ? undefined
        : { block: finalized.block, certificate: finalized.certificate };
    };
    const ordering = await readBlockOrdering(
      {
        latestHeight: () => blocks.length,
        getBlock: async (at) => certified(at),
        getHeader: async (at) => blocks[at - 1]?.block.header,
        getContentExtensions: async (at) =>
          at < 2 || at > blocks.length
            ? []
            : this.contentExtensions(at).map((extension) => ({
                validatorIndex: extension.validatorIndex,
                bytes: VoteExtensionCodec.encode(extension),
              })),
        getTransactionLocation: async (txId) => {
          const inclusion = this.#inclusions.get(txId);
          return inclusion === undefined ? undefined : { height: inclusion.height, index: inclusion.index };
        },
      },
      this.domain,
      height,
      () => this.committee.shares.length,
    );
    return ordering === undefined || this.lieAboutOrdering === undefined
      ? ordering
      : this.lieAboutOrdering(structuredClone(ordering));
  };

  getEvidence: SynodRpcBackend['getEvidence'] = async (height) => {
    this.calls.push('getEvidence');
    return this.#evidence.get(height) ?? [];
  };

  getCommittee: SynodRpcBackend['getCommittee'] = async (epoch): Promise<CommitteeInfo | undefined> => {
    this.calls.push('getCommittee');
    if (epoch !== undefined && epoch !== 0) return undefined;
    return {
      epoch: 0,
      threshold: this.threshold,
      groupPublicKey: this.committee.groupPublicKey,
      members: this.committee.shares.map((share) => ({
        index: share.index - 1,
        blsPublicKey: share.publicKey,
      })),
    };
  };

  getPrice: SynodRpcBackend['getPrice'] = async (feedId) => {
    this.calls.push('getPrice');
    for (let i = this.#blocks.length - 1; i >= 0; i--) {
      const finalized = this.#blocks[i]!;
      const price = finalized.block.prices.find((entry) => entry.feedId === feedId);
      if (price !== undefined) {
        return {
          ...price,
          height: finalized.block.header.height,
          timestampMs: finalized.block.header.timestampMs,
        };
      }
    }
    return undefined;
  };

  status: SynodRpcBackend['status'] = async (): Promise<NodeStatus> => {
    this.calls.push('status');
    return {
      version: 'test',
      networkId: this.domain.networkId,
      chainId: this.domain.chainId,
      inbox: this.domain.inbox,
      epoch: 0,
      finalizedHeight: this.#blocks.length,
      finalizedHash: this.#blocks.at(-1)?.hash ?? null,
      consensusHeight: this.#blocks.length + 1,
      consensusRound: 0,
      consensus: {
        step: 'propose',
        lockedRound: -1,
        validRound: -1,
        msSinceProgress: 0,
        stalled: false,
        stalls: 0,
        queuedInputs: 0,
        processing: false,
        pendingTimers: 0,
        rounds: [],
        ownVotes: [],
        futureMessages: 0,
      },
      syncing: false,
      peers: 3,
      mempoolTransactions: this.#pending.length,
      mempoolBytes: 0,
    };
  };

  onBlock: SynodRpcBackend['onBlock'] = (listener) => this.#blockEvents.on(listener);
  onTransactionFinalized: SynodRpcBackend['onTransactionFinalized'] = (listener) =>
    this.#finalityEvents.on(listener);
  onPrice: SynodRpcBackend['onPrice'] = (listener) => this.#priceEvents.on(listener);
}
