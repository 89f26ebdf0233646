import { bls12_381 } from '@noble/curves/bls12-381.js';
import { type Hex, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSynodClient,
  getBlock,
  getCommittee,
  getPrice,
  getTransactionStatus,
  http,
  sendTransaction,
  TimeoutError,
  VerificationError,
  verifyCertificate,
  waitForFinality,
  webSocket,
} from '../src/index.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

const account = privateKeyToAccount(`0x${'0b'.repeat(32)}`);
const namespace = keccak256(toHex('test-exchange'));
const ETH_USD = keccak256(toHex('ETH/USD'));
/** A valid group key that is not the test node's: the G1 generator (a fresh DKG's key, for the test). */
const OTHER_GROUP_KEY: Hex = `0x${bls12_381.G1.Point.BASE.toHex(true)}`;

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.stop();
});
afterEach(() => {
  node.chain.forge = {};
  node.chain.stopAutoBlocks();
});

/** A fresh account per test: nonces start at 0 on this chain. */
let accountSeed = 0x10;
const freshAccount = () =>
  privateKeyToAccount(`0x${(accountSeed++).toString(16).padStart(2, '0').repeat(32)}`);

describe('send → wait for finality', () => {
  it('resolves with a verified inclusion over HTTP (committee key fetched from the node)', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const { txId, transaction } = await client.sendTransaction({ account, namespace, payload: '0xc0ffee' });
    expect(transaction.nonce).toBe(0n);
    expect((await client.getTransactionStatus({ txId })).status).toBe('pending');
    node.chain.startAutoBlocks(50);
    const finality = await client.waitForFinality({ txId, transaction, timeoutMs: 5_000 });
    expect(finality.txId).toBe(txId);
    expect(finality.header.height).toBe(finality.height);
    expect(finality.header.txCount).toBeGreaterThanOrEqual(1);
    // The second order of the same account gets the next nonce.
    const second = await client.sendTransaction({ account, namespace, payload: '0x01' });
    expect(second.transaction.nonce).toBe(1n);
    await client.waitForFinality({ txId: second.txId, timeoutMs: 5_000 }); // body read from the block
  });

  it('resolves over a WebSocket subscription with a pinned committee key', async () => {
    const client = createSynodClient({
      transport: webSocket(node.webSocketUrl),
      network: TEST_NETWORK,
      committee: { epoch: 0, groupPublicKey: node.groupPublicKey },
    });
    const calls = node.chain.calls.length;
    const sender = freshAccount();
    const { txId, transaction } = await client.sendTransaction({
      account: sender,
      namespace,
      payload: '0xaa',
    });
    const waiting = client.waitForFinality({ txId, transaction, timeoutMs: 5_000 });
    setTimeout(() => node.chain.produceBlock(), 50);
    const finality = await waiting;
    expect(finality.transaction.sender).toBe(sender.address.toLowerCase());
    // Pinned: the node was never asked for the committee.
    expect(node.chain.calls.slice(calls)).not.toContain('getCommittee');
    await client.transport.value.close();
  });

  it('times out with TimeoutError when no block finalizes it', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const { txId } = await client.sendTransaction({ account: freshAccount(), namespace, payload: '0x01' });
    const error = await waitForFinality(client, { txId, timeoutMs: 300, pollingIntervalMs: 50 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(300);
    node.chain.produceBlock(); // leave no pending transaction behind
  });

  it('bounds the body fetch by timeoutMs too (TimeoutError while synod_getBlock hangs)', async () => {
    const client = createSynodClient({
      transport: http(node.url),
      network: TEST_NETWORK,
      committee: { epoch: 0, groupPublicKey: node.groupPublicKey },
    });
    const { txId } = await client.sendTransaction({ account: freshAccount(), namespace, payload: '0x0a' });
    node.chain.produceBlock();
    const getBlock = node.chain.getBlock;
    node.chain.getBlock = async (ref, options) => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return getBlock(ref, options);
    };
    try {
      const started = Date.now();
      // No `transaction`: the body is read from the block, and that read hangs past the deadline.
      const error = await waitForFinality(client, { txId, timeoutMs: 500 }).catch((e) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.timeoutMs).toBe(500);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      node.chain.getBlock = getBlock;
    }
  });
});

