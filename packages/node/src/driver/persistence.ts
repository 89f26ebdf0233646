import type { FeedState } from '@synod/oracle';
import {
  type Hex,
  type Proposal,
  ProposalCodec,
  parseHex,
  toLowerHex,
  type Vote,
  VoteCodec,
} from '@synod/protocol';
import type { SafetyRecord, Step } from '../consensus/types.ts';

/**
 * The driver's write-ahead state, as the opaque bytes it hands to `Store.persistConsensusState`:
 * the core's SafetyRecord (docs/consensus.md "Persistence and restart") and the oracle breaker
 * state of the last two finalized heights (the chain's only state that cannot be rebuilt from
 * the stored blocks alone; two, because a kill between storing block h and rewriting this leaves
 * it one height ahead or behind the store).
 *
 * Format: UTF-8 JSON, version 1; votes and proposals as hex of their wire codecs (the same bytes
 * peers verify, so a restored vote is bit-identical to the one sent).
 */

export const PERSISTED_STATE_VERSION = 1;

export interface FeedStateSnapshot {
  /** The finalized height these states are the result of. */
  height: number;
  states: Map<Hex, FeedState>;
}

export interface PersistedDriverState {
  record: SafetyRecord | null;
  feedSnapshots: FeedStateSnapshot[];
}

const STEPS: readonly Step[] = ['propose', 'prevote', 'precommit'];

interface Json {
  version: number;
  record: {
    height: number;
    round: number;
    step: Step;
    lockedRound: number;
    lockedProposal: Hex | null;
    validRound: number;
    validProposal: Hex | null;
    ownVotes: Hex[];
    ownProposals: Hex[];
  } | null;
  feedSnapshots: { height: number; states: [Hex, unknown][] }[];
}

const encodeProposal = (proposal: Proposal): Hex => toLowerHex(ProposalCodec.encode(proposal));
const decodeProposal = (hex: Hex): Proposal => ProposalCodec.decode(bytesOf(hex));
const decodeVote = (hex: Hex): Vote => VoteCodec.decode(bytesOf(hex));

function bytesOf(hex: Hex): Uint8Array {
  const bytes = parseHex(hex);
  if (bytes === undefined) throw new Error('persisted consensus state: bad hex');
  return bytes;
}

/** FeedState holds bigints: tagged as `{"$big":"…"}` in JSON. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $big: value.toString() } : value;
}
function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '$big' in value) {
    return BigInt((value as { $big: string }).$big);
  }
  return value;
}

export function encodePersistedState(state: PersistedDriverState): Uint8Array {
  const { record } = state;
  const json: Json = {
    version: PERSISTED_STATE_VERSION,
    record:
      record === null
        ? null
        : {
            height: record.height,
            round: record.round,
            step: record.step,
            lockedRound: record.lockedRound,
            lockedProposal: record.lockedProposal === null ? null : encodeProposal(record.lockedProposal),
            validRound: record.validRound,
            validProposal: record.validProposal === null ? null : encodeProposal(record.validProposal),
            ownVotes: record.ownVotes.map((vote) => toLowerHex(VoteCodec.encode(vote))),
            ownProposals: record.ownProposals.map(encodeProposal),
          },
    feedSnapshots: state.feedSnapshots.map((snapshot) => ({
      height: snapshot.height,
      states: [...snapshot.states],
    })),
  };
  return new TextEncoder().encode(JSON.stringify(json, replacer));
}

/** Decodes what encodePersistedState wrote; anything else is a corrupt data dir (thrown). */
export function decodePersistedState(bytes: Uint8Array): PersistedDriverState {
  const json = JSON.parse(new TextDecoder().decode(bytes), reviver) as Json;
  if (json.version !== PERSISTED_STATE_VERSION) {
    throw new Error(
      `persisted consensus state has version ${json.version}, expected ${PERSISTED_STATE_VERSION}`,
    );
  }
  const { record } = json;
  if (record !== null && !STEPS.includes(record.step)) throw new Error('persisted consensus state: bad step');
  return {
    record:
      record === null
        ? null
        : {
            height: record.height,
            round: record.round,
            step: record.step,
            lockedRound: record.lockedRound,
            lockedProposal: record.lockedProposal === null ? null : decodeProposal(record.lockedProposal),
            validRound: record.validRound,
            validProposal: record.validProposal === null ? null : decodeProposal(record.validProposal),
            ownVotes: record.ownVotes.map(decodeVote),
            ownProposals: record.ownProposals.map(decodeProposal),
          },
    feedSnapshots: json.feedSnapshots.map((snapshot) => ({
      height: snapshot.height,
      states: new Map(snapshot.states as [Hex, FeedState][]),
    })),
  };
}
