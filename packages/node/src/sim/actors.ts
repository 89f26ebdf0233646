import type { Hex, Proposal, SyncedBlock } from '@synod/protocol';
import {
  censorExtensions,
  censorInclusionList,
  conflictingVote,
  frontRunInclusionList,
  frontRunOrder,
  inflateFeedPrices,
  inflateObservations,
} from '../behaviour/actions.ts';
import type { BehaviourContext, NodeBehaviour } from '../behaviour/types.ts';
import { NIL_BLOCK_ID } from '../consensus/core.ts';
import type { ConsensusCrypto, ConsensusMessage } from '../consensus/types.ts';
import type { Random } from './random.ts';
import type { ByzantineBehaviour } from './scenario.ts';
import type { TransactionPool } from './workload.ts';

/**
 * The simulator's byzantine actors (docs/consensus.md "Simulator"). Each runs the node's own
 * driver with the test-only hooks of behaviour/types.ts (what it signs and proposes, built from
 * the moves of behaviour/actions.ts that the testnet's strategies use too), plus what only a
 * simulated network allows: a different message for each recipient, and lies to a peer that
 * asks it for blocks. `silent` runs no process at all; `twins` are two honest processes with one
 * key, each talking to half the committee (sim/validator.ts).
 */
export interface SimActor {
  /** Hooks of its driver. */
  readonly behaviour?: NodeBehaviour;
  /** What it sends validator `to` in place of a message its driver publishes. */
  rewrite?(message: ConsensusMessage, to: number): ConsensusMessage;
  /** What it answers a block request with, in place of its stored blocks. */
  serveBlocks?(blocks: SyncedBlock[]): SyncedBlock[];
}

export interface ActorOptions {
  validatorIndex: number;
  validatorCount: number;
  crypto: ConsensusCrypto;
  pool: TransactionPool;
  /** The actor's own stream (a censor's coin). */
  random: Random;
  /** Its wall clock (for the conflicting votes it signs). */
  nowMs: () => number;
}

export function createActor(behaviour: ByzantineBehaviour, options: ActorOptions): SimActor {
  const { validatorIndex, validatorCount, crypto, pool, random } = options;
  // Byzantine actors "own" the transactions of even-numbered senders in the pool.
  const owns = (txId: Hex): boolean => {
    const entry = pool.byId.get(txId);
    return entry !== undefined && entry.senderIndex % 2 === 0;
  };
  const conflicting = (message: Extract<ConsensusMessage, { type: 'vote' }>): ConsensusMessage => ({
    type: 'vote',
    vote: conflictingVote(message.vote, { crypto, validatorIndex, nowMs: options.nowMs() }),
  });
  switch (behaviour) {
    case 'silent':
    case 'twins':
      return {};
    case 'equivocator':
      return {
        // Conflicting votes to half the peers.
        rewrite: (message, to) => (message.type === 'vote' && to % 2 === 1 ? conflicting(message) : message),
      };
    case 'conflictingProposer':
      return {
        rewrite(message, to) {
          if (message.type === 'proposal' && to % 2 === 1)
            return {
              type: 'proposal',
              proposal: conflictingProposal(message.proposal, validatorCount, crypto),
            };
          // Its votes for a block go to one peer only, nil-for-phantom to the rest, so that one
          // honest node can decide while the others stay undecided but locked (what the lock
          // rule protects against).
          if (
            message.type === 'vote' &&
            message.vote.blockId !== NIL_BLOCK_ID &&
            to !== (validatorIndex + 1) % validatorCount
          ) {
            return conflicting(message);
          }
          return message;
        },
      };
    case 'censor':
      return {
        behaviour: {
          name: behaviour,
          // Its extensions leave the victims (odd senders) out.
          extendVote: (payload) => ({
            ...payload,
            inclusionList: censorInclusionList(payload.inclusionList, owns),
          }),
          // Drops the extensions that list a victim's transaction, down to the 2f+1 minimum.
          proposalExtensions: (extensions, height) =>
            height > 1 ? censorExtensions(extensions, owns, validatorCount) : [...extensions],
          // Every other proposal or so also drops the victims' transactions (invalid content).
          proposedBlock: (block) =>
            random.chance(0.5) ? { ...block, transactionIds: block.transactionIds.filter(owns) } : block,
        },
      };
    case 'frontRunner':
      return {
        behaviour: {
          name: behaviour,
          // Early times for its own transactions, late ones for everyone else's.
          extendVote: (payload, _height, context: BehaviourContext) => ({
            ...payload,
            inclusionList: frontRunInclusionList(payload.inclusionList, owns, context.nowMs()),
          }),
          proposedBlock: (block) => ({ ...block, transactionIds: frontRunOrder(block.transactionIds, owns) }),
        },
      };
    case 'priceManipulator':
      return {
        behaviour: {
          name: behaviour,
          // +4%: inside the breaker's bound, outside the honest range.
          extendVote: (payload) => ({ ...payload, prices: inflateObservations(payload.prices) }),
          proposedBlock: (block) => ({ ...block, prices: inflateFeedPrices(block.prices) }),
        },
      };
    case 'invalidSigner':
      return {
        behaviour: {
          name: behaviour,
          extendVote: (payload) => ({ ...payload, prices: inflateObservations(payload.prices) }),
          // As proposer, forges the other validators' extensions with inflated prices (their
          // signatures no longer match).
          proposalExtensions: (extensions, height) =>
            height > 1
              ? extensions.map((extension) =>
                  extension.validatorIndex === validatorIndex
                    ? extension
                    : { ...extension, prices: inflateObservations(extension.prices) },
                )
              : [...extensions],
        },
        // Bad vote signatures to half the peers.
        rewrite: (message, to) =>
          message.type === 'vote' && to % 2 === 0
            ? { type: 'vote', vote: { ...message.vote, signature: garbageSignature(message.vote.signature) } }
            : message,
        // A peer catching up from it gets blocks that chain but are not the certified ones: the
        // header's time moved by 1 ms (another block id), under the real block's certificate.
        serveBlocks: (blocks) =>
          blocks.map((synced) => ({
            ...synced,
            certified: {
              ...synced.certified,
              block: {
                ...synced.certified.block,
                header: {
                  ...synced.certified.block.header,
                  timestampMs: synced.certified.block.header.timestampMs + 1,
                },
              },
            },
          })),
      };
  }
}

/** Another valid block for the same slot (a different proposer index in the header), always fresh. */
function conflictingProposal(proposal: Proposal, validatorCount: number, crypto: ConsensusCrypto): Proposal {
  const header = { ...proposal.header, proposerIndex: (proposal.header.proposerIndex + 1) % validatorCount };
  const unsigned = { ...proposal, header, validRound: -1, validRoundCertificate: null };
  return { ...unsigned, signature: crypto.signProposal(unsigned) };
}

function garbageSignature(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(signature);
  out[0] = (out[0]! ^ 0xff) & 0xff;
  out[95] = (out[95]! ^ 0x5a) & 0xff;
  return out;
}
