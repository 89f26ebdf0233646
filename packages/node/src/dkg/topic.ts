import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import {
  type Codec,
  type DkgConfig,
  type DkgMessage,
  dealSigningPayload,
  decodeDkgMessage,
  encodeDkgMessage,
  justificationSigningPayload,
  MAX_DKG_DEAL_BYTES,
  MessageType,
  responseSigningPayload,
  toLowerHex,
} from '@synod/protocol';
import { GossipValidationError } from '../p2p/errors.ts';
import { defineGossipTopics, type GossipTopicRegistry, gossipTopicString } from '../p2p/topics.ts';

/**
 * The DKG's gossip topic: `/synod/1/dkg-<first 8 bytes of the session id, hex>/bin`. One topic
 * per session, so a participant still running an old session (another nonce, another genesis)
 * never reaches this one's validator, where its messages would be REJECTed and its honest
 * operator's peer score would collapse.
 */
export function dkgTopicName(sessionId: Uint8Array): string {
  return `dkg-${toLowerHex(sessionId).slice(2, 18)}`;
}

/** All three DKG messages on one topic; a deal is the largest. */
export const dkgMessageCodec: Codec<DkgMessage> = {
  name: 'DkgMessage',
  type: MessageType.DkgDeal,
  maxBytes: MAX_DKG_DEAL_BYTES,
  encode: encodeDkgMessage,
  decode: decodeDkgMessage,
};

function senderOf(message: DkgMessage): number {
  switch (message.type) {
    case 'deal':
      return message.deal.dealerIndex;
    case 'response':
      return message.response.responderIndex;
    case 'justification':
      return message.justification.dealerIndex;
  }
}

function signedPart(message: DkgMessage): {
  payload: Uint8Array;
  signature: Uint8Array;
  sessionId: Uint8Array;
} {
  switch (message.type) {
    case 'deal':
      return { payload: dealSigningPayload(message.deal), ...message.deal };
    case 'response':
      return { payload: responseSigningPayload(message.response), ...message.response };
    case 'justification':
      return { payload: justificationSigningPayload(message.justification), ...message.justification };
  }
}

/** Index of the participant that sent a DKG message (its dealer or responder index). */
export { senderOf as dkgMessageSender };

/**
 * Gossip validation of a DKG message, before it is relayed: it belongs to this session, names a
 * participant (a dealer of the previous committee, for a reshare's deal or justification), and
 * that participant signed it. Anything else is REJECTed (the sender's score
 * drops). Protocol-level checks (phase, duplicates, share validity) are the state machine's.
 */
export async function validateDkgMessage(
  message: DkgMessage,
  config: DkgConfig,
  sessionId: Uint8Array,
): Promise<void> {
  const { payload, signature, sessionId: claimed } = signedPart(message);
  if (toLowerHex(claimed) !== toLowerHex(sessionId)) {
    throw new GossipValidationError('REJECT', 'INVALID_CONTENT', 'another DKG session on this session topic');
  }
  // In a reshare, deals and justifications come from the previous committee (its dealer index).
  const signers =
    message.type !== 'response' && config.reshare !== undefined
      ? config.reshare.dealers
      : config.participants;
  const participant = signers[senderOf(message)];
  if (participant === undefined) throw new GossipValidationError('REJECT', 'UNKNOWN_SIGNER');
  const verified = await publicKeyFromRaw(participant.signingPublicKey).verify(payload, signature);
  if (!verified) throw new GossipValidationError('REJECT', 'BAD_SIGNATURE');
}

/** The topic registry of one DKG session: one topic, typed by its session-scoped name. */
export function dkgGossipTopics(
  config: DkgConfig,
  sessionId: Uint8Array,
): { registry: GossipTopicRegistry<Record<string, DkgMessage>>; name: string; topic: string } {
  const name = dkgTopicName(sessionId);
  const registry = defineGossipTopics<Record<string, DkgMessage>>({
    [name]: { codec: dkgMessageCodec, validate: (message) => validateDkgMessage(message, config, sessionId) },
  });
  return { registry, name, topic: gossipTopicString(name) };
}
