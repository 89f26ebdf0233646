import { generateKeyPair } from '@libp2p/crypto/keys';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { validatePeerScoreParams, validatePeerScoreThresholds } from '@libp2p/gossipsub/score';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { certifiedBlockCodec, ProposalCodec, transactionBatchCodec, VoteCodec } from '@synod/protocol';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { GOSSIP_MAX_TRANSACTIONS_BYTES } from '../../src/p2p/constants.ts';
import { GossipValidationError, P2pConfigError } from '../../src/p2p/errors.ts';
import { createP2pNode } from '../../src/p2p/host.ts';
import { createP2pMetrics } from '../../src/p2p/metrics.ts';
import { peerScoreParams, peerScoreThresholds } from '../../src/p2p/scoring.ts';
import {
  fetchBlocksProtocol,
  fetchTransactionsProtocol,
  GossipTopic,
  synodGossipTopics,
} from '../../src/p2p/synod.ts';
import { defineGossipTopics, gossipTopicString } from '../../src/p2p/topics.ts';
import { validateGossipMessage } from '../../src/p2p/validation.ts';
import { type NoteMessages, noteCodec, noteTopics } from './fixtures/notes.ts';
import { gossipCount } from './helpers.ts';

const from = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));

describe('topic registry', () => {
  test('topics are versioned /synod/1/<name>/<encoding> strings', () => {
    expect(gossipTopicString('votes')).toBe('/synod/1/votes/bin');
    expect(() => gossipTopicString('Votes/2')).toThrow(/must match/);
  });

  test('the Synod registry binds every topic to its codec with a cap within the codec cap', () => {
    const accept = () => {};
    const registry = synodGossipTopics({
      transactions: accept,
      proposals: accept,
      votes: accept,
      evidence: accept,
      'decryption-shares': accept,
    });
    expect(registry.names).toEqual(Object.values(GossipTopic));
    expect(registry.entries.transactions).toMatchObject({
      topic: '/synod/1/transactions/bin',
      codec: transactionBatchCodec,
      maxBytes: GOSSIP_MAX_TRANSACTIONS_BYTES,
    });
    expect(registry.entries.proposals.codec).toBe(ProposalCodec);
    expect(registry.entries.votes.codec).toBe(VoteCodec);
    for (const name of registry.names) {
      expect(registry.entries[name].maxBytes).toBeLessThanOrEqual(registry.entries[name].codec.maxBytes);
    }
    expect(fetchTransactionsProtocol.id).toBe('/synod/1/req/transactions');
    expect(fetchBlocksProtocol.id).toBe('/synod/1/req/blocks');
    expect(fetchBlocksProtocol.maxResponseChunkBytes).toBe(certifiedBlockCodec.maxBytes);
  });

  test('a topic cap above its codec cap is a bug caught at definition', () => {
    expect(() =>
      defineGossipTopics<{ notes: NoteMessages['notes'] }>({
        notes: { codec: noteCodec, maxBytes: noteCodec.maxBytes + 1, validate() {} },
      }),
    ).toThrow(/maxBytes/);
  });

  test('missing topics, handlers and wrong message types do not compile', async () => {
    const notesOnly = { notes: { codec: noteCodec, validate() {} } };
    // @ts-expect-error: the `echoes` spec is missing
    expect(() => defineGossipTopics<NoteMessages>(notesOnly)).not.toThrow();
    const node = createP2pNode<NoteMessages>({
      privateKey: await generateKeyPair('Ed25519'),
      topics: noteTopics(),
      listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
    });
    // @ts-expect-error: a topic without a handler
    node.subscribeAll({ notes: () => {} });
    // @ts-expect-error: a topic that is not in the registry
    expect(() => node.subscribe('votes', () => {})).toThrow();
    // @ts-expect-error: the wrong message type for the topic
    await expect(node.publish('notes', { height: 'one' })).rejects.toThrow();
  });

  test('a bootstrap address without /p2p/<peerId> is a config error naming the address', async () => {
    const privateKey = await generateKeyPair('Ed25519');
    const create = (address: string) =>
      createP2pNode<NoteMessages>({
        privateKey,
        topics: noteTopics(),
        listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
        bootstrapPeers: [address],
      });
    expect(() => create('/ip4/10.0.0.1/tcp/9000')).toThrow(P2pConfigError);
    expect(() => create('/ip4/10.0.0.1/tcp/9000')).toThrow(/10\.0\.0\.1\/tcp\/9000 must end in \/p2p/);
    expect(() => create('not a multiaddr')).toThrow(P2pConfigError);
  });

  test('score parameters pass gossipsub validation and order the thresholds', () => {
    expect(() =>
      validatePeerScoreParams(peerScoreParams(new Map([['/synod/1/votes/bin', 2]]))),
    ).not.toThrow();
    const thresholds = peerScoreThresholds();
    expect(() => validatePeerScoreThresholds(thresholds)).not.toThrow();
    expect(thresholds.gossipThreshold).toBeGreaterThan(thresholds.publishThreshold);
    expect(thresholds.publishThreshold).toBeGreaterThan(thresholds.graylistThreshold);
  });
});

