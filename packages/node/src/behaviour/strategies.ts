import { type Address, type Hex, VoteKind } from '@synod/protocol';
import {
  censorExtensions,
  censorInclusionList,
  conflictingVote,
  frontRunInclusionList,
  frontRunOrder,
  inflateFeedPrices,
  inflateObservations,
} from './actions.ts';
import type { BehaviourContext, NodeBehaviour } from './types.ts';

/**
 * The byzantine strategies of the end-to-end testnet (issue #9: `pnpm testnet --byzantine K
 * --strategy S`), each built from the simulator's actor of the same kind (actions.ts):
 *
 * - `equivocate` (sim `equivocator`): every vote is followed (or, at every other round, preceded)
 *   by a conflicting one for the same height, round and step, really signed.
 * - `censor` (sim `censor`): its extensions list only its own transactions; as proposer it drops
 *   the extensions that list victims' transactions down to the 2f+1 minimum (a valid block), and
 *   every other proposal also drops the victims' transactions (an invalid one).
 * - `front-run` (sim `frontRunner`): its extensions report early first-seen times for its own
 *   transactions and late ones for its victims'; as proposer it puts its own first (invalid).
 * - `manipulate-prices` (sim `priceManipulator`): its extensions carry every observation +4%; as
 *   proposer it inflates the block's prices as well (invalid).
 *
 * "Own" transactions are those of senders whose address ends in an even hex digit (about half of
 * any load); the others are the victims.
 */
export const BYZANTINE_STRATEGIES = ['equivocate', 'censor', 'front-run', 'manipulate-prices'] as const;
export type ByzantineStrategy = (typeof BYZANTINE_STRATEGIES)[number];

export function isByzantineStrategy(name: string): name is ByzantineStrategy {
  return (BYZANTINE_STRATEGIES as readonly string[]).includes(name);
}

/** Told of every byzantine act (the testnet's byzantine entry counts them in a metric and logs them). */
export type BehaviourActionListener = (action: string) => void;

/** Whether a byzantine node counts `sender` as its own (its victims are everyone else). */
export function isOwnSender(sender: Address): boolean {
  return Number.parseInt(sender.slice(-1), 16) % 2 === 0;
}

function owner(context: BehaviourContext): (txId: Hex) => boolean {
  return (txId) => {
    const tx = context.body(txId);
    return tx !== undefined && isOwnSender(tx.sender);
  };
}

export function createByzantineBehaviour(
  strategy: ByzantineStrategy,
  onAction: BehaviourActionListener = () => {},
): NodeBehaviour {
  switch (strategy) {
    case 'equivocate':
      return {
        name: strategy,
        outgoing(message, context) {
          if (message.type !== 'vote') return [message];
          const conflicting = {
            type: 'vote' as const,
            vote: conflictingVote(message.vote, {
              crypto: context.crypto,
              validatorIndex: context.validatorIndex,
              nowMs: context.nowMs(),
            }),
          };
          onAction(message.vote.kind === VoteKind.Prevote ? 'conflicting-prevote' : 'conflicting-precommit');
          // Gossip reaches every peer; the order decides which of the two each counts first.
          return message.vote.round % 2 === 0 ? [message, conflicting] : [conflicting, message];
        },
      };
    case 'censor': {
      let proposals = 0;
      return {
        name: strategy,
        extendVote(payload, _height, context) {
          const inclusionList = censorInclusionList(payload.inclusionList, owner(context));
          if (inclusionList.length < payload.inclusionList.length) onAction('victims-unlisted');
          return { ...payload, inclusionList };
        },
        proposalExtensions(extensions, _height, context) {
          const chosen = censorExtensions(extensions, owner(context), context.validatorCount);
          if (chosen.length < extensions.length) onAction('extensions-dropped');
          return chosen;
        },
        proposedBlock(block, _height, context) {
          proposals++;
          if (proposals % 2 === 1) return block;
          const owns = owner(context);
          const transactionIds = block.transactionIds.filter(owns);
          if (transactionIds.length === block.transactionIds.length) return block;
          onAction('victims-dropped-from-block');
          return { ...block, transactionIds };
        },
      };
    }
    case 'front-run':
      return {
        name: strategy,
        extendVote(payload, _height, context) {
          if (payload.inclusionList.length === 0) return payload;
          onAction('first-seen-skewed');
          return {
            ...payload,
            inclusionList: frontRunInclusionList(payload.inclusionList, owner(context), context.nowMs()),
          };
        },
        proposedBlock(block, _height, context) {
          const transactionIds = frontRunOrder(block.transactionIds, owner(context));
          if (transactionIds.every((txId, i) => txId === block.transactionIds[i])) return block;
          onAction('own-first-in-block');
          return { ...block, transactionIds };
        },
      };
    case 'manipulate-prices':
      return {
        name: strategy,
        extendVote(payload) {
          if (payload.prices.length === 0) return payload;
          onAction('observations-inflated');
          return { ...payload, prices: inflateObservations(payload.prices) };
        },
        proposedBlock(block) {
          if (block.prices.length === 0) return block;
          onAction('block-prices-inflated');
          return { ...block, prices: inflateFeedPrices(block.prices) };
        },
      };
  }
}
