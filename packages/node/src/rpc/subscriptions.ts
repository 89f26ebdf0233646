import { randomBytes } from 'node:crypto';
import type { Hex } from '@synod/protocol';
import type { SubscriptionTopic } from '@synod/protocol/pure';
import type { SynodRpcBackend, TransactionInclusion, Unsubscribe } from './backend.ts';
import { MAX_PENDING_NOTIFICATIONS_PER_SUBSCRIPTION } from './constants.ts';
import { encodeBlockSummary, encodeInclusion, encodePrice } from './encoding.ts';
import { RpcError } from './errors.ts';
import type { RpcMetrics } from './metrics.ts';

/**
 * Subscriptions of WebSocket clients. One listener per backend event source feeds an index
 * (txId → subscriptions, feedId → subscriptions), so a finalized transaction costs one map
 * lookup however many sockets are open. Each event is encoded once and sent to every match.
 *
 * Topics:
 * - `newBlocks`: a BlockSummary per finalized block;
 * - `transactionFinality` (txId): one TransactionInclusion, then the subscription ends by itself
 *   (if the transaction is already final when subscribing, it is delivered at once);
 * - `prices` (feedId optional): a Price per finalized price (of that feed, or of every feed).
 */

export { SUBSCRIPTION_TOPICS, type SubscriptionTopic } from '@synod/protocol/pure';

/**
 * A listener of onTransactionFinalized that may name the transactions it wants (`wants`): a
 * backend that reads it (the node's) builds inclusion proofs, and calls the listener, only for
 * those. A listener without `wants` is called for every finalized transaction.
 */
export type FinalityListener = ((txId: Hex, inclusion: TransactionInclusion) => void) & {
  readonly wants?: (txId: Hex) => boolean;
};

/** Where a socket's notifications go (the WebSocket connection). */
export interface NotificationSink {
  notify(subscriptionId: string, result: unknown): void;
}

export interface Subscription {
  readonly id: string;
  readonly topic: SubscriptionTopic;
  /** txId for transactionFinality, feedId (or undefined = all) for prices. */
  readonly key: Hex | undefined;
  readonly socket: SocketSubscriptions;
  /** Notifications are held until the subscribe response is written. */
  active: boolean;
  pending: unknown[];
  /** Unsubscribed or its socket closed: nothing more is sent, pending included. */
  cancelled: boolean;
  /** A one-shot subscription that has its notification. */
  completed: boolean;
}

export class SubscriptionHub {
  readonly #backend: SynodRpcBackend;
  readonly #metrics: RpcMetrics | undefined;
  readonly #blocks = new Set<Subscription>();
  readonly #finality = new Map<Hex, Set<Subscription>>();
  readonly #allPrices = new Set<Subscription>();
  readonly #pricesByFeed = new Map<Hex, Set<Subscription>>();
  #unsubscribes: Unsubscribe[] = [];

  constructor(backend: SynodRpcBackend, metrics?: RpcMetrics) {
    this.#backend = backend;
    this.#metrics = metrics;
  }

