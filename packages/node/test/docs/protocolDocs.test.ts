import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateKeyPair } from '@libp2p/crypto/keys';
import * as protocol from '@synod/protocol';
import { decodeDkgMessage, MessageType, toLowerHex } from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dkgTopicName, validateDkgMessage } from '../../src/dkg/topic.ts';
import * as p2pConstants from '../../src/p2p/constants.ts';
import { createP2pNode, type P2pNode } from '../../src/p2p/host.ts';
import { GOSSIP_RESEND_MAX_TOPIC_BYTES, resendProtocol } from '../../src/p2p/resend.ts';
import {
  fetchBlocksProtocol,
  fetchSyncedBlocksProtocol,
  fetchTransactionsProtocol,
  type SynodGossipMessages,
  synodGossipTopics,
} from '../../src/p2p/synod.ts';
import { gossipTopicString } from '../../src/p2p/topics.ts';
import { renderRpcReference } from './rpcReference.ts';
import { type WorkedExamples, workedExamples } from './workedExamples.ts';

/**
 * Keeps docs/protocol.md, docs/rpc.md and the gossip parts of docs/operations.md honest: the
 * topic names, limits, domain tags, message types and gossipsub settings quoted there are compared
 * with the code, and every worked example is recomputed with the real encoders and signers (and
 * the message ids with the running node's own msgId function). After an intended change, update
 * the doc; `node packages/node/test/docs/printExamples.ts` prints the example blocks.
 */

const DOCS = new URL('../../../../docs/', import.meta.url);
const protocolDoc = readFileSync(new URL('protocol.md', DOCS), 'utf8');
const operationsDoc = readFileSync(new URL('operations.md', DOCS), 'utf8');
const rpcDoc = readFileSync(new URL('rpc.md', DOCS), 'utf8');
const openRpc = JSON.parse(readFileSync(new URL('openrpc.json', DOCS), 'utf8')) as {
  methods: { name: string; params: { name: string }[] }[];
};

