import type { Address } from 'viem';
import { getNextNonce } from '../actions/getNextNonce.ts';
import type { Client } from '../clients/createClient.ts';

/**
 * Nonces of auto-filled transactions. The first transaction of an address asks `source` where it
 * stands (by default the node, `synod_getNextNonce`: past the finalized and pending nonces); from
 * then on the manager counts locally, each next one the previous + 1, without asking the node
 * again. Concurrent sends get distinct, increasing nonces in call order (a node read per send
 * could hand two of them the same nonce); the node accepts them out of order within its nonce
 * window.
 *
 * When another process sends for the same key, the local count goes stale: `set` it (e.g. after
 * a NonceUsedError, from getNextNonce), or pass `nonce` explicitly.
 */
export interface NonceManager {
  /**
   * The nonce the next transaction of `address` uses; every call returns a new one. `client` is
   * the client that sends it (what the default source asks).
   */
  consume(parameters: { address: Address; networkId: number; client?: Client | undefined }): Promise<bigint>;
  /**
   * The transaction with `nonce` was rejected before admission: the nonce is free again. Only the
   * most recently consumed nonce can be given back; an earlier one leaves a gap the app must fill
   * (the error carries the nonce).
   */
  release(parameters: { address: Address; networkId: number; nonce: bigint }): void;
  /** Sets the next nonce of `address` (e.g. after a NonceUsedError, or from the app's store). */
  set(parameters: { address: Address; networkId: number; nonce: bigint }): void;
}

export interface CreateNonceManagerParameters {
  /**
   * The first nonce of an address this manager has not seen. Default: the node's next nonce for
   * it (getNextNonce through the sending client), or 0n when consume is called without a client.
   */
  source?: (parameters: {
    address: Address;
    networkId: number;
    client: Client | undefined;
  }) => Promise<bigint> | bigint;
}

/** The default source: ask the node the transaction is sent to. */
const nodeSource: NonNullable<CreateNonceManagerParameters['source']> = ({ address, client }) =>
  client === undefined ? 0n : getNextNonce(client, { address });

/**
 * Senders whose next nonce one manager keeps. A trading app signs with a handful of keys; the
 * bound keeps a manager shared by a server's many users from growing without limit (the oldest
 * entry is forgotten first, and is re-read from `source` if used again).
 */
const MAX_TRACKED_SENDERS = 10_000;

/**
 * An in-memory NonceManager.
 *
 * @example
 * ```ts
 * const nonceManager = createNonceManager({ source: ({ address }) => store.nextNonce(address) });
 * const client = createSynodClient({ transport: http(url), network, nonceManager });
 * ```
 */
export function createNonceManager(parameters: CreateNonceManagerParameters = {}): NonceManager {
  const source = parameters.source ?? nodeSource;
  const next = new Map<string, Promise<bigint>>();
  const keyOf = (address: Address, networkId: number) => `${networkId}:${address.toLowerCase()}`;
  return {
    consume({ address, networkId, client }) {
      const key = keyOf(address, networkId);
      const nonce = next.get(key) ?? Promise.resolve().then(() => source({ address, networkId, client }));
      // Chained promises: concurrent callers each get the next value, in call order.
      const following = nonce.then((value) => value + 1n);
      next.delete(key);
      next.set(key, following);
      // A failed source read is not remembered: the next call asks the source again.
      following.catch(() => {
        if (next.get(key) === following) next.delete(key);
      });
      if (next.size > MAX_TRACKED_SENDERS) next.delete(next.keys().next().value as string);
      return nonce;
    },
    release({ address, networkId, nonce }) {
      const key = keyOf(address, networkId);
      const current = next.get(key);
      if (current === undefined) return;
      next.set(
        key,
        current.then((value) => (value === nonce + 1n ? nonce : value)),
      );
    },
    set({ address, networkId, nonce }) {
      const key = keyOf(address, networkId);
      next.delete(key);
      next.set(key, Promise.resolve(nonce));
    },
  };
}