describe('a lying node cannot fake finality', () => {
  it('rejects a certificate signed by another key (VerificationError INVALID_CERTIFICATE)', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const { txId, transaction } = await sendTransaction(client, {
      account: freshAccount(),
      namespace,
      payload: '0x02',
    });
    node.chain.produceBlock();
    node.chain.forge = { certificate: true };
    const error = await waitForFinality(client, { txId, transaction, timeoutMs: 5_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error.reason).toBe('INVALID_CERTIFICATE');
  });

  it('rejects a forged Merkle proof (VerificationError INVALID_PROOF)', async () => {
    const client = createSynodClient({
      transport: http(node.url),
      network: TEST_NETWORK,
      committee: { epoch: 0, groupPublicKey: node.groupPublicKey },
    });
    const first = await sendTransaction(client, { account: freshAccount(), namespace, payload: '0x03' });
    await sendTransaction(client, { account: freshAccount(), namespace, payload: '0x04' });
    node.chain.produceBlock();
    node.chain.forge = { proof: true };
    const error = await waitForFinality(client, { ...first, timeoutMs: 5_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error.reason).toBe('INVALID_PROOF');
  });

  it('verifies a later epoch under the key pinned for an earlier one (a reshare keeps it), and a re-keyed epoch under its own pin', async () => {
    const reshared = createSynodClient({
      transport: http(node.url),
      network: TEST_NETWORK,
      committee: { epoch: 0, groupPublicKey: node.groupPublicKey },
    });
    node.chain.epoch = 2;
    try {
      const sent = await sendTransaction(reshared, { account: freshAccount(), namespace, payload: '0x06' });
      node.chain.produceBlock();
      const final = await waitForFinality(reshared, { ...sent, timeoutMs: 5_000 });
      expect(final.header.epoch).toBe(2);
      // A pin for epoch 2 (another key: a fresh DKG) takes over from it: this key no longer verifies.
      const rekeyed = createSynodClient({
        transport: http(node.url),
        network: TEST_NETWORK,
        committee: [
          { epoch: 0, groupPublicKey: node.groupPublicKey },
          { epoch: 2, groupPublicKey: OTHER_GROUP_KEY },
        ],
      });
      const next = await sendTransaction(rekeyed, { account: freshAccount(), namespace, payload: '0x07' });
      node.chain.produceBlock();
      const error = await waitForFinality(rekeyed, { ...next, timeoutMs: 5_000 }).catch((e) => e);
      expect(error).toBeInstanceOf(VerificationError);
      expect(error.reason).toBe('INVALID_CERTIFICATE');
    } finally {
      node.chain.epoch = 0;
    }
  });

  it('rejects a header of an epoch before every pin (UNKNOWN_COMMITTEE)', async () => {
    const client = createSynodClient({
      transport: http(node.url),
      network: TEST_NETWORK,
      committee: { epoch: 5, groupPublicKey: node.groupPublicKey },
    });
    const sent = await sendTransaction(client, { account: freshAccount(), namespace, payload: '0x05' });
    node.chain.produceBlock();
    const error = await waitForFinality(client, { ...sent, timeoutMs: 5_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error.reason).toBe('UNKNOWN_COMMITTEE');
  });

  it('rejects a block whose certificate is for another network (verifyCertificate is false)', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    node.chain.produceBlock();
    const block = (await getBlock(client, { verify: true }))!;
    const committee = (await getCommittee(client))!;
    const valid = {
      header: block.header,
      certificate: block.certificate,
      groupPublicKey: committee.groupPublicKey,
    };
    expect(verifyCertificate({ ...valid, network: TEST_NETWORK })).toBe(true);
    expect(verifyCertificate({ ...valid, network: { ...TEST_NETWORK, chainId: 1 } })).toBe(false);
    expect(
      verifyCertificate({ ...valid, certificate: { ...block.certificate, round: 1 }, network: TEST_NETWORK }),
    ).toBe(false);
    expect(verifyCertificate({ ...valid, groupPublicKey: '0x1234' as Hex, network: TEST_NETWORK })).toBe(
      false,
    );
  });
});

describe('reads', () => {
  it('getBlock with transactions verifies every txId and the roots', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const sent = await sendTransaction(client, { account: freshAccount(), namespace, payload: '0x06' });
    node.chain.setPrice(ETH_USD, 3_000_00000000n);
    const produced = node.chain.produceBlock();
    const block = await getBlock(client, {
      blockHash: produced.hash,
      includeTransactions: true,
      verify: true,
    });
    expect(block?.transactionIds).toEqual([sent.txId]);
    expect(block?.transactions?.[0]?.txId).toBe(sent.txId);
    expect(await getBlock(client, { height: 10_000 })).toBeNull();
    const status = await getTransactionStatus(client, { txId: sent.txId });
    expect(status.status).toBe('finalized');
  });

  it('getBlock with transactions checks namespaceCount against their namespaces (VerificationError INVALID_PROOF)', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    await sendTransaction(client, { account: freshAccount(), namespace, payload: '0x07' });
    node.chain.forge = { namespaceCount: true };
    const produced = node.chain.produceBlock();
    expect(produced.block.header.namespaceCount).toBe(2);
    // Without the bodies the header is all there is: certified, nothing to compare.
    expect((await getBlock(client, { blockHash: produced.hash, verify: true }))?.hash).toBe(produced.hash);
    const error = await getBlock(client, {
      blockHash: produced.hash,
      includeTransactions: true,
      verify: true,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error.reason).toBe('INVALID_PROOF');
    expect(error.message).toContain('namespaceCount 2');
  });

  it('getPrice verifies the price against the certified priceRoot', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    node.chain.setPrice(ETH_USD, 3_141_00000000n);
    const produced = node.chain.produceBlock();
    const price = await getPrice(client, { feedId: ETH_USD, verify: true });
    expect(price?.answer).toBe(3_141_00000000n);
    expect(price?.height).toBe(produced.block.header.height);
    expect(price?.verified?.header.priceRoot).toBe(produced.block.header.priceRoot);
    expect(await getPrice(client, { feedId: keccak256(toHex('NOPE/USD')) })).toBeNull();
  });
});
