import {
  type CertifiedBlock,
  type Hex,
  headerHash,
  type NetworkDomain,
  parseHex,
  type SignedTransaction,
  transactionId,
} from '@synod/protocol';
import type { CommitteeJson } from '../dkg/committee.ts';
import type { ConsensusDriver } from '../driver/driver.ts';
import type { CommittedBlock } from '../driver/types.ts';
import type { Mempool } from '../mempool/mempool.ts';
import type {
  CommitteeInfo,
  FinalizedBlock,
  FinalizedPrice,
  NodeStatus,
  SynodRpcBackend,
  TransactionInclusion,
} from '../rpc/backend.ts';
import type { Store } from '../storage/store.ts';
import type { CatchUpSync } from '../sync/sync.ts';
import { MAX_TRACKED_FEEDS } from './constants.ts';

/** The node version reported by synod_status. */
export const NODE_VERSION = '0.1.0';

export interface NodeBackendParts {
  domain: NetworkDomain;
  committee: CommitteeJson;
  store: Store;
  mempool: Mempool;
  driver: ConsensusDriver;
  sync: CatchUpSync;
  peerCount: () => number;
  /** Hands an admitted transaction to gossip (the micro-batcher). */
  disseminate: (tx: SignedTransaction) => void;
  nowMs: () => number;
}

/**
 * The RPC backend over the node: the mempool for sends and pending status, the store for
 * finalized blocks and proofs, the driver for consensus position and commit events.
 */
export function createNodeBackend(parts: NodeBackendParts): SynodRpcBackend {
  const { domain, committee, store, mempool, driver } = parts;
  const blockListeners = new Set<(block: FinalizedBlock) => void>();
  const txListeners = new Set<(txId: Hex, inclusion: TransactionInclusion) => void>();
  const priceListeners = new Set<(price: FinalizedPrice) => void>();
  /** Latest finalized price per feed (since this process started). */
  const prices = new Map<Hex, FinalizedPrice>();

  const finalized = (certified: CertifiedBlock, hash?: Hex, transactionIds?: Hex[]): FinalizedBlock => ({
    hash: hash ?? headerHash(certified.block.header, domain),
    block: certified.block,
    certificate: certified.certificate,
    transactionIds: transactionIds ?? certified.block.transactions.map((tx) => transactionId(tx, domain)),
  });

  driver.onCommit((committed: CommittedBlock) => {
    const block = finalized(committed.certified, committed.hash, committed.transactionIds);
    for (const listener of blockListeners) listener(block);
    if (txListeners.size > 0 && committed.transactionIds.length > 0) {
      // Proofs are computed from the stored leaves on demand; one tree for the whole block.
      void Promise.all(committed.transactionIds.map((txId) => store.getTransactionWithProof(txId))).then(
        (proofs) => {
          for (const proof of proofs) {
            if (proof === undefined) continue;
            const inclusion: TransactionInclusion = {
              height: proof.height,
              index: proof.index,
              blockHash: committed.hash,
              header: proof.header,
              certificate: proof.certificate,
              proof: proof.proof,
            };
            for (const listener of txListeners) listener(proof.txId, inclusion);
          }
        },
        () => {},
      );
    }
    const { header } = committed.certified.block;
    for (const price of committed.certified.block.prices) {
      const entry: FinalizedPrice = {
        feedId: price.feedId,
        answer: price.answer,
        height: header.height,
        timestampMs: header.timestampMs,
      };
      if (prices.has(price.feedId) || prices.size < MAX_TRACKED_FEEDS) prices.set(price.feedId, entry);
      for (const listener of priceListeners) listener(entry);
    }
  });

  const subscribe = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };

  return {
    async sendTransaction(transaction) {
      // Throws MempoolError with a typed code (bad signature, nonce, full, …).
      const result = mempool.add(transaction, { nowMs: parts.nowMs() });
      if (!result.duplicate) parts.disseminate(transaction);
      return result.txId;
    },
    async getTransactionStatus(txId) {
      const pending = mempool.get(txId);
      if (pending !== undefined) return { status: 'pending', firstSeenMs: pending.firstSeenMs };
      const proof = await store.getTransactionWithProof(txId);
      if (proof === undefined) return { status: 'unknown' };
      return {
        status: 'finalized',
        height: proof.height,
        index: proof.index,
        blockHash: headerHash(proof.header, domain),
        header: proof.header,
        certificate: proof.certificate,
        proof: proof.proof,
      };
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
      if (epoch !== undefined && epoch !== committee.epoch) return undefined;
      return {
        epoch: committee.epoch,
        threshold: committee.threshold,
        groupPublicKey: parseHex(committee.groupPublicKey, 48)!,
        members: committee.members.map((member) => ({
          index: member.index,
          blsPublicKey: parseHex(member.sharePublicKey, 48)!,
          peerId: member.peerId,
          address: member.ethereumAddress,
        })),
      };
    },
    async getPrice(feedId) {
      return prices.get(feedId.toLowerCase() as Hex);
    },
    async status(): Promise<NodeStatus> {
      const height = store.latestHeight();
      return {
        version: NODE_VERSION,
        networkId: domain.networkId,
        chainId: domain.chainId,
        inbox: domain.inbox,
        epoch: committee.epoch,
        finalizedHeight: height,
        finalizedHash: height === 0 ? null : store.latestHash(),
        consensusHeight: driver.height,
        consensusRound: driver.round,
        syncing: parts.sync.syncing,
        peers: parts.peerCount(),
        mempoolTransactions: mempool.size,
        mempoolBytes: mempool.bytes,
      };
    },
    onBlock: (listener) => subscribe(blockListeners, listener),
    onTransactionFinalized: (listener) => subscribe(txListeners, listener),
    onPrice: (listener) => subscribe(priceListeners, listener),
  };
}
