import {
  type BlockRequest,
  blockRequestCodec,
  type CertifiedBlock,
  certifiedBlockCodec,
  type DecryptionShares,
  decryptionSharesCodec,
  type Evidence,
  EvidenceCodec,
  MAX_BLOCK_REQUEST_COUNT,
  type Proposal,
  ProposalCodec,
  type SyncedBlock,
  syncedBlockCodec,
  type TransactionBatch,
  type TransactionRequest,
  transactionBatchCodec,
  transactionRequestCodec,
  type Vote,
  VoteCodec,
} from '@synod/protocol';
import {
  GOSSIP_MAX_DECRYPTION_SHARES_BYTES,
  GOSSIP_MAX_EVIDENCE_BYTES,
  GOSSIP_MAX_PROPOSAL_BYTES,
  GOSSIP_MAX_TRANSACTIONS_BYTES,
  GOSSIP_MAX_VOTE_BYTES,
} from './constants.ts';
import { defineReqRespProtocol } from './reqresp/protocol.ts';
import { defineGossipTopics, type GossipTopicRegistry, type GossipValidator } from './topics.ts';

/**
 * The Synod network's topics and request protocols: names, message types, codecs and caps.
 * Validators are supplied by the subsystems that own the checks (mempool for transactions,
 * consensus driver for proposals and votes).
 */

/** Gossip topic names; the topic strings are `/synod/1/<name>/bin`. */
export const GossipTopic = {
  /** Micro-batches of user-signed transactions (dissemination, decoupled from consensus). */
  transactions: 'transactions',
  /** Block proposals with the ≥ 2f+1 extensions their content derives from. */
  proposals: 'proposals',
  /** Prevotes and precommits (precommits carry the signed vote extension). */
  votes: 'votes',
  /**
   * Equivocation evidence: two signed votes of one validator for one (height, round, kind) and
   * different blocks. Whoever sees both spreads them, so every honest node keeps the proof even if
   * the equivocator showed each vote to only part of the network.
   */
  evidence: 'evidence',
  /**
   * A validator's decryption shares of a block's envelopes, sent once the block after it is final
   * (docs/protocol.md "Encrypted transactions"): f + 1 of them open each envelope.
   */
  decryptionShares: 'decryption-shares',
} as const;
export type GossipTopic = (typeof GossipTopic)[keyof typeof GossipTopic];

/** Message type of each Synod topic. */
export interface SynodGossipMessages {
  transactions: TransactionBatch;
  proposals: Proposal;
  votes: Vote;
  evidence: Evidence;
  'decryption-shares': DecryptionShares;
}

/** One validator per Synod topic: a topic without one does not compile. */
export type SynodGossipValidators = { readonly [K in GossipTopic]: GossipValidator<SynodGossipMessages[K]> };

/**
 * The Synod topic registry. Consensus topics weigh twice as much in peer scores as transactions:
 * an invalid vote or proposal is a stronger sign of a byzantine peer than a bad transaction,
 * which an honest relay can forward before the signer's nonce state changes.
 */
export function synodGossipTopics(
  validators: SynodGossipValidators,
): GossipTopicRegistry<SynodGossipMessages> {
  return defineGossipTopics<SynodGossipMessages>({
    transactions: {
      codec: transactionBatchCodec,
      maxBytes: GOSSIP_MAX_TRANSACTIONS_BYTES,
      validate: validators.transactions,
      scoreWeight: 1,
    },
    proposals: {
      codec: ProposalCodec,
      maxBytes: GOSSIP_MAX_PROPOSAL_BYTES,
      validate: validators.proposals,
      scoreWeight: 2,
    },
    votes: { codec: VoteCodec, maxBytes: GOSSIP_MAX_VOTE_BYTES, validate: validators.votes, scoreWeight: 2 },
    evidence: {
      codec: EvidenceCodec,
      maxBytes: GOSSIP_MAX_EVIDENCE_BYTES,
      validate: validators.evidence,
      scoreWeight: 2,
    },
    'decryption-shares': {
      codec: decryptionSharesCodec,
      maxBytes: GOSSIP_MAX_DECRYPTION_SHARES_BYTES,
      validate: validators['decryption-shares'],
      scoreWeight: 2,
    },
  });
}

/** `/synod/1/req/transactions`: fetch missing transaction bodies by txId; one TransactionBatch back. */
export const fetchTransactionsProtocol = defineReqRespProtocol<TransactionRequest, TransactionBatch>({
  name: 'transactions',
  requestCodec: transactionRequestCodec,
  responseCodec: transactionBatchCodec,
});

/**
 * `/synod/1/req/blocks`: catch-up; one CertifiedBlock chunk per requested height, in order, at
 * most MAX_BLOCK_REQUEST_COUNT. A chunk may be as large as the codec allows: a smaller cap would
 * make a valid full block unfetchable.
 */
export const fetchBlocksProtocol = defineReqRespProtocol<BlockRequest, CertifiedBlock>({
  name: 'blocks',
  requestCodec: blockRequestCodec,
  responseCodec: certifiedBlockCodec,
  maxResponseChunkBytes: certifiedBlockCodec.maxBytes,
  maxResponseChunks: MAX_BLOCK_REQUEST_COUNT,
  // 32 full blocks do not cross a slow link in 10 s; catch-up tolerates the wait.
  timeoutMs: 60_000,
});

/**
 * `/synod/1/req/blocks-with-extensions`: catch-up as `blocks`, each chunk a SyncedBlock: the
 * certified block with the extensions its content derives from and those of its own commit, so
 * that a synced node rebuilds the content state (oracle breaker) and can propose at the next
 * height. A new protocol id rather than a change of `blocks`, whose strict codecs old peers
 * would reject: a requester falls back to `blocks` when a peer does not support this one.
 */
export const fetchSyncedBlocksProtocol = defineReqRespProtocol<BlockRequest, SyncedBlock>({
  name: 'blocks-with-extensions',
  requestCodec: blockRequestCodec,
  responseCodec: syncedBlockCodec,
  maxResponseChunkBytes: syncedBlockCodec.maxBytes,
  maxResponseChunks: MAX_BLOCK_REQUEST_COUNT,
  timeoutMs: 60_000,
});
