import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { DecodeError } from '@synod/protocol';
import type { Logger } from 'pino';
import { type GossipValidationCode, GossipValidationError } from './errors.ts';
import type { P2pMetrics } from './metrics.ts';
import type { GossipTopicEntry } from './topics.ts';

/** The result of validating one gossip message, and the decoded value when accepted. */
export type GossipValidationOutcome<T> =
  | { readonly result: TopicValidatorResult.Accept; readonly value: T }
  | {
      readonly result: TopicValidatorResult.Reject | TopicValidatorResult.Ignore;
      readonly code: GossipValidationCode;
    };

/**
 * The one wrapper between gossipsub and a topic's validator: size check → decode (DecodeError →
 * REJECT with its code) → validator (GossipValidationError → its verdict and code) → gossipsub's
 * TopicValidatorResult, counting `synod_gossip_messages_total{topic, result, code}`.
 *
 * A validator that throws anything else is our bug, not the peer's fault: the message is
 * IGNOREd (no penalty), counted as VALIDATOR_ERROR and logged at error level.
 */
export async function validateGossipMessage<T>(
  entry: GossipTopicEntry<T>,
  data: Uint8Array,
  from: PeerId,
  context: { readonly metrics?: P2pMetrics | undefined; readonly logger?: Logger | undefined } = {},
): Promise<GossipValidationOutcome<T>> {
  const outcome = await classify(entry, data, from, context.logger);
  if (outcome.result === TopicValidatorResult.Accept) {
    context.metrics?.gossipMessagesTotal.inc({ topic: entry.name, result: 'accept', code: 'NONE' });
  } else {
    context.metrics?.gossipMessagesTotal.inc({
      topic: entry.name,
      result: outcome.result,
      code: outcome.code,
    });
    context.logger?.debug(
      { topic: entry.name, from: from.toString(), result: outcome.result, code: outcome.code },
      'gossip message not accepted',
    );
  }
  return outcome;
}

async function classify<T>(
  entry: GossipTopicEntry<T>,
  data: Uint8Array,
  from: PeerId,
  logger: Logger | undefined,
): Promise<GossipValidationOutcome<T>> {
  if (data.length > entry.maxBytes) return reject('OVERSIZED');
  let value: T;
  try {
    value = entry.codec.decode(data);
  } catch (error) {
    if (error instanceof DecodeError) {
      // The topic cap is ≤ the codec cap, so a codec-level size failure is the same OVERSIZED.
      return reject(error.code === 'MESSAGE_TOO_LARGE' ? 'OVERSIZED' : error.code);
    }
    throw error; // Codec contract: decode throws DecodeError only. Anything else is a bug.
  }
  try {
    await entry.validate(value, from);
  } catch (error) {
    if (error instanceof GossipValidationError) {
      return error.verdict === 'REJECT' ? reject(error.code) : ignore(error.code);
    }
    logger?.error({ topic: entry.name, err: error }, 'gossip validator failed unexpectedly');
    return ignore('VALIDATOR_ERROR');
  }
  return { result: TopicValidatorResult.Accept, value };
}

function reject(code: GossipValidationCode): GossipValidationOutcome<never> {
  return { result: TopicValidatorResult.Reject, code };
}

function ignore(code: GossipValidationCode): GossipValidationOutcome<never> {
  return { result: TopicValidatorResult.Ignore, code };
}