/** The text of `## title` up to the next `## `. */
function section(doc: string, title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs: no section "## ${title}"`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** Table rows of a markdown text as trimmed cells (header and separator rows included). */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

/** The p2p constants by name, for names read from the doc. */
const p2pByName: Record<string, unknown> = { ...p2pConstants };

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

type PubsubOptions = {
  globalSignaturePolicy: string;
  msgIdFn: (message: { topic: string; data: Uint8Array }) => Uint8Array | Promise<Uint8Array>;
  D: number;
  Dlo: number;
  Dhi: number;
  heartbeatInterval: number;
  seenTTL: number;
  floodPublish: boolean;
  doPX: boolean;
  emitSelf: boolean;
  fallbackToFloodsub: boolean;
  maxInboundDataLength: number;
};

let node: P2pNode<SynodGossipMessages>;
let pubsub: { opts: PubsubOptions; protocols: string[] };
let examples: WorkedExamples;
const registry = synodGossipTopics({
  transactions: () => {},
  proposals: () => {},
  votes: () => {},
  evidence: () => {},
  'decryption-shares': () => {},
});

beforeAll(async () => {
  node = createP2pNode<SynodGossipMessages>({
    privateKey: await generateKeyPair('Ed25519'),
    topics: registry,
    listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
  });
  await node.start();
  pubsub = node.libp2p.services.pubsub as unknown as typeof pubsub;
  // The node's own msgIdFn computes every msgId the examples quote.
  const ids = new Map<string, Uint8Array>();
  const msgIdFn = pubsub.opts.msgIdFn;
  const messageId = (topic: string, data: Uint8Array): Uint8Array => {
    const id = msgIdFn({ topic, data });
    if (id instanceof Promise) throw new Error('msgIdFn is async');
    ids.set(topic, id);
    return id;
  };
  examples = await workedExamples(messageId);
});

afterAll(async () => {
  await node?.stop();
});

describe('docs/protocol.md: gossip', () => {
  const gossip = section(protocolDoc, 'Gossip network');
  const topicRows = tableRows(gossip).filter((row) => row[0]?.startsWith('`/synod/1/'));

  test('the topic table lists exactly the node topics, each with its one message type and cap', () => {
    const consensusRows = topicRows.filter((row) => !row[0]!.includes('dkg-'));
    expect(consensusRows.map((row) => unquote(row[0]!)).sort()).toEqual(
      registry.names.map((name) => registry.entries[name].topic).sort(),
    );
    for (const name of registry.names) {
      const entry = registry.entries[name];
      const row = consensusRows.find((r) => unquote(r[0]!) === entry.topic)!;
      expect(row[1], entry.topic).toMatch(new RegExp(`^${entry.codec.name} \\(${entry.codec.type}\\)`));
      const cap = unquote(row[2]!);
      expect(p2pByName[cap], `${entry.topic} cap ${cap}`).toBe(entry.maxBytes);
      expect(Number(row[3]), `${entry.topic} score weight`).toBe(entry.scoreWeight);
    }
    // The transactions topic carries batches: a bare Transaction is another type.
    expect(registry.entries.transactions.codec.type).toBe(MessageType.TransactionBatch);
    expect(gossip).toContain('never a bare Transaction (1)');
  });

  test('the DKG topic is named as the node names it', () => {
    const dkgRow = topicRows.find((row) => row[0]!.includes('dkg-'))!;
    expect(unquote(dkgRow[0]!)).toBe('/synod/1/dkg-<16 hex digits>/bin');
    const topic = gossipTopicString(dkgTopicName(examples.dkg.sessionId));
    expect(topic).toBe(`/synod/1/dkg-${toLowerHex(examples.dkg.sessionId).slice(2, 18)}/bin`);
    expect(protocolDoc).toContain(`gossip topic: ${topic}`);
  });

  test('the gossipsub settings are the running node’s', () => {
    const o = pubsub.opts;
    expect(o.globalSignaturePolicy).toBe('StrictNoSign');
    expect(gossip).toContain('`globalSignaturePolicy: StrictNoSign`');
    expect(gossip).toContain('`msgId = sha256(topic ‖ 0x00 ‖ data)[0..20]`');
    expect(gossip).toContain(
      `Mesh \`D = ${o.D}\`, \`Dlo = ${o.Dlo}\`, \`Dhi = ${o.Dhi}\`, heartbeat ${o.heartbeatInterval} ms, seen-cache TTL ${o.seenTTL / 1000} s`,
    );
    expect([o.floodPublish, o.doPX, o.emitSelf, o.fallbackToFloodsub]).toEqual([true, false, false, false]);
    const proposalCap = p2pConstants.GOSSIP_MAX_PROPOSAL_BYTES;
    expect(o.maxInboundDataLength).toBe(proposalCap + p2pConstants.GOSSIP_RPC_FRAME_OVERHEAD_BYTES);
    expect(gossip).toContain(
      `${proposalCap} + ${p2pConstants.GOSSIP_RPC_FRAME_OVERHEAD_BYTES} = ${o.maxInboundDataLength} bytes`,
    );
    const ids = pubsub.protocols.filter((p) => p.startsWith('/meshsub/'));
    expect(gossip).toContain(`protocol ids\n${ids.map((id) => `\`${id}\``).join(', ')};`);
  });

  test('the message ids quoted in the examples come from the node’s msgIdFn', () => {
    // workedExamples rendered them with pubsub.opts.msgIdFn; check the rule stated in the doc too.
    for (const { name, topicName, data } of examples.gossip) {
      const topic = registry.entries[topicName as keyof SynodGossipMessages].topic;
      const stated = sha256Id(topic, data);
      expect(toLowerHex(examples.messageIds.get(name)!), name).toBe(toLowerHex(stated));
    }
  });
});

describe('docs/protocol.md: request/response', () => {
  test('the protocol table lists the node’s protocols with their request and response types', () => {
    const rows = tableRows(section(protocolDoc, 'Request/response')).filter((row) =>
      row[0]!.startsWith('`/synod/1/req/'),
    );
    const protocols = [
      fetchTransactionsProtocol,
      fetchBlocksProtocol,
      fetchSyncedBlocksProtocol,
      resendProtocol,
    ];
    expect(rows.map((row) => unquote(row[0]!)).sort()).toEqual(protocols.map((p) => p.id).sort());
    for (const p of protocols) {
      const row = rows.find((r) => unquote(r[0]!) === p.id)!;
      expect(row[1], p.id).toMatch(new RegExp(`^${p.requestCodec.name} \\(${p.requestCodec.type}\\)`));
      if (p !== resendProtocol) {
        expect(row[2], p.id).toContain(`${p.responseCodec.name} (${p.responseCodec.type})`);
      }
    }
    expect(fetchBlocksProtocol.maxResponseChunks).toBe(protocol.MAX_BLOCK_REQUEST_COUNT);
    expect(resendProtocol.maxRequestBytes).toBe(p2pConstants.GOSSIP_RESEND_MAX_BYTES);
    const { perSecond, burst } = resendProtocol.rateLimit;
    expect(section(protocolDoc, 'Request/response')).toContain(
      `Its rate limit is ${perSecond}\nrequests per second with a burst of ${burst} per peer.`,
    );
    expect(fetchBlocksProtocol.timeoutMs).toBe(60_000);
    expect(protocolDoc).toContain('(`blocks`, `blocks-with-extensions`: 60000)');
  });
});