  start(): void {
    if (this.#unsubscribes.length > 0) return;
    this.#unsubscribes = [
      this.#backend.onBlock((block) => {
        if (this.#blocks.size === 0) return;
        const result = encodeBlockSummary(block);
        for (const subscription of this.#blocks) this.deliver(subscription, result);
      }),
      this.#backend.onTransactionFinalized(
        Object.assign(
          (txId: Hex, inclusion: TransactionInclusion) => {
            const subscriptions = this.#finality.get(txId);
            if (subscriptions === undefined) return;
            const result = encodeInclusion(inclusion);
            for (const subscription of subscriptions) this.deliver(subscription, result);
          },
          // Only watched transactions need a proof (building one per transaction is O(N²) a block).
          { wants: (txId: Hex) => this.hasTransactionSubscribers(txId) },
        ) satisfies FinalityListener,
      ),
      this.#backend.onPrice((price) => {
        const byFeed = this.#pricesByFeed.get(price.feedId);
        if (this.#allPrices.size === 0 && byFeed === undefined) return;
        const result = encodePrice(price);
        for (const subscription of this.#allPrices) this.deliver(subscription, result);
        if (byFeed !== undefined) for (const subscription of byFeed) this.deliver(subscription, result);
      }),
    ];
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribes) unsubscribe();
    this.#unsubscribes = [];
  }

  /** The subscriptions of one new socket, at most `maxSubscriptions` at a time. */
  openSocket(sink: NotificationSink, maxSubscriptions: number): SocketSubscriptions {
    return new SocketSubscriptions(this, sink, maxSubscriptions);
  }

  /** Whether some subscription waits for the finality of txId (same lookup as the delivery). */
  hasTransactionSubscribers(txId: Hex): boolean {
    return this.#finality.has(txId);
  }

  /** Sends (or holds until active) one notification; ends a one-shot subscription. */
  deliver(subscription: Subscription, result: unknown): void {
    if (subscription.cancelled || subscription.completed) return;
    if (subscription.topic === 'transactionFinality') {
      subscription.completed = true;
      this.unindex(subscription);
      subscription.socket.forget(subscription);
    }
    if (subscription.active) {
      subscription.socket.sink.notify(subscription.id, result);
    } else if (subscription.pending.length < MAX_PENDING_NOTIFICATIONS_PER_SUBSCRIPTION) {
      subscription.pending.push(result);
    }
  }

  index(subscription: Subscription): void {
    this.#metrics?.subscriptions.inc({ topic: subscription.topic });
    switch (subscription.topic) {
      case 'newBlocks':
        this.#blocks.add(subscription);
        return;
      case 'transactionFinality':
        addTo(this.#finality, subscription.key!, subscription);
        return;
      case 'prices':
        if (subscription.key === undefined) this.#allPrices.add(subscription);
        else addTo(this.#pricesByFeed, subscription.key, subscription);
        return;
    }
  }

  unindex(subscription: Subscription): void {
    let removed = false;
    switch (subscription.topic) {
      case 'newBlocks':
        removed = this.#blocks.delete(subscription);
        break;
      case 'transactionFinality':
        removed = removeFrom(this.#finality, subscription.key!, subscription);
        break;
      case 'prices':
        removed =
          subscription.key === undefined
            ? this.#allPrices.delete(subscription)
            : removeFrom(this.#pricesByFeed, subscription.key, subscription);
        break;
    }
    if (removed) this.#metrics?.subscriptions.dec({ topic: subscription.topic });
  }

  /** Index sizes, for tests and the status of the server. */
  get size(): number {
    let total = this.#blocks.size + this.#allPrices.size;
    for (const set of this.#finality.values()) total += set.size;
    for (const set of this.#pricesByFeed.values()) total += set.size;
    return total;
  }
}

function addTo(map: Map<Hex, Set<Subscription>>, key: Hex, subscription: Subscription): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(subscription);
}

function removeFrom(map: Map<Hex, Set<Subscription>>, key: Hex, subscription: Subscription): boolean {
  const set = map.get(key);
  if (set === undefined || !set.delete(subscription)) return false;
  if (set.size === 0) map.delete(key);
  return true;
}

/** The live subscriptions of one WebSocket. */
export class SocketSubscriptions {
  readonly sink: NotificationSink;
  readonly #hub: SubscriptionHub;
  readonly #maxSubscriptions: number;
  readonly #byId = new Map<string, Subscription>();
  #closed = false;

  constructor(hub: SubscriptionHub, sink: NotificationSink, maxSubscriptions: number) {
    this.#hub = hub;
    this.sink = sink;
    this.#maxSubscriptions = maxSubscriptions;
  }

  get count(): number {
    return this.#byId.size;
  }

  /**
   * Creates an inactive subscription (notifications are held until `activate`, called once the
   * subscribe response is written). Throws RpcError TOO_MANY_SUBSCRIPTIONS at the cap.
   */
  subscribe(topic: SubscriptionTopic, key: Hex | undefined): Subscription {
    if (this.#closed) throw new RpcError('UNAVAILABLE', 'the connection is closing');
    if (this.#byId.size >= this.#maxSubscriptions) {
      throw new RpcError('TOO_MANY_SUBSCRIPTIONS', `at most ${this.#maxSubscriptions} per connection`, {
        max: this.#maxSubscriptions,
      });
    }
    // 16 random bytes: ids are unguessable, so one client cannot name another's subscription.
    const id = `0x${randomBytes(16).toString('hex')}`;
    const subscription: Subscription = {
      id,
      topic,
      key,
      socket: this,
      active: false,
      pending: [],
      cancelled: false,
      completed: false,
    };
    this.#byId.set(id, subscription);
    this.#hub.index(subscription);
    return subscription;
  }

  /** Starts sending: flushes what arrived between subscribe and its response. */
  activate(subscription: Subscription): void {
    if (subscription.cancelled || subscription.active) return;
    subscription.active = true;
    const pending = subscription.pending;
    subscription.pending = [];
    for (const result of pending) this.sink.notify(subscription.id, result);
  }

  /** Delivers to one subscription directly (e.g. a transaction already final when subscribing). */
  deliver(subscription: Subscription, result: unknown): void {
    this.#hub.deliver(subscription, result);
  }

  unsubscribe(id: string): boolean {
    const subscription = this.#byId.get(id);
    if (subscription === undefined) return false;
    subscription.cancelled = true;
    this.#byId.delete(id);
    this.#hub.unindex(subscription);
    return true;
  }

  /** Removes a completed one-shot subscription from this socket (the hub unindexed it). */
  forget(subscription: Subscription): void {
    this.#byId.delete(subscription.id);
  }

  /** The socket closed: drops every subscription. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#byId.keys()]) this.unsubscribe(id);
  }
}
