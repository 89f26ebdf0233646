import type { PeerId } from '@libp2p/interface';
import { assert, type Codec } from '@synod/protocol';
import { GOSSIP_ENCODING, PROTOCOL_PREFIX } from './constants.ts';

/**
 * Typed gossip topic registry (Lodestar style). A registry is typed by a message map
 * `{ [topicName]: MessageType }`; the mapped types below make a topic without a codec, a
 * validator or (at subscription) a handler a compile error.
 */

/**
 * Checks a decoded message. Return to ACCEPT; throw `GossipValidationError` to REJECT or IGNORE.
 * `from` is the peer that forwarded the message to us (gossipsub's propagation source), not
 * necessarily its author: authorship comes from the message's own signature.
 * Must be fast (gossipsub expects < 100 ms) and must not have side effects a REJECT would undo.
 */
export type GossipValidator<T> = (message: T, from: PeerId) => Promise<void> | void;

/** Consumes an accepted message. Errors are counted and logged; they never affect the sender. */
export type GossipHandler<T> = (message: T, from: PeerId) => Promise<void> | void;

/** What a registry entry binds to one topic. */
export interface GossipTopicSpec<T> {
  /** Wire codec; DecodeError → REJECT with the DecodeError's code. */
  readonly codec: Codec<T>;
  /** Cap on one message; defaults to, and must not exceed, `codec.maxBytes`. */
  readonly maxBytes?: number;
  /** Application validation (signatures, heights, duplicates). */
  readonly validate: GossipValidator<T>;
  /** gossipsub topicWeight for peer scoring (default 1): how much this topic's behaviour counts. */
  readonly scoreWeight?: number;
}

/** One spec per topic of the map: a topic missing here does not compile. */
export type GossipTopicSpecs<M> = { readonly [K in keyof M]: GossipTopicSpec<M[K]> };

/** One handler per topic of the map: a topic without a handler does not compile. */
export type GossipHandlers<M> = { readonly [K in keyof M]: GossipHandler<M[K]> };

/** Topic names of a message map. */
export type GossipTopicName<M> = keyof M & string;

/** A registry entry with its defaults applied and its full topic string. */
export interface GossipTopicEntry<T> {
  readonly name: string;
  /** The gossipsub topic string, `/synod/1/<name>/bin`. */
  readonly topic: string;
  readonly codec: Codec<T>;
  readonly maxBytes: number;
  readonly validate: GossipValidator<T>;
  readonly scoreWeight: number;
}

/** The registry a p2p node is built from. */
export interface GossipTopicRegistry<M> {
  readonly entries: { readonly [K in keyof M]: GossipTopicEntry<M[K]> };
  /** Topic names in registration order. */
  readonly names: readonly GossipTopicName<M>[];
}

/** Topic names are path segments: lowercase words, digits and dashes. */
const TOPIC_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** The versioned gossipsub topic string of a topic name: `/synod/1/<name>/<encoding>`. */
export function gossipTopicString(name: string): string {
  assert(
    TOPIC_NAME_PATTERN.test(name),
    `gossip topic name ${JSON.stringify(name)} must match ${TOPIC_NAME_PATTERN}`,
  );
  return `${PROTOCOL_PREFIX}/${name}/${GOSSIP_ENCODING}`;
}

/**
 * Builds a registry from one spec per topic, applying defaults.
 *
 * @example
 * ```ts
 * const topics = defineGossipTopics<{ votes: Vote }>({
 *   votes: { codec: VoteCodec, validate: (vote) => checkVote(vote) },
 * });
 * ```
 */
export function defineGossipTopics<M>(specs: GossipTopicSpecs<M>): GossipTopicRegistry<M> {
  const names = Object.keys(specs) as GossipTopicName<M>[];
  assert(names.length > 0, 'a gossip registry needs at least one topic');
  const entries = {} as { [K in keyof M]: GossipTopicEntry<M[K]> };
  for (const name of names) {
    const spec = specs[name];
    const maxBytes = spec.maxBytes ?? spec.codec.maxBytes;
    assert(
      Number.isInteger(maxBytes) && maxBytes > 0 && maxBytes <= spec.codec.maxBytes,
      `topic ${name}: maxBytes ${maxBytes} must be in 1..${spec.codec.maxBytes} (codec ${spec.codec.name})`,
    );
    const scoreWeight = spec.scoreWeight ?? 1;
    assert(scoreWeight > 0, `topic ${name}: scoreWeight must be positive`);
    entries[name] = {
      name,
      topic: gossipTopicString(name),
      codec: spec.codec,
      maxBytes,
      validate: spec.validate,
      scoreWeight,
    };
  }
  return { entries, names };
}
