import {
  type CertifiedBlock,
  EvidenceCodec,
  type Hex,
  headerHash,
  isEnvelope,
  leafHashBytes,
  merkleProof,
  type NetworkDomain,
  nodeHashBytes,
  parseHex,
  priceLeaf,
  type SignedTransaction,
  toLowerHex,
  transactionId,
  transactionLeafData,
  zeroHashBytes,
} from '@synod/protocol';
import type { RevealStatus, RpcConsensusState } from '@synod/protocol/pure';
import type { CommitteeJson } from '../dkg/committee.ts';
import type { ConsensusDriver } from '../driver/driver.ts';
import type { CommittedBlock, ConsensusDiagnostics } from '../driver/types.ts';
import type { Mempool } from '../mempool/mempool.ts';
import type {
  CommitteeInfo,
  FinalizedBlock,
  FinalizedPrice,
  L1ProofResult,
  NodeL1Status,
  NodeStatus,
  SynodRpcBackend,
  TransactionInclusion,
} from '../rpc/backend.ts';
import { RpcBackendError } from '../rpc/errors.ts';
import type { FinalityListener } from '../rpc/subscriptions.ts';
import type { Store } from '../storage/store.ts';
import type { CatchUpSync } from '../sync/sync.ts';
import { readBlockOrdering } from './blockOrdering.ts';
import { MAX_TRACKED_FEEDS, PRICE_LOOKBACK_MAX_HEIGHTS } from './constants.ts';
import { readHeaderProof } from './headerProofs.ts';
import { readNamespaceBatch, readNextNamespaceBatch } from './namespaceBatches.ts';
import type { NodeOracle } from './oracle.ts';

/** The L1 side of the node, as the backend sees it (node/l1.ts). */
export interface NodeL1Backend {
  status(): NodeL1Status;
  getL1Proof(txId: Hex): Promise<L1ProofResult>;
}

/** The node version reported by synod_status. */
export const NODE_VERSION = '0.1.0';

/** Undecryptable verdicts kept for synod_getTransactionStatus (older ones answer reason null). */
const UNDECRYPTABLE_VERDICTS_KEPT = 4096;

export interface NodeBackendOptions {
  domain: NetworkDomain;
  /** The genesis committee (committee.json). */
  committee: CommitteeJson;
  /** A later epoch's committee file, if this node has it (committees/<epoch>.json). */
  committeeFile?: (epoch: number) => Promise<CommitteeJson | undefined>;
  store: Store;
  mempool: Mempool;
  driver: ConsensusDriver;
  sync: CatchUpSync;
  peerCount: () => number;
  /** Hands an admitted transaction to gossip (the micro-batcher). */
  disseminate: (tx: SignedTransaction) => void;
  nowMs: () => number;
  /** The oracle (feeds, observer); absent when no feed is configured. */
  oracle?: NodeOracle;
  /** The L1 submitter and prover; absent without l1.rpcUrl. */
  l1?: NodeL1Backend;
}

/**
 * The RPC backend over the node: the mempool for sends and pending status, the store for
 * finalized blocks and proofs, the driver for consensus position and commit events.
 */