describe('docs/protocol.md: limits, tags, message types', () => {
  const known: Record<string, unknown> = {
    ...protocol,
    ...p2pConstants,
    GOSSIP_RESEND_MAX_TOPIC_BYTES,
  };
  const limitRows = tableRows(section(protocolDoc, 'Limits')).filter((row) => /^`[A-Z_0-9]+`$/.test(row[0]!));

  test('every limit quoted has the code’s value', () => {
    expect(limitRows.length).toBeGreaterThan(40);
    for (const row of limitRows) {
      const name = unquote(row[0]!);
      expect(known[name], `${name} is not a constant of the code`).toBeTypeOf('number');
      expect(Number(row[1]!.replace(/[,_ ]/g, '')), name).toBe(known[name]);
    }
  });

  test('every constant quoted in prose as `NAME` = value or `NAME` (value) has the code’s value', () => {
    let checked = 0;
    for (const doc of [protocolDoc, operationsDoc]) {
      for (const match of doc.matchAll(/`([A-Z][A-Z0-9_]+)`(?:\s*=\s*|\s+\()(-?\d[\d,]*)/g)) {
        const [, name, quoted] = match;
        if (typeof known[name!] !== 'number') continue;
        expect(Number(quoted!.replace(/,/g, '')), `${name} quoted as ${quoted}`).toBe(known[name!]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  test('every protocol cap and gossip cap of the code is in the limits table', () => {
    const quoted = new Set(limitRows.map((row) => unquote(row[0]!)));
    const caps = [
      ...Object.keys(protocol).filter((k) => /^MAX_/.test(k)),
      ...Object.keys(p2pConstants).filter((k) =>
        /^GOSSIP_MAX_|^GOSSIP_RESEND_|^REQRESP_MAX_(REQUEST|RESPONSE)/.test(k),
      ),
    ].filter((k) => typeof known[k] === 'number');
    expect(caps.filter((k) => !quoted.has(k))).toEqual([]);
  });

  test('domain tags: each quoted string hashes to the quoted value, and every tag of the code is quoted', () => {
    const tagRows = tableRows(section(protocolDoc, 'Domain tags')).filter((row) =>
      row[0]!.startsWith('`keccak256("'),
    );
    const codeTags = new Set(
      [
        protocol.HEADER_TAG,
        protocol.VOTE_TAG,
        protocol.EXTENSION_TAG,
        protocol.PROPOSAL_TAG,
        protocol.COMMITTEE_TAG,
        protocol.COMMITMENTS_TAG,
        protocol.TRANSITION_TAG,
        protocol.DECRYPTION_SHARES_TAG,
        protocol.ENCRYPTION_ID_TAG,
        protocol.ENCRYPTION_MASK_TAG,
        protocol.ENCRYPTION_STREAM_TAG,
        protocol.ENCRYPTION_RANDOMNESS_TAG,
        toLowerHex(protocol.DKG_SESSION_TAG),
        toLowerHex(protocol.DKG_ENCRYPTION_SESSION_TAG),
        toLowerHex(protocol.DKG_RESHARE_SESSION_TAG),
        toLowerHex(protocol.DKG_DEAL_TAG),
        toLowerHex(protocol.DKG_RESPONSE_TAG),
        toLowerHex(protocol.DKG_JUSTIFICATION_TAG),
      ].map((tag) => tag.toLowerCase()),
    );
    const quoted = new Set<string>();
    for (const row of tagRows) {
      const text = /^`keccak256\("(.+)"\)`$/.exec(row[0]!)![1]!;
      const value = unquote(row[1]!);
      expect(keccak256(toBytes(text)), text).toBe(value);
      expect(codeTags.has(value), `${text} is a tag of the code`).toBe(true);
      quoted.add(value);
    }
    expect([...codeTags].filter((tag) => !quoted.has(tag))).toEqual([]);
    expect(protocolDoc).toContain(`\`0x0${protocol.MERKLE_LEAF_PREFIX}\` (\`MERKLE_LEAF_PREFIX\`)`);
    expect(protocolDoc).toContain(`\`0x0${protocol.MERKLE_NODE_PREFIX}\` (\`MERKLE_NODE_PREFIX\`)`);
  });

  test('the wire table numbers every message type as MessageType does', () => {
    const rows = tableRows(section(protocolDoc, 'Wire encoding')).filter((row) => /^\d+$/.test(row[0]!));
    const documented = Object.fromEntries(rows.map((row) => [row[1]!, Number(row[0])]));
    const expected = Object.fromEntries(
      Object.entries(MessageType).filter(([name]) => !name.startsWith('Dkg')),
    );
    expect(documented).toEqual(expected);
    expect(protocolDoc).toContain('| 8–10 | DkgDeal, DkgResponse, DkgJustification |');
    expect([MessageType.DkgDeal, MessageType.DkgResponse, MessageType.DkgJustification]).toEqual([8, 9, 10]);
    expect(protocolDoc).toContain(`\`version (u8 = ${protocol.WIRE_VERSION})`);
    expect(protocolDoc).toContain(`uint16  version;        // ${protocol.HEADER_VERSION} (HEADER_VERSION)`);
  });
});

describe('docs/protocol.md: worked examples', () => {
  const blocks = new Map<string, string>();
  for (const match of protocolDoc.matchAll(/<!-- worked-example: ([a-z-]+) -->\n```text\n([\s\S]*?)\n```/g)) {
    blocks.set(match[1]!, match[2]!);
  }

  test('the doc has exactly the examples the code computes', () => {
    expect([...blocks.keys()].sort()).toEqual([...examples.blocks.keys()].sort());
  });

  test('every example block is byte for byte what the real encoders and signers produce', () => {
    for (const [name, text] of examples.blocks) expect(blocks.get(name), `example "${name}"`).toBe(text);
  });

  test('the DKG example messages pass the node’s DKG gossip validation (Ed25519 over tag ‖ body)', async () => {
    for (const bytes of examples.dkg.messages) {
      await validateDkgMessage(decodeDkgMessage(bytes), examples.dkg.config, examples.dkg.sessionId);
    }
  });
});

describe('docs/operations.md and docs/rpc.md', () => {
  test('operations.md names the gossip topics as the nodes do and has no stale start section', () => {
    expect(operationsDoc.includes('TO BE COMPLETED'), 'operations.md still says TO BE COMPLETED').toBe(false);
    const topics = [...operationsDoc.matchAll(/\/synod\/1\/(?!req\/)[a-z<>0-9 -]+[a-z>]+(\/bin)?/g)];
    expect(topics.length).toBeGreaterThan(0);
    for (const [topic] of topics) expect(topic, 'a gossip topic ends in /bin').toMatch(/\/bin$/);
    for (const name of registry.names) {
      const topic = registry.entries[name].topic;
      expect(operationsDoc.includes(`\`${topic}\``), `operations.md names ${topic}`).toBe(true);
    }
  });

  test('rpc.md documents every method of openrpc.json with its params and an example', () => {
    expect(protocolDoc).toContain('[rpc.md](rpc.md)');
    for (const method of openRpc.methods) {
      const start = rpcDoc.indexOf(`\n### \`${method.name}\``);
      expect(start, `rpc.md has a section for ${method.name}`).toBeGreaterThan(0);
      const end = rpcDoc.indexOf('\n### ', start + 1);
      const body = rpcDoc.slice(start, end < 0 ? undefined : end);
      for (const param of method.params)
        expect(body, `${method.name} param ${param.name}`).toContain(`\`${param.name}\``);
      expect(body, `${method.name} example`).toContain(`"method":"${method.name}"`);
    }
  });

  test('rpc.md’s method reference is openrpc.json’s, with examples recorded from the real server', async () => {
    const methods = rpcDoc.slice(rpcDoc.indexOf('\n## Methods\n') + '\n## Methods\n'.length).trim();
    // On a mismatch: `node packages/node/test/docs/printRpcDoc.ts` prints the section.
    expect(methods).toBe(await renderRpcReference());
  });
});

function sha256Id(topic: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(topic)
      .update(new Uint8Array([0]))
      .update(data)
      .digest(),
  ).slice(0, p2pConstants.GOSSIP_MESSAGE_ID_BYTES);
}
