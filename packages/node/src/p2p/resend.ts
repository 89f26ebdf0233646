import { type Codec, DecodeError, defineCodec, MessageType } from '@synod/protocol';
import { GOSSIP_RESEND_MAX_BYTES, GOSSIP_RESEND_MAX_MESSAGES } from './constants.ts';
import { defineReqRespProtocol } from './reqresp/protocol.ts';

/**
 * Direct re-sends of gossip messages (docs/decisions.md "Retransmission bypasses gossipsub").
 *
 * gossipsub delivers a message at most once per seen-cache lifetime, and it does not deliver to a
 * peer whose subscription it has not yet learned or whose outbound stream is not open. A message
 * lost that way (typically at start-up, before the peers are connected) is never delivered by
 * publishing it again: the publisher's seen cache (`GOSSIP_SEEN_TTL_MS`, two minutes) makes
 * gossipsub drop the second publish as a duplicate. Consensus retransmission and mempool re-gossip
 * therefore go to each connected peer directly, over one request stream, and the receiver runs
 * them through the same topic validation and delivery as gossip.
 */
export interface GossipResend {
  /** Topic name (the registry key, e.g. `votes`), not the full topic string. */
  topic: string;
  /** Encoded messages of that topic, at most GOSSIP_RESEND_MAX_MESSAGES. */
  messages: Uint8Array[];
}

/** Longest topic name a resend can carry (names are short registry keys). */
export const GOSSIP_RESEND_MAX_TOPIC_BYTES = 64;

/** topic (u32 len ≤ 64, UTF-8) ‖ u32 count ≤ GOSSIP_RESEND_MAX_MESSAGES ‖ (u32 len ‖ message bytes)… */
export const gossipResendCodec: Codec<GossipResend> = defineCodec<GossipResend>({
  name: 'GossipResend',
  type: MessageType.GossipResend,
  maxBytes: GOSSIP_RESEND_MAX_BYTES,
  write(writer, resend) {
    writer
      .string(resend.topic, GOSSIP_RESEND_MAX_TOPIC_BYTES)
      .list(resend.messages, GOSSIP_RESEND_MAX_MESSAGES, (w, message) =>
        w.bytes(message, GOSSIP_RESEND_MAX_BYTES),
      );
  },
  read(reader) {
    const topic = reader.string(GOSSIP_RESEND_MAX_TOPIC_BYTES, 'resend.topic');
    const messages = reader.list(GOSSIP_RESEND_MAX_MESSAGES, 'resend.messages', (r) =>
      r.bytesField(GOSSIP_RESEND_MAX_BYTES, 'resend.message'),
    );
    if (messages.length === 0) throw new DecodeError('INVALID_VALUE', 'resend.messages is empty');
    return { topic, messages };
  },
});

/**
 * `/synod/1/req/resend`: one GossipResend; the answer is empty (status OK) once every message was
 * validated, or INVALID_REQUEST when one of them is invalid (the rest are delivered all the same).
 */
export const resendProtocol = defineReqRespProtocol<GossipResend, GossipResend>({
  name: 'resend',
  requestCodec: gossipResendCodec,
  responseCodec: gossipResendCodec,
  maxRequestBytes: GOSSIP_RESEND_MAX_BYTES,
  maxResponseChunkBytes: 1,
  // Retransmission fires once per round timeout per peer, and mempool re-gossip once per
  // reconnect or stall: a handful a second even in a long partition.
  rateLimit: { perSecond: 20, burst: 60 },
});
