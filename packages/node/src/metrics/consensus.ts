import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Consensus and chain metrics: where the node is (height, round), what it finalized
 * (`rate(synod_finalized_transactions_total[1m])` is finalized tx/s) and how long votes and
 * commits take. The consensus driver sets them; optional at every call site. The highest
 * finalized height is storage's `synod_storage_latest_height`.
 */
export function createConsensusMetrics(register: Registry) {
  return {
    /** Height consensus is working on. */
    height: new Gauge({
      name: 'synod_consensus_height',
      help: 'Height the consensus driver is working on',
      registers: [register],
    }),
    /** Round within that height (0 in the common case; higher means timeouts or a bad proposer). */
    round: new Gauge({
      name: 'synod_consensus_round',
      help: 'Round of the current height',
      registers: [register],
    }),
    /** Epoch of the committee deciding that height (docs/consensus.md "Epochs"). */
    epoch: new Gauge({
      name: 'synod_consensus_epoch',
      help: 'Epoch of the committee deciding the current height',
      registers: [register],
    }),
    /** 1 while this node is a member of that committee (it signs), 0 while it follows. */
    member: new Gauge({
      name: 'synod_consensus_member',
      help: '1 while this node is a member of the committee deciding the current height',
      registers: [register],
    }),
    finalizedBlocksTotal: new Counter({
      name: 'synod_finalized_blocks_total',
      help: 'Blocks finalized by this node',
      registers: [register],
    }),
    /** Envelopes revealed (plaintext in a block) and found undecryptable, by outcome. */
    revealsTotal: new Counter<'outcome'>({
      name: 'synod_encrypted_reveals_total',
      help: 'Encrypted envelopes whose reveal block this node finalized, by outcome (revealed or the undecryptable reason)',
      labelNames: ['outcome'],
      registers: [register],
    }),
    /** Decryption shares in signed extensions that failed their check: a validator's fault, logged with its index. */
    invalidDecryptionSharesTotal: new Counter({
      name: 'synod_invalid_decryption_shares_total',
      help: 'Invalid decryption shares found in signed vote extensions',
      registers: [register],
    }),
    /** Finalized transactions; tx/s is rate() of this. */
    finalizedTransactionsTotal: new Counter({
      name: 'synod_finalized_transactions_total',
      help: 'Transactions in finalized blocks',
      registers: [register],
    }),
    /**
     * From entering a step of a round to sending our vote of that step (step = prevote|precommit):
     * includes proposal validation and waiting for a polka. Buckets from 5 ms (LAN, instant
     * proposal) to 30 s: the round timeouts grow with the round, so the upper buckets show rounds
     * that escalated instead of lumping them into +Inf.
     */
    voteLatencySeconds: new Histogram<'step'>({
      name: 'synod_consensus_vote_latency_seconds',
      help: 'Time from entering a round step to sending our vote, by step',
      labelNames: ['step'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 30],
      registers: [register],
    }),
    /**
     * From starting a height to committing its block (certificate assembled). One healthy round
     * takes a few network delays plus the propose wait (~100 ms–1 s); buckets double up to 60 s
     * so several escalated rounds remain distinguishable.
     */
    commitLatencySeconds: new Histogram({
      name: 'synod_consensus_commit_latency_seconds',
      help: 'Time from starting a height to committing its block',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 60],
      registers: [register],
    }),
    /** Rounds needed per committed height (1 = decided in round 0). */
    roundsPerHeight: new Histogram({
      name: 'synod_consensus_rounds_per_height',
      help: 'Rounds used to commit a height',
      // Integer buckets: anything beyond 8 rounds is an outage, not a distribution to study.
      buckets: [1, 2, 3, 4, 6, 8],
      registers: [register],
    }),
    /** Own proposals and votes sent again to every peer directly (rebroadcast timeout, restart). */
    retransmittedTotal: new Counter({
      name: 'synod_consensus_retransmitted_total',
      help: 'Own proposals and votes re-sent directly to peers (retransmission)',
      registers: [register],
    }),
    /** 1 while no block has been finalized for consensus.stallWarningMs, else 0. */
    stalled: new Gauge({
      name: 'synod_consensus_stalled',
      help: 'Whether consensus has finalized nothing for consensus.stallWarningMs (1) or not (0)',
      registers: [register],
    }),
    /** Stalls detected (transitions of synod_consensus_stalled to 1). */
    stallsTotal: new Counter({
      name: 'synod_consensus_stalls_total',
      help: 'Times consensus went consensus.stallWarningMs without finalizing a block',
      registers: [register],
    }),
    /** Round timeouts that fired, by step (propose|prevote|precommit). */
    timeoutsTotal: new Counter<'step'>({
      name: 'synod_consensus_timeouts_total',
      help: 'Round timeouts that fired, by step',
      labelNames: ['step'],
      registers: [register],
    }),
  };
}

export type ConsensusMetrics = ReturnType<typeof createConsensusMetrics>;