export function createNodeBackend(options: NodeBackendOptions): SynodRpcBackend {
  const { domain, committee, store, mempool, driver } = options;

  /**
   * A committee after genesis, as this node knows it: from committees/<epoch>.json when the
   * reshare wrote it here (with peer ids and accounts), else from the finalized transition record
   * (share keys only). Undefined for an epoch no finalized record installed.
   */
  const encryptionKeyOf = (epoch: number): Uint8Array | undefined =>
    driver.epochs.find((entry) => entry.committee.epoch === epoch)?.committee.encryption?.publicKey;
  const laterCommittee = async (epoch: number): Promise<CommitteeInfo | undefined> => {
    const installed = driver.epochs.find((entry) => entry.committee.epoch === epoch)?.committee;
    if (installed === undefined) return undefined;
    const file = await options.committeeFile?.(epoch);
    const groupPublicKey = parseHex(committee.groupPublicKey, 48)!;
    const encryptionKey = installed.encryption?.publicKey;
    if (file !== undefined)
      return {
        epoch,
        threshold: file.threshold,
        groupPublicKey,
        encryptionKey,
        members: file.members.map((member) => ({
          index: member.index,
          blsPublicKey: parseHex(member.sharePublicKey, 48)!,
          peerId: member.peerId,
          address: member.ethereumAddress,
        })),
      };
    if (installed.sharePublicKeys === undefined || installed.threshold === undefined) return undefined;
    return {
      epoch,
      threshold: installed.threshold,
      groupPublicKey,
      encryptionKey,
      members: installed.sharePublicKeys.map((blsPublicKey, index) => ({ index, blsPublicKey })),
    };
  };
  const blockListeners = new Set<(block: FinalizedBlock) => void>();
  const txListeners = new Set<FinalityListener>();
  const priceListeners = new Set<(price: FinalizedPrice) => void>();
  /**
   * Height of the latest finalized price per feed. Filled from the chain's oracle state (persisted
   * with every block, so it survives restarts) or, failing that, by looking back through the
   * stored blocks; kept current by each commit. The price itself and its proof are read from the
   * stored block on demand.
   */
  const priceHeights = new Map<Hex, number>();
  const remember = (feedId: Hex, height: number) => {
    if (priceHeights.has(feedId) || priceHeights.size < MAX_TRACKED_FEEDS) priceHeights.set(feedId, height);
  };

  /** The height of feedId's latest finalized price, or undefined when the chain has none. */
  async function latestPriceHeight(feedId: Hex): Promise<number | undefined> {
    const known = priceHeights.get(feedId);
    if (known !== undefined) return known;
    const fromState = driver.chain.feedStates.get(feedId)?.lastFinalized?.height;
    if (fromState !== undefined && fromState <= store.latestHeight()) {
      remember(feedId, fromState);
      return fromState;
    }
    // No oracle state (a feed not configured here, or a state lost with an old data dir): look back.
    const latest = store.latestHeight();
    const floor = Math.max(1, latest - PRICE_LOOKBACK_MAX_HEIGHTS + 1, store.prunedBelow());
    for (let height = latest; height >= floor; height--) {
      const certified = await store.getBlock(height);
      if (certified?.block.prices.some((price) => price.feedId.toLowerCase() === feedId) === true) {
        remember(feedId, height);
        return height;
      }
    }
    return undefined;
  }

  async function priceWithProof(feedId: Hex): Promise<FinalizedPrice | undefined> {
    const height = await latestPriceHeight(feedId);
    if (height === undefined) return undefined;
    const certified = await store.getBlock(height);
    if (certified === undefined) {
      throw new RpcBackendError('UNAVAILABLE', `block ${height} holding the price of ${feedId} is pruned`);
    }
    const { header, prices } = certified.block;
    const index = prices.findIndex((price) => price.feedId.toLowerCase() === feedId);
    if (index === -1) throw new Error(`assertion failed: block ${height} has no price of ${feedId}`);
    return {
      feedId,
      answer: prices[index]!.answer,
      height,
      timestampMs: header.timestampMs,
      proof: {
        index,
        blockHash: headerHash(header, domain),
        header,
        certificate: certified.certificate,
        siblings: merkleProof(
          prices.map((price) => priceLeaf(price)),
          index,
        ),
      },
    };
  }

  const finalized = (certified: CertifiedBlock, hash?: Hex, transactionIds?: Hex[]): FinalizedBlock => ({
    hash: hash ?? headerHash(certified.block.header, domain),
    block: certified.block,
    certificate: certified.certificate,
    transactionIds: transactionIds ?? certified.block.transactions.map((tx) => transactionId(tx, domain)),
  });

  /** Why recent envelopes revealed nothing (their verdicts), for synod_getTransactionStatus. */
  const undecryptable = new Map<Hex, string>();
  /**
   * The reveal of an envelope finalized at `height` (docs/protocol.md "Encrypted transactions"):
   * its plaintext is the transaction of its sender and nonce at the head of block height + 2.
   * Undefined when that block's body is pruned.
   */
  const revealOf = async (
    envelope: SignedTransaction,
    txId: Hex,
    height: number,
  ): Promise<RevealStatus | undefined> => {
    const revealHeight = height + 2;
    if (store.latestHeight() < revealHeight) return { status: 'pending' };
    const block = await store.getBlock(revealHeight);
    if (block === undefined) return undefined;
    const sender = envelope.sender.toLowerCase();
    const plaintext = block.block.transactions.find(
      (tx) => tx.sender.toLowerCase() === sender && tx.nonce === envelope.nonce && !isEnvelope(tx),
    );
    if (plaintext !== undefined)
      return { status: 'revealed', txId: transactionId(plaintext, domain), height: revealHeight };
    return { status: 'undecryptable', height: revealHeight, reason: undecryptable.get(txId) ?? null };
  };

  driver.onCommit((committed: CommittedBlock) => {
    for (const { envelope, verdict } of committed.content.reveals) {
      if (verdict.revealed) continue;
      if (undecryptable.size >= UNDECRYPTABLE_VERDICTS_KEPT)
        undecryptable.delete(undecryptable.keys().next().value!);
      undecryptable.set(envelope.txId, verdict.reason);
    }
    const block = finalized(committed.certified, committed.hash, committed.transactionIds);
    for (const listener of blockListeners) listener(block);
    const { header } = committed.certified.block;
    for (const price of committed.certified.block.prices) {
      const entry: FinalizedPrice = {
        feedId: price.feedId,
        answer: price.answer,
        height: header.height,
        timestampMs: header.timestampMs,
      };
      remember(price.feedId.toLowerCase() as Hex, header.height);
      for (const listener of priceListeners) listener(entry);
    }
    options.oracle?.updateMetrics(driver.chain.feedStates);
    if (txListeners.size > 0 && committed.transactionIds.length > 0) notifyFinalized(committed);
  });

  /**
   * Inclusions of the committed block's transactions that some listener wants (the RPC hub wants
   * only the watched ones), from the block in memory: no store read, one tree for the block, a
   * proof only per wanted transaction. Nothing is hashed when nobody watches.
   */
  function notifyFinalized(committed: CommittedBlock): void {
    const listeners = [...txListeners];
    const wantedBy = (txId: Hex) => listeners.filter((listener) => listener.wants?.(txId) ?? true);
    const wanted: { index: number; listeners: FinalityListener[] }[] = [];
    committed.transactionIds.forEach((txId, index) => {
      const matching = wantedBy(txId);
      if (matching.length > 0) wanted.push({ index, listeners: matching });
    });
    if (wanted.length === 0) return;
    const { block, certificate } = committed.certified;
    const { header, transactions } = block;
    const levels = merkleLevels(
      transactions.map((tx, index) =>
        leafHashBytes(transactionLeafData(tx, committed.transactionIds[index]!)),
      ),
    );
    const root = toLowerHex(levels[levels.length - 1]![0]!);
    if (transactions.length !== header.txCount || root !== header.txRoot.toLowerCase()) {
      throw new Error(`assertion failed: committed block ${header.height} does not match its txRoot`);
    }
    for (const { index, listeners: matching } of wanted) {
      const txId = committed.transactionIds[index]!;
      const inclusion: TransactionInclusion = {
        height: header.height,
        index,
        blockHash: committed.hash,
        header,
        certificate,
        proof: proofOf(levels, index),
      };
      for (const listener of matching) listener(txId, inclusion);
    }
  }

  const subscribe = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };

  return {
    async sendTransaction(transaction) {
      // Throws MempoolError with a typed code (bad signature, nonce, full, …).
      const result = mempool.add(transaction, { nowMs: options.nowMs() });
      if (!result.duplicate) options.disseminate(transaction);
      return result.txId;
    },
    async getTransactionStatus(txId) {
      const pending = mempool.get(txId);
      if (pending !== undefined) return { status: 'pending', firstSeenMs: pending.firstSeenMs };
      const proof = await store.getTransactionWithProof(txId);
      if (proof === undefined) return { status: 'unknown' };
      const reveal =
        proof.transaction !== undefined && isEnvelope(proof.transaction)
          ? await revealOf(proof.transaction, proof.txId, proof.height)
          : undefined;
      return {
        status: 'finalized',
        height: proof.height,
        index: proof.index,
        blockHash: headerHash(proof.header, domain),
        header: proof.header,
        certificate: proof.certificate,
        proof: proof.proof,
        ...(reveal === undefined ? {} : { reveal }),
      };
    },
    async getNextNonce(sender) {
      // The mempool's next nonce is the finalized one (chain state, or past what it saw finalized);
      // the sender's pending run from there on is what the node would refuse as taken.
      let next = mempool.nextNonce(sender);
      for (const entry of mempool.senderEntries(sender)) {
        if (entry.nonce === next) next += 1n;
        else if (entry.nonce > next) break;
      }
      return next;
    },
    async getBlock(ref) {
      let certified: CertifiedBlock | undefined;
      if (ref === 'latest') {
        const height = store.latestHeight();
        certified = height === 0 ? undefined : await store.getBlock(height);
      } else if (typeof ref === 'number') certified = await store.getBlock(ref);
      else certified = await store.getBlockByHash(ref);
      return certified === undefined ? undefined : finalized(certified);
    },
    async getCommittee(epoch): Promise<CommitteeInfo | undefined> {
      const wanted = epoch ?? driver.committeeAt(driver.height).epoch;
      if (wanted !== committee.epoch) return laterCommittee(wanted);
      return {
        epoch: committee.epoch,
        threshold: committee.threshold,
        groupPublicKey: parseHex(committee.groupPublicKey, 48)!,
        encryptionKey: encryptionKeyOf(committee.epoch),
        members: committee.members.map((member) => ({
          index: member.index,
          blsPublicKey: parseHex(member.sharePublicKey, 48)!,
          peerId: member.peerId,
          address: member.ethereumAddress,
        })),
      };
    },
    async getPrice(feedId) {
      return priceWithProof(feedId.toLowerCase() as Hex);
    },
    getNamespaceBatch: (namespace, height) => readNamespaceBatch(store, domain, namespace, height),
    getNextNamespaceBatch: (namespace, afterHeight) =>
      readNextNamespaceBatch(store, domain, namespace, afterHeight),
    getHeaderProof: (height, anchorHeight) => readHeaderProof(store, domain, height, anchorHeight),
    async getEvidence(height) {
      // Stored as checked EvidenceCodec bytes (driver.recordEvidence): decoding cannot fail unless the store is corrupt.
      return (await store.getEvidence(height)).map((record) => EvidenceCodec.decode(record.bytes));
    },
    // The extensions of block h were signed by the committee of h − 1 (the driver's signerCount).
    getBlockOrdering: (height) =>
      readBlockOrdering(
        store,
        domain,
        height,
        (at) => driver.committeeAt(Math.max(1, at - 1)).validatorCount,
      ),
    async status(): Promise<NodeStatus> {
      const height = store.latestHeight();
      return {
        version: NODE_VERSION,
        networkId: domain.networkId,
        chainId: domain.chainId,
        inbox: domain.inbox,
        epoch: driver.committeeAt(driver.height).epoch,
        finalizedHeight: height,
        finalizedHash: height === 0 ? null : store.latestHash(),
        consensusHeight: driver.height,
        consensusRound: driver.round,
        consensus: consensusState(driver.diagnostics()),
        syncing: options.sync.syncing,
        peers: options.peerCount(),
        mempoolTransactions: mempool.size,
        mempoolBytes: mempool.bytes,
        ...(options.oracle === undefined ? {} : { oracle: options.oracle.status(driver.chain.feedStates) }),
        ...(options.l1 === undefined ? {} : { l1: options.l1.status() }),
      };
    },
    ...(options.l1 === undefined
      ? {}
      : {
          getL1Proof: (txId: Hex) => {
            const l1 = options.l1!;
            return l1.getL1Proof(txId);
          },
        }),
    onBlock: (listener) => subscribe(blockListeners, listener),
    onTransactionFinalized: (listener: FinalityListener) => subscribe(txListeners, listener),
    onPrice: (listener) => subscribe(priceListeners, listener),
  };
}

