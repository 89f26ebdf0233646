import {
  MAX_COMMITTEE_VALIDATORS,
  MAX_EVIDENCE_MESSAGE_BYTES,
  MAX_INCLUSION_LIST_ENTRIES,
  MAX_TRANSACTION_BYTES,
  MAX_VOTE_EXTENSION_MESSAGE_BYTES,
  MAX_VOTE_MESSAGE_BYTES,
} from '@synod/protocol';

/** Bounds of the store. Values come from the protocol's message caps where one applies. */

/**
 * Version of the key schema in keys.ts; a store of another version is refused (SCHEMA_MISMATCH).
 * 2: header v2 (namespace commitment) and the namespace tables 0x0d, 0x0e.
 */
export const STORAGE_SCHEMA_VERSION = 2;

/** One extension per committee member per height: the protocol's committee cap. */
export const STORAGE_MAX_EXTENSIONS_PER_HEIGHT = MAX_COMMITTEE_VALIDATORS;

/** A stored extension is one VoteExtension message; nothing larger can be valid. */
export const STORAGE_MAX_EXTENSION_BYTES = MAX_VOTE_EXTENSION_MESSAGE_BYTES;

/** A stored evidence record is one Evidence message (two votes). */
export const STORAGE_MAX_EVIDENCE_BYTES = MAX_EVIDENCE_MESSAGE_BYTES;

/**
 * Evidence records kept per height. Each validator can equivocate once per (round, kind) and
 * rounds are unbounded, so this caps what a byzantine minority can make us store per height:
 * 1024 × ~72 KiB worst case is 72 MiB, and one record per offence is all accountability needs.
 */
export const STORAGE_MAX_EVIDENCE_PER_HEIGHT = 1024;

/** A logged own vote is one Vote message. */
export const STORAGE_MAX_VOTE_BYTES = MAX_VOTE_MESSAGE_BYTES;

/**
 * Own votes returned by votesAt (newest rounds first when there are more): 2 kinds × 2048
 * rounds. At exponential timeouts a height never reaches that many rounds, and only the latest
 * rounds matter for not signing a conflicting vote after a restart.
 */
export const STORAGE_MAX_VOTES_PER_READ = 4096;

/**
 * The consensus driver's persisted state (its SafetyRecord: locks, own votes and proposals of the
 * current height). It holds at most a few proposals of ~5 MiB each at the protocol caps; 64 MiB
 * bounds a runaway record without ever refusing a valid one.
 */
export const STORAGE_MAX_CONSENSUS_STATE_BYTES = 64 * 1024 * 1024;

/**
 * Heights pruned per atomic batch. Each batch also advances the `prunedBelow` marker, so a crash
 * mid-prune leaves bodies exactly for [prunedBelow, latest]; 64 heights keeps one batch (bodies,
 * extensions, vote log) to a few MiB of deletions.
 */
export const STORAGE_PRUNE_HEIGHTS_PER_BATCH = 64;

/** A listed body is one Transaction message. */
export const STORAGE_MAX_LISTED_BODY_BYTES = MAX_TRANSACTION_BYTES;

/**
 * Listed bodies read back on start (heights ≥ the latest block: at most two heights). Each
 * signed extension lists at most MAX_INCLUSION_LIST_ENTRIES, and a height's rounds mostly list
 * the same ones; 64 full lists' worth bounds a pathological height without refusing a real one.
 */
export const STORAGE_MAX_LISTED_BODIES_PER_READ = 64 * MAX_INCLUSION_LIST_ENTRIES;