describe('validateGossipMessage', () => {
  const registry = new Registry();
  const metrics = createP2pMetrics(registry);
  const entries = noteTopics().entries;

  test('accepts and returns the decoded value', async () => {
    const outcome = await validateGossipMessage(
      entries.notes,
      noteCodec.encode({ height: 1, text: 'a' }),
      from,
      {
        metrics,
      },
    );
    expect(outcome).toEqual({ result: TopicValidatorResult.Accept, value: { height: 1, text: 'a' } });
  });

  test('maps decode failures to REJECT with the DecodeError code', async () => {
    const bytes = noteCodec.encode({ height: 1, text: 'abc' });
    const truncated = await validateGossipMessage(entries.notes, bytes.subarray(0, bytes.length - 1), from, {
      metrics,
    });
    expect(truncated).toEqual({ result: TopicValidatorResult.Reject, code: 'TRUNCATED' });
    const trailing = await validateGossipMessage(entries.notes, new Uint8Array([...bytes, 0]), from, {
      metrics,
    });
    expect(trailing).toEqual({ result: TopicValidatorResult.Reject, code: 'TRAILING_BYTES' });
    const wrongType = await validateGossipMessage(entries.notes, new Uint8Array([1, 99, 0]), from, {
      metrics,
    });
    expect(wrongType).toEqual({ result: TopicValidatorResult.Reject, code: 'UNKNOWN_TYPE' });
    expect(await gossipCount(registry, { topic: 'notes', result: 'reject', code: 'TRUNCATED' })).toBe(1);
  });

  test('an unexpected validator failure IGNOREs (our bug is not the peer’s fault)', async () => {
    const [entry] = [
      defineGossipTopics<{ notes: NoteMessages['notes'] }>({
        notes: {
          codec: noteCodec,
          validate() {
            throw new TypeError('undefined is not a function');
          },
        },
      }).entries.notes,
    ];
    const outcome = await validateGossipMessage(entry!, noteCodec.encode({ height: 1, text: 'a' }), from, {
      metrics,
    });
    expect(outcome).toEqual({ result: TopicValidatorResult.Ignore, code: 'VALIDATOR_ERROR' });
  });

  test('verdicts and codes of GossipValidationError pass through', async () => {
    const entry = defineGossipTopics<{ notes: NoteMessages['notes'] }>({
      notes: {
        codec: noteCodec,
        async validate(note) {
          if (note.height < 5) throw new GossipValidationError('IGNORE', 'STALE_HEIGHT');
          throw new GossipValidationError('REJECT', 'WRONG_NETWORK');
        },
      },
    }).entries.notes;
    expect(await validateGossipMessage(entry, noteCodec.encode({ height: 1, text: '' }), from)).toEqual({
      result: TopicValidatorResult.Ignore,
      code: 'STALE_HEIGHT',
    });
    expect(await validateGossipMessage(entry, noteCodec.encode({ height: 9, text: '' }), from)).toEqual({
      result: TopicValidatorResult.Reject,
      code: 'WRONG_NETWORK',
    });
  });
});