/**
 * Every level of the padded tx tree (merkleRoot/merkleProof of @synod/protocol), leaves first,
 * root last: built once per block so that each proof is then a walk up (merkleProof rebuilds the
 * tree per call). At least one leaf.
 */
function merkleLevels(leaves: Uint8Array[]): Uint8Array[][] {
  const levels = [leaves];
  for (let level = 0; levels[level]!.length > 1; level++) {
    const nodes = levels[level]!;
    const parents: Uint8Array[] = [];
    for (let i = 0; i < nodes.length; i += 2) {
      parents.push(nodeHashBytes(nodes[i]!, nodes[i + 1] ?? zeroHashBytes(level)));
    }
    levels.push(parents);
  }
  return levels;
}

/** merkleProof(leaves, index) from the levels of merkleLevels: sibling hashes, leaf to root. */
function proofOf(levels: readonly Uint8Array[][], index: number): Hex[] {
  const proof: Hex[] = [];
  let position = index;
  for (let level = 0; level < levels.length - 1; level++) {
    proof.push(toLowerHex(levels[level]![position ^ 1] ?? zeroHashBytes(level)));
    position >>= 1;
  }
  return proof;
}

/** The driver's diagnostics without the height and round synod_status already has. */
function consensusState({
  height: _height,
  round: _round,
  ...state
}: ConsensusDiagnostics): RpcConsensusState {
  return state;
}
