import { MAX_INCLUSION_LIST_ENTRIES } from '@synod/protocol';

/**
 * Default bounds of the mempool. Every one is a config key of the node (docs/operations.md);
 * these are the defaults and the reasons for them.
 */

/**
 * Pending transactions held at once. The target is ~10k tx/s with sub-second blocks, so 65,536
 * is several seconds of backlog at full load: enough to ride out a slow round, small enough that
 * a full scan (prune, inclusion list) stays in the low milliseconds.
 */
export const MEMPOOL_MAX_TRANSACTIONS = 65_536;

/**
 * Encoded bytes of the pending transactions. 64 MiB is the count cap at an average of 1 KiB per
 * transaction (typical orders are a few hundred bytes); a pool of cap-size payloads (4 KiB) hits
 * this bound first, which is what keeps memory bounded.
 */
export const MEMPOOL_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Pending transactions of one sender. A market maker keeps tens of orders in flight between
 * blocks; 64 allows that while no sender can take more than 1/1024 of the pool, so filling it
 * costs an attacker 1024 funded-or-not keys that each must sign valid transactions.
 */
export const MEMPOOL_MAX_PER_SENDER = 64;

/**
 * How far ahead of the sender's next expected nonce a transaction may be. Equal to the per-sender
 * cap: a sender cannot hold more pending nonces than that anyway, so anything further ahead
 * could only sit behind a gap that the sender itself has not filled.
 */
export const MEMPOOL_MAX_NONCE_AHEAD = BigInt(MEMPOOL_MAX_PER_SENDER);

/**
 * Senders whose next nonce the mempool remembers after their transactions were finalized (so a
 * replay of a finalized transaction is refused as NONCE_USED). Oldest-updated entries are evicted
 * beyond this; the chain state (the `nextNonceOf` option) is the authority for the rest, and
 * without it an evicted sender's replay is only admitted to the pool, never re-finalized, since
 * the fair-order function drops used nonces. ~100 bytes each: 10 MiB.
 */
export const MEMPOOL_MAX_REMEMBERED_SENDERS = 100_000;

/** The inclusion list never exceeds what one vote extension may carry. */
export const MEMPOOL_MAX_INCLUSION_LIST_ENTRIES = MAX_INCLUSION_LIST_ENTRIES;
